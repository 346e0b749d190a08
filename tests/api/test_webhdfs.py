"""The WebHDFS-compatible endpoint /webhdfs/v1/<absolute path>?op=...

Every implemented op through plain `requests` (including the curl-like
two-step CREATE/APPEND/OPEN flows, following the 307 Location by hand, and
noredirect=true), the RemoteException error shapes, credentials in the
Authorization header and in ?delegation= (session token and API key), API-key
scopes, project isolation, and an off-the-shelf client: fsspec's WebHDFS
filesystem, unmodified.
"""
import hashlib
import json
import threading
import urllib.parse

import pytest
import requests
from fsspec.implementations.webhdfs import WebHDFS

from tests.support.api import Api, make_user, unique
from tests.support.hopsd import running

MIB = 1 << 20
JAVA_CLASS = {
    "FileNotFoundException": "java.io.FileNotFoundException",
    "AccessControlException": "org.apache.hadoop.security.AccessControlException",
    "FileAlreadyExistsException": "org.apache.hadoop.fs.FileAlreadyExistsException",
    "QuotaExceededException": "org.apache.hadoop.hdfs.protocol.QuotaExceededException",
    "IllegalArgumentException": "java.lang.IllegalArgumentException",
    "SecurityException": "java.lang.SecurityException",
    "IOException": "java.io.IOException",
}
STATUS_KEYS = {"accessTime", "blockSize", "childrenNum", "fileId", "group", "length", "modificationTime", "owner",
               "pathSuffix", "permission", "replication", "storagePolicy", "type"}


def sha(b):
    return hashlib.sha256(b).hexdigest()


def blob(n, seed=0):
    """n deterministic pseudo-random bytes (fast, distinct per seed)."""
    out = bytearray()
    block = hashlib.sha512(f"seed-{seed}".encode()).digest()
    while len(out) < n:
        block = hashlib.sha512(block).digest()
        out += block * 64
    return bytes(out[:n])


# --- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="module")
def srv():
    with running(args=["--store-sync", "normal", "--fs-block-size", str(MIB), "--fs-gc-grace-s", "0",
                       "--fs-gc-interval-s", "0", "--max-projects-per-user", "100"]) as s:
        yield s


@pytest.fixture(scope="module")
def admin(srv):
    return Api(srv.url, "Bearer " + srv.login())


def token_of(api):
    return api.s.headers["Authorization"].split(" ", 1)[1]


@pytest.fixture(scope="module")
def team(srv, admin):
    """A project with its owner and a Data Scientist, and an outsider with a project of their own."""
    owner_name, owner = make_user(srv, admin)
    ds_name, ds = make_user(srv, admin)
    out_name, outsider = make_user(srv, admin)
    project, other = unique("p"), unique("q")
    assert owner.post("/api/v1/projects", json={"name": project}).status_code == 201
    assert owner.post(f"/api/v1/projects/{project}/members",
                      json={"username": ds_name, "role": "DATA_SCIENTIST"}).status_code == 201
    assert outsider.post("/api/v1/projects", json={"name": other}).status_code == 201
    return dict(project=project, other=other, owner=owner, owner_name=owner_name, owner_tok=token_of(owner),
                ds=ds, ds_name=ds_name, ds_tok=token_of(ds), outsider=outsider, out_tok=token_of(outsider),
                root=f"/Projects/{project}")


class Wh:
    """Raw WebHDFS calls with one credential; never follows redirects by itself."""

    def __init__(self, srv, token=None, apikey=None, delegation=None):
        self.base = srv.url + "/webhdfs/v1"
        self.s = requests.Session()
        self.delegation = delegation
        if token:
            self.s.headers["Authorization"] = "Bearer " + token
        if apikey:
            self.s.headers["Authorization"] = "ApiKey " + apikey

    def url(self, path):
        return self.base + urllib.parse.quote(path)

    def __call__(self, method, path, op, data=None, **params):
        params = {k: v for k, v in params.items() if v is not None}
        params["op"] = op
        if self.delegation:
            params["delegation"] = self.delegation
        return self.s.request(method, self.url(path), params=params, data=data, allow_redirects=False)

    def get(self, path, op, **p):
        return self("GET", path, op, **p)

    def put(self, path, op, data=None, **p):
        return self("PUT", path, op, data=data, **p)

    def status(self, path):
        r = self.get(path, "GETFILESTATUS")
        assert r.status_code == 200, r.text
        return r.json()["FileStatus"]

    def create(self, path, data, **p):
        """The two-step CREATE: 307 from the namenode step, then the bytes to Location."""
        r = self.put(path, "CREATE", **p)
        assert r.status_code == 307, r.text
        loc = r.headers["Location"]
        r2 = self.s.put(loc, data=data, allow_redirects=False,
                        headers={"Content-Type": "application/octet-stream"})
        assert r2.status_code == 201, r2.text
        return r2

    def read(self, path, **p):
        r = self.get(path, "OPEN", **p)
        assert r.status_code == 307, r.text
        r2 = self.s.get(r.headers["Location"], allow_redirects=False)
        assert r2.status_code == 200, r2.text
        return r2.content


def refused_create(w, path, data):
    """A CREATE that must fail: the first step may already refuse, or redirect to a data step that refuses."""
    r = w.put(path, "CREATE")
    if r.status_code == 307:
        r = w.s.put(r.headers["Location"], data=data, allow_redirects=False)
    return r


def remote(r, status, exception):
    """Asserts a WebHDFS RemoteException answer and returns its message."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"RemoteException"}, body
    ex = body["RemoteException"]
    assert ex["exception"] == exception, ex
    assert ex["javaClassName"] == JAVA_CLASS[exception], ex
    assert isinstance(ex["message"], str) and ex["message"], ex
    return ex["message"]


@pytest.fixture(scope="module")
def wh(srv, team):
    return Wh(srv, token=team["owner_tok"])


@pytest.fixture
def d(wh, team):
    """A fresh directory in the project's Resources dataset."""
    path = f"{team['root']}/Resources/{unique('t')}"
    r = wh.put(path, "MKDIRS")
    assert r.status_code == 200 and r.json() == {"boolean": True}, r.text
    return path


def new_apikey(api, scopes):
    r = api.post("/api/v1/users/me/apikeys", json={"name": unique("k"), "scopes": scopes})
    assert r.status_code == 201, r.text
    return r.json()["key"]


# --- the data path --------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 5, 65536, 65537, 2 * MIB + 333])
def test_curl_like_two_step_create_and_open(srv, wh, d, size):
    data = blob(size, size)
    path = f"{d}/f-{size}.bin"
    # Step 1: no data; the answer is a 307 to the same URL plus data=true, with no body.
    r = wh.put(path, "CREATE", overwrite="false")
    assert r.status_code == 307, r.text
    loc = r.headers["Location"]
    assert loc == r.request.url + "&data=true"
    assert r.content == b""
    # Nothing exists until the data step.
    remote(wh.get(path, "GETFILESTATUS"), 404, "FileNotFoundException")
    # Step 2: the bytes go to Location, exactly as curl -T would send them.
    r2 = requests.put(loc, data=data, headers={"Authorization": wh.s.headers["Authorization"],
                                               "Content-Type": "application/octet-stream"}, allow_redirects=False)
    assert r2.status_code == 201, r2.text
    assert r2.headers.get("Location", "").endswith(path)
    st = wh.status(path)
    assert st["type"] == "FILE" and st["length"] == size and st["pathSuffix"] == ""
    # OPEN: 307 to the data URL, then the bytes.
    r = wh.get(path, "OPEN")
    assert r.status_code == 307 and r.content == b""
    assert r.headers["Location"] == r.request.url + "&data=true"
    got = requests.get(r.headers["Location"], headers={"Authorization": wh.s.headers["Authorization"]})
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert int(got.headers["Content-Length"]) == size
    assert sha(got.content) == sha(data)
    # A client that follows redirects (curl -L) gets the same bytes in one call.
    followed = wh.s.get(wh.url(path), params={"op": "OPEN"})
    assert followed.status_code == 200 and sha(followed.content) == sha(data)
    assert [h.status_code for h in followed.history] == [307]


