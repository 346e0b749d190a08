"""Tests for the Python SDK (clients/python/hops).

The first section needs no server (host parsing, error mapping, headers and
pagination against a tiny in-process fake). The rest runs against a real
hopsd started by tests/support/hopsd.py (one per module; see conftest.py); a
missing build/hopsd is an error, not a skip.
"""
import http.server
import json
import re
import threading
from urllib.parse import parse_qs, urlsplit

import time

import pytest

import hops
from hops._http import normalize_host
from hops.errors import error_from_response
from tests.support import hopsd as support

USER_PASSWORD = "user-Secret-456"  # same as conftest.USER_PASSWORD
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# ---------------------------------------------------------------------------
# Offline tests
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    ("127.0.0.1:8181", "http://127.0.0.1:8181"),
    ("http://127.0.0.1:8181/", "http://127.0.0.1:8181"),
    ("https://hops.example.com", "https://hops.example.com"),
    ("localhost:9000", "http://localhost:9000"),
])
def test_normalize_host(given, expected):
    assert normalize_host(given) == expected


def test_normalize_host_env_and_default(monkeypatch):
    monkeypatch.delenv("HOPS_HOST", raising=False)
    assert normalize_host(None) == "http://127.0.0.1:8181"
    monkeypatch.setenv("HOPS_HOST", "10.0.0.5:8181")
    assert normalize_host(None) == "http://10.0.0.5:8181"
    with pytest.raises(ValueError):
        normalize_host("ftp://x")


@pytest.mark.parametrize("status, code, cls", [
    (400, "BAD_REQUEST", hops.BadRequest),
    (401, "UNAUTHENTICATED", hops.Unauthenticated),
    (403, "PERMISSION_DENIED", hops.PermissionDenied),
    (404, "NOT_FOUND", hops.NotFound),
    (409, "ALREADY_EXISTS", hops.AlreadyExists),
    (409, "CONFLICT", hops.Conflict),
    (409, "QUOTA_EXCEEDED", hops.QuotaExceeded),
    (422, "INVALID_ARGUMENT", hops.InvalidArgument),
    (503, "UNAVAILABLE", hops.Unavailable),
    (418, "TEAPOT", hops.HopsError),
])
def test_error_mapping(status, code, cls):
    body = {"error": {"code": code, "message": "boom happened", "request_id": "rid-1"}}
    err = error_from_response(status, body, headers={})
    assert type(err) is cls
    assert (err.status, err.code, err.message, err.request_id) == (status, code, "boom happened", "rid-1")
    assert "boom happened" in str(err)
    assert isinstance(err, hops.HopsError)


def test_error_without_json_body_uses_status_and_header():
    err = error_from_response(404, None, text="nope", headers={"x-request-id": "abc"})
    assert isinstance(err, hops.NotFound)
    assert err.code == "NOT_FOUND" and err.message == "nope" and err.request_id == "abc"
    assert issubclass(hops.AlreadyExists, hops.Conflict)


def test_login_argument_checks(monkeypatch):
    monkeypatch.delenv("HOPS_API_KEY", raising=False)
    with pytest.raises(ValueError):
        hops.login("127.0.0.1:1")
    with pytest.raises(ValueError):
        hops.login("127.0.0.1:1", username="a")
    with pytest.raises(ValueError):
        hops.login("127.0.0.1:1", api_key="k", username="a", password="b")


