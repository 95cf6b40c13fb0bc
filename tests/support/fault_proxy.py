"""A small fault-injecting HTTP proxy on 127.0.0.1 between the engine and the S3 server.

Each request is read whole (head and Content-Length body), then, by a deterministic plan,
either forwarded to the server (with `Connection: close`, so one request is one upstream
connection and the response is relayed until the server closes it) or answered with a
fault: `503 SlowDown`, `500 InternalError`, a dropped connection before any answer, or a
response cut off in the middle of its body. The counts of each are kept for the report.

An `Outage` stops the real server when a chosen request arrives and starts it again after a
given number of requests found it down: the server goes away and comes back at the same
points of a run every time, counted in requests, never in seconds."""
import collections
import socket
import threading

SLOWDOWN = (b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s")
SLOWDOWN_BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                 b"<Message>Please reduce your request rate.</Message></Error>")
INTERNAL = (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s")
INTERNAL_BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
                 b"<Message>We encountered an internal error. Please try again.</Message></Error>")


class FaultPlan:
    """Request n (counted from 1) gets the fault of the first rule whose period divides n."""

    def __init__(self, rules):
        self.rules = rules  # [(period, fault)], fault in slowdown|internal|drop|truncate
        self.requests = 0
        self.injected = collections.Counter()
        self.lock = threading.Lock()

    def next_fault(self):
        with self.lock:
            self.requests += 1
            for period, fault in self.rules:
                if self.requests % period == 0:
                    self.injected[fault] += 1
                    return fault
            return None


class Outage:
    """The S3 server stopped while a run is in the middle of its work, then started again.

    The first request whose head `trigger(head)` accepts stops the server (terminated, as
    an operator or a crash would); that request and the next `refused - 1` find it down
    (the client's connection is reset after its request: what a proxy in front of a
    stopped server does); then the server is started again on the same port and folder,
    and every later request reaches it. Requests in flight when it stops are cut off."""

    def __init__(self, server, trigger, refused):
        self.server, self.trigger, self.refused = server, trigger, refused
        self.state = "up"  # up -> down -> restarted
        self.trigger_request = None
        self.refused_requests = []
        self.lock = threading.Lock()

    def refuses(self, head):
        """Called with each request's head before it is forwarded: True when the request
        finds the server down. Stops and starts the server by the plan; requests wait here
        while it is starting again."""
        with self.lock:
            if self.state == "up" and self.trigger(head):
                self.trigger_request = head.split(b"\r\n", 1)[0].decode()
                self.server.stop()
                self.state = "down"
            if self.state != "down":
                return False
            if len(self.refused_requests) < self.refused:
                self.refused_requests.append(head.split(b"\r\n", 1)[0].decode())
                return True
            self.server.start()
            self.state = "restarted"
            return False


def _read_request(conn):
    """One whole request: the head, then the body by Content-Length or chunked framing
    (the AWS SDK streams PutObject bodies chunked, after `Expect: 100-continue`)."""
    reader = _Reader(conn)
    try:
        head = reader.until(b"\r\n\r\n")[:-4]
        headers = _headers(head)
        if headers.get(b"expect", b"").lower() == b"100-continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            return head, _read_chunked(reader)
        return head, reader.exactly(int(headers.get(b"content-length", b"0")))
    except (EOFError, OSError, ValueError):
        return None


def _headers(head):
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return headers


def _read_chunked(reader):
    body = b""
    while True:
        size_line = reader.until(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        body += size_line + reader.exactly(size + 2)
        if size == 0:
            return body


def _with_connection_close(head):
    lines = [line for line in head.split(b"\r\n")
             if not line.lower().startswith((b"connection:", b"expect:"))]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n"


class FaultProxy:
    def __init__(self, upstream_port, plan, outage=None):
        self.upstream_port, self.plan, self.outage = upstream_port, plan, outage
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"127.0.0.1:{self.port}"
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped = True
        self.sock.close()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            request = _read_request(conn)
            if request is None:
                return
            head, body = request
            fault = self.plan.next_fault()
            if fault == "drop":
                conn.shutdown(socket.SHUT_RDWR)
                return
            if fault == "slowdown":
                conn.sendall(SLOWDOWN % (len(SLOWDOWN_BODY), SLOWDOWN_BODY))
                return
            if fault == "internal":
                conn.sendall(INTERNAL % (len(INTERNAL_BODY), INTERNAL_BODY))
                return
            if self.outage is not None and self.outage.refuses(head):
                conn.shutdown(socket.SHUT_RDWR)  # the server is down: the client sees a reset
                return
            self._forward(conn, head, body, truncate=fault == "truncate")

    def _forward(self, conn, head, body, truncate):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        except OSError:
            conn.shutdown(socket.SHUT_RDWR)  # the server is down: the client sees a reset
            return
        with upstream:
            upstream.sendall(_with_connection_close(head) + body)
            is_head = head.split(b" ", 1)[0].upper() == b"HEAD"
            response = _read_response(upstream, is_head)
        if truncate and response is not None:
            head_end = response.index(b"\r\n\r\n") + 4
            body_len = len(response) - head_end
            if body_len > 1:  # half the body, then the connection dies
                conn.sendall(response[:head_end + body_len // 2])
                conn.shutdown(socket.SHUT_RDWR)
                return
        if response is None:
            conn.shutdown(socket.SHUT_RDWR)
            return
        conn.sendall(response)


class _Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def until(self, marker):
        while marker not in self.buf:
            self.fill()
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def _read_response(sock, is_head):
    """One whole HTTP/1.1 response (interim 100 Continue answers skipped), framed by its
    Content-Length or chunked encoding: the proxy never waits for the server to close."""
    reader = _Reader(sock)
    try:
        while True:
            head = reader.until(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            if status != 100:
                break
        headers = _headers(head)
        if is_head or status in (204, 304):
            return head
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            return head + _read_chunked(reader)
        if b"content-length" in headers:
            return head + reader.exactly(int(headers[b"content-length"]))
        while True:  # no framing: the body ends when the server closes
            try:
                reader.fill()
            except EOFError:
                return head + reader.buf
    except (EOFError, OSError, ValueError, IndexError):
        return None
