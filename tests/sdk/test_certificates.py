"""The SDK over HTTPS: trusting the platform CA by fingerprint, member bundles,
connecting with a certificate (mutual TLS) and service certificates."""
import os
import stat
import subprocess

import pytest

import hops
from tests.support import hopsd as support

USER_PASSWORD = "user-Secret-456"


@pytest.fixture(scope="module")
def server():
    with support.running(tls=True) as srv:
        yield srv


def test_trust_platform_ca_checks_the_fingerprint(server, tmp_path):
    expected = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", server.ca],
                              capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
    assert hops.fingerprint(open(server.ca).read()) == expected
    with pytest.raises(ValueError):
        hops.trust_platform_ca(server.url, "00:" * 31 + "00", str(tmp_path / "bad.pem"))
    assert not (tmp_path / "bad.pem").exists()
    ca = hops.trust_platform_ca(server.url, expected, str(tmp_path / "ca.pem"))
    conn = hops.login(server.url, username="admin", password=support.ADMIN_PASSWORD, verify=ca)
    assert conn.whoami()["username"] == "admin"
    with pytest.raises(hops.HopsError):  # not trusted with the system store
        hops.login(server.url, username="admin", password=support.ADMIN_PASSWORD, verify=True)


def test_bundle_certificate_connection_and_service_certificates(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOPS_CA_FILE", server.ca)
    admin = hops.login(server.url, username="admin", password=support.ADMIN_PASSWORD)
    admin.users.create("sdkcert", password=USER_PASSWORD, email="sdkcert@example.com")
    user = hops.login(server.url, username="sdkcert", password=USER_PASSWORD)
    project = user.projects.create("sdkcerts")
    other = user.projects.create("sdkother")
    b = project.certificates.bundle("p12-pass-123", out_dir=str(tmp_path / "creds"))
    assert b["subject"].startswith("CN=sdkcerts__sdkcert")
    assert stat.S_IMODE(os.stat(tmp_path / "creds" / "key.pem").st_mode) == 0o600
    files = (str(tmp_path / "creds" / "cert.pem"), str(tmp_path / "creds" / "key.pem"))
    job = hops.login(server.url, cert=files)
    assert job.auth_type == "certificate" and job.username == "sdkcert"
    assert [p.name for p in job.projects.list()] == ["sdkcerts"]
    job.projects.get("sdkcerts").datasets.write("Resources/from-job.txt", "written with a certificate")
    assert project.datasets.read("Resources/from-job.txt") == b"written with a certificate"
    with pytest.raises(hops.NotFound):
        job.projects.get(other.name)
    with pytest.raises(hops.PermissionDenied):
        job.api_keys.list()
    svc = project.certificates.service(hours=1, purpose="sdk-job", out_dir=str(tmp_path / "svc"))
    assert svc["kind"] == "service" and svc["purpose"] == "sdk-job"
    renewed = project.certificates.renew(svc["serial"], hours=2)
    assert renewed["renewed_from"] == svc["serial"]
    project.certificates.revoke(renewed["serial"], reason="key_compromise")
    statuses = {c["serial"]: c["status"] for c in project.certificates.list(include_revoked=True)}
    assert statuses[svc["serial"]] == "REVOKED" and statuses[renewed["serial"]] == "REVOKED"
    with pytest.raises(hops.InvalidArgument):
        project.certificates.service(hours=1000)
    new = project.certificates.rotate()
    assert new["serial"] != b["serial"] and project.certificates.mine()["serial"] == new["serial"]
    with pytest.raises(hops.Unauthenticated):
        job.whoami()
