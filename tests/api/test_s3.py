"""The S3 block store against a real S3 protocol peer (s3rver): blocks are
objects (multipart for large ones), reads verify checksums, and faults of the
peer (errors, going away) fail uploads cleanly with nothing half-visible, and
work resumes when it is back."""
import http.server
import os
import threading
import time

import pytest
import requests

from tests.support.api import Api
from tests.support.hopsd import Hopsd
from tests.support.s3 import BUCKET, S3rver, hopsd_args, list_objects

MIB = 1 << 20


class FaultProxy:
    """Forwards to the S3 peer unchanged (the Host header too, which the
    signature covers), or answers 500 while `failing` > 0."""

    def __init__(self, target):
        self.target, self.failing, self.seen, self.get_delay = target, 0, 0, 0.0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle_one(self):
                proxy.seen += 1
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "GET" and proxy.get_delay:
                    time.sleep(proxy.get_delay)
                if proxy.failing > 0:
                    proxy.failing -= 1
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                r = requests.request(self.command, proxy.target + self.path, data=body,
                                     headers={k: v for k, v in self.headers.items()}, timeout=30)
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()


@pytest.fixture()
def s3(tmp_path):
    peer = S3rver(tmp_path / "s3").start()
    yield peer
    peer.cleanup()


def start(tmp_path, endpoint, prefix="t/"):
    srv = Hopsd(data_dir=tmp_path / "d", args=[*hopsd_args(endpoint, prefix), "--fs-block-size", str(16 * MIB),
                                               "--fs-s3-part-size", str(5 * MIB), "--fs-gc-grace-s", "0"]).start()
    api = Api(srv.url, "Bearer " + srv.login())
    assert api.post("/api/v1/projects", json={"name": "s3p"}).status_code == 201
    return srv, api


def test_blocks_are_objects_with_multipart_uploads(tmp_path, s3):
    srv, api = start(tmp_path, s3.endpoint)
    try:
        data = os.urandom(20 * MIB + 12345)  # one 16 MiB block (4 parts) and one smaller
        assert api.put("/api/v1/projects/s3p/datasets/Resources/big.bin", data=data).status_code == 201
        objects = dict(list_objects(s3.endpoint, "t/"))
        assert sorted(objects.values()) == [4 * MIB + 12345, 16 * MIB]
        assert api.get("/api/v1/projects/s3p/datasets/Resources/big.bin?action=download").content == data
        r = api.get("/api/v1/projects/s3p/datasets/Resources/big.bin?action=download",
                    headers={"Range": f"bytes={16 * MIB - 10}-{16 * MIB + 9}"})
        assert r.status_code == 206 and r.content == data[16 * MIB - 10:16 * MIB + 10]
        assert api.post("/api/v1/admin/fsck", params={"verify": "true"}).json()["healthy"] is True
        assert api.delete("/api/v1/projects/s3p/datasets/Resources/big.bin").status_code == 204
        assert api.post("/api/v1/admin/fs/gc").json()["queued_blocks_deleted"] == 2
        assert list_objects(s3.endpoint, "t/") == []
    finally:
        srv.cleanup()


def test_virtual_hosted_addressing(tmp_path):
    # s3rver reads `hops.s3.localhost` in the Host header as bucket `hops`;
    # hopsd connects to `s3.localhost` (loopback by RFC 6761) and names the
    # bucket only in the Host header: its paths are `/v/<block>`, which
    # path-style addressing would take for bucket `v`, which does not exist.
    peer = S3rver(tmp_path / "vs3", service_endpoint="localhost").start()
    endpoint = f"http://s3.localhost:{peer.port}"
    srv = Hopsd(data_dir=tmp_path / "v", args=[*hopsd_args(endpoint, "v/"), "--fs-s3-addressing", "virtual",
                                               "--fs-block-size", str(8 * MIB), "--fs-s3-part-size", str(5 * MIB),
                                               "--fs-gc-grace-s", "0"]).start()
    try:
        api = Api(srv.url, "Bearer " + srv.login())
        assert api.post("/api/v1/projects", json={"name": "vh"}).status_code == 201
        data = os.urandom(12 * MIB + 7)  # one multipart block and one small one
        assert api.put("/api/v1/projects/vh/datasets/Resources/f.bin", data=data).status_code == 201
        assert sorted(size for _, size in list_objects(peer.endpoint, "v/")) == [4 * MIB + 7, 8 * MIB]
        assert api.get("/api/v1/projects/vh/datasets/Resources/f.bin?action=download").content == data
        assert api.post("/api/v1/admin/fsck", params={"verify": "true"}).json()["healthy"] is True
        assert api.delete("/api/v1/projects/vh/datasets/Resources/f.bin").status_code == 204
        assert api.post("/api/v1/admin/fs/gc").json()["queued_blocks_deleted"] == 2
        assert list_objects(peer.endpoint, "v/") == []
    finally:
        srv.cleanup()
        peer.cleanup()


