"""An AWS emulator for the production-path tests, and the IAM audit of every call it served.

The emulator is moto's server app (moto 5.2 from the project's .venv) in its own process on
127.0.0.1, started by `Emulator` from any venv: Airflow 2's pinned moto 5.0 corrupts the
engine's S3 uploads (a read-back mismatch) and its IAMPolicy ignores conditions, so the
Airflow 2 tests must not use it in-process. A WSGI middleware in front of moto records each
request (to a JSON-lines file) and serves one test control, /_sensorlake/steps, which moves
EMR steps to a final state (the one thing moto does not do by itself). The audit runs with
the same moto too, in a .venv process of its own (`python aws_emulator.py decide`).

Every AWS call of a test run is judged against the IAM policies of the role that made it,
with moto's own policy engine (moto.iam.access_control.IAMPolicy).

Why not moto's IAM enforcement alone: in server mode it authorizes every service but S3
against the resource "*" and without request context, so a policy scoped to ARNs or with
conditions (aws:RequestTag, aws:ResourceTag, cloudwatch:namespace, iam:PassedToService) can
never allow anything there. So the emulator runs open, a WSGI middleware in front of it
records each request (the access key, the service and operation, its parameters), and
`audit()` rebuilds what AWS authorizes for it: the IAM action, the resource ARN (AWS's
formats), the condition keys, plus the implied iam:PassRole of RunJobFlow, and asks
IAMPolicy for each policy of the caller's role (inline and attached, as read back from the
emulator's IAM). A call that no rule here maps fails the audit naming it: nothing is
skipped silently.
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from dataclasses import dataclass, field
from xml.etree import ElementTree


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def credential(self) -> tuple[str, str, str]:
        """(access key id, region, service) of the SigV4 credential scope."""
        auth = self.headers.get("authorization", "")
        if "Credential=" not in auth:
            return ("", "", "")
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        return scope[0], scope[2], scope[3]


@dataclass
class Call:
    """One authorization AWS makes: who, what, on which resource, with which context."""
    principal: str  # the role name
    action: str  # IAM action, e.g. s3:GetObject
    resource: str  # ARN or "*"
    context: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # what made it: the request line or the script line

    def __str__(self) -> str:
        ctx = f" {self.context}" if self.context else ""
        return f"{self.principal}: {self.action} on {self.resource}{ctx} ({self.origin})"


class StepDriver(threading.Thread):
    """Moves every RUNNING EMR step of the emulator (in this process) to `final_state` once
    it has run for `delay` seconds."""

    def __init__(self, final_state: str, delay: float = 0.5, region: str = "us-east-1"):
        super().__init__(daemon=True)
        self.final_state, self.delay, self.stop = final_state, delay, threading.Event()
        self.region = region

    def run(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.emr.models import emr_backends

        backend = emr_backends[DEFAULT_ACCOUNT_ID][self.region]
        first_seen: dict[str, float] = {}
        while not self.stop.wait(0.1):
            for cluster in list(backend.clusters.values()):
                for step in cluster.steps:
                    seen = first_seen.setdefault(step.id, time.monotonic())
                    if step.state == "RUNNING" and time.monotonic() - seen > self.delay:
                        step.state = self.final_state


class RecordingServer:
    """moto's server app on 127.0.0.1 behind the recorder, in this process."""

    def __init__(self, record_to: Path):
        from moto.moto_server import werkzeug_app
        from werkzeug.serving import make_server

        self._record_to, self._lock = record_to, threading.Lock()
        self._driver: StepDriver | None = None
        app = werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self._server = make_server("127.0.0.1", port, self._recorder(app), True,
                                   request_handler=werkzeug_app.MotoRequestHandler)
        self.endpoint = f"http://127.0.0.1:{port}"

    def serve(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _control(self, environ, start_response):
        params = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                            or b"{}")
        if self._driver:
            self._driver.stop.set()
            self._driver.join()
            self._driver = None
        if params.get("final_state"):
            self._driver = StepDriver(params["final_state"], region=params["region"])
            self._driver.start()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    def _recorder(self, app):
        def middleware(environ, start_response):
            if environ["PATH_INFO"] == "/_sensorlake/steps":
                return self._control(environ, start_response)
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                       if k.startswith("HTTP_")}
            headers["content-type"] = environ.get("CONTENT_TYPE", "")
            body = b""
            length = environ.get("CONTENT_LENGTH")
            # Keep the bodies that name what is called (query and JSON protocols, S3's
            # DeleteObjects); stream the rest (object uploads) through untouched.
            keep = headers.get("x-amz-target") or "form-urlencoded" in headers["content-type"] \
                or environ.get("QUERY_STRING", "").startswith("delete")
            if keep and length:
                body = environ["wsgi.input"].read(int(length))
                environ["wsgi.input"] = io.BytesIO(body)
            status = []

            def record_status(code, response_headers, exc_info=None):
                status.append(int(code.split()[0]))
                return start_response(code, response_headers, exc_info)

            response = app(environ, record_status)
            line = json.dumps({"method": environ["REQUEST_METHOD"],
                               "path": urllib.parse.unquote(environ["PATH_INFO"]),
                               "query": environ.get("QUERY_STRING", ""), "headers": headers,
                               "body": base64.b64encode(body).decode(),
                               "status": status[0] if status else 0})
            with self._lock, open(self._record_to, "a") as f:
                f.write(line + "\n")
            return response
        return middleware