def test_noredirect_returns_the_location_as_json(wh, d):
    path = f"{d}/nr.bin"
    data = blob(3 * MIB + 7, 1)
    r = wh.put(path, "CREATE", noredirect="true")
    assert r.status_code == 200, r.text
    loc = r.json()["Location"]
    assert set(r.json()) == {"Location"} and "data=true" in loc and "op=CREATE" in loc and "Location" not in r.headers
    assert wh.s.put(loc, data=data).status_code == 201
    r = wh.get(path, "OPEN", noredirect="true", offset=MIB - 10, length=20)
    assert r.status_code == 200, r.text
    loc = r.json()["Location"]
    assert "data=true" in loc and "offset=" in loc
    got = wh.s.get(loc)
    assert got.status_code == 200 and got.content == data[MIB - 10:MIB + 10]
    r = wh.get(path, "OPEN", noredirect="maybe")
    remote(r, 400, "IllegalArgumentException")


def test_open_offset_and_length(wh, d):
    data = blob(3 * MIB + 5, 2)
    path = f"{d}/ranges.bin"
    wh.create(path, data)
    cases = [(0, 10), (MIB - 3, 6), (2 * MIB, MIB), (len(data) - 7, None), (5, None), (0, len(data) + 1000),
             (len(data) - 1, 1), (123, 0)]
    for off, ln in cases:
        got = wh.read(path, offset=off, length=ln)
        want = data[off:] if ln is None else data[off:off + ln]
        assert sha(got) == sha(want), (off, ln, len(got))
    # Small (inline) files honour ranges too.
    wh.create(f"{d}/small.txt", b"0123456789")
    assert wh.read(f"{d}/small.txt", offset=3, length=4) == b"3456"
    # Bad values are rejected at the first step.
    remote(wh.get(path, "OPEN", offset=-1), 400, "IllegalArgumentException")
    remote(wh.get(path, "OPEN", length="ten"), 400, "IllegalArgumentException")
    # Past the end: an error, not bytes.
    r = wh.s.get(wh.url(path), params={"op": "OPEN", "offset": len(data) + 10, "data": "true"})
    assert r.status_code >= 400 and "RemoteException" in r.json()
    # A directory cannot be opened; a missing file is FileNotFound.
    remote(wh.get(d, "OPEN"), 404, "FileNotFoundException")
    remote(wh.get(f"{d}/missing", "OPEN"), 404, "FileNotFoundException")


def test_create_overwrite_permission_and_parents(wh, d):
    path = f"{d}/a/b/c.txt"  # CREATE makes missing parents, as in HDFS
    wh.create(path, b"one", permission="640")
    st = wh.status(path)
    assert st["permission"] == "640" and st["length"] == 3
    assert wh.status(f"{d}/a/b")["type"] == "DIRECTORY"
    # Existing file: refused at step 1 without overwrite ...
    msg = remote(wh.put(path, "CREATE"), 403, "FileAlreadyExistsException")
    assert "exists" in msg
    remote(wh.put(path, "CREATE", overwrite="false"), 403, "FileAlreadyExistsException")
    # ... and at step 2 if a client skips step 1.
    r = wh.s.put(wh.url(path), params={"op": "CREATE", "data": "true"}, data=b"sneaky")
    remote(r, 403, "FileAlreadyExistsException")
    assert wh.read(path) == b"one"
    # overwrite=true replaces the content, also from inline to blocks and back.
    big = blob(MIB + 17, 3)
    wh.create(path, big, overwrite="true")
    assert sha(wh.read(path)) == sha(big)
    wh.create(path, b"two", overwrite="true")
    assert wh.read(path) == b"two"
    # A directory is never replaced by a file.
    remote(wh.put(f"{d}/a", "CREATE", overwrite="true"), 403, "FileAlreadyExistsException")
    # Bad parameters.
    remote(wh.put(f"{d}/p.txt", "CREATE", permission="999"), 400, "IllegalArgumentException")
    remote(wh.put(f"{d}/p.txt", "CREATE", overwrite="yes"), 400, "IllegalArgumentException")
    remote(wh.put(f"{d}/p.txt", "CREATE", replication="0"), 400, "IllegalArgumentException")
    # Stock clients send these; they are accepted.
    r = wh.put(f"{d}/p.txt", "CREATE", replication="1", blocksize=str(128 * MIB), buffersize="4096")
    assert r.status_code == 307, r.text
    # A file where a directory is needed.
    r = wh.s.put(wh.url(f"{path}/under-a-file"), params={"op": "CREATE", "data": "true"}, data=b"x")
    assert r.status_code in (403, 404) and "RemoteException" in r.json(), r.text


def test_create_outside_a_dataset_is_refused(wh, team):
    for path in ["/Projects/x.txt", f"{team['root']}/x.txt"]:
        r = wh.s.put(wh.url(path), params={"op": "CREATE", "data": "true"}, data=b"x")
        assert r.status_code in (400, 403) and "RemoteException" in r.json(), (path, r.text)


def test_append_two_step(wh, d):
    path = f"{d}/log.txt"
    wh.create(path, b"a" * 100)
    parts = [b"b" * 100, blob(MIB + 1, 4), b"tail"]
    for part in parts:
        r = wh("POST", path, "APPEND")
        assert r.status_code == 307, r.text
        loc = r.headers["Location"]
        assert loc == r.request.url + "&data=true"
        r2 = wh.s.post(loc, data=part, allow_redirects=False)
        assert r2.status_code == 200, r2.text
    want = b"a" * 100 + b"".join(parts)
    assert wh.status(path)["length"] == len(want)
    assert sha(wh.read(path)) == sha(want)
    r = wh("POST", path, "APPEND", noredirect="true")
    assert r.status_code == 200 and "data=true" in r.json()["Location"]
    remote(wh("POST", f"{d}/missing.txt", "APPEND"), 404, "FileNotFoundException")
    # APPEND needs POST; CREATE needs PUT.
    remote(wh.put(path, "APPEND"), 400, "IllegalArgumentException")
    remote(wh("POST", path, "CREATE"), 400, "IllegalArgumentException")


