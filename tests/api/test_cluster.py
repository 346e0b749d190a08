"""Two hopsd servers on one shared store and one shared block directory
behave as one platform (on SQLite shared by two processes in the SQLite pass,
on MariaDB in the MariaDB pass): every change through one is enforced through
the other at once, the collector runs on one server at a time and moves to a
survivor, and killing a server loses no acknowledged write."""
import os
import threading
import time
import uuid

import pytest
import requests

from tests.support.api import Api, WriteLoad
from tests.support.hopsd import STORE, Hopsd

MIB = 1 << 20
PASSWORD = "password-123"


def shared_args(shared):
    store = f"{STORE}/hops_cluster_{uuid.uuid4().hex[:10]}" if STORE else f"sqlite://{shared}/meta.db"
    return ["--store", store, "--fs-blocks-dir", str(shared / "blocks"), "--pki-dir", str(shared / "pki"),
            "--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-interval-s", "1",
            "--fs-gc-grace-s", "0", "--cluster-lease-s", "2", "--max-projects-per-user", "1000"]


@pytest.fixture()
def pair(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    args = shared_args(shared)
    a = Hopsd(data_dir=tmp_path / "a", args=args).start()
    b = Hopsd(data_dir=tmp_path / "b", args=args).start()
    yield a, b, shared, args
    for s in (a, b):
        s.cleanup()


def as_admin(srv):
    return Api(srv.url, "Bearer " + srv.login())


def test_a_change_through_one_server_is_enforced_through_the_other(pair):
    a, b, _, _ = pair
    admin_a, admin_b = as_admin(a), as_admin(b)
    assert admin_a.post("/api/v1/users", json={"username": "alice", "password": PASSWORD,
                                               "email": "alice@x.io"}).status_code == 201
    alice_a = Api(a.url, "Bearer " + a.login("alice", PASSWORD))
    alice_b = Api(b.url, "Bearer " + b.login("alice", PASSWORD))
    # Projects and members.
    assert admin_a.post("/api/v1/projects", json={"name": "shared1"}).status_code == 201
    assert alice_b.get("/api/v1/projects/shared1").status_code == 404
    assert admin_a.post("/api/v1/projects/shared1/members", json={"username": "alice"}).status_code == 201
    assert alice_b.get("/api/v1/projects/shared1").json()["role"] == "DATA_SCIENTIST"
    # Files, inline and in blocks: written through one, read through the other.
    big = os.urandom(3 * MIB + 123)
    assert admin_a.put("/api/v1/projects/shared1/datasets/Resources/big.bin", data=big).status_code == 201
    assert admin_a.put("/api/v1/projects/shared1/datasets/Resources/small.txt", data=b"hi").status_code == 201
    assert alice_b.get("/api/v1/projects/shared1/datasets/Resources/big.bin?action=download").content == big
    assert alice_b.get("/api/v1/projects/shared1/datasets/Resources/small.txt?action=download").content == b"hi"
    # A deleted file and a renamed directory are gone from the other's view at once.
    assert admin_b.delete("/api/v1/projects/shared1/datasets/Resources/small.txt").status_code == 204
    assert alice_a.get("/api/v1/projects/shared1/datasets/Resources/small.txt?action=stat").status_code == 404
    assert admin_a.post("/api/v1/projects/shared1/datasets/Resources/d1/d2?action=mkdirs").status_code == 201
    assert alice_b.get("/api/v1/projects/shared1/datasets/Resources/d1/d2?action=stat").status_code == 200
    assert admin_a.post("/api/v1/projects/shared1/datasets/Resources/d1?action=move",
                        json={"destination": "Resources/moved"}).status_code == 200
    assert alice_b.get("/api/v1/projects/shared1/datasets/Resources/d1/d2?action=stat").status_code == 404
    assert alice_b.get("/api/v1/projects/shared1/datasets/Resources/moved/d2?action=stat").status_code == 200
    # A quota set through one is enforced by the other.
    assert admin_a.put("/api/v1/projects/shared1/quotas", json={"storage_bytes": 4 * MIB}).status_code == 200
    r = admin_b.put("/api/v1/projects/shared1/datasets/Resources/over.bin", data=os.urandom(2 * MIB))
    assert r.status_code == 409 and r.json()["error"]["code"] == "QUOTA_EXCEEDED", r.text
    # Revoked API keys, ended sessions and removed members are refused at once.
    key = alice_a.post("/api/v1/users/me/apikeys", json={"name": "k", "scopes": ["PROJECT"]}).json()["key"]
    with_key = Api(b.url, "ApiKey " + key)
    assert with_key.get("/api/v1/projects/shared1").status_code == 200
    assert alice_a.delete("/api/v1/users/me/apikeys/k").status_code == 204
    assert with_key.get("/api/v1/projects/shared1").status_code == 401
    assert admin_a.delete("/api/v1/projects/shared1/members/alice").status_code == 204
    assert alice_b.get("/api/v1/projects/shared1").status_code == 404
    same_token_b = Api(b.url, alice_a.s.headers["Authorization"])
    assert same_token_b.get("/api/v1/users/me").status_code == 200
    assert alice_a.post("/api/v1/auth/logout").status_code == 204
    assert same_token_b.get("/api/v1/users/me").status_code == 401  # the session ended through the other server
    # Both servers are in the registry.
    servers = a.sql("SELECT id FROM servers")
    assert len(servers) == 2


def test_a_server_with_another_ca_is_refused(pair, tmp_path):
    _, _, shared, args = pair
    own_pki = [x if x != str(shared / "pki") else str(tmp_path / "own-pki") for x in args]
    c = Hopsd(data_dir=tmp_path / "c", args=own_pki)
    with pytest.raises(RuntimeError) as e:
        c.start()
    assert "platform CA fingerprint" in str(e.value) and "copy the PKI directory" in str(e.value)
    c.cleanup()


def test_collector_runs_on_one_server_and_moves_to_a_survivor(pair):
    a, b, _, args = pair
    servers = {a.sql("SELECT id FROM servers WHERE address = ?".replace("?", f"'{a.url[7:]}'"))[0][0]: a,
               b.sql("SELECT id FROM servers WHERE address = ?".replace("?", f"'{b.url[7:]}'"))[0][0]: b}
    deadline = time.time() + 10
    while time.time() < deadline and not a.sql("SELECT holder FROM leases WHERE name = 'fs.collector'"):
        time.sleep(0.2)
    holder = a.sql("SELECT holder FROM leases WHERE name = 'fs.collector'")[0][0]
    assert holder in servers
    holder_srv = servers[holder]
    other = b if holder_srv is a else a
    # The holder dies in the middle of an upload: its write in flight stays registered.
    admin = as_admin(holder_srv)
    assert admin.post("/api/v1/projects", json={"name": "gcmove"}).status_code == 201

    def slow_body():
        yield os.urandom(MIB + 1)
        time.sleep(30)
        yield b"never"

    t = threading.Thread(target=lambda: requests.put(
        holder_srv.url + "/api/v1/projects/gcmove/datasets/Resources/slow.bin", data=slow_body(),
        headers={"Authorization": admin.s.headers["Authorization"]}, timeout=60), daemon=True)
    t.start()
    deadline = time.time() + 10
    while time.time() < deadline and not other.sql(f"SELECT block_id FROM fs_uploads WHERE server_id = '{holder}'"):
        time.sleep(0.1)
    assert other.sql(f"SELECT block_id FROM fs_uploads WHERE server_id = '{holder}'")
    holder_srv.kill()
    # The survivor takes the lease over, cleans up after the dead server and collects its blocks.
    deadline = time.time() + 30
    while time.time() < deadline:
        rows = other.sql("SELECT holder FROM leases WHERE name = 'fs.collector'")
        if rows and rows[0][0] != holder and not other.sql(
                f"SELECT block_id FROM fs_uploads WHERE server_id = '{holder}'"):
            break
        time.sleep(0.3)
    assert other.sql("SELECT holder FROM leases WHERE name = 'fs.collector'")[0][0] != holder
    assert other.sql(f"SELECT block_id FROM fs_uploads WHERE server_id = '{holder}'") == []
    report = as_admin(other).post("/api/v1/admin/fsck").json()
    assert report["healthy"] is True, report


def test_killing_one_server_under_writes_loses_nothing_acknowledged(pair):
    a, b, _, _ = pair
    tokens = {s: s.login() for s in (a, b)}
    assert Api(a.url, "Bearer " + tokens[a]).post("/api/v1/projects", json={"name": "kill2"}).status_code == 201
    load = WriteLoad([a, b], tokens, "kill2", workers=4, size=lambda i: 100 + (i % 3) * 70_000)
    time.sleep(1.0)
    a.kill()
    time.sleep(1.0)
    assert len(load.stop().acked) > 10
    load.check(Api(b.url, "Bearer " + tokens[b]))
    a.start()
    admin_a = as_admin(a)
    # The restarted server released its dead run's writes in flight; the collector
    # removes their blocks, and then nothing is left over.
    assert admin_a.post("/api/v1/admin/fs/gc").status_code == 200
    report = admin_a.post("/api/v1/admin/fsck").json()
    assert report["healthy"] is True, {k: v for k, v in report.items() if v and k not in ("blocks", "bytes", "files", "directories")}
    verify = admin_a.get("/api/v1/admin/audit/verify").json()
    assert verify["ok"] is True, verify


def test_servers_starting_together_on_a_fresh_store_migrate_it_once(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    args = shared_args(shared)
    servers = [Hopsd(data_dir=tmp_path / n, args=args) for n in ("a", "b", "c")]
    errors = []

    def start(s):
        try:
            s.start()
        except RuntimeError as e:
            errors.append(str(e)[-500:])

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        versions = [r[0] for r in servers[0].sql("SELECT version FROM schema_version ORDER BY version")]
        assert versions == sorted(set(versions)) and len(versions) >= 6, versions
        for s in servers:
            assert requests.get(s.url + "/healthz").status_code == 200
    finally:
        for s in servers:
            s.cleanup()
