"""Projects, members and quotas through the REST API."""
import requests

from tests.support.api import Api, unique


def test_project_crud(admin, user_factory):
    _, alice = user_factory()
    name = unique("p")
    r = alice.post("/api/v1/projects", json={"name": name, "description": "fraud models"})
    assert r.status_code == 201
    p = r.json()
    assert p["name"] == name and p["role"] == "DATA_OWNER" and p["description"] == "fraud models"
    assert alice.get(f"/api/v1/projects/{name}").json()["owner"] == p["owner"]
    assert alice.get(f"/api/v1/projects/{name.upper()}").status_code == 200  # names are case-insensitive
    assert alice.post("/api/v1/projects", json={"name": name.upper()}).status_code == 409
    r = alice.patch(f"/api/v1/projects/{name}", json={"description": "new"})
    assert r.status_code == 200 and r.json()["description"] == "new"
    assert name in [x["name"] for x in alice.get("/api/v1/projects").json()["items"]]
    assert alice.delete(f"/api/v1/projects/{name}").status_code == 204
    assert alice.get(f"/api/v1/projects/{name}").status_code == 404
    assert admin.get(f"/api/v1/projects/{name}").status_code == 404


def test_non_members_see_nothing(admin, user_factory):
    _, alice = user_factory()
    _, eve = user_factory()
    name = unique("p")
    alice.post("/api/v1/projects", json={"name": name})
    for method, path in [("get", ""), ("get", "/members"), ("get", "/quotas"), ("delete", ""),
                         ("patch", ""), ("post", "/members")]:
        kw = {"json": {"description": "x"}} if method == "patch" else {}
        if path == "/members" and method == "post":
            kw = {"json": {"username": "admin", "role": "DATA_SCIENTIST"}}
        r = getattr(eve, method)(f"/api/v1/projects/{name}{path}", **kw)
        assert r.status_code == 404, (method, path, r.text)
        assert name not in r.text or "not found" in r.text
    assert name not in [x["name"] for x in eve.get("/api/v1/projects").json()["items"]]
    # the admin sees every project
    r = admin.get(f"/api/v1/projects/{name}")
    assert r.status_code == 200 and r.json()["role"] is None


def test_members_and_roles(admin, user_factory):
    owner_name, owner = user_factory()
    ds_name, ds = user_factory()
    do_name, do = user_factory()
    name = unique("p")
    owner.post("/api/v1/projects", json={"name": name})
    r = owner.post(f"/api/v1/projects/{name}/members", json={"username": ds_name, "role": "DATA_SCIENTIST"})
    assert r.status_code == 201 and r.json()["role"] == "DATA_SCIENTIST"
    assert owner.post(f"/api/v1/projects/{name}/members", json={"username": ds_name}).status_code == 409
    # data scientists see the project but cannot manage members or change it
    assert ds.get(f"/api/v1/projects/{name}").json()["role"] == "DATA_SCIENTIST"
    r = ds.post(f"/api/v1/projects/{name}/members", json={"username": do_name, "role": "DATA_OWNER"})
    assert r.status_code == 403 and "Data Owner" in r.json()["error"]["message"]
    assert ds.patch(f"/api/v1/projects/{name}", json={"description": "x"}).status_code == 403
    assert ds.delete(f"/api/v1/projects/{name}").status_code == 403
    # a second data owner manages members but cannot delete the project
    owner.post(f"/api/v1/projects/{name}/members", json={"username": do_name, "role": "DATA_OWNER"})
    r = do.patch(f"/api/v1/projects/{name}/members/{ds_name}", json={"role": "DATA_OWNER"})
    assert r.status_code == 200 and r.json()["role"] == "DATA_OWNER"
    assert do.delete(f"/api/v1/projects/{name}").status_code == 403
    # the owner cannot be demoted or removed
    r = do.patch(f"/api/v1/projects/{name}/members/{owner_name}", json={"role": "DATA_SCIENTIST"})
    assert r.status_code == 409
    assert do.delete(f"/api/v1/projects/{name}/members/{owner_name}").status_code == 409
    assert owner.delete(f"/api/v1/projects/{name}/members/{owner_name}").status_code == 409
    members = {m["username"]: m["role"] for m in owner.get(f"/api/v1/projects/{name}/members").json()["items"]}
    assert members == {owner_name: "DATA_OWNER", ds_name: "DATA_OWNER", do_name: "DATA_OWNER"}
    # removal; a member may leave on their own
    assert owner.delete(f"/api/v1/projects/{name}/members/{ds_name}").status_code == 204
    assert ds.get(f"/api/v1/projects/{name}").status_code == 404
    assert do.delete(f"/api/v1/projects/{name}/members/{do_name}").status_code == 204
    assert owner.delete(f"/api/v1/projects/{name}/members/{do_name}").status_code == 404


