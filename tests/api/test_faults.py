"""Concurrency, crash and tamper tests against real hopsd processes."""
import random
import threading
import time

import requests

from tests.support.api import Api
from tests.support.hopsd import Hopsd


def test_32_clients_end_consistent():
    srv = Hopsd(args=["--store-sync", "normal", "--max-projects-per-user", "1000"]).start()
    try:
        admin = Api(srv.url, "Bearer " + srv.login())
        users = [f"user{i}" for i in range(8)]
        for u in users:
            assert admin.post("/api/v1/users", json={"username": u, "password": "password-123",
                                                     "email": f"{u}@x.io"}).status_code == 201
        tokens = {u: srv.login(u, "password-123") for u in users}
        lock = threading.Lock()
        alive = {}        # project -> owner, for acknowledged creates not yet acknowledged-deleted
        shared_wins = []
        errors = []

        def client(cid):
            rnd = random.Random(cid)
            me = users[cid % len(users)]
            api = Api(srv.url, "Bearer " + tokens[me])
            mine = []
            for i in range(25):
                op = rnd.random()
                try:
                    if op < 0.45 or not mine:
                        name = f"c{cid}_{i}"
                        r = api.post("/api/v1/projects", json={"name": name})
                        if r.status_code != 201:
                            errors.append(("create", r.status_code, r.text))
                            continue
                        mine.append(name)
                        with lock:
                            alive[name] = me
                    elif op < 0.65:
                        p = rnd.choice(mine)
                        other = rnd.choice([u for u in users if u != me])
                        r = api.post(f"/api/v1/projects/{p}/members",
                                     json={"username": other, "role": rnd.choice(["DATA_OWNER", "DATA_SCIENTIST"])})
                        if r.status_code not in (201, 409):
                            errors.append(("add", r.status_code, r.text))
                    elif op < 0.75:
                        p = rnd.choice(mine)
                        other = rnd.choice([u for u in users if u != me])
                        r = api.delete(f"/api/v1/projects/{p}/members/{other}")
                        if r.status_code not in (204, 404):
                            errors.append(("remove", r.status_code, r.text))
                    elif op < 0.9:
                        p = mine.pop(rnd.randrange(len(mine)))
                        r = api.delete(f"/api/v1/projects/{p}")
                        if r.status_code != 204:
                            errors.append(("delete", r.status_code, r.text))
                            continue
                        with lock:
                            del alive[p]
                    else:
                        r = api.post("/api/v1/projects", json={"name": f"shared{i % 3}"})
                        if r.status_code == 201:
                            with lock:
                                shared_wins.append(f"shared{i % 3}")
                                alive[f"shared{i % 3}"] = me
                        elif r.status_code != 409:
                            errors.append(("shared", r.status_code, r.text))
                except requests.RequestException as e:
                    errors.append(("exception", repr(e)))

        threads = [threading.Thread(target=client, args=(c,)) for c in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        # each contested name was won exactly once
        assert len(shared_wins) == len(set(shared_wins))
        listed = {}
        token = None
        while True:
            page = admin.get("/api/v1/projects", params={"limit": 200, **({"page_token": token} if token else {})}).json()
            listed.update({p["name"]: p["owner"] for p in page["items"]})
            token = page.get("next_page_token")
            if not token:
                break
        assert listed == alive
        for name, owner in listed.items():
            members = {m["username"]: m["role"] for m in admin.get(f"/api/v1/projects/{name}/members").json()["items"]}
            assert members.get(owner) == "DATA_OWNER", (name, members)
            assert set(members) <= set(users)
        assert admin.get("/api/v1/admin/audit/verify").json()["ok"] is True
    finally:
        srv.cleanup()

    # No member or quota rows outlive their project.
    if srv.data_dir.exists() or srv.store_args:
        assert srv.sql("SELECT COUNT(*) FROM project_members WHERE project_id NOT IN "
                       "(SELECT id FROM projects)")[0][0] == 0


def test_kill_9_during_write_storm_loses_nothing_acknowledged(tmp_path):
    srv = Hopsd(data_dir=tmp_path / "d", args=["--max-projects-per-user", "100000"]).start()
    admin_token = srv.login()
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(wid):
        api = Api(srv.url, "Bearer " + admin_token)
        i = 0
        while not stop.is_set():
            name = f"w{wid}_{i}"
            i += 1
            try:
                r = api.post("/api/v1/projects", json={"name": name, "description": "storm"}, timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 201:
                with lock:
                    acked.append(name)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    srv.kill()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 20, "the storm wrote too little to mean anything"

    srv.start()
    try:
        admin = Api(srv.url, "Bearer " + srv.login())
        names = set()
        token = None
        while True:
            page = admin.get("/api/v1/projects", params={"limit": 1000, **({"page_token": token} if token else {})}).json()
            names |= {p["name"] for p in page["items"]}
            token = page.get("next_page_token")
            if not token:
                break
        missing = [n for n in acked if n not in names]
        assert missing == []
        v = admin.get("/api/v1/admin/audit/verify").json()
        assert v["ok"] is True, v
        # every surviving project has its creation record in the audit log
        created, token = set(), None
        while True:
            page = admin.get("/api/v1/admin/audit", params={"action": "project.create", "outcome": "OK", "limit": 1000,
                                                            **({"page_token": token} if token else {})}).json()
            created |= {r["project"] for r in page["items"]}
            token = page.get("next_page_token")
            if not token:
                break
        assert created >= set(acked)
    finally:
        srv.cleanup()


def tamper_and_verify(srv, *statements):
    """Edits meta.db behind a stopped server, restarts it and asks for verification."""
    srv.stop()
    srv.sql(*statements)
    srv.start()
    return Api(srv.url, "Bearer " + srv.login()).get("/api/v1/admin/audit/verify").json()


def test_audit_tampering_is_detected(tmp_path):
    srv = Hopsd(data_dir=tmp_path / "d").start()
    try:
        admin = Api(srv.url, "Bearer " + srv.login())
        for i in range(5):
            admin.post("/api/v1/projects", json={"name": f"t{i}x"})
        original = srv.sql("SELECT username FROM audit_log WHERE seq = 3")[0][0]
        v = tamper_and_verify(srv, "UPDATE audit_log SET username = 'someone_else' WHERE seq = 3")
        assert v["ok"] is False and v["first_bad_seq"] == 3 and "altered" in v["message"]
        v = tamper_and_verify(srv, f"UPDATE audit_log SET username = '{original}' WHERE seq = 3",  # undo
                              "DELETE FROM audit_log WHERE seq = 4")
        assert v["ok"] is False and v["first_bad_seq"] == 4
    finally:
        srv.cleanup()
