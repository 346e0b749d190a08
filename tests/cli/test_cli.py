"""End-to-end tests for the `hops` command-line client.

Every test drives the real build/hops binary (as a subprocess) against a real
hopsd started by tests/support/hopsd.py (one server per module). Each test
gets its own $HOPS_CONFIG_DIR (and $HOME) under tmp_path, so saved
credentials never leak between tests or into the developer's home.

Contract under test (src/cli/main.cc, docs/api.md): `hops [--json] <noun>
<verb>`, human tables by default, JSON with --json, exit 0 on success and
exit 1 with "hops: <server message> (<CODE>, HTTP <status>, request <id>)"
on stderr when the server refuses.
"""
import errno
import itertools
import json
import os
import re
import shutil
import stat
import subprocess
import time

import pytest
import requests

from tests.support import hopsd as support

USER_PASSWORD = "user-Secret-456"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
# The environment variables the CLI reads; scrubbed so the caller's shell
# cannot change what the tests see.
_CLI_ENV = ("HOPS_CONFIG_DIR", "HOPS_ENDPOINT", "HOPS_API_KEY", "HOPS_PASSWORD", "HOPS_NEW_PASSWORD")

_ids = itertools.count(1)


def unique(prefix):
    """A unique, valid user or project name for this module's server."""
    return f"{prefix}{next(_ids):03d}"


def _wait_for(path, timeout=60):
    """The binaries may be rebuilt under us; wait briefly for them to reappear."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and os.access(path, os.X_OK):
            return True
        time.sleep(0.5)
    return False


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    for binary in (support.HOPSD, support.HOPS_CLI):
        assert _wait_for(binary, timeout=30), f"{binary} not found (run `make build` or set HOPS_BIN_DIR)"
    with support.running() as srv:
        yield srv


@pytest.fixture(scope="module")
def rest_admin(server):
    """A plain REST session for the admin, used only to set up fixtures quickly."""
    s = server.session()
    yield s
    s.close()


@pytest.fixture(scope="module")
def make_user(server, rest_admin):
    """Creates a fresh USER (over REST) and returns its name."""
    def make(prefix="user", password=USER_PASSWORD):
        name = unique(prefix)
        r = rest_admin.post(server.url + "/api/v1/users",
                            json={"username": name, "password": password, "email": f"{name}@example.com"})
        assert r.status_code == 201, r.text
        return name
    return make


class Cli:
    """Runs `hops` with its own config dir and a clean environment."""

    def __init__(self, server, home):
        self.server = server
        self.home = home
        self.config_dir = home / "hops-config"
        self.env = {k: v for k, v in os.environ.items() if k not in _CLI_ENV}
        self.env["HOME"] = str(home)
        self.env["HOPS_CONFIG_DIR"] = str(self.config_dir)

    @property
    def config_file(self):
        return self.config_dir / "config.json"

    def saved(self):
        return json.loads(self.config_file.read_text())

    def run(self, *args, env=None, input=None):
        full_env = dict(self.env, **(env or {}))
        cmd = [str(support.HOPS_CLI), *args]
        for attempt in range(20):
            try:
                return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=30,
                                      input=input, stdin=None if input is not None else subprocess.DEVNULL)
            except OSError as e:  # binary being replaced by a rebuild
                if e.errno not in (errno.ENOENT, errno.ETXTBSY) or attempt == 19:
                    raise
                _wait_for(support.HOPS_CLI, timeout=5)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"hops {' '.join(args)} -> {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
        return r.stdout

    def json(self, *args, **kw):
        out = self.ok("--json", *args, **kw)
        try:
            return json.loads(out)
        except ValueError:
            pytest.fail(f"hops --json {' '.join(args)} printed non-JSON: {out!r}")

    def fail(self, *args, **kw):
        """Runs a command that must fail; returns its stderr."""
        r = self.run(*args, **kw)
        assert r.returncode == 1, f"hops {' '.join(args)} -> {r.returncode} (want 1)\nstdout: {r.stdout}\nstderr: {r.stderr}"
        assert r.stdout == "", f"a failed command printed to stdout: {r.stdout!r}"
        assert r.stderr.startswith("hops: "), r.stderr
        return r.stderr

    def login(self, user="admin", password=None):
        password = password or (support.ADMIN_PASSWORD if user == "admin" else USER_PASSWORD)
        out = self.ok("login", self.server.url, "-u", user, env={"HOPS_PASSWORD": password})
        assert out.strip() == f"Logged in to {self.server.url} as {user}"
        return self


@pytest.fixture
def cli(server, tmp_path):
    """Factory: cli("name") gives a not-yet-logged-in client with its own
    config dir under this test's tmp_path."""
    def make(label="default"):
        home = tmp_path / label
        home.mkdir(exist_ok=True)
        return Cli(server, home)
    return make


