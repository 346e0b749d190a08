"""HopsFS under faults: SIGKILL during many concurrent uploads, a full block
store, concurrent writers in one directory, and clients that vanish mid-upload.

What must hold each time: a file is either absent or complete (never partial),
acknowledged writes survive, and afterwards the collector plus fsck leave a
healthy store whose blocks directory holds exactly the referenced blocks.
"""
import hashlib
import math
import os
import random
import socket
import threading
import time
import urllib.parse

import pytest
import requests

from tests.support.api import Api, make_user, unique
from tests.support.hopsd import Hopsd, running

MIB = 1 << 20
INLINE_MAX = 64 * 1024
CHUNK = 256 * 1024
SEED = int(os.environ.get("HOPS_FAULT_SEED", str(random.SystemRandom().randrange(1 << 30))))


# --- payloads: deterministic, so the full content's digest is known without keeping it ------

def chunks(seed, size):
    """The bytes of upload `seed` of `size` bytes, in chunks of at most 256 KiB; every chunk differs."""
    k = 0
    left = size
    while left > 0:
        n = min(CHUNK, left)
        pattern = hashlib.sha256(f"{seed}:{k}".encode()).digest()
        yield (pattern * (n // 32 + 1))[:n]
        left -= n
        k += 1


def payload(seed, size):
    return b"".join(chunks(seed, size))


def digest(seed, size):
    h = hashlib.sha256()
    for c in chunks(seed, size):
        h.update(c)
    return h.hexdigest()


class SizedBody:
    """A streamed body with a known length: requests sends Content-Length instead of chunked."""

    def __init__(self, seed, size):
        self.seed, self.size = seed, size

    def __len__(self):
        return self.size

    def __iter__(self):
        return chunks(self.seed, self.size)


def block_files(srv):
    return sorted(srv.blocks())


def blocks_for(size):
    return 0 if size <= INLINE_MAX else math.ceil(size / MIB)


def ds_url(project, rel):
    return f"/api/v1/projects/{project}/datasets/{urllib.parse.quote(rel)}"


def gc_then_fsck(admin, verify=False):
    gc = admin.post("/api/v1/admin/fs/gc")
    assert gc.status_code == 200, gc.text
    r = admin.post("/api/v1/admin/fsck", params={"verify": "true"} if verify else None)
    assert r.status_code == 200, r.text
    return gc.json(), r.json()


def assert_store_clean(srv, admin, expect_blocks=None, verify=True):
    """After a collection: healthy, no orphans, and the blocks on disk are exactly the referenced ones."""
    gc, fsck = gc_then_fsck(admin, verify=verify)
    ctx = f"seed={SEED} gc={gc} fsck={fsck}"
    assert fsck["healthy"], ctx
    for k in ["orphan_blocks", "missing_blocks", "corrupt_blocks", "size_mismatches", "orphan_inodes",
              "usage_mismatches"]:
        assert fsck[k] == [], (k, ctx)
    assert fsck["young_unreferenced_blocks"] == 0, ctx
    on_disk = block_files(srv)
    assert fsck["blocks"] == len(on_disk), (len(on_disk), ctx)
    if expect_blocks is not None:
        assert fsck["blocks"] == expect_blocks, ctx
    return fsck


def walk(api, project):
    """Every entry of a project by listing: (entries including the project root, bytes of files)."""
    entries, total = 1, 0
    r = api.get(f"/api/v1/projects/{project}/datasets", params={"limit": 1000})
    assert r.status_code == 200, r.text
    stack = [d["name"] for d in r.json()["items"]]
    assert r.json().get("next_page_token") in (None, "")
    while stack:
        rel = stack.pop()
        entries += 1
        token = None
        while True:
            params = {"action": "list", "limit": 1000}
            if token:
                params["page_token"] = token
            r = api.get(ds_url(project, rel), params=params)
            assert r.status_code == 200, (rel, r.text)
            body = r.json()
            for it in body["items"]:
                if it["type"] == "DIRECTORY":
                    stack.append(f"{rel}/{it['name']}")
                else:
                    entries += 1
                    total += it["size"]
            token = body.get("next_page_token")
            if not token:
                break
    return entries, total


# --- a) SIGKILL during 100 concurrent uploads --------------------------------------------------

def test_kill_9_during_100_concurrent_uploads():
    rng = random.Random(SEED)
    srv = Hopsd(args=["--store-sync", "normal", "--fs-gc-grace-s", "0", "--fs-block-size", str(MIB),
                      "--fs-gc-interval-s", "0"]).start()
    try:
        admin = Api(srv.url, "Bearer " + srv.login())
        uname, user = make_user(srv, admin, password="password-123")
        project = unique("crash")
        assert user.post("/api/v1/projects", json={"name": project}).status_code == 201
        token = user.s.headers["Authorization"]

        # 100 uploads from 1 KiB to 50 MiB, spread evenly on a log scale (about 480 MiB in all).
        sizes = [int(1024 * (50 * 1024) ** (i / 99)) for i in range(100)]
        rng.shuffle(sizes)
        uploads = []
        for i, size in enumerate(sizes):
            uploads.append(dict(i=i, name=f"Resources/crash/u{i:03d}.bin", size=size, seed=SEED * 1000 + i, old=None))
        # Ten of them replace an existing file: afterwards that file is the old or the new content, whole.
        for u in uploads[:10]:
            old_size = rng.choice([500, 30_000, 200_000, 1_500_000])
            u["old"] = (u["seed"] + 500_000, old_size)
            r = user.put(ds_url(project, u["name"]), data=payload(*u["old"]))
            assert r.status_code == 201, r.text
        assert sum(sizes) < 1536 * MIB

        results = {}

        def upload(u):
            url = srv.url + ds_url(project, u["name"])
            body = SizedBody(u["seed"], u["size"]) if u["i"] % 2 == 0 else chunks(u["seed"], u["size"])
            params = {"overwrite": "true"} if u["old"] else None
            try:
                r = requests.put(url, data=body, params=params, timeout=120,
                                 headers={"Authorization": token, "Content-Type": "application/octet-stream"})
                results[u["i"]] = ("http", r.status_code, r.text[:300], time.monotonic())
            except requests.RequestException as e:
                results[u["i"]] = ("error", None, repr(e)[:300], time.monotonic())

        threads = [threading.Thread(target=upload, args=(u,), daemon=True) for u in uploads]
        for t in threads:
            t.start()
        # Kill once a random share of the uploads has been answered, so that
        # others (mostly the large ones) are in flight whatever the disk speed.
        target = rng.randint(20, 70)
        deadline = time.monotonic() + 30
        while len(results) < target and time.monotonic() < deadline:
            time.sleep(0.001)
        in_flight = sum(t.is_alive() for t in threads)
        srv.kill()
        killed_at = time.monotonic()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        ctx = f"seed={SEED}"
        assert in_flight > 0, f"every upload finished before the kill; nothing was tested ({ctx})"

        acked = {i for i, res in results.items() if res[0] == "http" and res[1] == 201}
        # An HTTP answer other than 201 before the kill would be a server error under load.
        odd = {i: res for i, res in results.items() if res[0] == "http" and res[1] != 201}
        assert not odd, (odd, ctx)
        assert all(res[3] <= killed_at + 5 for res in results.values())

        srv.start()
        user = Api(srv.url, "Bearer " + srv.login(uname, "password-123"))
        admin = Api(srv.url, "Bearer " + srv.login())
        present, expect_blocks = set(), 0
        for u in uploads:
            i = u["i"]
            st = user.get(ds_url(project, u["name"]))
            assert st.status_code in (200, 404), (u, st.text)
            if st.status_code == 404:
                assert i not in acked, f"upload {i} ({u['size']} bytes) was acknowledged but is gone ({ctx})"
                assert u["old"] is None, f"replacing {u['name']} lost the old file as well ({ctx})"
                continue
            got = user.get(ds_url(project, u["name"]), params={"action": "download"})
            assert got.status_code == 200
            new_ok = len(got.content) == u["size"] and hashlib.sha256(got.content).hexdigest() == digest(
                u["seed"], u["size"])
            old_ok = u["old"] is not None and got.content == payload(*u["old"])
            assert new_ok or old_ok, (f"{u['name']}: {len(got.content)} bytes, neither the upload "
                                      f"({u['size']}) nor the file it replaced: partial ({ctx})")
            if i in acked:
                assert new_ok, f"{u['name']} was acknowledged but holds the old content ({ctx})"
            size = u["size"] if new_ok else u["old"][1]
            assert st.json()["size"] == size and st.json()["stored_inline"] == (size <= INLINE_MAX)
            if new_ok:
                present.add(i)
            expect_blocks += blocks_for(size)
        # The listing shows exactly the files found, nothing half-made under other names.
        listed = user.get(ds_url(project, "Resources/crash"), params={"action": "list", "limit": 1000}).json()
        names = {it["name"] for it in listed["items"]}
        want = {u["name"].split("/")[-1] for u in uploads if u["i"] in present or u["old"]}
        assert names == want, (names ^ want, ctx)
        assert acked <= present
        print(f"kill -9 ({ctx}): {in_flight} uploads in flight at the kill, {len(acked)} acknowledged, "
              f"{len(present)} present afterwards, {sum(u['size'] for u in uploads if u['i'] in present)} bytes kept, "
              f"{sum(1 for u in uploads if u['old'] and u['i'] not in present)} replacements kept the old file")
        # Orphaned blocks of the interrupted uploads are collected; what remains is referenced.
        assert_store_clean(srv, admin, expect_blocks=expect_blocks)
        entries, total = walk(user, project)
        q = user.get(f"/api/v1/projects/{project}/quotas").json()
        assert q["namespace_entries"]["used"] == entries and q["storage_bytes"]["used"] == total, (q, ctx)
        # Names of interrupted uploads are free: a plain create works.
        for u in [u for u in uploads if u["i"] not in present and not u["old"]][:3]:
            r = user.put(ds_url(project, u["name"]), data=b"again")
            assert r.status_code == 201, (u, r.text, ctx)
    finally:
        srv.cleanup()


# --- b) a full block store ------------------------------------------------------------------

def test_disk_full_fails_cleanly_and_inline_files_still_work():
    cap = 3_000_000
    with running(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                       "--fs-gc-interval-s", "0", "--fs-fault-capacity-bytes", str(cap)]) as srv:
        admin = Api(srv.url, "Bearer " + srv.login())
        _, user = make_user(srv, admin)
        project = unique("full")
        assert user.post("/api/v1/projects", json={"name": project}).status_code == 201
        used0 = user.get(f"/api/v1/projects/{project}/quotas").json()["storage_bytes"]["used"]
        written, failed = [], None
        sizes = [600_000, 1_100_000, 700_000, 900_000, 800_000, 800_000]
        for k, size in enumerate(sizes):
            name = f"Resources/fill/f{k}.bin"
            r = user.put(ds_url(project, name), data=payload(k, size))
            if r.status_code == 201:
                written.append((name, k, size))
                continue
            failed = (name, r)
            break
        assert failed, "the block store never filled up"
        name, r = failed
        assert sum(s for _, _, s in written) <= cap
        assert r.status_code == 507, r.text
        err = r.json()["error"]
        assert err["code"] == "INSUFFICIENT_STORAGE" and "no space" in err["message"], err
        # Nothing of the failed file is visible.
        assert user.get(ds_url(project, name)).status_code == 404
        assert user.get(ds_url(project, name), params={"action": "download"}).status_code == 404
        listed = user.get(ds_url(project, "Resources/fill"), params={"action": "list"}).json()["items"]
        assert sorted(i["name"] for i in listed) == sorted(n.split("/")[-1] for n, _, _ in written)
        # Earlier files read back whole.
        for n, seed, size in written:
            got = user.get(ds_url(project, n), params={"action": "download"})
            assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == digest(seed, size)
        # Replacing or appending to a good file on a full disk fails and leaves it as it was.
        n0, seed0, size0 = written[0]
        r = user.put(ds_url(project, n0), data=payload(99, 2 * MIB), params={"overwrite": "true"})
        assert r.status_code == 507, r.text
        r = user.post(ds_url(project, n0), params={"action": "append"}, data=payload(98, MIB))
        assert r.status_code == 507, r.text
        got = user.get(ds_url(project, n0), params={"action": "download"})
        assert hashlib.sha256(got.content).hexdigest() == digest(seed0, size0)
        assert user.get(ds_url(project, n0)).json()["size"] == size0
        # WebHDFS reports the same condition in its own shape.
        wr = requests.put(srv.url + f"/webhdfs/v1/Projects/{project}/Resources/fill/wh.bin",
                          params={"op": "CREATE", "data": "true"}, data=payload(97, 300_000),
                          headers={"Authorization": user.s.headers["Authorization"]})
        assert wr.status_code == 507, wr.text
        assert wr.json()["RemoteException"]["exception"] == "IOException"
        assert "no space" in wr.json()["RemoteException"]["message"]
        # Usage counts only what was written.
        used = user.get(f"/api/v1/projects/{project}/quotas").json()["storage_bytes"]["used"]
        assert used == used0 + sum(s for _, _, s in written)
        assert_store_clean(srv, admin, expect_blocks=sum(blocks_for(s) for _, _, s in written))
        # Inline files do not touch the block store: they still work, up to the inline limit.
        for size in [0, 10, 5000, INLINE_MAX]:
            n = f"Resources/fill/small-{size}.txt"
            r = user.put(ds_url(project, n), data=payload(size + 7, size))
            assert r.status_code == 201, r.text
            assert r.json()["stored_inline"]
            got = user.get(ds_url(project, n), params={"action": "download"})
            assert got.content == payload(size + 7, size)
        # One byte more needs a block: refused again, and nothing is left behind.
        r = user.put(ds_url(project, "Resources/fill/just-over.bin"), data=payload(5, INLINE_MAX + 1))
        assert r.status_code == 507, r.text
        assert user.get(ds_url(project, "Resources/fill/just-over.bin")).status_code == 404
        assert_store_clean(srv, admin, expect_blocks=sum(blocks_for(s) for _, _, s in written))


# --- c) concurrent writers in one directory -----------------------------------------------------

def test_16_concurrent_writers_in_one_directory():
    with running(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                       "--fs-gc-interval-s", "0"]) as srv:
        admin = Api(srv.url, "Bearer " + srv.login())
        _, user = make_user(srv, admin)
        project = unique("conc")
        assert user.post("/api/v1/projects", json={"name": project}).status_code == 201
        assert user.post(ds_url(project, "Resources/shared"), params={"action": "mkdirs"}).status_code == 201
        names = [f"f{k:02d}" for k in range(24)]
        sent = {n: set() for n in names}  # every content ever sent to a name (by digest)
        lock = threading.Lock()
        unexpected, counts = [], {}
        allowed = {"create": {201, 409}, "overwrite": {201, 409}, "delete": {204, 404, 409}}
        deadline = time.monotonic() + 3.0

        def writer(tid):
            rnd = random.Random(SEED * 100 + tid)
            s = requests.Session()
            s.headers["Authorization"] = user.s.headers["Authorization"]
            seq = 0
            while time.monotonic() < deadline:
                seq += 1
                name = rnd.choice(names)
                url = srv.url + ds_url(project, f"Resources/shared/{name}")
                op = rnd.choices(["create", "overwrite", "delete"], [4, 3, 3])[0]
                try:
                    if op == "delete":
                        r = s.delete(url)
                    else:
                        size = rnd.randrange(0, 5000) if rnd.random() < 0.8 else rnd.randrange(INLINE_MAX, 3 * MIB // 2)
                        data = payload(f"{tid}-{seq}", size)
                        with lock:
                            sent[name].add(hashlib.sha256(data).hexdigest())
                        r = s.put(url, data=data, params={"overwrite": "true"} if op == "overwrite" else None)
                    with lock:
                        counts[(op, r.status_code)] = counts.get((op, r.status_code), 0) + 1
                        if r.status_code not in allowed[op]:
                            unexpected.append((op, name, r.status_code, r.text[:300]))
                except requests.RequestException as e:
                    with lock:
                        unexpected.append((op, name, "exception", repr(e)))

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        ctx = f"seed={SEED} counts={counts}"
        assert not unexpected, (unexpected[:10], ctx)
        assert counts.get(("create", 201), 0) and counts.get(("delete", 204), 0) and counts.get(("overwrite", 201), 0)
        print(f"concurrent writers ({ctx})")
        # Every file left is one complete version that some writer sent.
        listed = user.get(ds_url(project, "Resources/shared"), params={"action": "list", "limit": 1000}).json()["items"]
        assert {i["name"] for i in listed} <= set(names)
        expect_blocks = 0
        for it in listed:
            got = user.get(ds_url(project, f"Resources/shared/{it['name']}"), params={"action": "download"})
            assert got.status_code == 200
            assert len(got.content) == it["size"]
            assert hashlib.sha256(got.content).hexdigest() in sent[it["name"]], (it, ctx)
            expect_blocks += blocks_for(it["size"])
        assert_store_clean(srv, admin, expect_blocks=expect_blocks)
        # The project's quota report agrees with what listing finds.
        entries, total = walk(user, project)
        q = user.get(f"/api/v1/projects/{project}/quotas").json()
        assert q["namespace_entries"]["used"] == entries, (q, entries, ctx)
        assert q["storage_bytes"]["used"] == total, (q, total, ctx)


# --- d) clients that vanish mid-upload ------------------------------------------------------------

def raw_put(srv, path, token, head_extra, body_parts):
    host, port = srv.url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)))
    req = (f"PUT {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {token}\r\n"
           f"Content-Type: application/octet-stream\r\n{head_extra}\r\n").encode()
    s.sendall(req)
    for p in body_parts:
        s.sendall(p)
        time.sleep(0.05)
    s.close()


