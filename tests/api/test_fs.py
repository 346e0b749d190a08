"""HopsFS through the REST API: datasets, the data path (inline and blocks),
ranges, append, move/copy/delete, quotas, xattrs, shares, provenance,
permissions by role, corruption detection, garbage collection and fsck."""
import hashlib
import json
import os
import pathlib
import threading
import time

import pytest

from tests.support.api import Api, make_user, unique
from tests.support.hopsd import running

MIB = 1 << 20


@pytest.fixture(scope="module")
def fsd():
    # Small blocks (1 MiB) so multi-block files stay small in tests.
    with running(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                       "--fs-gc-interval-s", "0", "--max-projects-per-user", "100"]) as srv:
        yield srv


@pytest.fixture(scope="module")
def admin(fsd):
    return Api(fsd.url, "Bearer " + fsd.login())


@pytest.fixture
def team(fsd, admin):
    """A project with an owner, a second Data Owner and a Data Scientist."""
    owner_name, owner = make_user(fsd, admin)
    do_name, do = make_user(fsd, admin)
    ds_name, ds = make_user(fsd, admin)
    out_name, outsider = make_user(fsd, admin)
    project = unique("p")
    assert owner.post("/api/v1/projects", json={"name": project}).status_code == 201
    for name, role in [(do_name, "DATA_OWNER"), (ds_name, "DATA_SCIENTIST")]:
        assert owner.post(f"/api/v1/projects/{project}/members", json={"username": name, "role": role}).status_code == 201
    other = unique("q")
    assert outsider.post("/api/v1/projects", json={"name": other}).status_code == 201
    return dict(project=project, owner=owner, do=do, ds=ds, ds_name=ds_name, outsider=outsider, other=other,
                base=f"/api/v1/projects/{project}/datasets")


def put(api, url, data, **params):
    return api.put(url, data=data, params=params, headers={"Content-Type": "application/octet-stream"})


