"""The authorization matrix (authz_matrix.json): every route, every kind of
caller, the expected status. Fails when a route of the OpenAPI document (which
a unit test keeps equal to the server's route table) has no row, or a row
lacks a caller."""
import json
import pathlib
import time
import uuid

import pytest
import requests

from tests.support.api import Api
from tests.support.hopsd import Hopsd

MATRIX = json.loads((pathlib.Path(__file__).parent / "authz_matrix.json").read_text())
CALLERS = MATRIX["callers"]
PASSWORD = "password-123"
USERS = {"owner": "mowner", "data_owner": "mdataowner", "data_scientist": "mscientist", "outsider": "moutsider",
         "plain": "mplain"}


def unique():
    return "m" + uuid.uuid4().hex[:10]


class World:
    """One server with the users, projects, keys and tokens the matrix needs."""

    def __init__(self, tmp):
        # A token that has expired: issued by a run with a 1 s session lifetime.
        first = Hopsd(data_dir=tmp, tls=True, args=["--session-ttl-s", "1", "--store-sync", "normal"]).start()
        admin = Api(first.url, "Bearer " + first.login(), verify=first.ca)
        for name in USERS.values():
            r = admin.post("/api/v1/users", json={"username": name, "password": PASSWORD, "email": f"{name}@x.io"})
            assert r.status_code == 201, r.text
        expired = first.login(USERS["owner"], PASSWORD)
        first.stop()
        time.sleep(1.2)
        self.srv = Hopsd(data_dir=tmp, tls=True,
                         args=["--store-sync", "normal", "--max-projects-per-user", "1000"]).start()
        self.url = self.srv.url
        self.ca = self.srv.ca
        self.tmp = tmp
        self.tokens = {"admin": self.srv.login()}
        for caller in ["owner", "data_owner", "data_scientist", "outsider"]:
            self.tokens[caller] = self.srv.login(USERS[caller], PASSWORD)
        owner = self.session("owner")
        self.project = self.new_project()
        other = Api(self.url, "Bearer " + self.tokens["outsider"], verify=self.ca)
        self.other_project = unique()
        assert other.post("/api/v1/projects", json={"name": self.other_project}).status_code == 201
        self.auth = {c: "Bearer " + t for c, t in self.tokens.items()}
        self.auth["anonymous"] = None
        self.auth["expired"] = "Bearer " + expired
        gone = self.srv.login(USERS["data_scientist"], PASSWORD)
        assert Api(self.url, "Bearer " + gone, verify=self.ca).post("/api/v1/auth/logout").status_code == 204
        self.auth["logged_out"] = "Bearer " + gone
        revoked = owner.post("/api/v1/users/me/apikeys", json={"name": "revoked", "scopes": ["PROJECT"]}).json()["key"]
        owner.delete("/api/v1/users/me/apikeys/revoked")
        self.auth["revoked_key"] = "ApiKey " + revoked
        for caller, scope in [("key_no_scope", "DATASET_VIEW"), ("key_project", "PROJECT")]:
            key = owner.post("/api/v1/users/me/apikeys", json={"name": caller, "scopes": [scope]}).json()["key"]
            self.auth[caller] = "ApiKey " + key
        # Certificate callers present a client certificate and no other credential.
        self.certs = {"cert_project": self.member_cert("data_owner", self.project),
                      "cert_other": self.member_cert("outsider", self.other_project),
                      "cert_revoked": self.member_cert("data_scientist", self.project)}
        scientist = self.session("data_scientist")
        assert scientist.post(f"/api/v1/projects/{self.project}/certificates/me/rotate").status_code == 201
        for c in self.certs:
            self.auth[c] = None
        r = scientist.post(f"/api/v1/projects/{self.project}/certificates/service", json={"hours": 24})
        assert r.status_code == 201, r.text
        self.service_serial = r.json()["serial"]

    def member_cert(self, caller, project):
        """Downloads `caller`'s member certificate of `project`; returns (cert file, key file)."""
        r = self.session(caller).post(f"/api/v1/projects/{project}/certificates/me/bundle",
                                      json={"password": "bundle-pass-1"})
        assert r.status_code == 200, r.text
        d = self.tmp / f"{caller}-{project}"
        d.mkdir(exist_ok=True)
        (d / "cert.pem").write_text(r.json()["certificate_pem"])
        (d / "key.pem").write_text(r.json()["key_pem"])
        return (str(d / "cert.pem"), str(d / "key.pem"))

    def session(self, caller):
        return Api(self.url, "Bearer " + self.tokens[caller], verify=self.ca)

    def new_project(self, with_plain_member=False):
        owner = self.session("owner")
        name = unique()
        assert owner.post("/api/v1/projects", json={"name": name}).status_code == 201
        members = [("data_owner", "DATA_OWNER"), ("data_scientist", "DATA_SCIENTIST")]
        if with_plain_member:
            members.append(("plain", "DATA_SCIENTIST"))
        for who, role in members:
            r = owner.post(f"/api/v1/projects/{name}/members", json={"username": USERS[who], "role": role})
            assert r.status_code == 201, r.text
        return name


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("matrix"))
    yield w
    w.srv.cleanup()