@pytest.fixture
def admin(cli):
    return cli("admin").login("admin")


def table(out):
    """Parses a RenderTable-style table into (headers, rows of cells)."""
    lines = [l for l in out.splitlines() if l.strip()]
    assert lines, "empty table"
    return lines[0].split(), [l.split() for l in lines[1:]]


def field_table(out):
    """Parses a FIELD/VALUE table into a dict (value is the rest of the line)."""
    lines = out.splitlines()
    assert lines[0].split() == ["FIELD", "VALUE"], out
    fields = {}
    for l in lines[1:]:
        parts = l.split(None, 1)
        if parts:
            fields[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
    return fields


# ---------------------------------------------------------------------------
# login / whoami / logout / credentials
# ---------------------------------------------------------------------------

def test_login_with_password_then_whoami(admin, server):
    fields = field_table(admin.ok("whoami"))
    assert fields["username"] == "admin"
    assert fields["role"] == "ADMIN"

    me = admin.json("whoami")
    assert me["username"] == "admin" and me["role"] == "ADMIN" and me["status"] == "ACTIVE"
    assert RFC3339.match(me["created_at"])

    saved = admin.saved()
    assert saved["endpoint"] == server.url and saved["username"] == "admin"
    assert saved["token"] and "api_key" not in saved


def test_login_json_output_and_password_stdin(cli, server):
    c = cli()
    out = c.json("login", server.url, "-u", "admin", "--password-stdin", input=support.ADMIN_PASSWORD + "\n")
    assert out == {"endpoint": server.url, "username": "admin"}
    assert c.json("whoami")["username"] == "admin"


def test_saved_config_is_private(admin, cli, server):
    mode = stat.S_IMODE(admin.config_file.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert not (admin.config_dir / "config.json.tmp").exists()

    # Also after an API-key login and after logout (every save rewrites it).
    key = admin.json("apikeys", "create", unique("key"), "-s", "PROJECT")["key"]
    c = cli("keyuser")
    c.ok("login", server.url, "-k", key)
    assert stat.S_IMODE(c.config_file.stat().st_mode) == 0o600
    admin.ok("logout")
    assert stat.S_IMODE(admin.config_file.stat().st_mode) == 0o600


def test_login_with_wrong_password_fails(cli, server):
    c = cli()
    err = c.fail("login", server.url, "-u", "admin", env={"HOPS_PASSWORD": "not-the-password"})
    assert "UNAUTHENTICATED" in err and "HTTP 401" in err
    assert "invalid username or password" in err
    assert not c.config_file.exists(), "a failed login must not save credentials"
    assert "not logged in" in c.fail("whoami")


def test_login_needs_user_or_key(cli, server):
    err = cli().fail("login", server.url)
    assert "--user" in err and "--api-key" in err


def test_login_with_api_key(admin, cli, server):
    name = unique("key")
    created = admin.json("apikeys", "create", name, "-s", "PROJECT")
    assert created["name"] == name and created["scopes"] == ["PROJECT"]
    key = created["key"]
    assert key.startswith("hops_" + created["prefix"] + ".")

    # The secret is never listed again.
    listing = admin.ok("apikeys", "list")
    assert name in listing and created["prefix"] in listing and key not in listing
    assert key not in json.dumps(admin.json("apikeys", "list"))

    c = cli("keyuser")
    assert c.ok("login", server.url, "-k", key).strip() == f"Logged in to {server.url} as admin"
    saved = c.saved()
    assert saved["api_key"] == key and "token" not in saved and saved["username"] == "admin"

    me = c.json("whoami")
    assert me["username"] == "admin"
    assert me["scopes"] == ["PROJECT"]
    assert isinstance(c.json("projects", "list"), list)  # PROJECT scope is enough
    # The key lacks the ADMIN scope, so admin routes are refused even for the admin.
    err = c.fail("users", "list")
    assert "PERMISSION_DENIED" in err and "HTTP 403" in err

    # Once revoked, the saved key stops working.
    assert admin.json("apikeys", "revoke", name) == {"ok": True}
    err = c.fail("whoami")
    assert "HTTP 401" in err


def test_login_with_bad_api_key_fails(cli, server):
    c = cli()
    err = c.fail("login", server.url, "-k", "hops_0000000000000000.nope")
    assert "HTTP 401" in err
    assert not c.config_file.exists()


def test_hops_api_key_env_overrides_saved_token(admin, cli):
    key = admin.json("apikeys", "create", unique("key"), "-s", "PROJECT")["key"]
    me = admin.json("whoami", env={"HOPS_API_KEY": key})
    assert me["scopes"] == ["PROJECT"]


def test_logout_then_commands_fail(admin, cli, server):
    token = admin.saved()["token"]
    # A second copy of the config keeps the token the CLI is about to revoke.
    stale = cli("stale")
    shutil.copytree(admin.config_dir, stale.config_dir)

    assert admin.ok("logout").strip() == "Logged out"
    saved = admin.saved()
    assert "token" not in saved and "api_key" not in saved
    assert saved["endpoint"] == server.url  # the endpoint is remembered

    err = admin.fail("whoami")
    assert "not logged in" in err
    assert "not logged in" in admin.fail("projects", "list")

    # Logout revoked the session server-side too.
    err = stale.fail("whoami")
    assert "UNAUTHENTICATED" in err and "HTTP 401" in err
    r = requests.get(server.url + "/api/v1/users/me", headers={"Authorization": "Bearer " + token})
    assert r.status_code == 401

    # Logging out again is harmless.
    assert admin.ok("logout").strip() == "Logged out"


def test_unreachable_server_fails_cleanly(admin):
    r = admin.run("--endpoint", "http://127.0.0.1:1", "whoami")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("hops: ") and "127.0.0.1:1" in r.stderr


def test_usage_errors_exit_non_zero(admin):
    for args in (["projects"], ["projects", "bogus"], ["users", "create", "x"], ["frobnicate"]):
        r = admin.run(*args)
        assert r.returncode != 0, args
        assert r.stderr, args


# ---------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------

def test_users_create_list_get_deactivate_approve(admin, cli, server):
    name = unique("cliuser")
    email = f"{name}@example.com"
    out = admin.ok("users", "create", name, "--email", email, env={"HOPS_NEW_PASSWORD": USER_PASSWORD})
    fields = field_table(out)
    assert fields["username"] == name and fields["email"] == email
    assert fields["role"] == "USER" and fields["status"] == "ACTIVE"

    headers, rows = table(admin.ok("users", "list"))
    assert headers == ["USERNAME", "EMAIL", "ROLE", "STATUS", "CREATED_AT"]
    assert [name, email, "USER", "ACTIVE"] in [r[:4] for r in rows]
    assert "admin" in [r[0] for r in rows]

    users = admin.json("users", "list")
    assert {"admin", name} <= {u["username"] for u in users}

    user = admin.json("users", "get", name)
    assert user["username"] == name and user["email"] == email and user["status"] == "ACTIVE"
    assert RFC3339.match(user["created_at"])
    assert not [k for k in user if "password" in k or "hash" in k], user
    assert name in admin.ok("users", "get", name)

    # The new user can log in with the password from $HOPS_NEW_PASSWORD.
    u = cli("newuser").login(name, USER_PASSWORD)
    assert u.json("whoami")["username"] == name

    assert admin.json("users", "deactivate", name)["status"] == "DEACTIVATED"
    assert admin.json("users", "get", name)["status"] == "DEACTIVATED"
    # Deactivation ends the running session and blocks new logins.
    assert "HTTP 401" in u.fail("whoami")
    err = cli("again").fail("login", server.url, "-u", name, env={"HOPS_PASSWORD": USER_PASSWORD})
    assert "deactivated" in err and "HTTP 403" in err

    assert admin.json("users", "approve", name)["status"] == "ACTIVE"
    cli("again2").login(name, USER_PASSWORD)


def test_users_create_with_password_flag_and_admin_role(admin, cli):
    name = unique("cliadmin")
    user = admin.json("users", "create", name, "--email", f"{name}@example.com",
                      "--password", USER_PASSWORD, "--role", "ADMIN")
    assert user["role"] == "ADMIN"
    c = cli("second-admin").login(name, USER_PASSWORD)
    assert name in [u["username"] for u in c.json("users", "list")]


def test_users_create_failures(admin, make_user):
    env = {"HOPS_NEW_PASSWORD": USER_PASSWORD}
    err = admin.fail("users", "create", "Bad Name", "--email", "x@example.com", env=env)
    assert "INVALID_ARGUMENT" in err and "HTTP 422" in err
    err = admin.fail("users", "create", unique("shortpw"), "--email", "x@example.com", "--password", "short")
    assert "INVALID_ARGUMENT" in err and "8" in err
    existing = make_user()
    err = admin.fail("users", "create", existing, "--email", "x@example.com", env=env)
    assert "already exists" in err and "HTTP 409" in err
    err = admin.fail("users", "get", "nosuchuser")
    assert "not found" in err and "HTTP 404" in err


def test_users_commands_need_admin(cli, make_user):
    name = make_user()
    u = cli("plain").login(name)
    for args in (["users", "list"], ["users", "get", name], ["users", "approve", name],
                 ["users", "create", unique("x"), "--email", "x@example.com", "--password", USER_PASSWORD]):
        err = u.fail(*args)
        assert "PERMISSION_DENIED" in err and "HTTP 403" in err, args


def test_users_lockout_unlock_and_set_role(admin, cli, server, make_user):
    name = make_user()
    wrong = cli("wrong")
    for _ in range(5):
        assert "HTTP 401" in wrong.fail("login", server.url, "-u", name, env={"HOPS_PASSWORD": "wrong-password"})
    err = cli("right").fail("login", server.url, "-u", name, env={"HOPS_PASSWORD": USER_PASSWORD})
    assert "locked" in err and "HTTP 403" in err
    assert admin.json("users", "get", name)["status"] == "LOCKED"

    assert admin.json("users", "unlock", name)["status"] == "ACTIVE"
    u = cli("unlocked").login(name)
    assert "HTTP 403" in u.fail("users", "list")

    assert admin.json("users", "set-role", name, "ADMIN")["role"] == "ADMIN"
    assert name in [x["username"] for x in u.json("users", "list")]
    err = admin.fail("users", "set-role", name, "KING")
    assert "INVALID_ARGUMENT" in err and "HTTP 422" in err
    assert admin.json("users", "set-role", name, "USER")["role"] == "USER"


def test_users_password_change(cli, server, make_user):
    name = make_user()
    u = cli("pw").login(name)
    new = "new-Secret-789"
    out = u.ok("users", "password", env={"HOPS_PASSWORD": USER_PASSWORD, "HOPS_NEW_PASSWORD": new})
    assert out.strip() == "Password changed"
    err = cli("old").fail("login", server.url, "-u", name, env={"HOPS_PASSWORD": USER_PASSWORD})
    assert "HTTP 401" in err
    u2 = cli("new").login(name, new)
    # Wrong current password and a too-short new one are refused.
    err = u2.fail("users", "password", env={"HOPS_PASSWORD": "wrong-current", "HOPS_NEW_PASSWORD": "whatever-123"})
    assert "current password" in err
    err = u2.fail("users", "password", env={"HOPS_PASSWORD": new, "HOPS_NEW_PASSWORD": "short"})
    assert "INVALID_ARGUMENT" in err and "HTTP 422" in err
    assert u2.json("users", "password", env={"HOPS_PASSWORD": new, "HOPS_NEW_PASSWORD": USER_PASSWORD}) == {"ok": True}


def test_users_list_follows_pagination(admin, make_user):
    # The server pages at 100 items by default; the CLI must follow next_page_token.
    have = len(admin.json("users", "list"))
    created = [make_user("page") for _ in range(max(0, 101 - have))]
    users = [u["username"] for u in admin.json("users", "list")]
    assert len(users) > 100
    assert len(users) == len(set(users)), "duplicate users across pages"
    assert set(created) <= set(users) and "admin" in users
    _, rows = table(admin.ok("users", "list"))
    assert len(rows) == len(users)


def test_apikey_cannot_manage_keys(admin, cli, server):
    name = unique("key")
    key = admin.json("apikeys", "create", name, "-s", "PROJECT", "-s", "ADMIN")["key"]
    c = cli("keyuser")
    c.ok("login", server.url, "-k", key)
    assert "admin" in [u["username"] for u in c.json("users", "list")]  # ADMIN scope works
    # Creating and revoking keys needs a session token, not a key.
    assert "HTTP 4" in c.fail("apikeys", "create", unique("key"), "-s", "PROJECT")
    assert "HTTP 4" in c.fail("apikeys", "revoke", name)
    assert name in [k["name"] for k in c.json("apikeys", "list")]
    err = admin.fail("apikeys", "create", name, "-s", "PROJECT")
    assert "already" in err and "HTTP 409" in err
    err = admin.fail("apikeys", "create", unique("key"), "-s", "NOPE")
    assert "HTTP 422" in err


# ---------------------------------------------------------------------------
# projects
# ---------------------------------------------------------------------------

def test_projects_create_list_show_update_delete(admin):
    name = unique("proj")
    fields = field_table(admin.ok("projects", "create", name, "-d", "first description"))
    assert fields["name"] == name and fields["owner"] == "admin"
    assert fields["role"] == "DATA_OWNER" and fields["description"] == "first description"

    out = admin.ok("projects", "list")
    headers, rows = table(out)
    assert headers == ["NAME", "OWNER", "ROLE", "DESCRIPTION", "CREATED_AT"]
    assert [name, "admin", "DATA_OWNER"] in [r[:3] for r in rows]

    projects = admin.json("projects", "list")
    mine = [p for p in projects if p["name"] == name]
    assert len(mine) == 1
    assert mine[0]["owner"] == "admin" and mine[0]["description"] == "first description"

    shown_text = field_table(admin.ok("projects", "show", name))
    assert shown_text["name"] == name
    shown = admin.json("projects", "show", name)
    assert shown["name"] == name and shown["role"] == "DATA_OWNER"
    assert RFC3339.match(shown["created_at"]) and RFC3339.match(shown["updated_at"])

    updated = admin.json("projects", "update", name, "-d", "second description")
    assert updated["description"] == "second description"
    assert admin.json("projects", "show", name)["description"] == "second description"
    assert "second description" in admin.ok("projects", "update", name, "-d", "second description")

    assert admin.ok("projects", "delete", name).strip() == f"Deleted {name}"
    assert name not in [p["name"] for p in admin.json("projects", "list")]
    assert "not found" in admin.fail("projects", "show", name)


def test_projects_json_create_and_delete(admin):
    name = unique("jproj")
    created = admin.json("projects", "create", name)
    assert created["name"] == name and created["description"] == "" and created["owner"] == "admin"
    assert admin.json("projects", "delete", name) == {"ok": True}


def test_show_missing_project_fails(admin):
    err = admin.fail("projects", "show", "nosuchproject")
    assert "not found" in err
    assert "NOT_FOUND" in err and "HTTP 404" in err
    assert re.search(r"request [0-9a-f]+\)", err)


def test_create_project_with_double_underscore_fails(admin):
    err = admin.fail("projects", "create", "a__b")
    assert "__" in err
    assert "INVALID_ARGUMENT" in err and "HTTP 422" in err
    assert "a__b" not in [p["name"] for p in admin.json("projects", "list")]


@pytest.mark.parametrize("bad", ["x", "1234", "_ab", "ab_", "has-dash", "a" * 25])
def test_create_project_with_invalid_name_fails(admin, bad):
    err = admin.fail("projects", "create", bad)
    assert "HTTP 422" in err


def test_project_names_are_unique_regardless_of_case(admin):
    name = unique("dup")
    admin.json("projects", "create", name)
    err = admin.fail("projects", "create", name.upper())
    assert "already exists" in err and "HTTP 409" in err
    admin.ok("projects", "delete", name)


def test_non_member_cannot_see_project(admin, cli, make_user):
    name = unique("priv")
    admin.json("projects", "create", name)
    outsider = cli("outsider").login(make_user())
    assert "not found" in outsider.fail("projects", "show", name)
    assert name not in [p["name"] for p in outsider.json("projects", "list")]
    assert "not found" in outsider.fail("members", "list", name)
    admin.ok("projects", "delete", name)


# ---------------------------------------------------------------------------
# members
# ---------------------------------------------------------------------------

def test_members_add_list_update_remove(admin, cli, make_user):
    project = unique("team")
    admin.json("projects", "create", project)
    user = make_user()

    fields = field_table(admin.ok("members", "add", project, user))
    assert fields["username"] == user and fields["role"] == "DATA_SCIENTIST"

    headers, rows = table(admin.ok("members", "list", project))
    assert headers == ["USERNAME", "ROLE", "ADDED_AT"]
    assert ["admin", "DATA_OWNER"] in [r[:2] for r in rows]
    assert [user, "DATA_SCIENTIST"] in [r[:2] for r in rows]
    members = {m["username"]: m["role"] for m in admin.json("members", "list", project)}
    assert members == {"admin": "DATA_OWNER", user: "DATA_SCIENTIST"}

    # The new member now sees the project with their role.
    u = cli("member").login(user)
    assert u.json("projects", "show", project)["role"] == "DATA_SCIENTIST"

    updated = admin.json("members", "update", project, user, "-r", "DATA_OWNER")
    assert updated["username"] == user and updated["role"] == "DATA_OWNER"
    assert {m["username"]: m["role"] for m in admin.json("members", "list", project)}[user] == "DATA_OWNER"

    assert admin.ok("members", "remove", project, user).strip() == f"Removed {user} from {project}"
    assert [m["username"] for m in admin.json("members", "list", project)] == ["admin"]
    assert "not found" in u.fail("projects", "show", project)

    err = admin.fail("members", "remove", project, user)
    assert "HTTP 404" in err
    admin.ok("projects", "delete", project)


def test_members_add_with_role_and_json(admin, make_user):
    project = unique("team")
    admin.json("projects", "create", project)
    user = make_user()
    m = admin.json("members", "add", project, user, "--role", "DATA_OWNER")
    assert m["username"] == user and m["role"] == "DATA_OWNER" and RFC3339.match(m["added_at"])
    assert admin.json("members", "remove", project, user) == {"ok": True}
    admin.ok("projects", "delete", project)


def test_data_scientist_cannot_manage_members(admin, cli, make_user):
    project = unique("team")
    admin.json("projects", "create", project)
    scientist, other = make_user(), make_user()
    admin.json("members", "add", project, scientist)

    s = cli("scientist").login(scientist)
    err = s.fail("members", "add", project, other)
    assert "Data Owner" in err
    assert "PERMISSION_DENIED" in err and "HTTP 403" in err
    assert "Data Owner" in s.fail("members", "update", project, scientist, "-r", "DATA_OWNER")
    assert "Data Owner" in s.fail("members", "remove", project, "admin")
    assert "HTTP 403" in s.fail("projects", "update", project, "-d", "nope")
    assert "HTTP 403" in s.fail("projects", "delete", project)
    # Reading is fine for a member.
    assert {m["username"] for m in s.json("members", "list", project)} == {"admin", scientist}
    admin.ok("projects", "delete", project)


def test_owner_cannot_be_removed_or_demoted(admin):
    project = unique("team")
    admin.json("projects", "create", project)
    err = admin.fail("members", "remove", project, "admin")
    assert "HTTP 409" in err and "admin" in err
    err = admin.fail("members", "update", project, "admin", "-r", "DATA_SCIENTIST")
    assert "HTTP 409" in err
    admin.ok("projects", "delete", project)


def test_members_bad_role_and_unknown_user(admin):
    project = unique("team")
    admin.json("projects", "create", project)
    assert "HTTP 4" in admin.fail("members", "add", project, "nosuchuser")
    err = admin.fail("members", "add", project, "admin", "-r", "BOSS")
    assert "HTTP 4" in err
    admin.ok("projects", "delete", project)


# ---------------------------------------------------------------------------
# quotas
# ---------------------------------------------------------------------------

QUOTAS = ("storage_bytes", "namespace_entries", "cpu_hours", "gpu_hours")


def test_quotas_show_and_set(admin, cli, make_user):
    project = unique("quota")
    admin.json("projects", "create", project)

    report = admin.json("quotas", "show", project)
    assert set(report) == set(QUOTAS)
    for k in QUOTAS:
        # A new project's namespace holds its root and its 8 default datasets.
        assert report[k]["limit"] == -1 and report[k]["used"] == (9 if k == "namespace_entries" else 0)
    headers, rows = table(admin.ok("quotas", "show", project))
    assert headers == ["QUOTA", "LIMIT", "USED"]
    assert {r[0]: r[1] for r in rows} == {k: "unlimited" for k in QUOTAS}
    # doubles print as numbers, not 0E0
    assert {r[0]: r[2] for r in rows} == {k: ("9" if k == "namespace_entries" else "0") for k in QUOTAS}

    out = admin.ok("quotas", "set", project, "--storage-bytes", "1048576", "--gpu-hours", "5")
    limits = {r[0]: r[1] for r in table(out)[1]}
    assert limits["storage_bytes"] == "1048576" and limits["gpu_hours"] == "5"
    assert limits["cpu_hours"] == "unlimited"

    report = admin.json("quotas", "show", project)
    assert report["storage_bytes"]["limit"] == 1048576
    assert report["gpu_hours"]["limit"] == 5
    assert report["cpu_hours"]["limit"] == -1 and report["namespace_entries"]["limit"] == -1
    limits = {r[0]: r[1] for r in table(admin.ok("quotas", "show", project))[1]}
    assert limits["storage_bytes"] == "1048576"

    # --json set, and -1 goes back to unlimited.
    report = admin.json("quotas", "set", project, "--gpu-hours", "-1", "--namespace-entries", "100")
    assert report["gpu_hours"]["limit"] == -1 and report["namespace_entries"]["limit"] == 100
    assert report["storage_bytes"]["limit"] == 1048576  # untouched

    # Members may look, only admins may set.
    user = make_user()
    admin.json("members", "add", project, user, "-r", "DATA_OWNER")
    u = cli("owner").login(user)
    assert u.json("quotas", "show", project)["namespace_entries"]["limit"] == 100
    err = u.fail("quotas", "set", project, "--storage-bytes", "1")
    assert "PERMISSION_DENIED" in err and "HTTP 403" in err
    assert admin.json("quotas", "show", project)["storage_bytes"]["limit"] == 1048576

    assert "not found" in admin.fail("quotas", "show", "nosuchproject")
    admin.ok("projects", "delete", project)


# ---------------------------------------------------------------------------
# admin audit
# ---------------------------------------------------------------------------

def audit_until(admin, predicate, *filters, timeout=5):
    """`hops --json admin audit list FILTERS`, polled until predicate(records)
    holds: the audit writer batches records (flushed every ~100 ms), so a
    record may show up a moment after its request was answered."""
    deadline = time.time() + timeout
    while True:
        records = admin.json("admin", "audit", "list", *filters)
        if predicate(records) or time.time() > deadline:
            return records
        time.sleep(0.05)


def test_audit_list_and_verify(admin, cli, make_user):
    project = unique("audited")
    admin.json("projects", "create", project)

    records = audit_until(admin, lambda rs: any(r["target"] == project for r in rs),
                          "--action", "project.create")
    assert isinstance(records, list) and records
    assert all(r["action"] == "project.create" for r in records)
    mine = [r for r in records if r["target"] == project]
    assert len(mine) == 1
    rec = mine[0]
    assert rec["user"] == "admin" and rec["outcome"] == "OK" and rec["status"] == 201
    assert rec["method"] == "POST" and rec["project"] == project
    assert RFC3339.match(rec["time"]) and rec["request_id"] and rec["hash"]
    seqs = [r["seq"] for r in records]
    assert seqs == sorted(seqs, reverse=True), "records must be newest first"

    filtered = admin.json("admin", "audit", "list", "--project", project, "--action", "project.create")
    assert [r["target"] for r in filtered] == [project]
    assert len(admin.json("admin", "audit", "list", "--limit", "1")) == 1

    headers, rows = table(admin.ok("admin", "audit", "list", "--action", "project.create", "--limit", "5"))
    assert headers[:4] == ["SEQ", "TIME", "USER", "AUTH"]
    assert any(project in r for r in rows)

    # A refused request is audited with its error code as outcome.
    err = admin.fail("projects", "create", "a__b")
    request_id = re.search(r"request ([0-9a-f]+)\)", err).group(1)
    failed = audit_until(admin, lambda rs: any(r["request_id"] == request_id for r in rs),
                         "--action", "project.create", "--outcome", "INVALID_ARGUMENT")
    assert [r for r in failed if r["request_id"] == request_id], "refused create never reached the audit log"
    assert all(r["outcome"] == "INVALID_ARGUMENT" and r["status"] == 422 for r in failed)

    r = admin.run("admin", "audit", "verify")
    assert r.returncode == 0, r.stderr
    assert field_table(r.stdout)["ok"] == "true"
    v = admin.json("admin", "audit", "verify")
    assert v["ok"] is True and v["records"] >= len(records) and v["first_bad_seq"] is None

    u = cli("plain").login(make_user())
    assert "HTTP 403" in u.fail("admin", "audit", "list")
    assert "HTTP 403" in u.fail("admin", "audit", "verify")
    admin.ok("projects", "delete", project)


def test_audit_list_bad_parameters(admin):
    err = admin.fail("admin", "audit", "list", "--from", "yesterday")
    assert "BAD_REQUEST" in err and "HTTP 400" in err
    err = admin.fail("admin", "audit", "list", "--limit", "0")
    assert "HTTP 400" in err


# ---------------------------------------------------------------------------
# fs: HopsFS files and datasets
# ---------------------------------------------------------------------------

def test_fs_put_get_ls_and_friends(admin, tmp_path):
    project = unique("fsp")
    admin.json("projects", "create", project)
    headers, rows = table(admin.ok("fs", "ls", project))
    assert headers[:3] == ["NAME", "TYPE", "SIZE"]
    assert "Resources" in [r[0] for r in rows] and f"{project}_Training_Datasets" in [r[0] for r in rows]

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 11))
    assert "uploaded" in admin.ok("fs", "put", str(big), f"{project}/Resources/data/")
    st = admin.json("fs", "stat", f"{project}/Resources/data/big.bin")
    assert st["size"] == big.stat().st_size and st["type"] == "FILE"
    err = admin.fail("fs", "put", str(big), f"{project}/Resources/data/big.bin")
    assert "already exists" in err and "ALREADY_EXISTS" in err
    admin.ok("fs", "put", "--overwrite", str(big), f"{project}/Resources/data/big.bin")

    back = tmp_path / "back.bin"
    admin.ok("fs", "get", f"{project}/Resources/data/big.bin", str(back))
    assert back.read_bytes() == big.read_bytes()
    assert "exists" in admin.fail("fs", "get", f"{project}/Resources/data/big.bin", str(back))

    small = tmp_path / "hello.txt"
    small.write_text("hello hopsfs\n")
    admin.ok("fs", "put", str(small), f"{project}/Resources/hello.txt")
    assert admin.ok("fs", "cat", f"{project}/Resources/hello.txt") == "hello hopsfs\n"

    admin.ok("fs", "mkdir", "-m", "750", f"{project}/Resources/a/b/c")
    assert admin.json("fs", "stat", f"{project}/Resources/a/b/c")["permission"] == "0750"
    admin.ok("fs", "mv", f"{project}/Resources/hello.txt", f"{project}/Resources/a/hello.txt")
    admin.ok("fs", "cp", f"{project}/Resources/a", f"{project}/Experiments/a-copy")
    assert admin.ok("fs", "cat", f"{project}/Experiments/a-copy/hello.txt") == "hello hopsfs\n"
    names = [r[0] for r in table(admin.ok("fs", "ls", f"{project}/Resources/a"))[1]]
    assert names == ["b", "hello.txt"]

    du = admin.json("fs", "du", f"{project}/Resources")
    assert du["files"] == 2 and du["bytes"] == big.stat().st_size + len("hello hopsfs\n")
    assert len(admin.json("fs", "checksum", f"{project}/Resources/a/hello.txt")["checksum"]) == 32

    admin.ok("fs", "xattr", f"{project}/Resources/a/hello.txt", "--set", "user.team=alpha")
    assert admin.json("fs", "xattr", f"{project}/Resources/a/hello.txt") == {"user.team": "alpha"}
    assert "reserved" in admin.fail("fs", "xattr", f"{project}/Resources/a/hello.txt", "--set", "provenance.x=1")
    admin.ok("fs", "xattr", f"{project}/Resources/a/hello.txt", "--remove", "user.team")

    admin.ok("fs", "chmod", "770", f"{project}/Models")
    assert admin.json("fs", "stat", f"{project}/Models")["permission"] == "0770"

    assert "recursive" in admin.fail("fs", "rm", f"{project}/Resources/a")
    admin.ok("fs", "rm", "-r", f"{project}/Resources/a")
    assert "NOT_FOUND" in admin.fail("fs", "stat", f"{project}/Resources/a")
    assert "NOT_FOUND" in admin.fail("fs", "get", f"{project}/Resources/nope", str(tmp_path / "nope"))
    assert not (tmp_path / "nope").exists() and not (tmp_path / "nope.hops-partial").exists()
    fsck = admin.json("admin", "fsck")
    assert fsck["healthy"]