def blob(n, seed=0):
    return (hashlib.sha256(str(seed).encode()).digest() * (n // 32 + 1))[:n] if n < 4096 else os.urandom(n)


def test_new_project_has_the_default_datasets(team):
    r = team["owner"].get(team["base"])
    assert r.status_code == 200
    names = [d["name"] for d in r.json()["items"]]
    p = team["project"]
    assert names == sorted(["Logs", "Resources", "Jupyter", "Models", "Experiments", "DataValidation", "Statistics",
                            f"{p}_Training_Datasets"])


@pytest.mark.parametrize("size", [0, 1, 65536, 65537, MIB, 3 * MIB + 17])
def test_upload_download_roundtrip(team, size):
    data = blob(size, size)
    url = f"{team['base']}/Resources/rt/{size}.bin"
    r = put(team["owner"], url, data)
    assert r.status_code == 201, r.text
    st = r.json()
    assert st["size"] == size and st["type"] == "FILE"
    assert st["stored_inline"] == (size <= 65536)
    got = team["owner"].get(url, params={"action": "download"})
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Length"] == str(size)


def test_range_requests(team):
    data = blob(3 * MIB + 5)
    url = f"{team['base']}/Resources/range.bin"
    assert put(team["owner"], url, data).status_code == 201
    for spec, lo, hi in [("bytes=0-9", 0, 9), ("bytes=1048570-1048590", 1048570, 1048590), ("bytes=-7", len(data) - 7,
                                                                                              len(data) - 1),
                         (f"bytes={len(data) - 3}-", len(data) - 3, len(data) - 1)]:
        r = team["owner"].get(url, params={"action": "download"}, headers={"Range": spec})
        assert r.status_code == 206, spec
        assert r.content == data[lo:hi + 1], spec
        assert r.headers["Content-Range"] == f"bytes {lo}-{hi}/{len(data)}"
    r = team["owner"].get(url, params={"action": "download"}, headers={"Range": f"bytes={len(data)}-"})
    assert r.status_code == 416


def test_names_differ_byte_for_byte(team):
    """"a", "a " and "A" are three names on every store (no case folding, no padding)."""
    base = f"{team['base']}/Resources"
    for name, body in [("pad", b"1"), ("pad%20", b"2"), ("PAD", b"3"), ("p\u00e9", b"4")]:
        assert put(team["owner"], f"{base}/{name}", body).status_code == 201, name
    for name, body in [("pad", b"1"), ("pad%20", b"2"), ("PAD", b"3")]:
        assert team["owner"].get(f"{base}/{name}", params={"action": "download"}).content == body, name
    names = [i["name"] for i in team["owner"].get(base, params={"action": "list"}).json()["items"]]
    assert {"pad", "pad ", "PAD"} <= set(names)


def test_create_refuses_existing_unless_overwrite(team):
    url = f"{team['base']}/Resources/ow.txt"
    assert put(team["owner"], url, b"one").status_code == 201
    r = put(team["owner"], url, b"two")
    assert r.status_code == 409 and "overwrite" in r.json()["error"]["message"]
    assert put(team["owner"], url, b"three", overwrite="true").status_code == 201
    assert team["owner"].get(url, params={"action": "download"}).content == b"three"


def test_append_inline_and_blocks(team):
    url = f"{team['base']}/Resources/app.log"
    assert put(team["owner"], url, b"a" * 1000).status_code == 201
    r = team["owner"].post(url, params={"action": "append"}, data=b"b" * 1000)
    assert r.status_code == 200 and r.json()["size"] == 2000 and r.json()["stored_inline"]
    big = blob(2 * MIB)
    r = team["owner"].post(url, params={"action": "append"}, data=big)
    assert r.status_code == 200 and r.json()["size"] == 2000 + len(big) and not r.json()["stored_inline"]
    r = team["owner"].post(url, params={"action": "append"}, data=b"tail")
    assert r.json()["size"] == 2000 + len(big) + 4
    assert team["owner"].get(url, params={"action": "download"}).content == b"a" * 1000 + b"b" * 1000 + big + b"tail"
    r = team["owner"].post(f"{team['base']}/Resources/nope.log", params={"action": "append"}, data=b"x")
    assert r.status_code == 404


def test_list_is_sorted_and_paginated(team):
    d = f"{team['base']}/Resources/many"
    names = [f"f{i:03d}" for i in range(25)]
    for n in reversed(names):
        assert put(team["owner"], f"{d}/{n}", n.encode()).status_code == 201
    seen, token = [], None
    while True:
        params = {"action": "list", "limit": 10}
        if token:
            params["page_token"] = token
        r = team["owner"].get(d, params=params).json()
        seen += [i["name"] for i in r["items"]]
        token = r.get("next_page_token")
        if not token:
            break
    assert seen == names


def test_move_copy_delete(team):
    o, b = team["owner"], team["base"]
    assert put(o, f"{b}/Resources/mv/a/x.txt", b"x").status_code == 201
    r = o.post(f"{b}/Resources/mv/a", params={"action": "move"}, json={"destination": "Resources/mv/b"})
    assert r.status_code == 200, r.text
    assert o.get(f"{b}/Resources/mv/a").status_code == 404
    assert o.get(f"{b}/Resources/mv/b/x.txt", params={"action": "download"}).content == b"x"
    # Into its own subtree: refused.
    r = o.post(f"{b}/Resources/mv/b", params={"action": "move"}, json={"destination": "Resources/mv/b/c/d"})
    assert r.status_code in (404, 422)
    assert o.post(f"{b}/Resources/mv/b", params={"action": "mkdirs"}).status_code == 200  # already there
    r = o.post(f"{b}/Resources/mv/b", params={"action": "move"}, json={"destination": "Resources/mv/b/inner"})
    assert r.status_code == 422 and "own subtree" in r.json()["error"]["message"]
    big = blob(MIB + 3)
    assert put(o, f"{b}/Resources/mv/b/big", big).status_code == 201
    r = o.post(f"{b}/Resources/mv/b", params={"action": "copy"}, json={"destination": "Experiments/copy"})
    assert r.status_code == 201, r.text
    assert o.get(f"{b}/Experiments/copy/big", params={"action": "download"}).content == big
    r = o.delete(f"{b}/Resources/mv/b")
    assert r.status_code == 409 and "recursive" in r.json()["error"]["message"]
    assert o.delete(f"{b}/Resources/mv/b", params={"recursive": "true"}).status_code == 204
    assert o.get(f"{b}/Resources/mv/b").status_code == 404


def test_recursive_delete_of_a_large_tree_frees_quota(team, admin):
    o, b, p = team["owner"], team["base"], team["project"]
    before = o.get(f"/api/v1/projects/{p}/quotas").json()["namespace_entries"]["used"]
    for i in range(30):
        for j in range(40):
            assert put(o, f"{b}/Logs/tree/d{i}/f{j}", b"z" * 10).status_code == 201
    mid = o.get(f"/api/v1/projects/{p}/quotas").json()
    assert mid["namespace_entries"]["used"] == before + 1 + 30 + 1200
    assert o.delete(f"{b}/Logs/tree", params={"recursive": "true"}).status_code == 204
    after = o.get(f"/api/v1/projects/{p}/quotas").json()
    assert after["namespace_entries"]["used"] == before
    fsck = admin.post("/api/v1/admin/fsck").json()
    assert fsck["healthy"], fsck


def test_project_quota_enforced(team, admin):
    o, b, p = team["owner"], team["base"], team["project"]
    used = o.get(f"/api/v1/projects/{p}/quotas").json()["storage_bytes"]["used"]
    assert admin.put(f"/api/v1/projects/{p}/quotas", json={"storage_bytes": int(used) + 100_000}).status_code == 200
    assert put(o, f"{b}/Resources/q1", blob(90_000)).status_code == 201
    r = put(o, f"{b}/Resources/q2", blob(20_000))
    assert r.status_code == 409 and "quota" in r.json()["error"]["message"]
    assert o.get(f"{b}/Resources/q2").status_code == 404  # nothing partial
    r = put(o, f"{b}/Resources/q3", blob(3 * MIB))
    assert r.status_code == 409
    q = o.get(f"/api/v1/projects/{p}/quotas").json()
    assert q["storage_bytes"]["used"] == used + 90_000
    entries = int(o.get(f"/api/v1/projects/{p}/quotas").json()["namespace_entries"]["used"])
    assert admin.put(f"/api/v1/projects/{p}/quotas",
                     json={"storage_bytes": -1, "namespace_entries": entries + 2}).status_code == 200
    r = o.post(f"{b}/Resources/deep/er/still", params={"action": "mkdirs"})
    assert r.status_code == 409 and "namespace quota" in r.json()["error"]["message"]
    assert admin.put(f"/api/v1/projects/{p}/quotas", json={"namespace_entries": -1}).status_code == 200


def test_directory_quota_and_rename_into_it(team):
    o, b = team["owner"], team["base"]
    assert o.post(f"{b}/Resources/limited", params={"action": "mkdirs"}).status_code == 201
    r = o.patch(f"{b}/Resources/limited", json={"namespace_quota": 3, "space_quota": 1000})
    assert r.status_code == 200 and r.json()["namespace_quota"] == 3
    assert put(o, f"{b}/Resources/limited/a", b"1" * 500).status_code == 201
    r = put(o, f"{b}/Resources/limited/b", b"1" * 600)
    assert r.status_code == 409 and "space quota" in r.json()["error"]["message"]
    assert put(o, f"{b}/Resources/outside", b"1" * 400).status_code == 201
    assert put(o, f"{b}/Resources/outside2", b"1" * 10).status_code == 201
    assert o.post(f"{b}/Resources/outside", params={"action": "move"},
                  json={"destination": "Resources/limited/c"}).status_code == 200
    r = o.post(f"{b}/Resources/outside2", params={"action": "move"}, json={"destination": "Resources/limited/d"})
    assert r.status_code == 409 and "namespace quota" in r.json()["error"]["message"]
    s = o.get(f"{b}/Resources/limited", params={"action": "summary"}).json()
    assert s == {"path": "Resources/limited", "files": 2, "directories": 1, "bytes": 900, "space_consumed": 900,
                 "namespace_quota": 3, "space_quota": 1000}


def test_xattrs(team):
    o, b = team["owner"], team["base"]
    url = f"{b}/Resources/x.csv"
    assert put(o, url, b"a,b").status_code == 201
    assert o.post(url, params={"action": "set_xattr"}, json={"name": "user.owner", "value": "team-a"}).status_code == 204
    assert o.get(url, params={"action": "xattrs"}).json()["xattrs"] == {"user.owner": "team-a"}
    r = o.post(url, params={"action": "set_xattr"}, json={"name": "provenance.app", "value": "x"})
    assert r.status_code == 403 and "reserved" in r.json()["error"]["message"]
    r = o.post(url, params={"action": "set_xattr"}, json={"name": "noprefix", "value": "x"})
    assert r.status_code == 422
    r = o.post(url, params={"action": "set_xattr"}, json={"name": "user." + "n" * 300, "value": "x"})
    assert r.status_code == 422
    r = o.post(url, params={"action": "set_xattr"}, json={"name": "user.big", "value": "v" * 70000})
    assert r.status_code == 422
    r = o.post(url, params={"action": "set_xattr"}, json={"name": "user.owner", "value": "b", "flag": "CREATE"})
    assert r.status_code == 409
    assert o.post(url, params={"action": "remove_xattr"}, json={"name": "user.owner"}).status_code == 204
    assert o.post(url, params={"action": "remove_xattr"}, json={"name": "user.owner"}).status_code == 404
    for i in range(32):
        assert o.post(url, params={"action": "set_xattr"}, json={"name": f"user.k{i}", "value": "v"}).status_code == 204
    assert o.post(url, params={"action": "set_xattr"}, json={"name": "user.k99", "value": "v"}).status_code == 409


def test_roles(team):
    b = team["base"]
    ds, o, out = team["ds"], team["owner"], team["outsider"]
    # Data Scientists write in group-writable datasets, not in the others.
    assert put(ds, f"{b}/Resources/by-ds.txt", b"ds").status_code == 201
    r = put(ds, f"{b}/Models/m.bin", b"m")
    assert r.status_code == 403 and "group-writable" in r.json()["error"]["message"]
    # They read everything, delete only what they created.
    assert put(o, f"{b}/Resources/by-owner.txt", b"o").status_code == 201
    assert ds.get(f"{b}/Resources/by-owner.txt", params={"action": "download"}).content == b"o"
    r = ds.delete(f"{b}/Resources/by-owner.txt")
    assert r.status_code == 403 and "created" in r.json()["error"]["message"]
    assert ds.delete(f"{b}/Resources/by-ds.txt").status_code == 204
    # Datasets are for Data Owners.
    assert ds.post(b, json={"name": "dsdata"}).status_code == 403
    assert ds.delete(f"{b}/Logs", params={"recursive": "true"}).status_code == 403
    assert team["do"].post(b, json={"name": "dodata"}).status_code == 201
    assert o.delete(f"{b}/dodata").status_code == 204
    # A Data Owner can open a dataset to Data Scientists.
    assert o.patch(f"{b}/Models", json={"permission": "770"}).status_code == 200
    assert put(ds, f"{b}/Models/m.bin", b"m").status_code == 201
    # Other projects see nothing.
    for path in ["", "/Resources", "/Resources/by-owner.txt"]:
        assert out.get(b + path).status_code == 404


def test_sharing(team, fsd, admin):
    o, out, b = team["owner"], team["outsider"], team["base"]
    p, other = team["project"], team["other"]
    assert put(o, f"{b}/Resources/shared.csv", b"1,2,3").status_code == 201
    r = o.post(f"/api/v1/projects/{p}/shares", json={"dataset": "Resources", "project": other,
                                                     "permission": "READ_ONLY"})
    assert r.status_code == 201 and not r.json()["accepted"]
    alias = f"{p}::Resources"
    # Not visible before the target's Data Owner accepts.
    assert out.get(f"/api/v1/projects/{other}/datasets/{alias}").status_code == 404
    assert team["ds"].post(f"/api/v1/projects/{p}/shares/{other}/Resources/accept").status_code in (403, 404)
    r = out.post(f"/api/v1/projects/{other}/shares/{p}/Resources/accept")
    assert r.status_code == 200 and r.json()["accepted"]
    names = [d["name"] for d in out.get(f"/api/v1/projects/{other}/datasets").json()["items"]]
    assert alias in names
    got = out.get(f"/api/v1/projects/{other}/datasets/{alias}/shared.csv", params={"action": "download"})
    assert got.content == b"1,2,3"
    r = put(out, f"/api/v1/projects/{other}/datasets/{alias}/new.csv", b"x")
    assert r.status_code == 403 and "read-only" in r.json()["error"]["message"]
    # The outsider still cannot reach the project itself.
    assert out.get(f"{b}/Resources").status_code == 404
    # EDITABLE: the target writes into the owner's dataset, charged to the owner.
    assert o.delete(f"/api/v1/projects/{p}/shares/{other}/Resources").status_code == 204
    assert out.get(f"/api/v1/projects/{other}/datasets/{alias}").status_code == 404
    assert o.post(f"/api/v1/projects/{p}/shares", json={"dataset": "Resources", "project": other,
                                                        "permission": "EDITABLE"}).status_code == 201
    assert out.post(f"/api/v1/projects/{other}/shares/{p}/Resources/accept").status_code == 200
    assert put(out, f"/api/v1/projects/{other}/datasets/{alias}/from-other.csv", b"y").status_code == 201
    assert o.get(f"{b}/Resources/from-other.csv", params={"action": "download"}).content == b"y"
    # The target can leave the share too.
    assert out.delete(f"/api/v1/projects/{other}/shares/{p}/Resources").status_code == 204
    assert o.get(f"/api/v1/projects/{p}/shares").json()["items"] == []


def test_provenance(team):
    o, b, p = team["owner"], team["base"], team["project"]
    assert o.patch(f"{b}/Experiments", json={"provenance": "full"}).json()["provenance"] == "full"
    assert put(o, f"{b}/Experiments/run1/out.txt", b"r", ).status_code == 201
    o.get(f"{b}/Experiments/run1/out.txt", params={"action": "download"})
    o.post(f"{b}/Experiments/run1/out.txt", params={"action": "move"}, json={"destination": "Experiments/run1/o2.txt"})
    o.delete(f"{b}/Experiments/run1/o2.txt")
    assert put(o, f"{b}/Logs/l.txt", b"l").status_code == 201        # state level: create only
    o.get(f"{b}/Logs/l.txt", params={"action": "download"})
    evs = o.get(f"/api/v1/projects/{p}/provenance", params={"path_prefix": "/Experiments"}).json()["items"]
    ops = [(e["operation"], e["path"]) for e in evs]
    assert ("create", "/Experiments/run1/out.txt") in ops
    assert ("read", "/Experiments/run1/out.txt") in ops
    assert ("rename", "/Experiments/run1/out.txt") in ops
    assert ("delete", "/Experiments/run1/o2.txt") in ops
    assert all(e["user"] and e["interface"] == "rest" for e in evs)
    logs = o.get(f"/api/v1/projects/{p}/provenance", params={"path_prefix": "/Logs/l.txt"}).json()["items"]
    assert [e["operation"] for e in logs] == ["create"]
    assert o.get(f"/api/v1/projects/{p}/provenance", params={"operation": "read", "path_prefix": "/Logs"}).json()[
        "items"] == []
    r = o.get(f"/api/v1/projects/{p}/provenance", params={"from": "yesterday"})
    assert r.status_code == 400
    assert team["outsider"].get(f"/api/v1/projects/{p}/provenance").status_code == 404


def test_bad_paths_and_ranges(team):
    o, b = team["owner"], team["base"]
    assert put(o, f"{b}/Resources/ok.txt", b"ok").status_code == 201
    cases = [
        (f"{b}/Resources/..%2F..%2Fx", 400),
        (f"{b}/Resources/a%00b", 400),
        (f"{b}/Resources/" + "n" * 256, 422),
        (f"{b}/Resources/a:b", 422),
    ]
    for url, status in cases:
        r = put(o, url, b"x")
        assert r.status_code == status, (url, r.text)
    r = o.get(f"{b}/" + "/".join([".."] * 3))
    assert r.status_code in (400, 404, 422)
    r = o.get(f"{b}/Resources/ok.txt", params={"action": "nope"})
    assert r.status_code == 400
    r = o.get(f"{b}/Resources/ok.txt", params={"action": "download"}, headers={"Range": "bytes=50-60"})
    assert r.status_code == 416
    long_path = "/".join(["d" * 200] * 25)
    assert put(o, f"{b}/Resources/{long_path}", b"x").status_code == 422
    assert o.get(f"{b}/Resources/ok.txt/child").status_code == 404


def test_corruption_is_reported_never_returned(team, fsd, admin):
    o, b = team["owner"], team["base"]
    data = blob(2 * MIB + 100)
    url = f"{b}/Resources/corrupt-me.bin"
    before = fsd.blocks()
    assert put(o, url, data).status_code == 201
    victim = next(b for b, n in fsd.blocks().items() if b not in before and n == MIB)
    raw = bytearray(fsd.read_block(victim))
    raw[1000] ^= 0xFF
    fsd.write_block(victim, bytes(raw))
    r = o.get(url, params={"action": "download"})
    assert len(r.content) < len(data) or r.content != data or r.status_code != 200
    assert r.content != data
    assert data[:1000] != r.content[:len(data)] or len(r.content) < len(data)
    fsck = admin.post("/api/v1/admin/fsck", params={"verify": "true"}).json()
    assert not fsck["healthy"] and any("corrupt-me.bin" in c for c in fsck["corrupt_blocks"])
    fixed = admin.post("/api/v1/admin/fsck", params={"verify": "true", "repair": "true"}).json()
    assert fixed["repaired"] >= 1
    after = admin.post("/api/v1/admin/fsck", params={"verify": "true"}).json()
    assert after["healthy"], json.dumps(after)
    assert o.get(url).status_code == 404


def test_orphan_blocks_are_collected(team, fsd, admin):
    orphan = "ab" + "0" * 30
    fsd.write_block(orphan, b"left by a crashed upload")
    fsck = admin.post("/api/v1/admin/fsck").json()
    assert orphan in fsck["orphan_blocks"]
    gc = admin.post("/api/v1/admin/fs/gc").json()
    assert gc["orphan_blocks_deleted"] >= 1
    assert orphan not in fsd.blocks()
    assert admin.post("/api/v1/admin/fsck").json()["healthy"]


def test_deleting_a_project_deletes_its_tree(fsd, admin):
    name, api = make_user(fsd, admin)
    p = unique("p")
    assert api.post("/api/v1/projects", json={"name": p}).status_code == 201
    assert put(api, f"/api/v1/projects/{p}/datasets/Resources/big", blob(2 * MIB)).status_code == 201
    files_before = len(fsd.blocks())
    assert api.delete(f"/api/v1/projects/{p}").status_code == 204
    gc = admin.post("/api/v1/admin/fs/gc").json()
    assert gc["trash_entries_deleted"] >= 10 and gc["queued_blocks_deleted"] >= 2
    files_after = len(fsd.blocks())
    assert files_after <= files_before - 2
    # The name is free again, with a fresh tree.
    assert api.post("/api/v1/projects", json={"name": p}).status_code == 201
    items = api.get(f"/api/v1/projects/{p}/datasets/Resources", params={"action": "list"}).json()["items"]
    assert items == []
    assert admin.post("/api/v1/admin/fsck").json()["healthy"]


def test_checksum_and_stat(team):
    o, b = team["owner"], team["base"]
    data = blob(MIB + 1)
    assert put(o, f"{b}/Resources/c1", data).status_code == 201
    assert put(o, f"{b}/Resources/c2", data).status_code == 201
    c1 = o.get(f"{b}/Resources/c1", params={"action": "checksum"}).json()
    c2 = o.get(f"{b}/Resources/c2", params={"action": "checksum"}).json()
    assert c1["checksum"] == c2["checksum"] and len(c1["checksum"]) == 32
    st = o.get(f"{b}/Resources/c1").json()
    assert st["owner"] and st["group"] == team["project"] and st["permission"] == "0664"


def test_concurrent_renames_and_deletes_stay_consistent(team, admin):
    o, b = team["owner"], team["base"]
    for i in range(8):
        for j in range(5):
            assert put(o, f"{b}/Jupyter/c/d{i}/f{j}", b"q").status_code == 201
    errors = []

    def worker(k):
        try:
            for n in range(15):
                src, dst = f"d{(k + n) % 8}", f"d{(k + n + 3) % 8}"
                o.post(f"{b}/Jupyter/c/{src}", params={"action": "move"}, json={"destination": f"Jupyter/c/{dst}/sub{k}"})
                o.post(f"{b}/Jupyter/c/{dst}/sub{k}", params={"action": "move"}, json={"destination": f"Jupyter/c/{src}"})
                if n % 5 == 4:
                    o.delete(f"{b}/Jupyter/c/d{k}/f0")
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    fsck = admin.post("/api/v1/admin/fsck").json()
    assert fsck["healthy"], fsck


def test_review_edge_cases(team):
    o, b, p, out = team["owner"], team["base"], team["project"], team["outsider"]
    # A bad provenance level is refused before the dataset exists.
    r = o.post(b, json={"name": "provbad", "provenance": "all"})
    assert r.status_code == 422
    assert o.get(f"{b}/provbad").status_code == 404
    r = o.post(b, json={"name": "Logs"})
    assert r.status_code == 409 and "already exists" in r.json()["error"]["message"]
    r = o.post(b, json={"name": "provfull", "provenance": "full", "permission": "750"})
    assert r.status_code == 201 and r.json()["provenance"] == "full" and r.json()["permission"] == "0750"
    assert o.get(f"{b}/provfull").json()["provenance"] == "full"
    assert o.get(f"{b}/Logs").json()["provenance"] == "state"
    assert all("provenance" in d for d in o.get(b).json()["items"])
    # Names must be UTF-8; an empty PATCH says what it takes.
    assert put(o, f"{b}/Resources/bad%FFname", b"x").status_code == 422
    r = o.patch(f"{b}/Resources", json={})
    assert r.status_code == 400 and "permission" in r.json()["error"]["message"]
    # copy takes a JSON boolean; move takes only a destination.
    assert put(o, f"{b}/Resources/c.txt", b"1").status_code == 201
    assert put(o, f"{b}/Resources/d.txt", b"2").status_code == 201
    r = o.post(f"{b}/Resources/c.txt", params={"action": "copy"}, json={"destination": "Resources/d.txt", "overwrite": True})
    assert r.status_code == 201
    assert o.get(f"{b}/Resources/d.txt", params={"action": "download"}).content == b"1"
    r = o.post(f"{b}/Resources/c.txt", params={"action": "move"}, json={"destination": "Resources/e", "overwrite": True})
    assert r.status_code == 400
    # Moves do not cross projects through a share's alias.
    other = team["other"]
    assert o.post(f"/api/v1/projects/{p}/shares", json={"dataset": "Resources", "project": other,
                                                        "permission": "EDITABLE"}).status_code == 201
    assert out.post(f"/api/v1/projects/{other}/shares/{p}/Resources/accept").status_code == 200
    assert put(out, f"/api/v1/projects/{other}/datasets/{p}::Resources/mine.txt", b"m").status_code == 201
    r = out.post(f"/api/v1/projects/{other}/datasets/{p}::Resources/mine.txt", params={"action": "move"},
                 json={"destination": "Resources/mine.txt"})
    assert r.status_code == 422 and "copy" in r.json()["error"]["message"]
    # path_prefix=/ means everything.
    evs = o.get(f"/api/v1/projects/{p}/provenance", params={"path_prefix": "/"}).json()["items"]
    assert any(e["path"] == "/Resources/c.txt" for e in evs)


def test_collector_leaves_uploads_in_flight_alone(team, admin):
    o, b = team["owner"], team["base"]
    data = blob(5 * MIB)
    done = {}

    def slow():
        for i in range(0, len(data), MIB):
            time.sleep(0.3)
            yield data[i:i + MIB]

    def upload():
        done["r"] = o.put(f"{b}/Resources/slow.bin", data=slow(), headers={"Content-Type": "application/octet-stream"})

    t = threading.Thread(target=upload)
    t.start()
    while t.is_alive():
        assert admin.post("/api/v1/admin/fs/gc").status_code == 200  # grace 0: every unreferenced block is old
        assert admin.post("/api/v1/admin/fsck", params={"repair": "true"}).status_code == 200
        time.sleep(0.1)
    t.join()
    assert done["r"].status_code == 201, done["r"].text
    assert o.get(f"{b}/Resources/slow.bin", params={"action": "download"}).content == data
    assert admin.post("/api/v1/admin/fsck", params={"verify": "true"}).json()["healthy"]


def test_data_scientists_cannot_delete_or_move_others_entries_wholesale(team):
    o, ds, b = team["owner"], team["ds"], team["base"]
    assert put(ds, f"{b}/Resources/dsdir/mine.txt", b"m").status_code == 201
    assert put(o, f"{b}/Resources/dsdir/owners.txt", b"o").status_code == 201
    r = ds.delete(f"{b}/Resources/dsdir", params={"recursive": "true"})
    assert r.status_code == 403 and "others" in r.json()["error"]["message"]
    r = ds.post(f"{b}/Resources/dsdir", params={"action": "move"}, json={"destination": "Jupyter/stolen"})
    assert r.status_code == 403
    assert o.get(f"{b}/Resources/dsdir/owners.txt").status_code == 200
    assert ds.delete(f"{b}/Resources/dsdir/mine.txt").status_code == 204
    assert o.delete(f"{b}/Resources/dsdir", params={"recursive": "true"}).status_code == 204


def test_mkdirs_through_an_editable_share(team):
    o, out, p, other = team["owner"], team["outsider"], team["project"], team["other"]
    assert o.post(f"/api/v1/projects/{p}/shares", json={"dataset": "Resources", "project": other,
                                                        "permission": "EDITABLE"}).status_code == 201
    assert out.post(f"/api/v1/projects/{other}/shares/{p}/Resources/accept").status_code == 200
    r = out.post(f"/api/v1/projects/{other}/datasets/{p}::Resources/newdir/sub", params={"action": "mkdirs"})
    assert r.status_code == 201, r.text
    assert o.get(f"{team['base']}/Resources/newdir/sub").json()["type"] == "DIRECTORY"