class Emulator:
    """The emulator process, from any venv: `endpoint`, `requests()`, `drive_steps()`,
    `decide()`. Uses the project's .venv (moto 5.2) whatever runs the tests."""

    PYTHON = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"

    def __init__(self, workdir: Path):
        self.record = workdir / "requests.jsonl"
        self.record.write_text("")
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        self._proc = subprocess.Popen([str(self.PYTHON), __file__, "serve", str(self.record)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      env=env)
        self.endpoint = self._proc.stdout.readline().strip()
        if not self.endpoint.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the AWS emulator did not start: {self.endpoint!r}")

    def stop(self) -> None:
        try:
            self._proc.stdin.write("stop\n")
            self._proc.stdin.close()
        except BrokenPipeError:  # it has stopped already
            pass
        self._proc.wait(timeout=30)

    def requests(self) -> list[Request]:
        out = []
        for line in self.record.read_text().splitlines():
            r = json.loads(line)
            out.append(Request(r["method"], r["path"],
                               urllib.parse.parse_qs(r["query"], keep_blank_values=True),
                               r["headers"], base64.b64decode(r["body"]), r["status"]))
        return out

    def drive_steps(self, final_state: str | None, region: str = "us-east-1") -> None:
        import urllib.request

        body = json.dumps({"final_state": final_state, "region": region}).encode()
        urllib.request.urlopen(urllib.request.Request(
            f"{self.endpoint}/_sensorlake/steps", data=body, method="POST"), timeout=10).read()

    def decide(self, calls: list["Call"], policies: dict[str, list[str]]) -> list[dict]:
        """moto 5.2's verdict on each call and the statements that allow it (in the
        emulator's venv): [{"verdict": ..., "sids": [...]}]."""
        payload = json.dumps({"calls": [c.__dict__ for c in calls], "policies": policies})
        proc = subprocess.run([str(self.PYTHON), __file__, "decide"], input=payload,
                              capture_output=True, text=True, check=True)
        return json.loads(proc.stdout)


# ------------------------------------------------------------------ request -> authorization
IAM_PREFIX = {"monitoring": "cloudwatch"}


def _operation(req: Request) -> tuple[str, dict]:
    """(operation name, parameters) of a query- or JSON-protocol request."""
    target = req.headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1], json.loads(req.body or b"{}")
    params = {k: v[0] for k, v in req.query.items()}
    if "form-urlencoded" in req.headers.get("content-type", ""):
        params.update({k: v[0] for k, v in urllib.parse.parse_qs(req.body.decode()).items()})
    if "Action" in params:
        return params["Action"], params
    raise AssertionError(f"no operation in {req.method} {req.path}")


