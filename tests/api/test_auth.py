"""Users, logins, sessions, API keys and scopes through the REST API."""
import time

import requests

from tests.support.api import Api, unique


def test_login_and_me(server, admin):
    me = admin.get("/api/v1/users/me").json()
    assert me["username"] == "admin" and me["role"] == "ADMIN" and me["auth"] == "session"


def test_login_shape(server):
    r = requests.post(server.url + "/api/v1/auth/login", json={"username": "admin", "password": server.admin_password})
    assert r.status_code == 200
    body = r.json()
    assert body["token"] and body["expires_at"].endswith("Z") and body["user"]["username"] == "admin"
    assert "password" not in r.text


def test_wrong_password_is_401_and_audited(server, admin, user_factory):
    name, _ = user_factory()
    r = requests.post(server.url + "/api/v1/auth/login", json={"username": name, "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"
    r = requests.post(server.url + "/api/v1/auth/login", json={"username": "nobody-here", "password": "x"})
    assert r.status_code == 401
    for _ in range(50):
        recs = admin.get(f"/api/v1/admin/audit?action=auth.login&outcome=UNAUTHENTICATED").json()["items"]
        if any(r["target"] == name for r in recs):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("failed login was not audited")


def test_lockout_and_unlock(server, admin, user_factory):
    name, _ = user_factory()
    for _ in range(5):
        r = requests.post(server.url + "/api/v1/auth/login", json={"username": name, "password": "nope-nope"})
        assert r.status_code == 401
    r = requests.post(server.url + "/api/v1/auth/login", json={"username": name, "password": "password-123"})
    assert r.status_code == 403 and "locked" in r.json()["error"]["message"]
    assert admin.get(f"/api/v1/users/{name}").json()["status"] == "LOCKED"
    r = admin.patch(f"/api/v1/users/{name}", json={"status": "ACTIVE"})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    assert server.login(name, "password-123")


def test_logout_revokes_token(server):
    token = server.login()
    api = Api(server.url, "Bearer " + token)
    assert api.get("/api/v1/users/me").status_code == 200
    assert api.post("/api/v1/auth/logout").status_code == 204
    r = api.get("/api/v1/users/me")
    assert r.status_code == 401 and r.headers.get("WWW-Authenticate")


def test_tampered_token_is_refused(server):
    token = server.login()
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert requests.get(server.url + "/api/v1/users/me", headers={"Authorization": "Bearer " + bad}).status_code == 401


def test_change_password(server, user_factory):
    name, api = user_factory()
    other = Api(server.url, "Bearer " + server.login(name, "password-123"))
    r = api.put("/api/v1/users/me/password", json={"current_password": "wrong-one", "new_password": "new-password-1"})
    assert r.status_code == 403
    r = api.put("/api/v1/users/me/password", json={"current_password": "password-123", "new_password": "short"})
    assert r.status_code == 422
    r = api.put("/api/v1/users/me/password", json={"current_password": "password-123", "new_password": "new-password-1"})
    assert r.status_code == 204
    assert api.get("/api/v1/users/me").status_code == 200       # this session stays
    assert other.get("/api/v1/users/me").status_code == 401     # others end
    bad = requests.post(server.url + "/api/v1/auth/login", json={"username": name, "password": "password-123"})
    assert bad.status_code == 401
    assert server.login(name, "new-password-1")


def test_api_keys_lifecycle_and_scopes(server, user_factory):
    name, api = user_factory()
    r = api.post("/api/v1/users/me/apikeys", json={"name": "ci", "scopes": ["PROJECT"]})
    assert r.status_code == 201
    key = r.json()["key"]
    assert key.startswith("hops_") and r.json()["scopes"] == ["PROJECT"]
    assert api.post("/api/v1/users/me/apikeys", json={"name": "ci", "scopes": ["PROJECT"]}).status_code == 409
    k = Api(server.url, "ApiKey " + key)
    assert k.get("/api/v1/projects").status_code == 200
    assert k.get("/api/v1/users/me").json()["auth"] == "apikey"
    # a key cannot mint keys, and keys never show their secret again
    assert k.post("/api/v1/users/me/apikeys", json={"name": "x", "scopes": ["PROJECT"]}).status_code == 403
    listed = api.get("/api/v1/users/me/apikeys").json()["items"]
    assert [x["name"] for x in listed] == ["ci"] and "key" not in listed[0]
    # last use is recorded off the request path
    for _ in range(50):
        if api.get("/api/v1/users/me/apikeys").json()["items"][0]["last_used_at"]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("last_used_at never set")
    # a key without the PROJECT scope cannot use project routes
    r = api.post("/api/v1/users/me/apikeys", json={"name": "viewer", "scopes": ["DATASET_VIEW"]})
    viewer = Api(server.url, "ApiKey " + r.json()["key"])
    r = viewer.get("/api/v1/projects")
    assert r.status_code == 403 and "PROJECT" in r.json()["error"]["message"]
    # revoke
    assert api.delete("/api/v1/users/me/apikeys/ci").status_code == 204
    assert k.get("/api/v1/projects").status_code == 401


def test_admin_scope_rules(server, admin, user_factory):
    r = admin.post("/api/v1/users/me/apikeys", json={"name": unique("adm"), "scopes": ["PROJECT"]})
    no_admin_scope = Api(server.url, "ApiKey " + r.json()["key"])
    assert no_admin_scope.get("/api/v1/users").status_code == 403
    r = admin.post("/api/v1/users/me/apikeys", json={"name": unique("adm"), "scopes": ["ADMIN"]})
    admin_key = Api(server.url, "ApiKey " + r.json()["key"])
    assert admin_key.get("/api/v1/users").status_code == 200
    _, user = user_factory()
    assert user.get("/api/v1/users").status_code == 403
    assert user.get("/api/v1/admin/audit").status_code == 403
    assert user.get("/metrics").status_code == 403
    assert user.post("/api/v1/users/me/apikeys", json={"name": "a", "scopes": ["ADMIN"]}).status_code == 403


def test_user_admin(server, admin):
    name = unique("u")
    r = admin.post("/api/v1/users", json={"username": name, "password": "password-123", "email": "x@y.io"})
    assert r.status_code == 201 and r.json()["status"] == "ACTIVE"
    assert admin.post("/api/v1/users", json={"username": name, "password": "password-123",
                                              "email": "x@y.io"}).status_code == 409
    assert admin.get("/api/v1/users/" + name).json()["email"] == "x@y.io"
    assert admin.get("/api/v1/users/nobody-at-all").status_code == 404
    r = admin.patch("/api/v1/users/" + name, json={"status": "DEACTIVATED"})
    assert r.json()["status"] == "DEACTIVATED"
    assert requests.post(server.url + "/api/v1/auth/login",
                         json={"username": name, "password": "password-123"}).status_code == 403
    assert admin.patch("/api/v1/users/admin", json={"status": "DEACTIVATED"}).status_code == 409
    # pagination over users
    seen, token = [], None
    while True:
        q = "/api/v1/users?limit=2" + (f"&page_token={token}" if token else "")
        page = admin.get(q).json()
        seen += [u["username"] for u in page["items"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) and name in seen


def test_deactivation_ends_sessions_and_keys(server, admin, user_factory):
    name, api = user_factory()
    key = api.post("/api/v1/users/me/apikeys", json={"name": "k", "scopes": ["PROJECT"]}).json()["key"]
    admin.patch(f"/api/v1/users/{name}", json={"status": "DEACTIVATED"})
    assert api.get("/api/v1/users/me").status_code == 401
    assert requests.get(server.url + "/api/v1/projects", headers={"Authorization": "ApiKey " + key}).status_code == 401


def test_registration_disabled_by_default(server):
    r = requests.post(server.url + "/api/v1/auth/register",
                      json={"username": "selfmade", "password": "password-123", "email": "s@x.io"})
    assert r.status_code == 403 and "disabled" in r.json()["error"]["message"]


def test_registration_when_enabled_waits_for_approval():
    from tests.support.hopsd import Hopsd
    srv = Hopsd(args=["--allow-registration", "true"]).start()
    try:
        r = requests.post(srv.url + "/api/v1/auth/register",
                          json={"username": "newbie", "password": "password-123", "email": "n@x.io"})
        assert r.status_code == 201 and r.json()["status"] == "PENDING"
        again = requests.post(srv.url + "/api/v1/auth/register",
                              json={"username": "newbie", "password": "password-123", "email": "n@x.io"})
        assert again.status_code == 409
        r = requests.post(srv.url + "/api/v1/auth/login", json={"username": "newbie", "password": "password-123"})
        assert r.status_code == 403 and "approval" in r.json()["error"]["message"]
        admin = Api(srv.url, "Bearer " + srv.login())
        assert admin.patch("/api/v1/users/newbie", json={"status": "ACTIVE"}).json()["status"] == "ACTIVE"
        assert srv.login("newbie", "password-123")
    finally:
        srv.cleanup()


def test_failed_logins_per_address_get_429():
    from tests.support.hopsd import Hopsd
    srv = Hopsd(args=["--login-failures-per-address", "3"]).start()
    try:
        for name in ["a1x", "b2x", "c3x"]:  # guessing across accounts, so no single account locks
            r = requests.post(srv.url + "/api/v1/auth/login", json={"username": name, "password": "guess-guess"})
            assert r.status_code == 401
        r = requests.post(srv.url + "/api/v1/auth/login", json={"username": "admin", "password": srv.admin_password})
        assert r.status_code == 429 and r.json()["error"]["code"] == "TOO_MANY_REQUESTS"
        assert 0 < int(r.headers["Retry-After"]) <= 60
        admin_ok = requests.get(srv.url + "/healthz")
        assert admin_ok.status_code == 200
    finally:
        srv.cleanup()


def _kid(token):
    import base64
    payload = token.split(".")[0]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|")[1]


def test_signing_key_rotation_keeps_sessions(server, admin):
    before = server.login()
    r = admin.post("/api/v1/admin/signing-keys/rotate")
    assert r.status_code == 200
    kid = r.json()["kid"]
    after = server.login()
    assert _kid(after) == kid and _kid(before) != kid
    for token in (before, after):
        assert requests.get(server.url + "/api/v1/users/me", headers={"Authorization": "Bearer " + token}).status_code == 200
    recs = admin.get("/api/v1/admin/audit", params={"action": "auth.rotate_signing_key"}).json()["items"]
    assert recs and recs[0]["target"] == kid


def test_failed_logins_per_user_get_429():
    from tests.support.hopsd import Hopsd
    srv = Hopsd(args=["--login-failures-per-user", "2", "--max-failed-logins", "100"]).start()
    try:
        for _ in range(2):
            assert requests.post(srv.url + "/api/v1/auth/login",
                                 json={"username": "admin", "password": "guess-guess"}).status_code == 401
        r = requests.post(srv.url + "/api/v1/auth/login", json={"username": "admin", "password": srv.admin_password})
        assert r.status_code == 429 and "account" in r.json()["error"]["message"] and r.headers["Retry-After"]
    finally:
        srv.cleanup()