def test_body_sent_on_the_first_step_and_chunked_uploads(wh, d):
    """curl -L -T sends the body to the first step too: the 307 must not desync the connection,
    and the re-sent body lands in the file. Chunked (streamed) bodies work in the data step."""
    data = blob(2 * MIB + 11, 21)
    r = wh.s.put(wh.url(f"{d}/early.bin"), params={"op": "CREATE"}, data=data, allow_redirects=False)
    assert r.status_code == 307, r.text
    remote(wh.get(f"{d}/early.bin", "GETFILESTATUS"), 404, "FileNotFoundException")  # same session, still in sync
    r = wh.s.put(wh.url(f"{d}/early.bin"), params={"op": "CREATE"}, data=data)  # requests follows the 307
    assert r.status_code == 201 and [h.status_code for h in r.history] == [307], r.text
    assert sha(wh.read(f"{d}/early.bin")) == sha(data)
    # A refused data step with a large body unread, then the same session again.
    r = wh.s.put(wh.url(f"{d}/early.bin"), params={"op": "CREATE", "data": "true"}, data=blob(3 * MIB, 22))
    remote(r, 403, "FileAlreadyExistsException")
    assert wh.status(f"{d}/early.bin")["length"] == len(data)

    def gen():
        for i in range(7):
            yield blob(500_000, 100 + i)
    r = wh.s.put(wh.url(f"{d}/chunked.bin"), params={"op": "CREATE", "data": "true"}, data=gen())
    assert r.status_code == 201, r.text
    assert sha(wh.read(f"{d}/chunked.bin")) == sha(b"".join(gen()))


def test_projects_cannot_be_deleted_or_moved(wh, team):
    remote(wh("DELETE", team["root"], "DELETE", recursive="true"), 403, "AccessControlException")
    remote(wh.put(team["root"], "RENAME", destination="/Projects/" + unique("mv")), 403, "AccessControlException")
    remote(wh("DELETE", "/Projects", "DELETE", recursive="true"), 403, "AccessControlException")
    assert wh.status(f"{team['root']}/Resources")["type"] == "DIRECTORY"


def test_unicode_and_spaces_in_names(wh, d):
    name = "a b ü+%.txt"
    path = f"{d}/{name}"
    wh.create(path, b"unicode")
    assert wh.read(path) == b"unicode"
    entries = wh.get(d, "LISTSTATUS").json()["FileStatuses"]["FileStatus"]
    assert [e["pathSuffix"] for e in entries] == [name]
    # Query values are form-encoded: '+' is a space there, %2B a plus.
    dest = f"{d}/c d+é.txt"
    assert wh.put(path, "RENAME", destination=dest).json() == {"boolean": True}
    assert wh.read(dest) == b"unicode"
    entries = wh.get(d, "LISTSTATUS").json()["FileStatuses"]["FileStatus"]
    assert [e["pathSuffix"] for e in entries] == ["c d+é.txt"]
    assert wh.put(dest, "SETXATTR", **{"xattr.name": "user.s", "xattr.value": "a b+c"}).status_code == 200
    assert wh.get(dest, "GETXATTRS").json()["XAttrs"] == [{"name": "user.s", "value": '"a b+c"'}]


# --- metadata ops --------------------------------------------------------------

def test_getfilestatus_fields(wh, team, d):
    path = f"{d}/st.bin"
    wh.create(path, blob(MIB + 10, 5))
    st = wh.status(path)
    assert set(st) == STATUS_KEYS
    assert st["type"] == "FILE" and st["length"] == MIB + 10
    assert st["blockSize"] == MIB and st["replication"] == 1 and st["storagePolicy"] == 0
    assert st["permission"] == "664" and st["owner"] == team["owner_name"] and st["group"] == team["project"]
    assert st["childrenNum"] == 0 and st["pathSuffix"] == ""
    assert isinstance(st["fileId"], int) and st["fileId"] > 0
    assert st["modificationTime"] > 1_500_000_000_000 and st["accessTime"] > 1_500_000_000_000
    dst = wh.status(d)
    assert set(dst) == STATUS_KEYS
    assert dst["type"] == "DIRECTORY" and dst["length"] == 0 and dst["childrenNum"] == 1
    assert dst["fileId"] != st["fileId"]
    ds = wh.status(f"{team['root']}/Resources")
    assert ds["permission"] == "770" and ds["type"] == "DIRECTORY"
    assert wh.status(team["root"])["type"] == "DIRECTORY"
    assert wh.status("/Projects")["type"] == "DIRECTORY"
    remote(wh.get(f"{d}/nope", "GETFILESTATUS"), 404, "FileNotFoundException")
    remote(wh.get(f"{path}/below-a-file", "GETFILESTATUS"), 404, "FileNotFoundException")


def test_liststatus(wh, d):
    names = ["b", "a", "c.txt", "Z"]
    for n in names:
        if n.endswith(".txt"):
            wh.create(f"{d}/{n}", b"x" * 7)
        else:
            assert wh.put(f"{d}/{n}", "MKDIRS").json() == {"boolean": True}
    r = wh.get(d, "LISTSTATUS")
    assert r.status_code == 200
    assert set(r.json()) == {"FileStatuses"}
    entries = r.json()["FileStatuses"]["FileStatus"]
    assert [e["pathSuffix"] for e in entries] == sorted(names)
    for e in entries:
        assert set(e) == STATUS_KEYS
        assert e["type"] == ("FILE" if e["pathSuffix"] == "c.txt" else "DIRECTORY")
    assert next(e for e in entries if e["pathSuffix"] == "c.txt")["length"] == 7
    # An empty directory lists as an empty array.
    assert wh.get(f"{d}/a", "LISTSTATUS").json() == {"FileStatuses": {"FileStatus": []}}
    remote(wh.get(f"{d}/missing", "LISTSTATUS"), 404, "FileNotFoundException")


def test_liststatus_of_a_file_lists_the_file(wh, d):
    # HDFS: LISTSTATUS of a file answers that one file, with an empty pathSuffix.
    wh.create(f"{d}/only.txt", b"12345")
    r = wh.get(f"{d}/only.txt", "LISTSTATUS")
    assert r.status_code == 200, r.text
    entries = r.json()["FileStatuses"]["FileStatus"]
    assert len(entries) == 1 and entries[0]["type"] == "FILE" and entries[0]["length"] == 5
    assert entries[0]["pathSuffix"] == ""