@pytest.mark.parametrize("mode", ["content-length", "chunked"])
def test_client_disconnect_mid_upload_leaves_nothing(mode):
    with running(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                       "--fs-gc-interval-s", "0"]) as srv:
        admin = Api(srv.url, "Bearer " + srv.login())
        _, user = make_user(srv, admin)
        project = unique("cut")
        assert user.post("/api/v1/projects", json={"name": project}).status_code == 201
        token = user.s.headers["Authorization"]
        data = payload(1, 3 * MIB)
        cases = {
            "small.bin": data[:1000],        # would be inline
            "big.bin": data[:2 * MIB + 5],   # some blocks complete before the cut
        }
        for name, part in cases.items():
            for path in [ds_url(project, f"Resources/{name}"),
                         f"/webhdfs/v1/Projects/{project}/Resources/wh-{name}?op=CREATE&data=true"]:
                if mode == "content-length":
                    raw_put(srv, path, token, f"Content-Length: {len(part) + 12345}\r\n",
                            [part[i:i + CHUNK] for i in range(0, len(part), CHUNK)])
                else:
                    parts = [f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in
                             (part[i:i + CHUNK] for i in range(0, len(part), CHUNK))]
                    raw_put(srv, path, token, "Transfer-Encoding: chunked\r\n", parts)  # no final 0-chunk
        # Wait until the server has finished all four cut requests (they are audited when they end).
        deadline = time.monotonic() + 15
        while True:
            recs = admin.get("/api/v1/admin/audit", params={"project": project, "limit": 100}).json()["items"]
            puts = [r for r in recs if r["method"] == "PUT"]
            if len(puts) >= 4:
                break
            assert time.monotonic() < deadline, f"the server did not finish the cut uploads: {recs}"
            time.sleep(0.1)
        print(f"cut uploads ({mode}):", sorted((r["status"], r["outcome"]) for r in puts))
        assert all(r["status"] >= 400 for r in puts), puts
        for name in cases:
            assert user.get(ds_url(project, f"Resources/{name}")).status_code == 404
            assert user.get(ds_url(project, f"Resources/wh-{name}")).status_code == 404
        assert_store_clean(srv, admin, expect_blocks=0)
        # The same names upload fine afterwards.
        r = user.put(ds_url(project, "Resources/big.bin"), data=data)
        assert r.status_code == 201, r.text
        assert user.get(ds_url(project, "Resources/big.bin"), params={"action": "download"}).content == data