def _s3_calls(req: Request) -> list[tuple[str, str, dict]]:
    """The S3 actions one REST request needs (AWS's "Amazon S3 actions" mapping), with the
    bucket or object ARN."""
    bucket, _, key = req.path.lstrip("/").partition("/")
    q, m = req.query, req.method
    bucket_arn, object_arn = f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/{key}"
    if not key:
        if m in ("GET", "HEAD") and "location" in q:
            return [("s3:GetBucketLocation", bucket_arn, {})]
        if m in ("GET", "HEAD") and "uploads" in q:
            return [("s3:ListBucketMultipartUploads", bucket_arn, {})]
        if m in ("GET", "HEAD") and not (set(q) - {"list-type", "prefix", "delimiter",
                                                   "continuation-token", "max-keys",
                                                   "encoding-type", "start-after",
                                                   "fetch-owner"}):
            return [("s3:ListBucket", bucket_arn, {"s3:prefix": q.get("prefix", [""])[0]})]
        if m == "POST" and "delete" in q:
            keys = [e.text for e in ElementTree.fromstring(req.body).iter()
                    if e.tag.endswith("Key")]
            return [("s3:DeleteObject", f"{bucket_arn}/{k}", {}) for k in keys]
        raise AssertionError(f"no IAM rule for S3 {m} {req.path}?{q}")
    if m in ("GET", "HEAD") and "uploadId" in q:
        return [("s3:ListMultipartUploadParts", object_arn, {})]
    if m in ("GET", "HEAD") and not (set(q) - {"versionId", "partNumber", "range"}):
        return [("s3:GetObject", object_arn, {})]
    if m in ("PUT", "POST") and not (set(q) - {"uploads", "uploadId", "partNumber"}):
        calls = [("s3:PutObject", object_arn, {})]
        source = req.headers.get("x-amz-copy-source")
        if source:
            calls.append(("s3:GetObject",
                          f"arn:aws:s3:::{urllib.parse.unquote(source).lstrip('/')}", {}))
        return calls
    if m == "DELETE" and "uploadId" in q:
        return [("s3:AbortMultipartUpload", object_arn, {})]
    if m == "DELETE" and not q:
        return [("s3:DeleteObject", object_arn, {})]
    raise AssertionError(f"no IAM rule for S3 {m} {req.path}?{q}")


class Authorizations:
    """Turns recorded requests into Calls; `resource_tags(cluster_id)` and `role_of(
    instance_profile)` are read back from the emulator."""

    def __init__(self, account: str, principals: dict[str, str], resource_tags,
                 role_of_instance_profile):
        self.account, self.principals = account, principals
        self.resource_tags, self.role_of = resource_tags, role_of_instance_profile

    def calls(self, req: Request) -> list[Call]:
        key, region, service = req.credential
        principal = self.principals.get(key)
        if principal is None:
            return []  # the test's own set-up and inspection (as the account's admin)
        origin = f"{req.method} {req.path}"
        base = {"aws:RequestedRegion": region}
        if service == "s3":
            return [Call(principal, a, r, {**base, **ctx}, origin)
                    for a, r, ctx in _s3_calls(req)]
        op, params = _operation(req)
        action = f"{IAM_PREFIX.get(service, service)}:{op}"
        origin = f"{service} {op}"
        out = []
        for resource, ctx in self._resources(service, op, params, region):
            out.append(Call(principal, action, resource, {**base, **ctx}, origin))
        if action == "elasticmapreduce:RunJobFlow":
            for role in (params["ServiceRole"], self.role_of(params["JobFlowRole"])):
                arn = role if role.startswith("arn:") else \
                    f"arn:aws:iam::{self.account}:role/{role}"
                out.append(Call(principal, "iam:PassRole", arn,
                                {**base, "iam:PassedToService": "elasticmapreduce.amazonaws.com"},
                                "implied by RunJobFlow"))
        return out

    def _resources(self, service, op, params, region):
        acct = self.account
        if service == "elasticmapreduce":
            if op in ("RunJobFlow", "ListClusters"):
                tags = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in params.get("Tags", [])}
                return [("*", tags)]
            ids = params.get("JobFlowIds") or [params.get("ClusterId") or params.get("JobFlowId")
                                               or params.get("ResourceId")]
            return [(f"arn:aws:elasticmapreduce:{region}:{acct}:cluster/{i}",
                     {f"aws:ResourceTag/{k}": v for k, v in self.resource_tags(i).items()})
                    for i in ids]
        if service == "ssm" and op == "GetParameter":
            return [(f"arn:aws:ssm:{region}:{acct}:parameter/{params['Name'].lstrip('/')}", {})]
        if service == "sns" and op == "Publish":
            return [(params.get("TopicArn") or params["TargetArn"], {})]
        if service == "sts" and op == "GetCallerIdentity":
            return [("*", {})]
        if service == "logs":
            group = f"arn:aws:logs:{region}:{acct}:log-group:{params.get('logGroupName', '')}"
            if op in ("PutLogEvents", "CreateLogStream", "GetLogEvents"):
                return [(f"{group}:log-stream:{params.get('logStreamName', '')}", {})]
            if op == "DescribeLogStreams":
                return [(group, {})]
        if service == "monitoring" and op == "PutMetricData":
            return [("*", {"cloudwatch:namespace": params.get("Namespace", "")})]
        if service == "glue":
            return [(arn, {}) for arn in _glue_resources(op, params, region, acct)]
        raise AssertionError(f"no IAM rule for {service}:{op}: add its resource here")