def test_deleting_project_removes_members(admin, user_factory):
    _, owner = user_factory()
    ds_name, ds = user_factory()
    name = unique("p")
    owner.post("/api/v1/projects", json={"name": name})
    owner.post(f"/api/v1/projects/{name}/members", json={"username": ds_name})
    assert owner.delete(f"/api/v1/projects/{name}").status_code == 204
    assert name not in [p["name"] for p in ds.get("/api/v1/projects").json()["items"]]
    # the name can be reused
    assert owner.post("/api/v1/projects", json={"name": name}).status_code == 201


def test_pagination(user_factory):
    _, u = user_factory()
    names = sorted(unique("pg") for _ in range(7))
    for n in names:
        assert u.post("/api/v1/projects", json={"name": n}).status_code == 201
    seen, token, pages = [], None, 0
    while True:
        r = u.get("/api/v1/projects", params={"limit": 3, **({"page_token": token} if token else {})})
        assert r.status_code == 200
        body = r.json()
        assert len(body["items"]) <= 3
        seen += [p["name"] for p in body["items"]]
        pages += 1
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == names and pages == 3


def test_quotas(admin, user_factory):
    _, u = user_factory()
    name = unique("q")
    u.post("/api/v1/projects", json={"name": name})
    q = u.get(f"/api/v1/projects/{name}/quotas").json()
    assert set(q) == {"storage_bytes", "namespace_entries", "cpu_hours", "gpu_hours"}
    assert q["storage_bytes"] == {"limit": -1, "used": 0}
    assert u.put(f"/api/v1/projects/{name}/quotas", json={"gpu_hours": 5}).status_code == 403
    r = admin.put(f"/api/v1/projects/{name}/quotas", json={"gpu_hours": 5, "storage_bytes": 10**12})
    assert r.status_code == 200 and r.json()["gpu_hours"]["limit"] == 5
    q = u.get(f"/api/v1/projects/{name}/quotas").json()
    assert q["gpu_hours"]["limit"] == 5 and q["storage_bytes"]["limit"] == 10**12 and q["cpu_hours"]["limit"] == -1


def test_owner_limit(server):
    from tests.support.hopsd import Hopsd
    srv = Hopsd(args=["--store-sync", "normal", "--max-projects-per-user", "2"]).start()
    try:
        api = Api(srv.url, "Bearer " + srv.login())
        assert api.post("/api/v1/projects", json={"name": "one"}).status_code == 201
        assert api.post("/api/v1/projects", json={"name": "two"}).status_code == 201
        r = api.post("/api/v1/projects", json={"name": "three"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "QUOTA_EXCEEDED"
        assert api.delete("/api/v1/projects/one").status_code == 204
        assert api.post("/api/v1/projects", json={"name": "three"}).status_code == 201
    finally:
        srv.cleanup()


def test_audit_records_mutations_synchronously(admin, user_factory):
    uname, u = user_factory()
    name = unique("a")
    r = u.post("/api/v1/projects", json={"name": name})
    rid = r.headers["X-Request-Id"]
    recs = admin.get("/api/v1/admin/audit", params={"project": name, "action": "project.create"}).json()["items"]
    assert len(recs) == 1
    rec = recs[0]
    assert rec["request_id"] == rid and rec["user"] == uname and rec["status"] == 201 and rec["outcome"] == "OK"
    assert rec["auth"] == "session" and rec["method"] == "POST" and rec["route"] == "/api/v1/projects"
    assert rec["client"].startswith("127.0.0.1:") and rec["latency_us"] >= 0
    # filters and pagination
    r = admin.get("/api/v1/admin/audit", params={"user": uname, "limit": 1})
    body = r.json()
    assert len(body["items"]) == 1 and body["next_page_token"]
    r2 = admin.get("/api/v1/admin/audit", params={"user": uname, "limit": 1, "page_token": body["next_page_token"]})
    assert r2.json()["items"][0]["seq"] < body["items"][0]["seq"]
    far = admin.get("/api/v1/admin/audit", params={"from": "2999-01-01T00:00:00Z"}).json()["items"]
    assert far == []
    v = admin.get("/api/v1/admin/audit/verify").json()
    assert v["ok"] is True and v["records"] > 0