# --- e) a tree under concurrent writes, recursive deletes and moves, with and without kill -9 ----

@pytest.mark.parametrize("kill", [False, True], ids=["running", "kill-9"])
def test_tree_under_concurrent_writes_deletes_and_moves(kill):
    rng = random.Random(SEED + 7)
    srv = Hopsd(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                      "--fs-gc-interval-s", "0"]).start()
    try:
        admin = Api(srv.url, "Bearer " + srv.login())
        uname, user = make_user(srv, admin, password="password-123")
        project = unique("tree")
        assert user.post("/api/v1/projects", json={"name": project}).status_code == 201
        q0 = user.get(f"/api/v1/projects/{project}/quotas").json()
        token = user.s.headers["Authorization"]
        sent, lock = set(), threading.Lock()
        unexpected, counts = [], {}
        allowed = {200, 201, 204, 404, 409}
        stop = threading.Event()
        deadline = time.monotonic() + 3.0

        local = threading.local()  # each worker's own random stream

        def dir_path():
            return f"Resources/tree/d{local.rnd.randrange(4)}/s{local.rnd.randrange(3)}"

        def worker(tid):
            local.rnd = rnd = random.Random(SEED * 31 + tid)
            s = requests.Session()
            s.headers["Authorization"] = token
            seq = 0
            while time.monotonic() < deadline and not stop.is_set():
                seq += 1
                op = rnd.choices(["put", "mkdirs", "rmdir", "rmtop", "move"], [10, 2, 2, 1, 3])[0]
                try:
                    if op == "put":
                        path = f"{dir_path()}/f{rnd.randrange(4)}"
                        size = rnd.randrange(0, 3000) if rnd.random() < 0.8 else rnd.randrange(INLINE_MAX, 1200_000)
                        data = payload(f"t{tid}-{seq}", size)
                        with lock:
                            sent.add(hashlib.sha256(data).hexdigest())
                        r = s.put(srv.url + ds_url(project, path), data=data,
                                  params={"overwrite": "true"} if rnd.random() < 0.5 else None)
                    elif op == "mkdirs":
                        r = s.post(srv.url + ds_url(project, dir_path()), params={"action": "mkdirs"})
                    elif op == "rmdir":
                        r = s.delete(srv.url + ds_url(project, dir_path()), params={"recursive": "true"})
                    elif op == "rmtop":
                        r = s.delete(srv.url + ds_url(project, f"Resources/tree/d{rnd.randrange(4)}"),
                                     params={"recursive": "true"})
                    else:
                        r = s.post(srv.url + ds_url(project, dir_path()), params={"action": "move"},
                                   json={"destination": dir_path()})
                    with lock:
                        counts[(op, r.status_code)] = counts.get((op, r.status_code), 0) + 1
                        if r.status_code not in allowed:
                            unexpected.append((op, r.status_code, r.text[:300]))
                except requests.RequestException as e:
                    if not stop.is_set():
                        with lock:
                            unexpected.append((op, "exception", repr(e)[:300]))
                    return

        threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(16)]
        for t in threads:
            t.start()
        if kill:
            time.sleep(rng.uniform(1.0, 2.0))
            stop.set()
            srv.kill()
        for t in threads:
            t.join(60)
        ctx = f"seed={SEED} kill={kill} counts={counts}"
        assert not unexpected, (unexpected[:10], ctx)
        print(f"tree workload ({ctx})")
        if kill:
            srv.start()
            user = Api(srv.url, "Bearer " + srv.login(uname, "password-123"))
            admin = Api(srv.url, "Bearer " + srv.login())
        # Every file in the tree is one complete version that some writer sent.
        expect_blocks = 0
        r = user.get(ds_url(project, "Resources/tree"), params={"action": "list", "limit": 1000})
        tops = [i["name"] for i in r.json().get("items", [])] if r.status_code == 200 else []
        for top in tops:
            for sub in user.get(ds_url(project, f"Resources/tree/{top}"),
                                params={"action": "list", "limit": 1000}).json()["items"]:
                rel = f"Resources/tree/{top}/{sub['name']}"
                assert sub["type"] == "DIRECTORY", (rel, ctx)
                for f in user.get(ds_url(project, rel), params={"action": "list", "limit": 1000}).json()["items"]:
                    got = user.get(ds_url(project, f"{rel}/{f['name']}"), params={"action": "download"})
                    assert got.status_code == 200 and len(got.content) == f["size"], (rel, f, ctx)
                    assert hashlib.sha256(got.content).hexdigest() in sent, (rel, f, ctx)
                    expect_blocks += blocks_for(f["size"])
        assert_store_clean(srv, admin, expect_blocks=expect_blocks)
        entries, total = walk(user, project)
        q = user.get(f"/api/v1/projects/{project}/quotas").json()
        assert q["namespace_entries"]["used"] == entries and q["storage_bytes"]["used"] == total, (q, entries, total,
                                                                                                   ctx)
        # No subtree lock outlives its request (or the crash): the tree deletes, and usage returns to where it began.
        if tops:
            r = user.delete(ds_url(project, "Resources/tree"), params={"recursive": "true"})
            assert r.status_code == 204, (r.text, ctx)
        q = user.get(f"/api/v1/projects/{project}/quotas").json()
        assert q["namespace_entries"]["used"] == q0["namespace_entries"]["used"], (q, q0, ctx)
        assert q["storage_bytes"]["used"] == q0["storage_bytes"]["used"], (q, q0, ctx)
        assert_store_clean(srv, admin, expect_blocks=0)
        assert block_files(srv) == []
    finally:
        srv.cleanup()


