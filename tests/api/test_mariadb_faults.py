"""Faults of the MySQL-protocol store: the MariaDB server restarts under load.
While it is down hopsd answers 503 UNAVAILABLE (never 500, never a crash); it
reconnects by itself when the database is back, and no acknowledged write is
lost. Runs with a MariaDB of its own (in the SQLite pass; the MariaDB pass
shares one server with every suite and does not restart it)."""
import time

import pytest

from tests.support.api import Api, WriteLoad
from tests.support.hopsd import STORE, Hopsd
from tests.support.mariadb import MariaDB


@pytest.mark.skipif(bool(STORE), reason="restarts a MariaDB of its own; runs in the SQLite pass")
def test_mariadb_restart_under_load(tmp_path):
    db = MariaDB(tmp_path / "mariadb").start()
    srv = None
    try:
        srv = Hopsd(data_dir=tmp_path / "d", args=["--store", db.url + "/hops_restart",
                                                   "--max-projects-per-user", "100000"]).start()
        token = srv.login()
        admin = Api(srv.url, "Bearer " + token)
        assert admin.post("/api/v1/projects", json={"name": "restart"}).status_code == 201
        load = WriteLoad([srv], {srv: token}, "restart")
        time.sleep(1.0)
        db.stop()
        time.sleep(2.0)
        down = Api(srv.url, "Bearer " + token).get("/api/v1/projects/restart")
        assert down.status_code == 503 and down.json()["error"]["code"] == "UNAVAILABLE", down.text
        db.start()
        deadline = time.time() + 30
        while time.time() < deadline and admin.get("/api/v1/projects/restart").status_code != 200:
            time.sleep(0.2)
        time.sleep(1.0)
        statuses = load.stop().statuses
        assert 503 in statuses and set(statuses) <= {201, 503}, sorted(set(statuses))
        assert statuses[-20:].count(201) > 0  # writing again
        assert srv.proc.poll() is None  # still running
        load.check(admin)
        assert admin.get("/api/v1/admin/audit/verify").json()["ok"] is True
    finally:
        if srv:
            srv.cleanup()
        db.cleanup()


@pytest.mark.skipif(bool(STORE), reason="starts a Galera cluster of its own; runs in the SQLite pass")
def test_galera_node_stops_under_load(tmp_path):
    """hopsd on a three-node Galera cluster (all three in its store URL): one node
    stops during writes; the platform keeps serving through the other two and no
    acknowledged write is lost."""
    from tests.support.mariadb import Galera

    cluster = Galera().start()
    srv = None
    try:
        assert cluster.cluster_size(0) == 3
        srv = Hopsd(data_dir=tmp_path / "d", args=["--store", cluster.url + "/hops_galera"]).start()
        token = srv.login()
        admin = Api(srv.url, "Bearer " + token)
        assert admin.post("/api/v1/projects", json={"name": "galera"}).status_code == 201
        load = WriteLoad([srv], {srv: token}, "galera")
        time.sleep(1.5)
        cluster.stop_node(0)  # the node hopsd connects to first
        time.sleep(3.0)
        statuses = load.stop().statuses
        assert cluster.cluster_size(1) == 2
        assert statuses[len(statuses) // 2:].count(201) > 10, sorted(set(statuses))
        assert set(statuses) <= {201, 503}, sorted(set(statuses))
        load.check(admin)
        assert admin.get("/api/v1/admin/audit/verify").json()["ok"] is True
    finally:
        if srv:
            srv.cleanup()
        cluster.cleanup()