def test_fs_share_accept_unshare(admin, cli, make_user, tmp_path):
    other_user = make_user("fsu")
    other = cli("other").login(other_user)
    mine, theirs = unique("fsa"), unique("fsb")
    admin.json("projects", "create", mine)
    other.json("projects", "create", theirs)
    f = tmp_path / "s.csv"
    f.write_text("a,b\n")
    admin.ok("fs", "put", str(f), f"{mine}/Resources/s.csv")
    share = admin.json("fs", "share", f"{mine}/Resources", theirs)
    assert share["permission"] == "READ_ONLY" and share["accepted"] is False
    assert "NOT_FOUND" in other.fail("fs", "cat", f"{theirs}/{mine}::Resources/s.csv")
    assert other.json("fs", "accept", theirs, f"{mine}/Resources")["accepted"] is True
    assert other.ok("fs", "cat", f"{theirs}/{mine}::Resources/s.csv") == "a,b\n"
    rows = table(other.ok("fs", "shares", theirs))[1]
    assert rows and rows[0][:2] == [mine, "Resources"]
    assert "read-only" in other.fail("fs", "put", str(f), f"{theirs}/{mine}::Resources/new.csv")
    admin.ok("fs", "unshare", f"{mine}/Resources", theirs)
    assert "NOT_FOUND" in other.fail("fs", "cat", f"{theirs}/{mine}::Resources/s.csv")