# --- f) concurrent uploads against a space quota ----------------------------------------------------

def test_concurrent_uploads_never_exceed_the_space_quota():
    with running(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                       "--fs-gc-interval-s", "0"]) as srv:
        admin = Api(srv.url, "Bearer " + srv.login())
        _, user = make_user(srv, admin)
        project = unique("quota")
        assert user.post("/api/v1/projects", json={"name": project}).status_code == 201
        used0 = user.get(f"/api/v1/projects/{project}/quotas").json()["storage_bytes"]["used"]
        limit = used0 + 4 * MIB
        assert admin.put(f"/api/v1/projects/{project}/quotas", json={"storage_bytes": limit}).status_code == 200
        size = 1_300_000  # three fit, the fourth does not
        results = {}

        def up(k):
            r = requests.put(srv.url + ds_url(project, f"Resources/q/f{k}"), data=SizedBody(k, size),
                             headers={"Authorization": user.s.headers["Authorization"]})
            results[k] = (r.status_code, r.text[:200])

        threads = [threading.Thread(target=up, args=(k,)) for k in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        ok = [k for k, (st, _) in results.items() if st == 201]
        assert all(st in (201, 409) for st, _ in results.values()), results
        assert all("quota" in txt for st, txt in results.values() if st == 409), results
        assert len(ok) == 3, results
        q = user.get(f"/api/v1/projects/{project}/quotas").json()["storage_bytes"]
        assert q["used"] == used0 + 3 * size <= limit, q
        for k in ok:
            got = user.get(ds_url(project, f"Resources/q/f{k}"), params={"action": "download"})
            assert hashlib.sha256(got.content).hexdigest() == digest(k, size)
        assert_store_clean(srv, admin, expect_blocks=3 * blocks_for(size))
