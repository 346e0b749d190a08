"""Data-driven bad-input suite (cases in bad_input.json).

Every case must get the documented 4xx status and error code with a message;
afterwards the server is alive, no project was half-created, and the audit
chain still verifies.
"""
import json
import pathlib
import socket

import pytest
import requests

CASES = json.loads((pathlib.Path(__file__).parent / "bad_input.json").read_text())


def expand(value):
    if isinstance(value, str) and value.startswith("REPEAT_"):
        _, ch, n = value.split("_")
        return ch * int(n)
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def target_project(admin):
    r = admin.post("/api/v1/projects", json={"name": "badinput"})
    assert r.status_code == 201, r.text
    return "badinput"


@pytest.fixture(scope="module")
def baseline(admin, target_project):
    names = {p["name"] for p in admin.get("/api/v1/projects?limit=1000").json()["items"]}
    return names


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(server, admin, baseline, case):
    headers = dict(case.get("headers", {}))
    if case.get("as", "admin") == "admin":
        headers.setdefault("Authorization", admin.s.headers["Authorization"])
    kwargs = {"headers": headers}
    if "raw" in case:
        kwargs["data"] = case["raw"].encode()
        headers["Content-Type"] = case.get("content_type", "application/json")
    elif "json" in case:
        kwargs["json"] = expand(case["json"])
    r = requests.request(case["method"], server.url + case["path"], **kwargs)
    assert r.status_code == case["status"], r.text
    err = r.json()["error"]
    assert err["code"] == case["code"], err
    assert err["message"], "error messages must say what to fix"
    assert err["request_id"] == r.headers["X-Request-Id"]
    if "message" in case:
        assert case["message"] in err["message"], err["message"]


def test_nothing_half_written(server, admin, baseline):
    r = admin.get("/api/v1/projects?limit=1000")
    assert r.status_code == 200
    assert {p["name"] for p in r.json()["items"]} == baseline
    assert admin.get("/api/v1/admin/audit/verify").json()["ok"] is True
    # HopsFS: no file or dataset appeared, and the filesystem is consistent
    ds = admin.get("/api/v1/projects/badinput/datasets").json()["items"]
    assert sorted(d["name"] for d in ds) == sorted(["Logs", "Resources", "Jupyter", "Experiments", "Models",
                                                    "DataValidation", "Statistics", "badinput_Training_Datasets"])
    assert admin.get("/api/v1/projects/badinput/datasets/Resources", params={"action": "list"}).json()["items"] == []
    assert admin.post("/api/v1/admin/fsck").json()["healthy"] is True
    # client-supplied text in audit records stays bounded (oversized names, methods)
    recs = admin.get("/api/v1/admin/audit", params={"limit": 1000}).json()["items"]
    assert max(len(x["target"]) for x in recs) <= 256 and max(len(x["method"]) for x in recs) <= 16
    # made-up methods do not become metric labels
    assert 'method="FROBNICATE"' not in admin.get("/metrics").text


def raw_exchange(server, payload, read=65536):
    host, port = server.url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(payload)
        data = b""
        while True:
            try:
                chunk = s.recv(read)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            data += chunk
    return data


def test_oversize_body_gets_413(server, admin):
    head = (f"POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: {admin.s.headers['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {5 * 1024 * 1024}\r\n\r\n").encode()
    resp = raw_exchange(server, head + b"{" * 1024)
    assert resp.startswith(b"HTTP/1.1 413"), resp[:200]
    assert b"PAYLOAD_TOO_LARGE" in resp


def test_oversize_headers_get_431(server):
    resp = raw_exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 431"), resp[:200]


def test_garbage_request_line_gets_400(server):
    resp = raw_exchange(server, b"\x00\x01\x02 nonsense\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 400"), resp[:200]


def test_server_still_healthy(server):
    assert requests.get(server.url + "/healthz").status_code == 200
    assert server.proc.poll() is None
