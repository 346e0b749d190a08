"""No secret ever reaches a log: passwords, session tokens and API keys used
against a server with debug logging and access logs are searched for in its
log output, its metrics and its audit records."""
import requests

from tests.support.api import Api
from tests.support.hopsd import Hopsd


def test_no_secret_in_logs_metrics_or_audit(tmp_path):
    srv = Hopsd(data_dir=tmp_path / "d", args=["--log-level", "debug", "--access-log", "true"]).start()
    secrets = [srv.admin_password]
    try:
        admin_token = srv.login()
        secrets.append(admin_token)
        admin = Api(srv.url, "Bearer " + admin_token)
        user_pw = "s3cret-Pass-for-alice"
        secrets.append(user_pw)
        admin.post("/api/v1/users", json={"username": "alice", "password": user_pw, "email": "a@x.io"})
        alice_token = srv.login("alice", user_pw)
        secrets.append(alice_token)
        alice = Api(srv.url, "Bearer " + alice_token)
        key = alice.post("/api/v1/users/me/apikeys", json={"name": "k", "scopes": ["PROJECT"]}).json()["key"]
        secrets += [key, key.split(".", 1)[1]]
        requests.get(srv.url + "/api/v1/projects", headers={"Authorization": "ApiKey " + key})
        new_pw = "an0ther-Secret-pw"
        secrets.append(new_pw)
        alice.put("/api/v1/users/me/password", json={"current_password": user_pw, "new_password": new_pw})
        requests.post(srv.url + "/api/v1/auth/login", json={"username": "alice", "password": "wrong-" + new_pw})
        requests.get(srv.url + "/api/v1/projects", headers={"Authorization": "Bearer " + alice_token + "x"})
        requests.get(srv.url + f"/api/v1/projects?token={key}", headers={"Authorization": "ApiKey " + key})
        # a refused request (413) with a secret in its query string
        requests.post(srv.url + f"/api/v1/projects?token={key}", data=b"x" * (2 << 20),
                      headers={"Content-Type": "application/json"})
        # WebHDFS carries credentials in the query string (delegation=): both
        # steps of a CREATE, an OPEN, a listing, and a refused call.
        admin.post("/api/v1/projects", json={"name": "sec"})
        fs_key = admin.post("/api/v1/users/me/apikeys",
                            json={"name": "fs", "scopes": ["DATASET_VIEW", "DATASET_CREATE"]}).json()["key"]
        secrets += [fs_key, fs_key.split(".", 1)[1]]
        w = srv.url + "/webhdfs/v1/Projects/sec/Resources"
        r = requests.put(f"{w}/f.txt?op=CREATE&delegation={fs_key}", data=b"hello", allow_redirects=True)
        assert r.status_code == 201, r.text
        assert requests.get(f"{w}/f.txt?op=OPEN&delegation={fs_key}").content == b"hello"
        requests.get(f"{w}?op=LISTSTATUS&delegation={admin_token}")
        requests.get(f"{w}/nope?op=GETFILESTATUS&delegation={fs_key}")
        requests.get(f"{w}?op=LISTSTATUS&delegation={fs_key}x")
        alice.post("/api/v1/auth/logout")
        seen = [admin.get("/metrics").text,
                admin.get("/api/v1/admin/audit", params={"limit": 1000}).text]
    finally:
        srv.stop()
    seen.append(srv.log())
    seen.append((tmp_path / "d" / "hopsd.log").read_text(errors="replace"))
    for text in seen:
        for secret in secrets:
            assert secret not in text, f"secret {secret[:6]}... leaked into: {text[max(0, text.find(secret) - 300):text.find(secret) + 50]}"


def test_no_certificate_secret_in_logs_or_audit(tmp_path):
    """Bundle passwords, private keys and PKCS#12 files never reach a log or the audit log."""
    srv = Hopsd(data_dir=tmp_path / "d", tls=True, args=["--log-level", "debug", "--access-log", "true"]).start()
    secrets = [srv.admin_password]
    try:
        admin = Api(srv.url, "Bearer " + srv.login(), verify=srv.ca)
        assert admin.post("/api/v1/projects", json={"name": "certsec"}).status_code == 201
        bundle_pw = "bundle-Secret-pw-42"
        b = admin.post("/api/v1/projects/certsec/certificates/me/bundle", json={"password": bundle_pw}).json()
        secrets += [bundle_pw, b["key_pem"], b["pkcs12_base64"][:200]]
        key_body = b["key_pem"].split("-----")[2].strip().splitlines()[0]
        secrets.append(key_body)
        # a refused bundle request still carries the password
        admin.post("/api/v1/projects/certsec/certificates/me/bundle", json={"password": "short"})
        svc = admin.post("/api/v1/projects/certsec/certificates/service", json={"hours": 1}).json()
        secrets.append(svc["key_pem"].split("-----")[2].strip().splitlines()[0])
        (tmp_path / "c.pem").write_text(b["certificate_pem"])
        (tmp_path / "k.pem").write_text(b["key_pem"])
        mtls = Api(srv.url, verify=srv.ca, cert=(str(tmp_path / "c.pem"), str(tmp_path / "k.pem")))
        assert mtls.get("/api/v1/projects/certsec").status_code == 200
        seen = [admin.get("/api/v1/admin/audit", params={"limit": 1000}).text]
    finally:
        srv.stop()
    seen.append((tmp_path / "d" / "hopsd.log").read_text(errors="replace"))
    for text in seen:
        for secret in secrets:
            assert secret not in text, f"secret {secret[:6]}... leaked"


def test_the_suite_wide_log_check_catches_a_leak(tmp_path):
    """Every hopsd the suites stop has its log searched for every password, token
    and key the suites used (tests/support/hopsd.py); the check itself works."""
    import pytest

    from tests.support.hopsd import SECRETS, check_log_for_secrets, remember
    assert len(SECRETS) > 0
    remember("a-secret-that-leaked-123")
    log = tmp_path / "hopsd.log"
    log.write_text('{"event":"x","value":"a-secret-that-leaked-123"}\n')
    with pytest.raises(AssertionError):
        check_log_for_secrets(log)
    SECRETS.discard("a-secret-that-leaked-123")