class _Fake(http.server.BaseHTTPRequestHandler):
    """Just enough of hopsd to check what the SDK sends."""
    seen = []

    def log_message(self, *args):
        pass

    def _send(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", "fake-rid")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        self.seen.append(("POST", self.path, self.headers.get("Authorization"), body))
        if self.path == "/api/v1/auth/login":
            if body == {"username": "alice", "password": "pw-12345678"}:
                self._send(200, {"token": "tok123", "expires_at": "2026-11-24T18:00:00Z",
                                 "user": {"username": "alice"}})
            else:
                self._send(401, {"error": {"code": "UNAUTHENTICATED", "message": "bad password",
                                           "request_id": "r1"}})
        else:
            self._send(404, {"error": {"code": "NOT_FOUND", "message": "no route"}})

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.seen.append(("GET", self.path, self.headers.get("Authorization"), None))
        if url.path == "/api/v1/users/me":
            self._send(200, {"username": "alice"})
        elif url.path == "/api/v1/projects":
            start = int(query.get("page_token", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            names = [f"p{i}" for i in range(7)]
            page = {"items": [{"name": n, "owner": "alice", "role": "DATA_OWNER"}
                              for n in names[start:start + limit]]}
            if start + limit < len(names):
                page["next_page_token"] = str(start + limit)
            self._send(200, page)
        else:
            self._send(404, {"error": {"code": "NOT_FOUND", "message": f"no route {url.path}"}})


@pytest.fixture
def fake():
    _Fake.seen = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_fake_password_login_and_pagination(fake):
    conn = hops.login(fake, username="alice", password="pw-12345678")
    assert conn.auth_type == "session" and conn.username == "alice"
    assert conn.expires_at == "2026-11-24T18:00:00Z"
    projects = conn.projects.list(page_size=3)
    assert [p.name for p in projects] == [f"p{i}" for i in range(7)]
    gets = [s for s in _Fake.seen if s[0] == "GET"]
    assert len(gets) == 3
    assert all(s[2] == "Bearer tok123" for s in gets)
    assert "limit=3" in gets[0][1] and "page_token=3" in gets[1][1]


def test_fake_api_key_and_errors(fake, monkeypatch):
    monkeypatch.setenv("HOPS_API_KEY", "hops_abc.secret")
    conn = hops.login(fake)
    assert conn.auth_type == "api_key"
    assert _Fake.seen[-1][2] == "ApiKey hops_abc.secret"
    with pytest.raises(hops.NotFound) as exc:
        conn.projects.get("nope")
    assert exc.value.request_id == "fake-rid" and exc.value.status == 404
    with pytest.raises(hops.Unauthenticated) as exc:
        hops.login(fake, username="alice", password="wrong-password")
    assert "bad password" in str(exc.value) and exc.value.request_id == "r1"


def test_unreachable_host_raises_hops_error():
    with pytest.raises(hops.HopsError) as exc:
        hops.login("127.0.0.1:1", api_key="x", timeout=2)
    assert exc.value.code == "CONNECTION_ERROR"


# ---------------------------------------------------------------------------
# Against a real hopsd
# ---------------------------------------------------------------------------

def test_password_login_and_whoami(server, admin):
    assert admin.auth_type == "session"
    assert admin.user["username"] == "admin"
    assert RFC3339.match(admin.expires_at)
    me = admin.whoami()
    assert me["username"] == "admin"
    assert me["role"] == "ADMIN"
    assert me["status"] == "ACTIVE"


def test_host_without_scheme(server):
    bare = server.url.removeprefix("http://")
    conn = hops.login(bare, username="admin", password=support.ADMIN_PASSWORD)
    assert conn.host == server.url
    assert conn.whoami()["username"] == "admin"


def test_env_fallbacks(server, admin, monkeypatch):
    key = admin.api_keys.create("envkey", ["PROJECT"])
    monkeypatch.setenv("HOPS_HOST", server.url)
    monkeypatch.setenv("HOPS_API_KEY", key["key"])
    conn = hops.login()
    assert conn.whoami()["username"] == "admin"
    admin.api_keys.revoke("envkey")


def test_api_key_login(server, make_user, pname):
    alice = make_user("alice")
    created = alice.api_keys.create("laptop", ["PROJECT"])
    assert created["name"] == "laptop"
    assert created["scopes"] == ["PROJECT"]
    assert created["key"].startswith("hops_" + created["prefix"] + ".")
    assert RFC3339.match(created["created_at"])

    listed = alice.api_keys.list()
    assert [k["name"] for k in listed] == ["laptop"]
    assert "key" not in listed[0]
    assert listed[0]["prefix"] == created["prefix"]

    conn = hops.login(server.url, api_key=created["key"])
    assert conn.auth_type == "api_key"
    assert conn.whoami()["username"] == alice.username
    name = pname()
    project = conn.projects.create(name)
    assert project.owner == alice.username
    assert name in [p.name for p in conn.projects.list()]

    # API keys cannot manage API keys (session token only).
    with pytest.raises(hops.PermissionDenied):
        conn.api_keys.create("other", ["PROJECT"])


def test_api_key_scopes_enforced(server, admin, make_user):
    # A PROJECT-only key of the admin cannot use admin routes.
    key = admin.api_keys.create("admin-project-only", ["PROJECT"])
    conn = hops.login(server.url, api_key=key["key"])
    with pytest.raises(hops.PermissionDenied):
        conn.users.list()
    conn.projects.list()
    admin.api_keys.revoke("admin-project-only")

    # A key without PROJECT cannot list projects.
    user = make_user("scoped")
    key = user.api_keys.create("viewer", ["DATASET_VIEW"])
    conn = hops.login(server.url, api_key=key["key"])
    with pytest.raises(hops.PermissionDenied):
        conn.projects.list()


def test_revoked_api_key(server, make_user):
    user = make_user("revoker")
    key = user.api_keys.create("temp", ["PROJECT"])
    conn = hops.login(server.url, api_key=key["key"])
    assert conn.whoami()["username"] == user.username

    user.api_keys.revoke("temp")
    assert user.api_keys.list() == []
    with pytest.raises(hops.Unauthenticated):
        conn.whoami()
    with pytest.raises(hops.Unauthenticated) as exc:
        hops.login(server.url, api_key=key["key"])
    assert exc.value.status == 401 and exc.value.code == "UNAUTHENTICATED"
    with pytest.raises(hops.NotFound):
        user.api_keys.revoke("temp")


def test_api_key_last_used_at(server, make_user):
    user = make_user("lastused")
    key = user.api_keys.create("used", ["PROJECT"])
    (listed,) = user.api_keys.list()
    assert "last_used_at" in listed  # docs/api.md: {"name","prefix","scopes","created_at","last_used_at"}
    hops.login(server.url, api_key=key["key"]).projects.list()
    # Usage is recorded in batches off the request path (within the audit flush interval).
    deadline = time.time() + 5
    while True:
        (listed,) = user.api_keys.list()
        if listed.get("last_used_at") or time.time() > deadline:
            break
        time.sleep(0.05)
    assert listed.get("last_used_at") and RFC3339.match(listed["last_used_at"])


def test_unknown_api_key(server):
    with pytest.raises(hops.Unauthenticated):
        hops.login(server.url, api_key="hops_nope.notasecret")


def test_wrong_password(server, make_user):
    username = make_user("wrongpw", login=False)
    with pytest.raises(hops.Unauthenticated) as exc:
        hops.login(server.url, username=username, password="not-the-password")
    err = exc.value
    assert err.status == 401
    assert err.code == "UNAUTHENTICATED"
    assert err.request_id
    assert err.message and err.message in str(err)
    assert err.headers.get("X-Request-Id") == err.request_id
    with pytest.raises(hops.Unauthenticated):
        hops.login(server.url, username="no-such-user", password="whatever-123")
    # One failure does not lock the account.
    assert hops.login(server.url, username=username, password=USER_PASSWORD).whoami()["username"] == username


def test_logout_revokes_token(server, make_user):
    conn = make_user("leaver")
    assert conn.whoami()
    conn.logout()
    with pytest.raises(hops.Unauthenticated):
        conn.whoami()


def test_project_crud(server, make_user, pname):
    alice = make_user("owner")
    name = pname()
    project = alice.projects.create(name, description="first try")
    assert isinstance(project, hops.Project)
    assert project.name == name
    assert project.description == "first try"
    assert project.owner == alice.username
    assert project.role == hops.DATA_OWNER
    assert RFC3339.match(project.created_at)

    assert [p.name for p in alice.projects.list()] == [name]
    got = alice.projects.get(name)
    assert (got.name, got.description, got.owner, got.role) == (name, "first try", alice.username, "DATA_OWNER")

    updated = got.update(description="second try")
    assert updated is got and got.description == "second try"
    assert alice.projects.get(name).description == "second try"

    got.delete()
    with pytest.raises(hops.NotFound):
        alice.projects.get(name)
    assert alice.projects.list() == []

    other = alice.projects.create(pname())
    alice.projects.delete(other.name)
    with pytest.raises(hops.NotFound):
        alice.projects.delete(other.name)


def test_admin_sees_project_without_role(server, admin, make_user, pname):
    user = make_user("solo")
    name = pname()
    user.projects.create(name)
    project = admin.projects.get(name)
    assert project.owner == user.username
    assert project.role is None
    assert name in [p.name for p in admin.projects.list()]


def test_duplicate_project(server, make_user, pname):
    user = make_user("dup")
    name = pname("Dup")
    user.projects.create(name)
    with pytest.raises(hops.AlreadyExists) as exc:
        user.projects.create(name)
    assert exc.value.status == 409 and exc.value.code == "ALREADY_EXISTS"
    with pytest.raises(hops.AlreadyExists):  # names are unique regardless of case
        user.projects.create(name.lower())
    other = make_user("dup")
    with pytest.raises(hops.AlreadyExists):
        other.projects.create(name.upper())


@pytest.mark.parametrize("bad", ["a", "x" * 25, "has-dash", "has space", "_lead", "trail_",
                                 "dou__ble", "12345"])
def test_invalid_project_name(server, admin, bad):
    with pytest.raises(hops.InvalidArgument) as exc:
        admin.projects.create(bad)
    assert exc.value.status == 422 and exc.value.code == "INVALID_ARGUMENT"


def test_members(server, make_user, pname):
    alice, bob, carol = make_user("mowner"), make_user("mbob"), make_user("mcarol")
    project = alice.projects.create(pname())

    members = project.members.list()
    assert [(m["username"], m["role"]) for m in members] == [(alice.username, "DATA_OWNER")]

    added = project.members.add(bob.username)
    assert added["username"] == bob.username
    assert added["role"] == "DATA_SCIENTIST"
    assert RFC3339.match(added["added_at"])
    roles = {m["username"]: m["role"] for m in project.members.list()}
    assert roles == {alice.username: "DATA_OWNER", bob.username: "DATA_SCIENTIST"}

    as_bob = bob.projects.get(project.name)
    assert as_bob.role == "DATA_SCIENTIST"
    assert [p.name for p in bob.projects.list()] == [project.name]
    assert {m["username"] for m in as_bob.members.list()} == {alice.username, bob.username}

    with pytest.raises(hops.Conflict):  # already a member
        project.members.add(bob.username)
    with pytest.raises(hops.NotFound):
        project.members.add("no-such-user")
    with pytest.raises(hops.InvalidArgument):
        project.members.add(carol.username, role="ADMIN")

    updated = project.members.update(bob.username, "DATA_OWNER")
    assert updated["role"] == "DATA_OWNER"
    assert bob.projects.get(project.name).role == "DATA_OWNER"

    # A Data Owner who is not the owner manages members but cannot delete the project.
    as_bob = bob.projects.get(project.name)
    as_bob.members.add(carol.username, role="DATA_SCIENTIST")
    as_bob.members.remove(carol.username)
    with pytest.raises(hops.PermissionDenied):
        as_bob.delete()

    # The owner cannot be removed or demoted.
    with pytest.raises(hops.Conflict):
        project.members.remove(alice.username)
    with pytest.raises(hops.Conflict):
        project.members.update(alice.username, "DATA_SCIENTIST")
    assert alice.projects.get(project.name).role == "DATA_OWNER"

    project.members.remove(bob.username)
    assert [m["username"] for m in project.members.list()] == [alice.username]
    with pytest.raises(hops.NotFound):
        bob.projects.get(project.name)
    with pytest.raises(hops.NotFound):
        project.members.remove(bob.username)


def test_non_member_gets_not_found(server, make_user, pname):
    alice, mallory = make_user("private"), make_user("outsider")
    name = pname()
    alice.projects.create(name, description="secret")
    with pytest.raises(hops.NotFound) as exc:
        mallory.projects.get(name)
    assert "secret" not in str(exc.value)
    project = alice.projects.get(name)
    project_seen_by_mallory = hops.Project(mallory._http, project.raw)
    for call in (project_seen_by_mallory.members.list,
                 project_seen_by_mallory.quotas,
                 lambda: project_seen_by_mallory.update(description="pwned"),
                 lambda: project_seen_by_mallory.members.add(mallory.username),
                 project_seen_by_mallory.delete):
        with pytest.raises(hops.NotFound):
            call()
    assert mallory.projects.list() == []
    assert alice.projects.get(name).description == "secret"


def test_data_scientist_cannot_manage(server, make_user, pname):
    alice, bob, carol = make_user("downer"), make_user("dsci"), make_user("dthird")
    project = alice.projects.create(pname(), description="orig")
    project.members.add(bob.username, role="DATA_SCIENTIST")
    as_bob = bob.projects.get(project.name)

    with pytest.raises(hops.PermissionDenied) as exc:
        as_bob.members.add(carol.username)
    assert exc.value.status == 403 and exc.value.code == "PERMISSION_DENIED"
    with pytest.raises(hops.PermissionDenied):
        as_bob.members.update(bob.username, "DATA_OWNER")
    with pytest.raises(hops.PermissionDenied):
        as_bob.members.remove(alice.username)
    with pytest.raises(hops.PermissionDenied):
        as_bob.update(description="changed")
    with pytest.raises(hops.PermissionDenied):
        as_bob.delete()
    assert alice.projects.get(project.name).description == "orig"
    assert {m["username"] for m in project.members.list()} == {alice.username, bob.username}


def test_quotas(server, admin, make_user, pname):
    user = make_user("quota")
    project = user.projects.create(pname())
    report = project.quotas()
    assert set(report) >= {"storage_bytes", "namespace_entries", "cpu_hours", "gpu_hours"}
    for key in ("storage_bytes", "namespace_entries", "cpu_hours", "gpu_hours"):
        assert set(report[key]) >= {"limit", "used"}, key
        assert isinstance(report[key]["limit"], (int, float)), key
        assert isinstance(report[key]["used"], (int, float)), key
        assert report[key]["limit"] == -1 or report[key]["limit"] >= 0
        assert report[key]["used"] >= 0

    as_admin = admin.projects.get(project.name)
    new = as_admin.set_quotas(storage_bytes=1073741824, gpu_hours=-1)
    assert new["storage_bytes"]["limit"] == 1073741824
    assert new["gpu_hours"]["limit"] == -1
    assert project.quotas()["storage_bytes"]["limit"] == 1073741824
    with pytest.raises(hops.PermissionDenied):
        project.set_quotas(storage_bytes=1)


def test_pagination_and_project_limit(server, admin, make_user):
    first, second = make_user("pagea"), make_user("pageb")
    names = [f"pga{i:02d}" for i in range(10)] + [f"pgb{i:02d}" for i in range(2)]
    for name in names[:10]:
        first.projects.create(name)
    for name in names[10:]:
        second.projects.create(name)

    # Each user owns at most 10 projects.
    with pytest.raises(hops.QuotaExceeded) as exc:
        first.projects.create("pga10")
    assert exc.value.status == 409 and exc.value.code == "QUOTA_EXCEEDED"

    mine = first.projects.list(page_size=3)
    assert sorted(p.name for p in mine) == names[:10]

    everything = [p.name for p in admin.projects.list(page_size=5)]
    assert len(everything) == len(set(everything))
    assert set(names) <= set(everything)
    assert [p.name for p in admin.projects.iter(page_size=1000)] == everything

    # The raw pages: full pages carry a token, the last does not.
    pages, token = [], None
    while True:
        page = admin.request("GET", "/api/v1/projects",
                             params={"limit": 5, "page_token": token})
        pages.append(page["items"])
        token = page.get("next_page_token")
        if not token:
            break
    assert len(pages) >= 3
    assert all(len(p) == 5 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 5
    assert [p["name"] for page in pages for p in page] == everything


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"limit": "many"},
                                    {"page_token": "not-a-token"}])
def test_bad_list_parameters(server, admin, params):
    with pytest.raises(hops.BadRequest) as exc:
        admin.request("GET", "/api/v1/projects", params=params)
    assert exc.value.status == 400 and exc.value.code == "BAD_REQUEST"


def test_method_not_allowed(server, admin):
    with pytest.raises(hops.MethodNotAllowed) as exc:
        admin.request("DELETE", "/api/v1/users/me")
    assert exc.value.status == 405 and "GET" in exc.value.headers.get("Allow", "")
    with pytest.raises(hops.NotFound):
        admin.request("GET", "/api/v1/no/such/route")


def test_user_admin(server, admin, make_user):
    username = "newbie"
    user = admin.users.create(username, USER_PASSWORD, "newbie@example.com")
    assert user["username"] == username
    assert user["email"] == "newbie@example.com"
    assert user["role"] == "USER"
    assert user["status"] == "ACTIVE"
    assert RFC3339.match(user["created_at"])
    assert "password" not in user

    assert admin.users.get(username)["email"] == "newbie@example.com"
    listed = admin.users.list()
    assert {"admin", username} <= {u["username"] for u in listed}
    assert admin.users.list(page_size=1) == listed

    assert admin.users.update(username, email="renamed@example.com")["email"] == "renamed@example.com"
    assert admin.users.get(username)["email"] == "renamed@example.com"

    with pytest.raises(hops.AlreadyExists):
        admin.users.create(username, USER_PASSWORD, "again@example.com")
    with pytest.raises(hops.InvalidArgument):
        admin.users.create("Bad Name", USER_PASSWORD, "bad@example.com")
    with pytest.raises(hops.InvalidArgument):
        admin.users.create("shortpw", "short", "short@example.com")
    with pytest.raises(hops.InvalidArgument):
        admin.users.update(username, role="SUPERUSER")
    with pytest.raises(hops.BadRequest):
        admin.users.update(username, favourite_colour="blue")
    with pytest.raises(hops.NotFound):
        admin.users.get("no-such-user")

    conn = hops.login(server.url, username=username, password=USER_PASSWORD)
    for call in (conn.users.list, lambda: conn.users.get("admin"),
                 lambda: conn.users.create("sneaky", USER_PASSWORD, "s@example.com")):
        with pytest.raises(hops.PermissionDenied):
            call()


def test_admin_role_user(server, admin):
    admin.users.create("second-admin", USER_PASSWORD, "sa@example.com", role="ADMIN")
    conn = hops.login(server.url, username="second-admin", password=USER_PASSWORD)
    assert conn.whoami()["role"] == "ADMIN"
    assert "second-admin" in {u["username"] for u in conn.users.list()}


def test_lockout_and_unlock(server, admin, make_user):
    username = make_user("lockme", login=False)
    for _ in range(5):
        with pytest.raises(hops.Unauthenticated):
            hops.login(server.url, username=username, password="wrong-password-1")
    assert admin.users.get(username)["status"] == "LOCKED"
    with pytest.raises(hops.PermissionDenied):
        hops.login(server.url, username=username, password=USER_PASSWORD)
    assert admin.users.update(username, status="ACTIVE")["status"] == "ACTIVE"
    assert hops.login(server.url, username=username, password=USER_PASSWORD).whoami()["username"] == username


def test_context_manager_logs_out(server, make_user):
    conn = make_user("ctx")
    with conn as c:
        assert c.whoami()["username"] == conn.username
    with pytest.raises(hops.Unauthenticated):
        conn.whoami()
