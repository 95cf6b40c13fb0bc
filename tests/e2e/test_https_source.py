"""`ingest --source https://...` over real TLS on the loopback: the engine's libcurl and the
OpenSSL it is linked with (the portable build's, bundled beside it) complete a handshake and
verify the server against the CA bundle the engine picks (net/http_client.cc): $SSL_CERT_FILE
when set, else the system's, which does not know this server."""
import datetime
import http.server
import ipaddress
import ssl
import threading
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sensorlake_cli import run_cli

LINE = b"1600,A,252207666810782,-0.36476135,8.793503,1.0550842;\n"


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem, key_pem = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert_pem, key_pem


@pytest.fixture()
def https_zip(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    with zipfile.ZipFile(site / "wisdm.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("wisdm-dataset/raw/phone/accel/data_1600_accel_phone.txt", LINE * 50)
    cert, key = self_signed(tmp_path)

    def handler(*a, **k):
        return http.server.SimpleHTTPRequestHandler(*a, directory=str(site), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/wisdm.zip", cert
    server.shutdown()
    server.server_close()


def test_https_source_with_its_ca_is_landed(https_zip, tmp_path, monkeypatch):
    url, cert = https_zip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    _, summary, err = run_cli("ingest", "--source", url, "--lake", tmp_path / "lake")
    assert summary["files"] == 1, (summary, err)
    assert summary["lines"] == 50


def test_https_source_the_system_does_not_trust_is_refused(https_zip, tmp_path, monkeypatch):
    url, _ = https_zip
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    code, _, err = run_cli("ingest", "--source", url, "--lake", tmp_path / "lake", check=False)
    assert code != 0
    assert "certificate" in err.lower(), err
    assert not (tmp_path / "lake" / "raw" / "wisdm" / "_latest.json").exists()