def test_liststatus_batch_pages_of_1000(srv, team, wh, d):
    names = [f"e{i:05d}" for i in range(1050)]

    def make(ns):
        errs = []

        def run(chunk):
            w = Wh(srv, token=team["owner_tok"])
            for n in chunk:
                r = w.put(f"{d}/{n}", "MKDIRS")
                if r.status_code != 200:
                    errs.append((n, r.status_code, r.text))
        ts = [threading.Thread(target=run, args=(ns[i::4],)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errs, errs[:5]

    # Exactly one full page: nothing remains.
    make(names[:1000])
    r = wh.get(d, "LISTSTATUS_BATCH")
    assert r.status_code == 200, r.text
    dl = r.json()["DirectoryListing"]
    assert set(dl) == {"partialListing", "remainingEntries"}
    assert len(dl["partialListing"]["FileStatuses"]["FileStatus"]) == 1000
    assert dl["remainingEntries"] == 0, "a complete listing must say remainingEntries 0"
    # 1050 entries: a page of 1000 with 50 remaining, then the last 50.
    make(names[1000:])
    seen = []
    first = wh.get(d, "LISTSTATUS_BATCH").json()["DirectoryListing"]
    page = [e["pathSuffix"] for e in first["partialListing"]["FileStatuses"]["FileStatus"]]
    assert page == names[:1000]
    assert first["remainingEntries"] == 50, first["remainingEntries"]
    seen += page
    second = wh.get(d, "LISTSTATUS_BATCH", startAfter=page[-1]).json()["DirectoryListing"]
    page = [e["pathSuffix"] for e in second["partialListing"]["FileStatuses"]["FileStatus"]]
    assert second["remainingEntries"] == 0
    seen += page
    assert seen == names
    # LISTSTATUS returns everything at once.
    allst = wh.get(d, "LISTSTATUS").json()["FileStatuses"]["FileStatus"]
    assert [e["pathSuffix"] for e in allst] == names
    # startAfter in the middle and past the end.
    mid = wh.get(d, "LISTSTATUS_BATCH", startAfter="e01039").json()["DirectoryListing"]
    assert [e["pathSuffix"] for e in mid["partialListing"]["FileStatuses"]["FileStatus"]] == names[1040:]
    end = wh.get(d, "LISTSTATUS_BATCH", startAfter="zzz").json()["DirectoryListing"]
    assert end["partialListing"]["FileStatuses"]["FileStatus"] == [] and end["remainingEntries"] == 0
    assert wh("DELETE", d, "DELETE", recursive="true").json() == {"boolean": True}


def test_content_summary(wh, d):
    wh.create(f"{d}/x/1.bin", blob(MIB + 1, 6))
    wh.create(f"{d}/x/y/2.txt", b"abc")
    assert wh.put(f"{d}/empty", "MKDIRS").status_code == 200
    r = wh.get(d, "GETCONTENTSUMMARY")
    assert r.status_code == 200, r.text
    cs = r.json()["ContentSummary"]
    assert cs == {"directoryCount": 4, "fileCount": 2, "length": MIB + 4, "quota": -1,
                  "spaceConsumed": MIB + 4, "spaceQuota": -1, "typeQuota": {}}
    f = wh.get(f"{d}/x/y/2.txt", "GETCONTENTSUMMARY").json()["ContentSummary"]
    assert f["fileCount"] == 1 and f["directoryCount"] == 0 and f["length"] == 3
    remote(wh.get(f"{d}/nope", "GETCONTENTSUMMARY"), 404, "FileNotFoundException")


def test_file_checksum(wh, team, d):
    data = blob(2 * MIB + 9, 7)
    wh.create(f"{d}/c1", data)
    wh.create(f"{d}/c2", data)
    wh.create(f"{d}/c3", data[:-1] + bytes([data[-1] ^ 1]))
    sums = []
    for n in ["c1", "c2", "c3"]:
        r = wh.get(f"{d}/{n}", "GETFILECHECKSUM")
        assert r.status_code == 200, r.text
        fc = r.json()["FileChecksum"]
        assert set(fc) == {"algorithm", "bytes", "length"}
        assert fc["algorithm"] == "XXH3-128" and fc["length"] == 16
        assert len(fc["bytes"]) == 32 and int(fc["bytes"], 16) >= 0
        sums.append(fc["bytes"])
    assert sums[0] == sums[1] != sums[2]
    # The same checksum as the REST API's.
    rel = d.split("/", 3)[3]
    rest = team["owner"].get(f"/api/v1/projects/{team['project']}/datasets/{rel}/c1", params={"action": "checksum"})
    assert rest.json()["checksum"] == sums[0]
    remote(wh.get(f"{d}/nope", "GETFILECHECKSUM"), 404, "FileNotFoundException")


def test_home_directory(wh):
    r = wh.get("/", "GETHOMEDIRECTORY")
    assert r.status_code == 200 and r.json() == {"Path": "/Projects"}


def test_mkdirs(wh, d):
    r = wh.put(f"{d}/m/n/o", "MKDIRS", permission="750")
    assert r.status_code == 200 and r.json() == {"boolean": True}
    assert wh.status(f"{d}/m/n/o")["permission"] == "750"
    assert wh.status(f"{d}/m")["type"] == "DIRECTORY"
    # Existing directory: still true.
    assert wh.put(f"{d}/m/n/o", "MKDIRS").json() == {"boolean": True}
    # Where a file is: refused.
    wh.create(f"{d}/file", b"f")
    r = wh.put(f"{d}/file", "MKDIRS")
    assert r.status_code == 403 and r.json()["RemoteException"]["exception"] in (
        "FileAlreadyExistsException", "IOException", "AccessControlException"), r.text
    r = wh.put(f"{d}/file/sub", "MKDIRS")
    assert r.status_code in (403, 404) and "RemoteException" in r.json(), r.text
    remote(wh.put(f"{d}/bad", "MKDIRS", permission="8"), 400, "IllegalArgumentException")


def test_rename(wh, d):
    wh.create(f"{d}/a.txt", b"A")
    r = wh.put(f"{d}/a.txt", "RENAME", destination=f"{d}/b.txt")
    assert r.status_code == 200 and r.json() == {"boolean": True}
    remote(wh.get(f"{d}/a.txt", "GETFILESTATUS"), 404, "FileNotFoundException")
    assert wh.read(f"{d}/b.txt") == b"A"
    # Missing source, existing destination file, missing destination parent: false.
    assert wh.put(f"{d}/nope", "RENAME", destination=f"{d}/x").json() == {"boolean": False}
    wh.create(f"{d}/c.txt", b"C")
    assert wh.put(f"{d}/b.txt", "RENAME", destination=f"{d}/c.txt").json() == {"boolean": False}
    assert wh.read(f"{d}/b.txt") == b"A" and wh.read(f"{d}/c.txt") == b"C"
    assert wh.put(f"{d}/b.txt", "RENAME", destination=f"{d}/no/such/parent.txt").json() == {"boolean": False}
    # Into an existing directory: the source goes inside it, as in HDFS.
    assert wh.put(f"{d}/dir", "MKDIRS").status_code == 200
    assert wh.put(f"{d}/b.txt", "RENAME", destination=f"{d}/dir").json() == {"boolean": True}
    assert wh.read(f"{d}/dir/b.txt") == b"A"
    # Directories move with their content.
    big = blob(MIB + 2, 8)
    wh.create(f"{d}/dir/sub/big", big)
    assert wh.put(f"{d}/dir", "RENAME", destination=f"{d}/moved").json() == {"boolean": True}
    assert sha(wh.read(f"{d}/moved/sub/big")) == sha(big)
    remote(wh.get(f"{d}/dir", "GETFILESTATUS"), 404, "FileNotFoundException")
    # Into its own subtree: refused.
    r = wh.put(f"{d}/moved", "RENAME", destination=f"{d}/moved/sub/inner")
    assert (r.status_code == 200 and r.json() == {"boolean": False}) or r.status_code in (400, 403), r.text
    assert wh.status(f"{d}/moved/sub")["type"] == "DIRECTORY"
    # The destination must be an absolute path.
    remote(wh.put(f"{d}/c.txt", "RENAME", destination="relative.txt"), 400, "IllegalArgumentException")
    remote(wh.put(f"{d}/c.txt", "RENAME"), 400, "IllegalArgumentException")


def test_delete(wh, d):
    wh.create(f"{d}/f.txt", b"f")
    wh.create(f"{d}/sub/g.bin", blob(MIB + 5, 9))
    r = wh("DELETE", f"{d}/f.txt", "DELETE")
    assert r.status_code == 200 and r.json() == {"boolean": True}
    remote(wh.get(f"{d}/f.txt", "GETFILESTATUS"), 404, "FileNotFoundException")
    # A missing path: false.
    r = wh("DELETE", f"{d}/f.txt", "DELETE")
    assert r.status_code == 200 and r.json() == {"boolean": False}
    # A non-empty directory needs recursive=true.
    r = wh("DELETE", f"{d}/sub", "DELETE", recursive="false")
    assert r.status_code == 403 and "RemoteException" in r.json(), r.text
    assert wh.status(f"{d}/sub/g.bin")["length"] == MIB + 5
    r = wh("DELETE", f"{d}/sub", "DELETE", recursive="true")
    assert r.status_code == 200 and r.json() == {"boolean": True}
    remote(wh.get(f"{d}/sub", "GETFILESTATUS"), 404, "FileNotFoundException")
    # An empty directory goes without recursive.
    assert wh.put(f"{d}/e", "MKDIRS").status_code == 200
    assert wh("DELETE", f"{d}/e", "DELETE").json() == {"boolean": True}
    remote(wh("DELETE", d, "DELETE", recursive="perhaps"), 400, "IllegalArgumentException")
    remote(wh.get(d, "DELETE"), 400, "IllegalArgumentException")  # DELETE needs HTTP DELETE


def test_setpermission_settimes_setreplication(wh, d):
    path = f"{d}/attrs.bin"
    wh.create(path, blob(MIB + 100, 10))
    r = wh.put(path, "SETPERMISSION", permission="600")
    assert r.status_code == 200, r.text
    assert wh.status(path)["permission"] == "600"
    r = wh.put(d, "SETPERMISSION", permission="1777")
    assert r.status_code == 200 and wh.status(d)["permission"] == "1777"
    remote(wh.put(path, "SETPERMISSION", permission="abc"), 400, "IllegalArgumentException")
    remote(wh.put(path, "SETPERMISSION", permission="77777"), 400, "IllegalArgumentException")
    # SETTIMES: -1 leaves a time as it is.
    before = wh.status(path)
    r = wh.put(path, "SETTIMES", modificationtime="1600000000000", accesstime="-1")
    assert r.status_code == 200, r.text
    st = wh.status(path)
    assert st["modificationTime"] == 1600000000000 and st["accessTime"] == before["accessTime"]
    assert wh.put(path, "SETTIMES", accesstime="1500000000000").status_code == 200
    st = wh.status(path)
    assert st["accessTime"] == 1500000000000 and st["modificationTime"] == 1600000000000
    remote(wh.put(path, "SETTIMES", modificationtime="yesterday"), 400, "IllegalArgumentException")
    # SETREPLICATION: true for a file (and space is charged per replica), false for a directory.
    r = wh.put(path, "SETREPLICATION", replication="3")
    assert r.status_code == 200 and r.json() == {"boolean": True}
    assert wh.status(path)["replication"] == 3
    cs = wh.get(path, "GETCONTENTSUMMARY").json()["ContentSummary"]
    assert cs["length"] == MIB + 100 and cs["spaceConsumed"] == 3 * (MIB + 100)
    assert wh.put(d, "SETREPLICATION", replication="2").json() == {"boolean": False}
    remote(wh.put(path, "SETREPLICATION", replication="0"), 400, "IllegalArgumentException")
    remote(wh.put(path, "SETREPLICATION", replication="513"), 400, "IllegalArgumentException")
    assert wh.put(path, "SETREPLICATION", replication="1").json() == {"boolean": True}
    remote(wh.put(f"{d}/nope", "SETPERMISSION", permission="600"), 404, "FileNotFoundException")


def test_setowner(srv, team, wh, d):
    path = f"{d}/owned.txt"
    wh.create(path, b"o")
    r = wh.put(path, "SETOWNER", owner=team["ds_name"])
    assert r.status_code == 200, r.text
    assert wh.status(path)["owner"] == team["ds_name"]
    r = wh.put(path, "SETOWNER", group=team["project"])
    assert r.status_code == 200 and wh.status(path)["group"] == team["project"]
    remote(wh.put(path, "SETOWNER"), 400, "IllegalArgumentException")
    # Only Data Owners change owners.
    ds = Wh(srv, token=team["ds_tok"])
    wh.create(f"{d}/o2.txt", b"o")
    remote(ds.put(f"{d}/o2.txt", "SETOWNER", owner=team["ds_name"]), 403, "AccessControlException")
    assert wh.status(f"{d}/o2.txt")["owner"] == team["owner_name"]


def test_xattrs(wh, d):
    path = f"{d}/x.csv"
    wh.create(path, b"a,b")
    r = wh.put(path, "SETXATTR", **{"xattr.name": "user.a", "xattr.value": "v1", "flag": "CREATE"})
    assert r.status_code == 200, r.text
    # HDFS-style quoted values and hex values are decoded.
    assert wh.put(path, "SETXATTR", **{"xattr.name": "user.q", "xattr.value": '"quoted"',
                                       "flag": "CREATE"}).status_code == 200
    assert wh.put(path, "SETXATTR", **{"xattr.name": "user.h", "xattr.value": "0x00ff41",
                                       "flag": "CREATE"}).status_code == 200
    r = wh.get(path, "GETXATTRS")
    assert r.status_code == 200, r.text
    xs = {x["name"]: x["value"] for x in r.json()["XAttrs"]}
    assert xs["user.a"] == '"v1"' and xs["user.q"] == '"quoted"'
    assert set(xs) == {"user.a", "user.q", "user.h"}
    # One name, and the encodings.
    r = wh.get(path, "GETXATTRS", **{"xattr.name": "user.a"})
    assert r.json() == {"XAttrs": [{"name": "user.a", "value": '"v1"'}]}
    assert wh.get(path, "GETXATTRS", **{"xattr.name": "user.a", "encoding": "hex"}).json()["XAttrs"][0][
        "value"] == "0x7631"
    assert wh.get(path, "GETXATTRS", **{"xattr.name": "user.a", "encoding": "base64"}).json()["XAttrs"][0][
        "value"] == "0sdjE="
    assert wh.get(path, "GETXATTRS", **{"xattr.name": "user.h", "encoding": "hex"}).json()["XAttrs"][0][
        "value"] == "0x00ff41"
    assert wh.get(path, "GETXATTRS", **{"xattr.name": "user.h", "encoding": "BASE64"}).json()["XAttrs"][0][
        "value"] == "0sAP9B"
    # Several names repeated.
    r = wh.s.get(wh.url(path), params=[("op", "GETXATTRS"), ("xattr.name", "user.a"), ("xattr.name", "user.q")])
    assert sorted(x["name"] for x in r.json()["XAttrs"]) == ["user.a", "user.q"]
    remote(wh.get(path, "GETXATTRS", encoding="rot13"), 400, "IllegalArgumentException")
    # LISTXATTRS: the names as a JSON string.
    r = wh.get(path, "LISTXATTRS")
    assert r.status_code == 200
    names = r.json()["XAttrNames"]
    assert isinstance(names, str) and sorted(json.loads(names)) == ["user.a", "user.h", "user.q"]
    # CREATE on an existing name and REPLACE on a missing one are refused.
    r = wh.put(path, "SETXATTR", **{"xattr.name": "user.a", "xattr.value": "v2", "flag": "CREATE"})
    assert r.status_code == 403 and "RemoteException" in r.json(), r.text
    r = wh.put(path, "SETXATTR", **{"xattr.name": "user.zz", "xattr.value": "v2", "flag": "REPLACE"})
    assert r.status_code in (403, 404) and "RemoteException" in r.json(), r.text
    assert wh.put(path, "SETXATTR", **{"xattr.name": "user.a", "xattr.value": "v2",
                                       "flag": "REPLACE"}).status_code == 200
    assert wh.get(path, "GETXATTRS", **{"xattr.name": "user.a"}).json()["XAttrs"][0]["value"] == '"v2"'
    # Reserved and malformed names.
    remote(wh.put(path, "SETXATTR", **{"xattr.name": "provenance.x", "xattr.value": "v"}), 403,
           "AccessControlException")
    remote(wh.put(path, "SETXATTR", **{"xattr.name": "noprefix", "xattr.value": "v"}), 400, "IllegalArgumentException")
    remote(wh.put(path, "SETXATTR", **{"xattr.value": "v"}), 400, "IllegalArgumentException")
    remote(wh.put(path, "SETXATTR", **{"xattr.name": "user.h2", "xattr.value": "0x0"}), 400, "IllegalArgumentException")
    # REMOVEXATTR.
    assert wh.put(path, "REMOVEXATTR", **{"xattr.name": "user.a"}).status_code == 200
    names = json.loads(wh.get(path, "LISTXATTRS").json()["XAttrNames"])
    assert sorted(names) == ["user.h", "user.q"]
    r = wh.put(path, "REMOVEXATTR", **{"xattr.name": "user.a"})
    assert r.status_code in (403, 404) and "RemoteException" in r.json(), r.text
    r = wh.get(path, "GETXATTRS", **{"xattr.name": "user.a"})
    assert r.status_code in (403, 404) and "RemoteException" in r.json(), r.text
    # Directories carry xattrs too.
    assert wh.put(d, "SETXATTR", **{"xattr.name": "user.dir", "xattr.value": "yes"}).status_code == 200
    assert json.loads(wh.get(d, "LISTXATTRS").json()["XAttrNames"]) == ["user.dir"]
    remote(wh.get(f"{d}/nope", "LISTXATTRS"), 404, "FileNotFoundException")


# --- errors and auth --------------------------------------------------------------

def test_error_shapes(srv, wh, team):
    root = team["root"]
    remote(wh.get(f"{root}/Resources", "NOSUCHOP"), 400, "IllegalArgumentException")
    remote(wh.s.get(wh.url(f"{root}/Resources")), 400, "IllegalArgumentException")  # no op at all
    remote(wh.put(f"{root}/Resources", "LISTSTATUS"), 400, "IllegalArgumentException")
    remote(wh.get(f"{root}/Resources/x", "MKDIRS"), 400, "IllegalArgumentException")
    r = wh.s.get(wh.url(f"{root}/Resources"), params={"op": "GETFILESTATUS"}, headers={"Authorization": "Bearer nope"})
    remote(r, 401, "SecurityException")
    r = requests.get(srv.url + f"/webhdfs/v1{root}/Resources", params={"op": "GETFILESTATUS"})
    remote(r, 401, "SecurityException")
    assert "WWW-Authenticate" in r.headers
    r = requests.get(srv.url + f"/webhdfs/v1{root}/Resources", params={"op": "GETFILESTATUS", "delegation": "bogus"})
    remote(r, 401, "SecurityException")


def test_errors_before_routing_are_remote_exceptions_too(srv, wh, team):
    # WebHDFS clients parse RemoteException; a path refused before the route is
    # matched is still a WebHDFS call.
    r = wh.s.get(srv.url + f"/webhdfs/v1{team['root']}/Resources/..%2F..%2Fetc", params={"op": "GETFILESTATUS"})
    remote(r, 400, "IllegalArgumentException")


def test_unknown_query_parameters_are_ignored(wh, d):
    # Hadoop's WebHDFS ignores query parameters it does not know; stock clients
    # send extra ones (fsspec sends e.g. tempdir= on CREATE).
    wh.create(f"{d}/k.txt", b"k")
    r = wh.get(f"{d}/k.txt", "GETFILESTATUS", someextra="1")
    assert r.status_code == 200, r.text
    r = wh.put(f"{d}/k2.txt", "CREATE", tempdir="/tmp")
    assert r.status_code == 307, r.text


def test_pseudo_auth_user_name_and_doas_grant_nothing(srv, team, wh):
    """WebHDFS's simple auth (?user.name=) and proxying (?doas=) must not authenticate or impersonate."""
    path = f"{team['root']}/Resources/{unique('imp')}.txt"
    wh.create(path, b"mine")
    url = srv.url + "/webhdfs/v1" + path
    for params in [{"user.name": team["owner_name"]}, {"user.name": "admin"}, {"doas": team["owner_name"]}]:
        r = requests.get(url, params={"op": "GETFILESTATUS", **params})
        remote(r, 401, "SecurityException")
        r = requests.get(url, params={"op": "GETFILESTATUS", "delegation": team["out_tok"], **params})
        remote(r, 404, "FileNotFoundException")
        r = requests.delete(url, params={"op": "DELETE", "delegation": team["out_tok"], **params})
        assert r.status_code in (200, 404) and r.json().get("boolean") is not True, r.text
    assert wh.read(path) == b"mine"


def test_delegation_param_with_session_token_curl_flow(srv, team):
    """No Authorization header at all: the token rides in ?delegation= and in the redirect."""
    tok = team["owner_tok"]
    base = srv.url + "/webhdfs/v1" + team["root"] + "/Resources/" + unique("dl")
    data = blob(MIB + 3, 11)
    r = requests.put(base + "/f.bin", params={"op": "CREATE", "delegation": tok}, allow_redirects=False)
    assert r.status_code == 307, r.text
    loc = r.headers["Location"]
    assert "delegation=" in loc
    assert requests.put(loc, data=data).status_code == 201
    r = requests.get(base + "/f.bin", params={"op": "OPEN", "delegation": tok}, allow_redirects=False)
    assert r.status_code == 307
    assert sha(requests.get(r.headers["Location"]).content) == sha(data)
    # requests following the 307 itself: the query string (and so the credential) is kept.
    r = requests.get(base + "/f.bin", params={"op": "OPEN", "delegation": tok})
    assert r.status_code == 200 and sha(r.content) == sha(data)
    st = requests.get(base + "/f.bin", params={"op": "GETFILESTATUS", "delegation": tok}).json()["FileStatus"]
    assert st["length"] == len(data) and st["owner"] == team["owner_name"]
    assert requests.delete(base, params={"op": "DELETE", "recursive": "true", "delegation": tok}).json() == {
        "boolean": True}


def test_delegation_param_with_api_key(srv, team):
    key = new_apikey(team["owner"], ["DATASET_VIEW", "DATASET_CREATE", "DATASET_DELETE"])
    assert key.startswith("hops_")
    d = f"{team['root']}/Resources/{unique('ak')}"
    for w in (Wh(srv, delegation=key), Wh(srv, apikey=key)):
        path = f"{d}/{unique('f')}.bin"
        data = blob(70_000, 12)
        w.create(path, data)
        assert sha(w.read(path)) == sha(data)
        assert w.status(path)["owner"] == team["owner_name"]
        assert w("DELETE", path, "DELETE").json() == {"boolean": True}


def test_api_key_scopes(srv, team):
    d = f"{team['root']}/Resources/{unique('sc')}"
    owner = Wh(srv, token=team["owner_tok"])
    owner.create(f"{d}/r.txt", b"readable")
    view_key = new_apikey(team["owner"], ["DATASET_VIEW"])
    for w in (Wh(srv, delegation=view_key), Wh(srv, apikey=view_key)):
        assert w.read(f"{d}/r.txt") == b"readable"
        msg = remote(w.put(f"{d}/new.txt", "CREATE"), 403, "AccessControlException")
        assert "DATASET_CREATE" in msg
        remote(w.put(f"{d}/newdir", "MKDIRS"), 403, "AccessControlException")
        remote(w("POST", f"{d}/r.txt", "APPEND"), 403, "AccessControlException")
        remote(w.s.put(w.url(f"{d}/new.txt"), params={"op": "CREATE", "data": "true",
                                                       **({"delegation": w.delegation} if w.delegation else {})},
                       data=b"x"), 403, "AccessControlException")
        remote(w("DELETE", f"{d}/r.txt", "DELETE"), 403, "AccessControlException")
    remote(owner.get(f"{d}/new.txt", "GETFILESTATUS"), 404, "FileNotFoundException")
    create_key = new_apikey(team["owner"], ["DATASET_VIEW", "DATASET_CREATE"])
    w = Wh(srv, delegation=create_key)
    w.create(f"{d}/new.txt", b"made")
    remote(w("DELETE", f"{d}/new.txt", "DELETE"), 403, "AccessControlException")
    assert owner.read(f"{d}/new.txt") == b"made"
    # A key without DATASET_VIEW cannot read.
    job_key = new_apikey(team["owner"], ["JOB"])
    remote(Wh(srv, delegation=job_key).get(f"{d}/r.txt", "GETFILESTATUS"), 403, "AccessControlException")


def test_outsider_sees_nothing(srv, team, wh):
    d = f"{team['root']}/Resources/{unique('priv')}"
    wh.create(f"{d}/secret.txt", b"secret")
    out = Wh(srv, token=team["out_tok"])
    for op in ["GETFILESTATUS", "LISTSTATUS", "LISTSTATUS_BATCH", "GETCONTENTSUMMARY", "GETFILECHECKSUM", "OPEN",
               "LISTXATTRS", "GETXATTRS"]:
        for path in [team["root"], f"{team['root']}/Resources", d, f"{d}/secret.txt"]:
            if op in ("OPEN", "GETFILECHECKSUM") and not path.endswith(".txt"):
                continue
            remote(out.get(path, op), 404, "FileNotFoundException")
    remote(out.s.get(out.url(f"{d}/secret.txt"), params={"op": "OPEN", "data": "true"}), 404, "FileNotFoundException")
    # CREATE's first step may redirect without looking (HDFS's namenode does); the data step refuses.
    remote(refused_create(out, f"{d}/planted.txt", b"x"), 404, "FileNotFoundException")
    r = out.s.put(out.url(f"{d}/planted.txt"), params={"op": "CREATE", "data": "true"}, data=b"x")
    remote(r, 404, "FileNotFoundException")
    remote(out.put(f"{d}/newdir", "MKDIRS"), 404, "FileNotFoundException")
    remote(out("POST", f"{d}/secret.txt", "APPEND"), 404, "FileNotFoundException")
    remote(out.put(f"{d}/secret.txt", "SETPERMISSION", permission="777"), 404, "FileNotFoundException")
    remote(out.put(f"{d}/secret.txt", "SETXATTR", **{"xattr.name": "user.x", "xattr.value": "y"}), 404,
           "FileNotFoundException")
    r = out.put(f"{d}/secret.txt", "RENAME", destination=f"/Projects/{team['other']}/Resources/stolen.txt")
    assert r.json() == {"boolean": False} or r.status_code == 404, r.text
    r = out("DELETE", d, "DELETE", recursive="true")
    assert r.json() == {"boolean": False} or r.status_code == 404, r.text
    # Nothing changed; the outsider's own listing of /Projects shows only their project.
    assert wh.read(f"{d}/secret.txt") == b"secret"
    assert wh.status(f"{d}/secret.txt")["permission"] == "664"
    remote(wh.get(f"{d}/planted.txt", "GETFILESTATUS"), 404, "FileNotFoundException")
    listed = [e["pathSuffix"] for e in out.get("/Projects", "LISTSTATUS").json()["FileStatuses"]["FileStatus"]]
    assert team["other"] in listed and team["project"] not in listed
    # Moving the owner's file into the outsider's project is not possible either.
    r = wh.put(f"{d}/secret.txt", "RENAME", destination=f"/Projects/{team['other']}/Resources/leak.txt")
    assert r.json() == {"boolean": False} or r.status_code in (403, 404), r.text
    remote(out.get(f"/Projects/{team['other']}/Resources/leak.txt", "GETFILESTATUS"), 404, "FileNotFoundException")


def test_data_scientist_permissions(srv, team, wh):
    ds = Wh(srv, token=team["ds_tok"])
    root = team["root"]
    # Group-writable datasets take their files; the others do not.
    path = f"{root}/Resources/{unique('ds')}.txt"
    ds.create(path, b"by ds")
    assert ds.status(path)["owner"] == team["ds_name"]
    msg = remote(refused_create(ds, f"{root}/Models/m.bin", b"m"), 403, "AccessControlException")
    assert msg
    r = ds.s.put(ds.url(f"{root}/Models/m.bin"), params={"op": "CREATE", "data": "true"}, data=b"m")
    remote(r, 403, "AccessControlException")
    # Reads anywhere in the project; deletes only what they created.
    owner_file = f"{root}/Resources/{unique('own')}.txt"
    wh.create(owner_file, b"owner's")
    assert ds.read(owner_file) == b"owner's"
    remote(ds("DELETE", owner_file, "DELETE"), 403, "AccessControlException")
    assert ds("DELETE", path, "DELETE").json() == {"boolean": True}
    remote(ds("DELETE", f"{root}/Logs", "DELETE", recursive="true"), 403, "AccessControlException")


def test_quota_exceeded(srv, admin, team):
    owner = team["owner"]
    p = unique("qp")
    assert owner.post("/api/v1/projects", json={"name": p}).status_code == 201
    w = Wh(srv, token=team["owner_tok"])
    used = owner.get(f"/api/v1/projects/{p}/quotas").json()["storage_bytes"]["used"]
    assert admin.put(f"/api/v1/projects/{p}/quotas", json={"storage_bytes": int(used) + 2 * MIB}).status_code == 200
    w.create(f"/Projects/{p}/Resources/fits.bin", blob(MIB, 13))
    r = w.s.put(w.url(f"/Projects/{p}/Resources/too-big.bin"), params={"op": "CREATE", "data": "true"},
                data=blob(2 * MIB, 14))
    remote(r, 403, "QuotaExceededException")
    remote(w.get(f"/Projects/{p}/Resources/too-big.bin", "GETFILESTATUS"), 404, "FileNotFoundException")
    cs = w.get(f"/Projects/{p}", "GETCONTENTSUMMARY").json()["ContentSummary"]
    assert cs["spaceQuota"] == int(used) + 2 * MIB and cs["spaceConsumed"] == int(used) + MIB
    entries = owner.get(f"/api/v1/projects/{p}/quotas").json()["namespace_entries"]["used"]
    assert admin.put(f"/api/v1/projects/{p}/quotas",
                     json={"storage_bytes": -1, "namespace_entries": int(entries) + 1}).status_code == 200
    assert w.put(f"/Projects/{p}/Resources/one", "MKDIRS").json() == {"boolean": True}
    remote(w.put(f"/Projects/{p}/Resources/two", "MKDIRS"), 403, "QuotaExceededException")
    assert w.get(f"/Projects/{p}", "GETCONTENTSUMMARY").json()["ContentSummary"]["quota"] == int(entries) + 1


# --- an off-the-shelf client: fsspec's WebHDFS ------------------------------------------

def port_of(srv):
    return int(srv.url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def ffs(srv, team):
    return WebHDFS(host="127.0.0.1", port=port_of(srv), token=team["owner_tok"], skip_instance_cache=True)


def test_fsspec_reads_and_namespace_ops(srv, team, ffs, wh):
    base = f"{team['root']}/Resources/{unique('fr')}"
    data = blob(5 * MIB + 4321, 15)
    wh.create(f"{base}/data/big.bin", data)           # written through raw WebHDFS
    wh.create(f"{base}/data/small.txt", b"hello fsspec")
    assert ffs.home_directory() == "/Projects"
    ffs.mkdir(f"{base}/made")
    ffs.makedirs(f"{base}/deep/er/est", exist_ok=True)
    with pytest.raises(FileExistsError):
        ffs.makedirs(f"{base}/deep", exist_ok=False)
    assert ffs.ls(base) == sorted([f"{base}/data", f"{base}/deep", f"{base}/made"])
    detail = ffs.ls(f"{base}/data", detail=True)
    assert [(i["name"], i["type"], i["size"]) for i in detail] == [
        (f"{base}/data/big.bin", "file", len(data)), (f"{base}/data/small.txt", "file", 12)]
    info = ffs.info(f"{base}/data/big.bin")
    assert info["type"] == "file" and info["size"] == len(data) and info["name"] == f"{base}/data/big.bin"
    assert ffs.info(base)["type"] == "directory"
    assert ffs.isdir(base) and ffs.isfile(f"{base}/data/big.bin")
    assert ffs.exists(f"{base}/data/small.txt") and not ffs.exists(f"{base}/data/nope")
    with pytest.raises(FileNotFoundError):
        ffs.info(f"{base}/data/nope")
    assert sha(ffs.cat(f"{base}/data/big.bin")) == sha(data)
    assert ffs.cat_file(f"{base}/data/big.bin", start=MIB - 5, end=MIB + 5) == data[MIB - 5:MIB + 5]
    with ffs.open(f"{base}/data/big.bin", "rb", block_size=MIB) as f:
        assert f.read(10) == data[:10]
        f.seek(3 * MIB + 17)
        assert f.read(100_000) == data[3 * MIB + 17:3 * MIB + 17 + 100_000]
        f.seek(-50, 2)
        assert f.read() == data[-50:]
        f.seek(2 * MIB)
        assert f.tell() == 2 * MIB and f.read(2 * MIB + 1) == data[2 * MIB:4 * MIB + 1]
    with ffs.open(f"{base}/data/small.txt", "rb") as f:
        f.seek(6)
        assert f.read() == b"fsspec"
    assert ffs.du(base) == len(data) + 12
    assert ffs.content_summary(base)["fileCount"] == 2
    uk = ffs.ukey(f"{base}/data/big.bin")
    assert uk["algorithm"] == "XXH3-128" and len(uk["bytes"]) == 32
    assert ffs.checksum(f"{base}/data/big.bin") == ffs.checksum(f"{base}/data/big.bin")
    assert sorted(ffs.find(base)) == [f"{base}/data/big.bin", f"{base}/data/small.txt"]
    ffs.mv(f"{base}/data/small.txt", f"{base}/made/renamed.txt")
    assert ffs.cat(f"{base}/made/renamed.txt") == b"hello fsspec"
    assert not ffs.exists(f"{base}/data/small.txt")
    ffs.chmod(f"{base}/made/renamed.txt", "600")
    assert ffs.info(f"{base}/made/renamed.txt")["permission"] == "600"
    ffs.set_replication(f"{base}/data/big.bin", 2)
    assert ffs.info(f"{base}/data/big.bin")["replication"] == 2
    ffs.rm(f"{base}/deep", recursive=True)
    assert not ffs.exists(f"{base}/deep")
    ffs.rm(base, recursive=True)
    assert not ffs.exists(base)


def test_fsspec_writes(srv, team, ffs, wh):
    base = f"{team['root']}/Resources/{unique('fw')}"
    ffs.makedirs(base, exist_ok=True)
    data = blob(7 * MIB + 99, 16)
    ffs.pipe(f"{base}/piped.bin", data)
    assert sha(wh.read(f"{base}/piped.bin")) == sha(data)
    assert ffs.info(f"{base}/piped.bin")["size"] == len(data)
    # open("wb") in several chunks (one CREATE, then an APPEND per chunk).
    with ffs.open(f"{base}/streamed.bin", "wb", block_size=2 * MIB) as f:
        for i in range(0, len(data), 1_000_000):
            f.write(data[i:i + 1_000_000])
    assert sha(ffs.cat(f"{base}/streamed.bin")) == sha(data)
    # Overwrite and a small file.
    ffs.pipe(f"{base}/piped.bin", b"now small")
    assert ffs.cat(f"{base}/piped.bin") == b"now small"
    ffs.pipe_file(f"{base}/empty.bin", b"")
    assert ffs.info(f"{base}/empty.bin")["size"] == 0 and ffs.cat(f"{base}/empty.bin") == b""
    # cp (stream to a temporary file, then rename) and the checksums agree.
    ffs.cp_file(f"{base}/streamed.bin", f"{base}/copy.bin")
    assert ffs.ukey(f"{base}/copy.bin") == ffs.ukey(f"{base}/streamed.bin")
    assert sorted(ffs.ls(base)) == sorted(f"{base}/{n}" for n in ["copy.bin", "empty.bin", "piped.bin",
                                                                     "streamed.bin"])
    ffs.rm(base, recursive=True)
    assert not ffs.exists(base)


def test_fsspec_with_an_api_key(srv, team, wh):
    key = new_apikey(team["owner"], ["DATASET_VIEW", "DATASET_CREATE", "DATASET_DELETE"])
    fs = WebHDFS(host="127.0.0.1", port=port_of(srv), token=key, skip_instance_cache=True)
    base = f"{team['root']}/Resources/{unique('fk')}"
    data = blob(3 * MIB + 1, 17)
    wh.create(f"{base}/in.bin", data)
    assert fs.ls(base) == [f"{base}/in.bin"]
    assert sha(fs.cat(f"{base}/in.bin")) == sha(data)
    fs.mv(f"{base}/in.bin", f"{base}/moved.bin")
    assert fs.exists(f"{base}/moved.bin")
    fs.pipe(f"{base}/out.bin", data)
    assert sha(wh.read(f"{base}/out.bin")) == sha(data)
    fs.rm(base, recursive=True)
    assert not fs.exists(base)


def test_fsspec_errors_map_to_python_exceptions(srv, team):
    out = WebHDFS(host="127.0.0.1", port=port_of(srv), token=team["out_tok"], skip_instance_cache=True)
    with pytest.raises(FileNotFoundError):
        out.ls(f"{team['root']}/Resources")
    assert not out.exists(team["root"])
    view = new_apikey(team["owner"], ["DATASET_VIEW"])
    ro = WebHDFS(host="127.0.0.1", port=port_of(srv), token=view, skip_instance_cache=True)
    assert ro.ls(team["root"])
    with pytest.raises(PermissionError):
        ro.mkdir(f"{team['root']}/Resources/{unique('ro')}")
    bad = WebHDFS(host="127.0.0.1", port=port_of(srv), token="not-a-token", skip_instance_cache=True)
    with pytest.raises(PermissionError):
        bad.ls(team["root"])


def test_fsck_healthy_after_webhdfs_traffic(admin):
    assert admin.post("/api/v1/admin/fs/gc").status_code == 200
    fsck = admin.post("/api/v1/admin/fsck", params={"verify": "true"}).json()
    assert fsck["healthy"], fsck
    assert fsck["orphan_blocks"] == [] and fsck["usage_mismatches"] == []