def _glue_resources(op: str, params: dict, region: str, account: str) -> list[str]:
    """Every resource AWS authorizes a Glue Data Catalog call on (AWS Glue's "actions and
    resources reference"): the catalog, the database, and the table (GetTables: every
    table of the database); the caller needs the action on each one."""
    catalog_id = params.get("CatalogId") or account
    prefix = f"arn:aws:glue:{region}:{catalog_id}"
    if op in ("GetDatabase", "DeleteDatabase", "UpdateDatabase"):
        return [f"{prefix}:catalog", f"{prefix}:database/{params['Name']}"]
    if op == "CreateDatabase":
        return [f"{prefix}:catalog", f"{prefix}:database/{params['DatabaseInput']['Name']}"]
    database = params.get("DatabaseName", "")
    if op == "GetTables":
        table = "*"
    elif op in ("GetTable", "DeleteTable"):
        table = params["Name"]
    elif op in ("CreateTable", "UpdateTable"):
        table = params["TableInput"]["Name"]
    else:
        raise AssertionError(f"no IAM rule for glue:{op}: add its resources here")
    return [f"{prefix}:catalog", f"{prefix}:database/{database}",
            f"{prefix}:table/{database}/{table}"]


def role_policies(iam, role_name: str) -> list[str]:
    """The policy documents of a role as the emulator's IAM holds them: inline, then
    attached managed policies (their default version)."""
    docs = []
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        docs.append(doc if isinstance(doc, str) else json.dumps(doc))
    for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=p["PolicyArn"],
                                     VersionId=version)["PolicyVersion"]["Document"]
        docs.append(doc if isinstance(doc, str) else json.dumps(doc))
    return docs


def decide(call: Call, policies: list[str]) -> str:
    """"allowed", "denied" (an explicit deny) or "implicitly denied", by moto's IAMPolicy."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if call.action == "sts:GetCallerIdentity":
        return "allowed"  # AWS never denies it
    permitted = False
    for doc in policies:
        result = IAMPolicy(doc).is_action_permitted(
            call.action, call.resource, incoming_condition_values=call.context)
        if result == PermissionResult.DENIED:
            return "denied"
        permitted |= result == PermissionResult.PERMITTED
    return "allowed" if permitted else "implicitly denied"


def granting_statements(call: Call, policies: list[str]) -> list[str]:
    """The Sids of the statements that allow the call on their own."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    sids = []
    for doc in policies:
        statements = json.loads(doc)["Statement"]
        for st in statements if isinstance(statements, list) else [statements]:
            if st.get("Effect") == "Allow" and IAMPolicyStatement(st).is_action_permitted(
                    call.action, call.resource, incoming_condition_values=call.context) \
                    == PermissionResult.PERMITTED:
                sids.append(st.get("Sid", "?"))
    return sids


def granted_statements(emulator: Emulator, calls: list[Call],
                       policies: dict[str, list[str]]) -> set[tuple[str, str]]:
    """(role, Sid) of every statement that allowed some call of the run."""
    return {(c.principal, sid) for c, d in zip(calls, emulator.decide(calls, policies))
            for sid in d["sids"]}


def audit(emulator: Emulator, calls: list[Call], policies: dict[str, list[str]]) -> list[str]:
    """The refusals, one line each naming the verdict, the role, the action and the
    resource."""
    verdicts = emulator.decide(calls, policies)
    return [f"{v['verdict']}: {c}" for c, v in zip(calls, verdicts) if v["verdict"] != "allowed"]


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        server = RecordingServer(Path(argv[1]))
        server.serve()
        print(server.endpoint, flush=True)
        # Until the test says "stop" (or closes our stdin). Not EOF alone: processes forked
        # from the test process (the OpenLineage provider's pool) hold the pipe open too.
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        return 0
    if argv[:1] == ["decide"]:
        payload = json.load(sys.stdin)
        calls = [Call(**c) for c in payload["calls"]]
        policies = payload["policies"]
        json.dump([{"verdict": decide(c, policies[c.principal]),
                    "sids": granting_statements(c, policies[c.principal])} for c in calls],
                  sys.stdout)
        return 0
    print("usage: aws_emulator.py serve RECORD_FILE | decide < calls.json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
