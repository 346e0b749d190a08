"""hopsd as a server: keep-alive, request ids, headers, metrics, OpenAPI,
timeouts, TLS, configuration, graceful shutdown, first start."""
import http.client
import json
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from tests.support.api import Api
from tests.support.hopsd import Hopsd, HOPSD


def host_port(url):
    host, port = url.split("//")[1].split(":")
    return host, int(port)


def test_keep_alive_reuses_one_connection(server):
    conn = http.client.HTTPConnection(*host_port(server.url))
    ids = set()
    for _ in range(20):
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        ids.add(r.getheader("X-Request-Id"))
    assert conn.sock is not None  # never reconnected
    assert len(ids) == 20  # a fresh request id on every response
    conn.close()


def test_security_headers_and_request_id_on_errors(server):
    r = requests.get(server.url + "/api/v1/projects")
    assert r.status_code == 401
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.json()["error"]["request_id"] == r.headers["X-Request-Id"]


def test_metrics(server, admin):
    admin.get("/api/v1/projects")
    text = admin.get("/metrics").text
    assert 'hops_http_requests_total{method="GET",route="/api/v1/projects",status="200"}' in text
    assert 'hops_http_request_duration_seconds_bucket{method="GET",route="/api/v1/projects",le="+Inf"}' in text
    assert 'hops_store_transactions_total{kind="write",outcome="ok"}' in text
    assert 'hops_store_transaction_duration_seconds_count{kind="read"}' in text


def test_openapi_served(server, admin):
    assert requests.get(server.url + "/api/v1/openapi.json").status_code == 401
    doc = admin.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/projects/{name}/members/{username}" in doc["paths"]