def fill(text, values):
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def route_of(path):
    """The route pattern a matrix row exercises."""
    path = path.split("?")[0]
    for prefix, pattern in [("/api/v1/projects/{project}/datasets/", "/api/v1/projects/{name}/datasets/{path}"),
                            ("/webhdfs/v1/", "/webhdfs/v1/{path}")]:
        if path.startswith(prefix):
            return pattern
    path = path.replace("{unknown_serial}", "{serial}")
    if path.startswith("/api/v1/projects/{project}/shares/{other}/"):
        path = path.replace("{other}", "{project}").replace("/Logs/", "/{dataset}/").replace("/Models", "/{dataset}")
        return path.replace("/api/v1/projects/{project}/", "/api/v1/projects/{name}/", 1)
    return (path.replace("{project}", "{name}").replace("{member}", "{username}").replace("{user}", "{username}")
            .replace("{key}", "{name}"))


def test_every_route_has_a_complete_row(world):
    doc = requests.get(world.url + "/api/v1/openapi.json", headers={"Authorization": world.auth["admin"]},
                       verify=world.ca).json()
    routes = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    rows = {(r["method"], route_of(r["path"])) for r in MATRIX["routes"]}
    assert routes - rows == set(), "routes without a row in authz_matrix.json"
    assert rows - routes == set(), "rows for routes the server does not have"
    for r in MATRIX["routes"]:
        assert set(r["expect"]) == set(CALLERS), (r["method"], r["path"])


CASES = [(r, c) for r in MATRIX["routes"] for c in CALLERS]


@pytest.mark.parametrize("row,caller", CASES, ids=[f"{r['method']} {r['path']} as {c}" for r, c in CASES])
def test_matrix(world, row, caller):
    values = {"project": world.project, "member": USERS["data_scientist"], "user": USERS["plain"], "key": "matrix-del",
              "other": world.other_project, "unique": unique(), "serial": world.service_serial,
              "unknown_serial": "abcdef0123456789"}
    if row.get("fresh_project"):
        values["project"] = world.new_project(with_plain_member="{user}" in row["path"])
    if row.get("fresh_service_cert"):
        r = world.session("data_scientist").post(f"/api/v1/projects/{values['project']}/certificates/service",
                                                 json={"hours": 1})
        assert r.status_code == 201, r.text
        values["serial"] = r.json()["serial"]
    auth = world.auth[caller]
    cert = world.certs.get(caller)
    if caller == "cert_project" and row.get("fresh_project"):
        cert = world.member_cert("data_owner", values["project"])
    if row.get("fresh_session") and caller in world.tokens:
        auth = "Bearer " + (world.srv.login() if caller == "admin" else world.srv.login(USERS[caller], PASSWORD))
    if "{key}" in row["path"] and caller in world.tokens:
        r = world.session(caller).post("/api/v1/users/me/apikeys", json={"name": "matrix-del", "scopes": ["PROJECT"]})
        assert r.status_code in (201, 409), r.text
    for step in row.get("setup", []):
        sess = world.session(step["as"])
        kw = {"json": json.loads(fill(json.dumps(step["json"]), values))} if "json" in step else {"data": step.get("data")}
        rs = sess.s.request(step["method"], world.url + fill(step["path"], values), **kw)
        assert rs.status_code < 300, f"setup {step}: {rs.status_code} {rs.text[:200]}"
    body = None
    if "body" in row:
        body = json.loads(fill(json.dumps(row["body"]), {**values, "unique": unique()}))
    headers = {"Authorization": auth} if auth else {}
    r = requests.request(row["method"], world.url + fill(row["path"], values), json=body, headers=headers,
                         verify=world.ca, cert=cert)
    expected = row["expect"][caller]
    assert r.status_code == expected, f"{row['method']} {row['path']} as {caller}: {r.status_code} {r.text[:200]}"
    if r.status_code >= 400 and row["path"].startswith("/webhdfs/"):
        assert r.json()["RemoteException"]["message"]
    elif r.status_code >= 400:
        assert r.json()["error"]["request_id"] == r.headers["X-Request-Id"]
