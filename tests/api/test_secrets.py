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
