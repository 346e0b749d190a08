"""The CLI against hopsd's default HTTPS: trusting the platform CA (fetched
once with its fingerprint shown, or --ca-file), member bundles, logging in
with a project certificate (mutual TLS) and service certificates."""
import json
import os
import stat
import subprocess

import pytest

from tests.cli.test_cli import Cli, USER_PASSWORD
from tests.support import hopsd as support


@pytest.fixture(scope="module")
def server():
    with support.running(tls=True) as srv:
        yield srv


def fingerprint(pem_file):
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", pem_file],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1]


def test_login_fetches_the_platform_ca_once_and_shows_its_fingerprint(server, tmp_path):
    cli = Cli(server, tmp_path)
    # Without a terminal and without --trust-ca nothing is trusted, but the fingerprint is shown.
    r = cli.run("login", server.url, "-u", "admin", env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})
    assert r.returncode == 1 and "hops: " in r.stderr and "--trust-ca" in r.stderr
    assert fingerprint(server.ca) in r.stderr and not cli.config_file.exists()
    out = cli.ok("login", server.url, "-u", "admin", "--trust-ca", env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})
    assert out.strip() == f"Logged in to {server.url} as admin"
    saved = cli.saved()
    assert open(saved["ca_file"]).read() == open(server.ca).read()
    assert cli.json("whoami")["username"] == "admin"
    # --ca-fingerprint: trusted only when it matches.
    fp_cli = Cli(server, tmp_path / "fp")
    assert "not the expected" in fp_cli.run("login", server.url, "-u", "admin", "--ca-fingerprint", "AB:CD",
                                            env={"HOPS_PASSWORD": support.ADMIN_PASSWORD}).stderr
    fp_cli.ok("login", server.url, "-u", "admin", "--ca-fingerprint", fingerprint(server.ca),
              env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})
    # A later login to the same server reuses the saved CA without asking.
    cli.ok("login", "-u", "admin", env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})
    # --ca-file works on its own; a wrong CA is refused.
    other = Cli(server, tmp_path / "other")
    other.ok("login", server.url, "-u", "admin", "--ca-file", server.ca, env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})
    wrong = tmp_path / "wrong.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(tmp_path / "wrong.key"), "-out", str(wrong), "-days", "1", "-subj", "/CN=x"],
                   check=True, capture_output=True)
    third = Cli(server, tmp_path / "third")
    assert "cannot reach" in third.fail("login", server.url, "-u", "admin", "--ca-file", str(wrong),
                                        env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})


def test_bundle_certificate_login_and_service_certificates(server, tmp_path):
    admin = Cli(server, tmp_path / "admin")
    admin.ok("login", server.url, "-u", "admin", "--ca-file", server.ca, env={"HOPS_PASSWORD": support.ADMIN_PASSWORD})
    admin.ok("users", "create", "certuser", "--email", "certuser@example.com", "--password", USER_PASSWORD)
    user = Cli(server, tmp_path / "user")
    user.ok("login", server.url, "-u", "certuser", "--ca-file", server.ca, env={"HOPS_PASSWORD": USER_PASSWORD})
    user.ok("projects", "create", "certdemo")
    bundle = tmp_path / "bundle"
    shown = user.json("cert", "bundle", "certdemo", "--out", str(bundle), env={"HOPS_BUNDLE_PASSWORD": "p12-pass-123"})
    assert "CN=certdemo__certuser" in shown["subject"]
    for name, mode in [("key.pem", 0o600), ("bundle.p12", 0o600), ("cert.pem", 0o644), ("chain.pem", 0o644)]:
        assert stat.S_IMODE(os.stat(bundle / name).st_mode) == mode, name
    p = subprocess.run(["openssl", "pkcs12", "-in", str(bundle / "bundle.p12"), "-passin", "pass:p12-pass-123",
                        "-nokeys"], capture_output=True, text=True)
    assert p.returncode == 0 and "certdemo__certuser" in p.stdout
    # Files instead of secrets: log in with the certificate, act inside the project only.
    job = Cli(server, tmp_path / "job")
    out = job.ok("login", server.url, "--ca-file", server.ca, "--cert", str(bundle / "cert.pem"),
                 "--key", str(bundle / "key.pem"))
    assert out.strip() == f"Logged in to {server.url} as certuser"
    assert "token" not in job.saved() and job.saved()["cert_file"].endswith("cert.pem")
    assert [d["name"] for d in job.json("fs", "ls", "certdemo")]
    assert "acts inside that project only" in job.fail("apikeys", "list")
    # Service certificates: issued, renewed with a new key, revoked.
    svc = tmp_path / "svc"
    issued = user.json("cert", "service", "certdemo", "--hours", "2", "--purpose", "etl", "--out", str(svc))
    renewed = user.json("cert", "renew", "certdemo", issued["serial"], "--out", str(tmp_path / "svc2"))
    assert renewed["serial"] != issued["serial"]
    assert (svc / "key.pem").read_text() != (tmp_path / "svc2" / "key.pem").read_text()
    listed = {c["serial"]: c["status"] for c in user.json("cert", "ls", "certdemo", "--all")}
    assert listed[issued["serial"]] == "REVOKED" and listed[renewed["serial"]] == "ACTIVE"  # renewal supersedes
    user.ok("cert", "revoke", "certdemo", renewed["serial"], "--reason", "key_compromise")
    listed = {c["serial"]: c["status"] for c in user.json("cert", "ls", "certdemo", "--all")}
    assert listed[renewed["serial"]] == "REVOKED"
    assert "hours must be" in user.fail("cert", "service", "certdemo", "--hours", "100", "--out", str(svc))
    # Rotation ends the old certificate at once.
    user.ok("cert", "rotate", "certdemo")
    assert "revoked" in job.fail("whoami")