def test_wrong_bucket_or_credentials_refuse_to_start(tmp_path, s3):
    bad = Hopsd(data_dir=tmp_path / "b", args=["--fs-s3-endpoint", s3.endpoint, "--fs-s3-bucket", "nosuchbucket",
                                               "--fs-s3-access-key", "S3RVER", "--fs-s3-secret-key", "S3RVER"])
    with pytest.raises(RuntimeError) as e:
        bad.start()
    assert "nosuchbucket" in str(e.value)
    bad.cleanup()


def test_peer_errors_are_retried_and_persistent_ones_fail_cleanly(tmp_path, s3):
    proxy = FaultProxy(s3.endpoint)
    srv, api = start(tmp_path, proxy.endpoint)
    try:
        # A few transient 500s: retried with backoff, the upload succeeds.
        proxy.failing = 2
        data = os.urandom(3 * MIB)
        assert api.put("/api/v1/projects/s3p/datasets/Resources/retried.bin", data=data).status_code == 201
        assert api.get("/api/v1/projects/s3p/datasets/Resources/retried.bin?action=download").content == data
        # The peer keeps failing: 503, and nothing of the file is visible.
        proxy.failing = 10 ** 6
        r = api.put("/api/v1/projects/s3p/datasets/Resources/failed.bin", data=os.urandom(3 * MIB))
        assert r.status_code == 503 and r.json()["error"]["code"] == "UNAVAILABLE", r.text
        assert api.get("/api/v1/projects/s3p/datasets/Resources/failed.bin?action=stat").status_code == 404
        r = api.get("/api/v1/projects/s3p/datasets/Resources/retried.bin?action=download")
        assert r.status_code == 503
        # Back: the same upload works, and nothing is left over.
        proxy.failing = 0
        assert api.put("/api/v1/projects/s3p/datasets/Resources/failed.bin", data=data).status_code == 201
        api.post("/api/v1/admin/fs/gc")
        assert api.post("/api/v1/admin/fsck", params={"verify": "true"}).json()["healthy"] is True
    finally:
        srv.cleanup()
        proxy.close()


def test_peer_going_away_and_coming_back(tmp_path, s3):
    srv, api = start(tmp_path, s3.endpoint)
    try:
        kept = os.urandom(2 * MIB)
        assert api.put("/api/v1/projects/s3p/datasets/Resources/kept.bin", data=kept).status_code == 201
        s3.stop()
        r = api.put("/api/v1/projects/s3p/datasets/Resources/while-down.bin", data=os.urandom(2 * MIB))
        assert r.status_code == 503, r.text
        assert api.get("/api/v1/projects/s3p/datasets/Resources/while-down.bin?action=stat").status_code == 404
        assert api.put("/api/v1/projects/s3p/datasets/Resources/small.txt", data=b"inline still works").status_code == 201
        s3.start()
        assert api.put("/api/v1/projects/s3p/datasets/Resources/while-down.bin", data=kept).status_code == 201
        assert api.get("/api/v1/projects/s3p/datasets/Resources/kept.bin?action=download").content == kept
        api.post("/api/v1/admin/fs/gc")
        report = api.post("/api/v1/admin/fsck", params={"verify": "true"}).json()
        assert report["healthy"] is True, report
        assert len(list_objects(s3.endpoint, "t/")) == 2
    finally:
        srv.cleanup()


def test_a_slow_peer_does_not_hold_up_the_http_worker(tmp_path, s3):
    # With one HTTP worker, a download waiting on a slow S3 peer runs on a data
    # thread: the worker keeps answering other requests meanwhile.
    proxy = FaultProxy(s3.endpoint)
    srv = Hopsd(data_dir=tmp_path / "d", args=[*hopsd_args(proxy.endpoint, "w/"), "--workers", "1"]).start()
    try:
        api = Api(srv.url, "Bearer " + srv.login())
        assert api.post("/api/v1/projects", json={"name": "slow"}).status_code == 201
        data = os.urandom(2 * MIB)
        assert api.put("/api/v1/projects/slow/datasets/Resources/f.bin", data=data).status_code == 201
        proxy.get_delay = 3.0
        got = {}
        t = threading.Thread(target=lambda: got.update(
            r=api.get("/api/v1/projects/slow/datasets/Resources/f.bin?action=download", timeout=60)))
        t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        assert requests.get(srv.url + "/healthz", timeout=10).status_code == 200
        assert api.get("/api/v1/projects/slow").status_code == 200
        assert time.monotonic() - t0 < 1.5
        t.join()
        assert got["r"].status_code == 200 and got["r"].content == data
    finally:
        srv.cleanup()
        proxy.close()