def test_idle_connections_are_closed():
    srv = Hopsd(args=["--idle-timeout-ms", "300", "--read-timeout-ms", "300"]).start()
    try:
        s = socket.create_connection(host_port(srv.url))
        s.settimeout(5)
        start = time.time()
        assert s.recv(10) == b""  # the server hangs up on an idle connection
        assert time.time() - start < 3
        s = socket.create_connection(host_port(srv.url))
        s.settimeout(5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # a request that never finishes
        assert s.recv(10) == b""
    finally:
        srv.cleanup()


def test_config_from_environment_and_file(tmp_path):
    conf = tmp_path / "hops.conf"
    conf.write_text("# limits for this test\nmax_body_bytes = 64\n")
    srv = Hopsd(env={"HOPS_CONFIG": str(conf)}).start()
    try:
        api = Api(srv.url, "Bearer " + srv.login())
        r = api.post("/api/v1/projects", json={"name": "x" * 10, "description": "y" * 100})
        assert r.status_code == 413
    finally:
        srv.cleanup()
    bad = subprocess.run([str(HOPSD), "--no-such-flag", "1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown flag" in bad.stderr
    helptext = subprocess.run([str(HOPSD), "--help"], capture_output=True, text=True).stdout
    assert "HOPS_DATA_DIR" in helptext and "max_failed_logins" in helptext


def test_sigterm_drains_in_flight_requests(server):
    srv = Hopsd().start()
    results = []

    def slow_login():
        # Argon2id makes a login take tens of milliseconds: a real in-flight request.
        try:
            r = requests.post(srv.url + "/api/v1/auth/login",
                              json={"username": "admin", "password": srv.admin_password}, timeout=10)
            results.append(r.status_code)
        except requests.RequestException as e:
            results.append(repr(e))

    threads = [threading.Thread(target=slow_login) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.03)
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    assert srv.proc.wait(15) == 0
    # every request that had reached the server was answered
    assert all(r == 200 for r in results if isinstance(r, int)), results
    assert results.count(200) >= 1, results
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.url + "/healthz", timeout=2)
    assert "hopsd.stopped" in srv.log()
    srv.cleanup()


def test_tls_listener(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    srv = Hopsd(args=["--tls-cert", str(cert), "--tls-key", str(key)])
    srv.url = None
    addr_file = srv.data_dir / "hopsd.addr"
    srv.proc = subprocess.Popen([str(HOPSD), "--listen", "127.0.0.1:0", "--data-dir", str(srv.data_dir),
                                 "--tls-cert", str(cert), "--tls-key", str(key)],
                                env=srv.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if addr_file.exists() and addr_file.read_text().strip():
                break
            time.sleep(0.05)
        url = "https://" + addr_file.read_text().strip()
        r = requests.get(url + "/healthz", verify=str(cert))
        assert r.status_code == 200 and r.headers["X-Request-Id"]
        r = requests.post(url + "/api/v1/auth/login", json={"username": "admin", "password": srv.admin_password},
                          verify=str(cert))
        assert r.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url + "/healthz")  # not trusted without the certificate
        hostport = url[len("https://"):]
        for args, ok in [(["-tls1_2"], True), (["-tls1_3"], True), (["-tls1_1"], False),
                         (["-tls1_2", "-cipher", "AES128-SHA"], False)]:
            p = subprocess.run(["openssl", "s_client", "-connect", hostport, "-CAfile", str(cert), *args],
                               input=b"", capture_output=True, timeout=10)
            assert (p.returncode == 0 and b"Verify return code: 0" in p.stdout) == ok, (args, p.stdout[-300:])
    finally:
        srv.cleanup()


def test_first_start_prints_generated_admin_password_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HOPS_ADMIN_PASSWORD"}
    srv = Hopsd(data_dir=tmp_path / "d")
    srv.env = env
    srv.start()
    srv.stop()
    log = srv.log()
    assert "password:" in log
    password = log.split("password:")[1].split()[0]
    srv.log_path.write_text("")
    srv.start()
    try:
        assert "password:" not in srv.log()
        assert srv.login("admin", password)
    finally:
        srv.stop()


def test_refuses_store_newer_than_binary(tmp_path):
    srv = Hopsd(data_dir=tmp_path / "d").start()
    srv.stop()
    srv.sql("INSERT INTO schema_version (version, applied_at) VALUES (9999, 0)")
    p = subprocess.run([str(HOPSD), "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "d"), *srv.store_args],
                       capture_output=True, text=True, env=srv.env, timeout=20)
    assert p.returncode != 0
    assert "newer" in p.stderr and "9999" in p.stderr


def test_second_server_on_same_data_dir_is_refused(server):
    p = subprocess.run([str(HOPSD), "--listen", "127.0.0.1:0", "--data-dir", str(server.data_dir)],
                       capture_output=True, text=True, timeout=20, env=server.env)
    assert p.returncode == 1
    assert "another hopsd" in p.stderr and str(server.proc.pid) in p.stderr
    assert requests.get(server.url + "/healthz").status_code == 200  # the first one is untouched


def test_rejected_requests_are_audited(server, admin):
    host, port = host_port(server.url)
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")
    rid = [l for l in reply.split(b"\r\n") if l.lower().startswith(b"x-request-id")][0].split(b": ")[1].decode()
    for _ in range(100):
        recs = admin.get("/api/v1/admin/audit", params={"action": "http.reject"}).json()["items"]
        if any(r["request_id"] == rid for r in recs):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("413 was not audited")
    rec = next(r for r in recs if r["request_id"] == rid)
    assert rec["status"] == 413 and rec["outcome"] == "PAYLOAD_TOO_LARGE" and rec["method"] == "POST"
    assert 'route="rejected",status="413"' in admin.get("/metrics").text


def test_operator_resets_a_locked_admin(tmp_path):
    srv = Hopsd(data_dir=tmp_path / "d", args=["--max-failed-logins", "2"]).start()
    for _ in range(2):
        requests.post(srv.url + "/api/v1/auth/login", json={"username": "admin", "password": "wrong-wrong"})
    r = requests.post(srv.url + "/api/v1/auth/login", json={"username": "admin", "password": srv.admin_password})
    assert r.status_code == 403  # locked, and no other admin exists
    srv.stop()
    srv.env["HOPS_ADMIN_PASSWORD"] = "recovered-Secret-1"
    srv.args.append("--reset-admin-password=true")
    srv.start()
    try:
        api = Api(srv.url, "Bearer " + srv.login("admin", "recovered-Secret-1"))
        recs = api.get("/api/v1/admin/audit", params={"action": "user.reset_admin"}).json()["items"]
        assert len(recs) == 1 and recs[0]["user"] == "operator"
        assert api.get("/api/v1/admin/audit/verify").json()["ok"] is True
    finally:
        srv.cleanup()


def test_threads_are_named_and_request_threads_get_short_slices(tmp_path):
    # Operators see the server's threads by role (top -H, ps -L, perf); the
    # main thread keeps the process's name. Request threads and the audit
    # writer ask for short scheduler slices (where the kernel offers them).
    srv = Hopsd(data_dir=tmp_path / "d", args=["--workers", "2"]).start()
    try:
        tasks = pathlib.Path(f"/proc/{srv.proc.pid}/task")
        deadline = time.time() + 5
        while True:  # the threads name themselves as they start
            names = {t.name: (t / "comm").read_text().strip() for t in tasks.iterdir()}
            if {"hops-http-1", "hops-audit"} <= set(names.values()) or time.time() > deadline:
                break
            time.sleep(0.05)
        assert names[str(srv.proc.pid)] == "hopsd"
        assert "hops-http-1" in names.values() and "hops-audit" in names.values()
        slices = {}
        for tid, name in names.items():
            sched = tasks / tid / "sched"  # absent without CONFIG_SCHED_DEBUG
            for line in (sched.read_text().splitlines() if sched.exists() else []):
                if line.startswith("se.slice"):
                    slices[name] = int(line.split(":")[1])
        major, minor = (int(x) for x in os.uname().release.split(".")[:2])
        if (major, minor) >= (6, 12) and slices:  # custom slices (sched_setattr's sched_runtime) since Linux 6.12
            assert slices["hops-http-1"] == slices["hops-audit"] == 100000, slices
    finally:
        srv.cleanup()
