"""Tests for ``project.datasets`` (clients/python/hops/datasets.py): HopsFS
datasets and files through the SDK.

A few offline checks first (argument conversion, path handling, error
mapping); everything else runs against the real hopsd that conftest.py starts
once for this module.
"""
import datetime as dt
import gc
import hashlib
import io
import itertools
import warnings

import pytest

import hops
from hops.datasets import DatasetApi, DatasetWriter, FileInfo, _mode, _rfc3339
from hops.errors import error_from_response

KIB = 1024
MIB = 1024 * KIB
DEFAULT_DATASETS = {"Logs": "0770", "Resources": "0770", "Jupyter": "0770", "Experiments": "0770",
                    "Models": "0750", "DataValidation": "0750", "Statistics": "0750"}

_names = itertools.count(1)


def blob(size, seed=0):
    """Deterministic, incompressible-looking bytes."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


# ---------------------------------------------------------------------------
# Offline
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    (0o750, "750"), (0o640, "640"), (0, "0"), ("750", "750"), ("0750", "0750"), ("0o700", "700"),
])
def test_mode_conversion(given, expected):
    assert _mode(given) == expected


def test_mode_rejects_bad_values():
    with pytest.raises(ValueError):
        _mode(0o10000)
    with pytest.raises(TypeError):
        _mode(True)
    with pytest.raises(TypeError):
        _mode(7.5)


def test_rfc3339():
    utc = dt.timezone.utc
    assert _rfc3339(dt.datetime(2024, 5, 1, 12, 30, 0, tzinfo=utc)) == "2024-05-01T12:30:00Z"
    assert _rfc3339(dt.datetime(2024, 5, 1, 12, 30, 0, 250000, tzinfo=utc)) == "2024-05-01T12:30:00.250000Z"
    plus2 = dt.timezone(dt.timedelta(hours=2))
    assert _rfc3339(dt.datetime(2024, 5, 1, 14, 0, tzinfo=plus2)) == "2024-05-01T12:00:00Z"
    assert _rfc3339(dt.date(2024, 5, 1)) == "2024-05-01T00:00:00Z"
    assert _rfc3339(0) == "1970-01-01T00:00:00Z"
    assert _rfc3339("2024-01-01T00:00:00Z") == "2024-01-01T00:00:00Z"
    assert _rfc3339(None) is None


def test_paths_are_project_relative_and_quoted():
    api = DatasetApi(None, "demo")
    base = "/api/v1/projects/demo/datasets/"
    assert api._url("Resources/a b/x.csv") == base + "Resources/a%20b/x.csv"
    assert api._url("/Resources//data/") == base + "Resources/data"
    assert api._url("/Projects/demo/Resources/a.csv") == base + "Resources/a.csv"
    assert api._url("other::Resources/f#1?.txt") == base + "other::Resources/f%231%3F.txt"
    assert api._rel("/Projects/elsewhere/Resources") == "Projects/elsewhere/Resources"
    with pytest.raises(ValueError):
        api._url("")
    with pytest.raises(ValueError):
        api._url("/")


@pytest.mark.parametrize("status, code, cls", [
    (416, "RANGE_NOT_SATISFIABLE", hops.RangeNotSatisfiable),
    (507, "INSUFFICIENT_STORAGE", hops.InsufficientStorage),
])
def test_new_error_classes(status, code, cls):
    err = error_from_response(status, {"error": {"code": code, "message": "m", "request_id": "r"}})
    assert type(err) is cls and err.status == status and err.code == code
    assert type(error_from_response(status, None, text="plain")) is cls


def test_file_info():
    info = FileInfo({"name": "a.csv", "path": "Resources/a.csv", "type": "FILE", "size": 3,
                     "permission": "0640", "modification_time": 86_400_000, "replication": 1})
    assert info.is_file and not info.is_dir
    assert info.mode == 0o640
    assert info.modified == dt.datetime(1970, 1, 2, tzinfo=dt.timezone.utc)
    assert info.children is None and info.shared_from is None
    assert info.raw["replication"] == 1 and info.to_dict() == info.raw
    assert "Resources/a.csv" in repr(info)


# ---------------------------------------------------------------------------
# Against a real hopsd
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def owner(make_user):
    return make_user("fsowner")


@pytest.fixture(scope="module")
def project(owner):
    return owner.projects.create(f"files{next(_names):03d}")


@pytest.fixture(scope="module")
def ds(project):
    return project.datasets


@pytest.fixture
def d(ds):
    """A fresh directory under Resources for one test."""
    path = f"Resources/t{next(_names):03d}"
    ds.mkdir(path)
    return path


def test_default_datasets(project, ds):
    datasets = ds.list()
    expected = dict(DEFAULT_DATASETS)
    expected[f"{project.name}_Training_Datasets"] = "0750"
    assert sorted(i.name for i in datasets) == sorted(expected)
    for info in datasets:
        assert isinstance(info, hops.FileInfo)
        assert info.is_dir and info.path == info.name
        assert info.permission == expected[info.name], info.name
        assert info.group == project.name and info.owner == project.owner
    assert [i.name for i in ds.ls()] == [i.name for i in datasets]
    assert repr(ds) == f"DatasetApi(project={project.name!r})"


def test_create_dataset(project, ds):
    info = ds.create("Features", permission=0o750, provenance="full")
    assert (info.name, info.permission, info.provenance) == ("Features", "0750", "full")
    assert "Features" in [i.name for i in ds.list()]
    with pytest.raises(hops.AlreadyExists):
        ds.create("Features")
    with pytest.raises(hops.InvalidArgument):
        ds.create("bad/name")
    ds.remove("Features")
    assert not ds.exists("Features")


@pytest.mark.parametrize("size", [0, 100, 70 * KIB, 3 * MIB])
def test_upload_download_roundtrip(ds, d, tmp_path, size):
    data = blob(size, size)
    local = tmp_path / "src.bin"
    local.write_bytes(data)
    remote = f"{d}/f{size}.bin"

    info = ds.upload(str(local), remote)
    assert isinstance(info, hops.FileInfo) and info.is_file
    assert (info.path, info.name, info.size) == (remote, f"f{size}.bin", size)
    assert info.stored_inline == (size <= 64 * KIB)

    # To a local file (streamed), into a local directory, into a file object, as bytes.
    out = tmp_path / "out.bin"
    assert ds.download(remote, out) == str(out)
    assert out.read_bytes() == data
    assert not (tmp_path / "out.bin.part").exists()
    folder = tmp_path / "folder"
    folder.mkdir()
    assert ds.download(remote, folder) == str(folder / f"f{size}.bin")
    assert (folder / f"f{size}.bin").read_bytes() == data
    sink = io.BytesIO()
    assert ds.download(remote, sink) == size and sink.getvalue() == data
    assert ds.read(remote) == data
    assert ds.stat(remote).size == size

    # Bytes and file objects as sources, and the checksum of equal contents.
    again = ds.write(f"{d}/again.bin", data)
    assert again.size == size
    with open(local, "rb") as fh:
        ds.upload(fh, f"{d}/from-fileobj.bin")
    assert ds.read(f"{d}/from-fileobj.bin") == data
    assert ds.checksum(remote)["checksum"] == ds.checksum(f"{d}/again.bin")["checksum"]
    assert ds.checksum(remote)["algorithm"] == "XXH3-128"


def test_upload_sources_and_options(ds, d, tmp_path):
    # An iterator of chunks goes out with chunked transfer encoding.
    chunks = (bytes([i]) * 10_000 for i in range(100))
    info = ds.write(f"{d}/gen.bin", chunks)
    assert info.size == 1_000_000
    assert ds.read(f"{d}/gen.bin", offset=10_000 * 42, length=3) == bytes([42]) * 3
    # str content is UTF-8; bytearray and memoryview work; a file object is read from its position.
    assert ds.write(f"{d}/text.txt", "héllo").size == 6
    assert ds.read(f"{d}/text.txt").decode() == "héllo"
    ds.write(f"{d}/ba.bin", bytearray(b"abc"))
    ds.write(f"{d}/mv.bin", memoryview(b"xyz"))
    assert ds.read(f"{d}/ba.bin") + ds.read(f"{d}/mv.bin") == b"abcxyz"
    src = io.BytesIO(b"skip-this|keep-this")
    src.seek(10)
    assert ds.upload(src, f"{d}/tail.bin").size == 9
    assert ds.read(f"{d}/tail.bin") == b"keep-this"
    # A remote path ending in "/" is a directory: the local name is kept. Parents are created.
    local = tmp_path / "report.csv"
    local.write_bytes(b"a,b\n1,2\n")
    info = ds.upload(local, f"{d}/new/parents/")
    assert info.path == f"{d}/new/parents/report.csv"
    assert ds.stat(f"{d}/new").is_dir
    # Permission on upload; overwrite replaces.
    assert ds.upload(b"secret", f"{d}/perm.txt", permission=0o640).permission == "0640"
    assert ds.upload(b"v2", f"{d}/perm.txt", overwrite=True).size == 2
    assert ds.read(f"{d}/perm.txt") == b"v2"
    with pytest.raises(TypeError):
        with open(local, "r") as text_file:
            ds.upload(text_file, f"{d}/textmode.csv")


def test_chunked_upload_refused_early_reports_the_error(ds, d):
    ds.write(f"{d}/exists.bin", b"1")
    with pytest.raises(hops.AlreadyExists):
        ds.write(f"{d}/exists.bin", (blob(MIB, i) for i in range(4)))


def test_read_ranges(ds, d):
    data = blob(200 * KIB, 7)
    path = f"{d}/range.bin"
    ds.write(path, data)
    assert ds.read(path, offset=0, length=10) == data[:10]
    assert ds.read(path, offset=70_000, length=5000) == data[70_000:75_000]
    assert ds.read(path, offset=len(data) - 7) == data[-7:]
    assert ds.read(path, offset=len(data) - 3, length=100) == data[-3:]  # cut at the end
    assert ds.read(path, offset=5, length=0) == b""
    assert ds.download(path, offset=123, length=4567) == data[123:123 + 4567]
    with pytest.raises(hops.RangeNotSatisfiable) as exc:
        ds.read(path, offset=len(data))
    assert exc.value.status == 416 and exc.value.code == "RANGE_NOT_SATISFIABLE"
    with pytest.raises(ValueError):
        ds.read(path, offset=-1)
    with pytest.raises(hops.NotFound):
        ds.read(f"{d}/missing.bin", length=0)


def test_open_rb_seek_and_read(ds, d):
    data = blob(3 * MIB + 17, 3)
    path = f"{d}/seek.bin"
    ds.write(path, data)
    fetched = []
    real_read = ds.read

    def recording_read(p, offset=0, length=None):
        fetched.append((offset, length))
        return real_read(p, offset=offset, length=length)

    ds.read = recording_read
    try:
        with ds.open(path, "rb", buffer_size=64 * KIB) as f:
            assert isinstance(f, io.BufferedIOBase) and isinstance(f, hops.DatasetReader)
            assert f.readable() and f.seekable() and not f.writable()
            assert f.size == len(data) and f.name == path and f.tell() == 0
            assert fetched == []  # lazy: nothing read yet
            assert f.read(10) == data[:10]
            assert fetched == [(0, 64 * KIB)]
            assert f.read(100) == data[10:110]  # served from the read-ahead
            assert len(fetched) == 1
            assert f.seek(2 * MIB) == 2 * MIB
            assert f.read(5) == data[2 * MIB:2 * MIB + 5]
            assert f.tell() == 2 * MIB + 5
            assert f.seek(-20, io.SEEK_END) == len(data) - 20
            assert f.read() == data[-20:]
            assert f.read(1) == b"" and f.read() == b""
            f.seek(1000)
            assert f.seek(-500, io.SEEK_CUR) == 500
            buf = bytearray(300)
            assert f.readinto(buf) == 300 and bytes(buf) == data[500:800]
            assert f.peek(1)[:4] == data[800:804] and f.tell() == 800
            f.seek(MIB)
            assert f.read(MIB) == data[MIB:2 * MIB]  # one request for a big read
            assert fetched[-1] == (MIB, MIB)
            f.seek(len(data) + 10)
            assert f.read(4) == b""
            with pytest.raises(ValueError):
                f.seek(-1)
        # Only ranges were fetched, never the whole 3 MiB file.
        assert all(length is not None and length <= MIB for _, length in fetched)
        assert f.closed
        with pytest.raises(ValueError):
            f.read(1)
    finally:
        del ds.read

    # Random seeks against an in-memory copy.
    with ds.open(path, "rb", buffer_size=100_000) as f:
        local = io.BytesIO(data)
        for pos, n in [(0, 1), (3 * MIB, 17), (3 * MIB, 100), (99_990, 20), (5, 200_000),
                       (1_500_000, 1), (17, 0)]:
            f.seek(pos)
            local.seek(pos)
            assert f.read(n) == local.read(n), (pos, n)
            assert f.tell() == local.tell()
        f.seek(0)
        assert f.read() == data


def test_open_text_modes(ds, d):
    path = f"{d}/notes.txt"
    with ds.open(path, "w") as f:
        f.write("first line\n")
        f.write("second — line\n")
    with ds.open(path, "r") as f:
        assert f.readline() == "first line\n"
        assert list(f) == ["second — line\n"]
    with ds.open(path, "rb") as f:
        assert f.readline() == b"first line\n"
    with ds.open(path, "a") as f:
        f.write("third\n")
    assert ds.read(path).decode().splitlines() == ["first line", "second — line", "third"]
    with pytest.raises(ZeroDivisionError):
        with ds.open(f"{d}/never.txt", "w") as f:
            f.write("x")
            1 / 0
    assert not ds.exists(f"{d}/never.txt")
    for bad in ("rw", "r+", "rbt", "q", "wbb"):
        with pytest.raises(ValueError):
            ds.open(path, bad)
    with pytest.raises(IsADirectoryError):
        ds.open(d, "rb")
    with pytest.raises(hops.NotFound):
        ds.open(f"{d}/missing.txt", "rb")


def test_open_wb_and_ab(ds, d):
    path = f"{d}/written.bin"
    with ds.open(path, "wb") as f:
        assert isinstance(f, io.BufferedIOBase) and f.writable() and not f.readable()
        assert f.write(b"hello ") == 6
        f.write(memoryview(b"world"))
        f.flush()
        assert f.tell() == 11
        assert not ds.exists(path)  # nothing is sent before close()
    assert f.closed and f.info.size == 11
    assert ds.read(path) == b"hello world"

    with ds.open(path, "ab") as f:
        f.write(b"!" * 3)
    assert ds.read(path) == b"hello world!!!"
    with ds.open(f"{d}/new-by-append.bin", "ab") as f:  # "a" creates a missing file
        f.write(b"created")
    assert ds.read(f"{d}/new-by-append.bin") == b"created"

    with ds.open(path, "wb") as f:  # "w" replaces
        f.write(b"replaced")
    assert ds.read(path) == b"replaced"
    writer = ds.open(path, "xb")  # "x" refuses an existing file, at close()
    writer.write(b"nope")
    with pytest.raises(hops.AlreadyExists):
        writer.close()
    assert writer.closed and ds.read(path) == b"replaced"

    # An exception inside the block uploads nothing.
    with pytest.raises(RuntimeError):
        with ds.open(f"{d}/aborted.bin", "wb") as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert not ds.exists(f"{d}/aborted.bin")
    with pytest.raises(RuntimeError):
        with ds.open(path, "ab") as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert ds.read(path) == b"replaced"

    # Empty file; writing after close fails.
    with ds.open(f"{d}/empty.bin", "wb") as f:
        pass
    assert ds.stat(f"{d}/empty.bin").size == 0
    with pytest.raises(ValueError):
        f.write(b"late")
    with pytest.raises(TypeError):
        with ds.open(f"{d}/str.bin", "wb") as f:
            f.write("not bytes")


def test_writer_spools_to_disk_and_drops_unclosed(ds, d):
    data = blob(300 * KIB, 11)
    writer = DatasetWriter(ds, f"{d}/spooled.bin", "wb", spool_size=64 * KIB)
    for i in range(0, len(data), 50_000):
        writer.write(data[i:i + 50_000])
    assert writer._disk is not None and writer._memory is None
    writer.close()
    assert writer.info.size == len(data)
    assert ds.read(f"{d}/spooled.bin") == data

    # A writer dropped without close() uploads nothing (and warns).
    writer = ds.open(f"{d}/dropped.bin", "wb")
    writer.write(b"lost")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del writer
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    assert not ds.exists(f"{d}/dropped.bin")


def test_append(ds, d):
    path = f"{d}/log.txt"
    ds.write(path, b"a" * 1000)
    assert ds.append(path, b"b" * 1000).size == 2000
    big = blob(MIB + 5, 5)
    info = ds.append(path, io.BytesIO(big))
    assert info.size == 2000 + len(big) and not info.stored_inline
    assert ds.append(path, "tail").size == 2004 + len(big)
    assert ds.read(path) == b"a" * 1000 + b"b" * 1000 + big + b"tail"
    with pytest.raises(hops.NotFound):
        ds.append(f"{d}/nope.txt", b"x")


def test_exists_stat_ls_and_pagination(ds, d):
    folder = f"{d}/many"
    names = [f"f{i:03d}" for i in range(25)]
    for name in reversed(names):
        ds.write(f"{folder}/{name}", name.encode())
    assert ds.exists(folder) and ds.exists(f"{folder}/f007")
    assert not ds.exists(f"{folder}/f999") and not ds.exists("NoSuchDataset")

    info = ds.stat(folder)
    assert info.is_dir and info.children == 25 and info.path == folder and info.name == "many"
    f = ds.stat(f"{folder}/f003")
    assert f.is_file and f.size == 4 and f.permission == "0664" and f.replication >= 1
    assert f.modified.year >= 2020 and f.id

    pages = []
    real_paginate = ds._http.paginate

    def counting(*args, **kwargs):
        for item in real_paginate(*args, **kwargs):
            pages.append(kwargs.get("page_size"))
            yield item

    it = ds.ls(folder, limit=10)
    assert iter(it) is it  # an iterator, fetched lazily
    ds._http.paginate = counting
    try:
        entries = list(it)
    finally:
        del ds._http.paginate
    assert [e.name for e in entries] == names
    assert all(isinstance(e, hops.FileInfo) and e.is_file for e in entries)
    assert pages == [10] * 25
    assert [e.name for e in ds.ls(folder)] == names
    assert [e.name for e in ds.ls(d)] == ["many"]
    assert [e.path for e in ds.ls(f"{folder}/f001")] == [f"{folder}/f001"]  # a file lists itself
    with pytest.raises(hops.NotFound):
        list(ds.ls(f"{d}/missing"))
    with pytest.raises(hops.BadRequest):
        list(ds.ls(folder, limit=0))


def test_ls_of_a_file_keeps_its_name(ds, d):
    ds.write(f"{d}/single.txt", b"1")
    (entry,) = ds.ls(f"{d}/single.txt")
    assert entry.name == "single.txt"


def test_move_copy_remove(ds, d):
    ds.write(f"{d}/a/x.txt", b"x")
    ds.write(f"{d}/a/sub/y.txt", b"y")
    moved = ds.move(f"{d}/a", f"{d}/b")
    assert moved.path == f"{d}/b" and moved.is_dir
    assert not ds.exists(f"{d}/a")
    assert ds.read(f"{d}/b/sub/y.txt") == b"y"

    renamed = ds.move(f"{d}/b/x.txt", f"{d}/b/z.txt")
    assert renamed.name == "z.txt"
    ds.write(f"{d}/b/x.txt", b"new")
    with pytest.raises(hops.AlreadyExists):
        ds.move(f"{d}/b/x.txt", f"{d}/b/z.txt")
    with pytest.raises(hops.InvalidArgument):
        ds.move(f"{d}/b", f"{d}/b/inner")  # into its own subtree

    copy = ds.copy(f"{d}/b", "Experiments/copied")
    assert copy.path == "Experiments/copied" and copy.is_dir
    assert ds.read("Experiments/copied/sub/y.txt") == b"y"
    assert ds.copy(f"{d}/b/z.txt", f"{d}/c.txt").size == 1
    with pytest.raises(hops.AlreadyExists):
        ds.copy(f"{d}/b/x.txt", f"{d}/c.txt")
    assert ds.copy(f"{d}/b/x.txt", f"{d}/c.txt", overwrite=True).size == 3
    assert ds.read(f"{d}/c.txt") == b"new"

    with pytest.raises(hops.Conflict) as exc:
        ds.remove(f"{d}/b")
    assert type(exc.value) is hops.Conflict and exc.value.code == "CONFLICT"
    ds.remove(f"{d}/b/z.txt")
    assert not ds.exists(f"{d}/b/z.txt")
    ds.remove(f"{d}/b", recursive=True)
    ds.remove("Experiments/copied", recursive=True)
    assert not ds.exists(f"{d}/b") and not ds.exists("Experiments/copied")
    with pytest.raises(hops.NotFound):
        ds.remove(f"{d}/b")


def test_mkdir(ds, d):
    info = ds.mkdir(f"{d}/p/q/r", permission="750")
    assert info.is_dir and info.permission == "0750" and info.path == f"{d}/p/q/r"
    assert ds.stat(f"{d}/p/q").is_dir
    assert ds.mkdir(f"{d}/p/q/r").is_dir  # an existing directory is fine
    ds.write(f"{d}/file", b"1")
    with pytest.raises(hops.NotFound):
        ds.mkdir(f"{d}/file/child")


def test_chmod_quota_summary(ds, d):
    path = f"{d}/perm.txt"
    ds.write(path, b"x")
    assert ds.chmod(path, 0o600).permission == "0600"
    assert ds.chmod(path, "640").permission == "0640"
    assert ds.stat(path).mode == 0o640
    with pytest.raises(hops.InvalidArgument):
        ds.chmod(path, "rwx")
    with pytest.raises(ValueError):
        ds.update(path)

    limited = f"{d}/limited"
    ds.mkdir(limited)
    info = ds.set_quota(limited, namespace=3, space=1000)
    assert (info.namespace_quota, info.space_quota) == (3, 1000)
    ds.write(f"{limited}/a", b"1" * 500)
    with pytest.raises(hops.QuotaExceeded) as exc:
        ds.write(f"{limited}/b", b"1" * 600)
    assert exc.value.status == 409 and exc.value.code == "QUOTA_EXCEEDED"
    assert not ds.exists(f"{limited}/b")
    assert ds.summary(limited) == {"path": limited, "files": 1, "directories": 1, "bytes": 500,
                                   "space_consumed": 500, "namespace_quota": 3, "space_quota": 1000}
    assert ds.set_quota(limited, space=-1).space_quota == -1
    ds.write(f"{limited}/b", b"1" * 600)
    with pytest.raises(ValueError):
        ds.set_quota(limited)


def test_xattrs(ds, d):
    path = f"{d}/x.csv"
    ds.write(path, b"a,b")
    assert ds.get_xattrs(path) == {}
    assert ds.set_xattr(path, "user.owner", "team-a") is None
    ds.set_xattr(path, "user.stage", "raw")
    assert ds.get_xattrs(path) == {"user.owner": "team-a", "user.stage": "raw"}
    assert ds.get_xattrs(path, name="user.stage") == {"user.stage": "raw"}
    ds.set_xattr(path, "user.stage", "clean", flag="REPLACE")
    assert ds.get_xattrs(path)["user.stage"] == "clean"
    with pytest.raises(hops.Conflict):
        ds.set_xattr(path, "user.stage", "again", flag="CREATE")
    with pytest.raises(hops.NotFound):
        ds.set_xattr(path, "user.absent", "v", flag="REPLACE")
    with pytest.raises(hops.PermissionDenied) as exc:
        ds.set_xattr(path, "provenance.app", "x")
    assert "reserved" in exc.value.message
    with pytest.raises(hops.InvalidArgument):
        ds.set_xattr(path, "noprefix", "x")
    ds.remove_xattr(path, "user.owner")
    assert ds.get_xattrs(path) == {"user.stage": "clean"}
    with pytest.raises(hops.NotFound):
        ds.remove_xattr(path, "user.owner")
    with pytest.raises(hops.NotFound):
        ds.get_xattrs(path, name="user.owner")


def test_errors_map_to_exception_classes(ds, d, tmp_path):
    with pytest.raises(hops.NotFound) as exc:
        ds.stat(f"{d}/missing.txt")
    err = exc.value
    assert err.status == 404 and err.code == "NOT_FOUND" and err.request_id
    with pytest.raises(hops.NotFound):
        ds.read(f"{d}/missing.txt")
    with pytest.raises(hops.NotFound):
        ds.download(f"{d}/missing.txt", tmp_path / "never.bin")
    assert not (tmp_path / "never.bin").exists() and not (tmp_path / "never.bin.part").exists()

    ds.write(f"{d}/once.txt", b"1")
    with pytest.raises(hops.AlreadyExists) as exc:
        ds.write(f"{d}/once.txt", b"2")
    assert exc.value.status == 409 and "overwrite" in exc.value.message
    # The same for a large streamed upload that the server refuses before reading it all.
    big = tmp_path / "big.bin"
    big.write_bytes(blob(3 * MIB, 1))
    ds.upload(big, f"{d}/big.bin")
    with pytest.raises(hops.AlreadyExists):
        ds.upload(big, f"{d}/big.bin")
    assert ds.upload(big, f"{d}/big.bin", overwrite=True).size == 3 * MIB

    ds.write(f"{d}/full/f", b"1")
    with pytest.raises(hops.Conflict):
        ds.remove(f"{d}/full")
    with pytest.raises(hops.BadRequest):
        ds.read(d)  # directories cannot be downloaded
    with pytest.raises(hops.InvalidArgument):
        ds.write("Resources", b"x")  # files live inside a dataset
    with pytest.raises(ValueError):
        ds.stat("")
    assert issubclass(hops.RangeNotSatisfiable, hops.HopsError)


def test_data_scientist_permissions(owner, project, ds, make_user):
    scientist = make_user("fsds")
    project.members.add(scientist.username, "DATA_SCIENTIST")
    as_ds = scientist.projects.get(project.name).datasets
    with pytest.raises(hops.PermissionDenied) as exc:
        as_ds.write("Models/model.bin", b"m")
    assert exc.value.status == 403 and exc.value.code == "PERMISSION_DENIED"
    with pytest.raises(hops.PermissionDenied):
        with as_ds.open("Models/model2.bin", "wb") as f:
            f.write(b"m")
    assert not ds.exists("Models/model.bin") and not ds.exists("Models/model2.bin")
    info = as_ds.write("Resources/by-ds.txt", b"ds")
    assert info.owner == scientist.username
    assert ds.read("Resources/by-ds.txt") == b"ds"
    # Scientists read the owner's files but do not delete them, nor create datasets.
    ds.write("Resources/by-owner.txt", b"o")
    assert as_ds.read("Resources/by-owner.txt") == b"o"
    with pytest.raises(hops.PermissionDenied):
        as_ds.remove("Resources/by-owner.txt")
    with pytest.raises(hops.PermissionDenied):
        as_ds.create("dsdata")
    as_ds.remove("Resources/by-ds.txt")
    # An outsider sees nothing.
    outsider = make_user("fsout")
    foreign = hops.Project(outsider._http, project.raw).datasets
    with pytest.raises(hops.NotFound):
        foreign.list()
    with pytest.raises(hops.NotFound):
        foreign.read("Resources/by-owner.txt")


def test_sharing_between_projects(owner, project, ds, make_user):
    ds.write("Resources/shared.csv", b"1,2,3")
    other_owner = make_user("fsother")
    other = other_owner.projects.create(f"other{next(_names):03d}")
    alias = f"{project.name}::Resources"

    share = ds.share("Resources", other.name)
    assert share["project"] == project.name and share["target_project"] == other.name
    assert share["dataset"] == "Resources" and share["permission"] == "READ_ONLY"
    assert share["accepted"] is False and share["shared_by"] == owner.username
    assert [s["target_project"] for s in ds.shares()] == [other.name]
    assert alias not in [i.name for i in other.datasets.list()]
    with pytest.raises(hops.NotFound):
        other.datasets.read(f"{alias}/shared.csv")

    accepted = other.datasets.accept(project.name, "Resources")
    assert accepted["accepted"] is True
    listed = {i.name: i for i in other.datasets.list()}
    assert alias in listed and listed[alias].shared_from == project.name
    assert listed[alias].share_permission == "READ_ONLY"
    assert other.datasets.read(f"{alias}/shared.csv") == b"1,2,3"
    with other.datasets.open(f"{alias}/shared.csv", "rb") as f:
        f.seek(2)
        assert f.read() == b"2,3"
    assert f"{alias}/shared.csv" in [e.path for e in other.datasets.ls(alias)]
    with pytest.raises(hops.PermissionDenied):
        other.datasets.write(f"{alias}/new.csv", b"x")
    with pytest.raises(hops.NotFound):  # the share does not open the project itself
        hops.Project(other_owner._http, project.raw).datasets.read("Resources/shared.csv")

    # EDITABLE shares let the other project write into the dataset.
    ds.unshare(other.name, "Resources")
    assert not other.datasets.exists(alias)
    assert ds.share("Resources", other.name, permission=hops.EDITABLE)["permission"] == "EDITABLE"
    other.datasets.accept(project.name, "Resources")
    other.datasets.write(f"{alias}/from-other.csv", b"y")
    assert ds.read("Resources/from-other.csv") == b"y"
    other.datasets.unshare(project.name, "Resources")  # the target leaves
    assert ds.shares() == []


def test_provenance(ds, project):
    ds.update("Experiments", provenance="full")
    ds.write("Experiments/run1/out.txt", b"r")
    ds.read("Experiments/run1/out.txt")
    events = list(ds.provenance(path_prefix="Experiments"))
    ops = [(e["operation"], e["path"]) for e in events]
    assert ("create", "/Experiments/run1/out.txt") in ops
    assert ("read", "/Experiments/run1/out.txt") in ops
    event = next(e for e in events if e["operation"] == "create")
    assert event["dataset"] == "Experiments" and event["user"] == project.owner
    assert event["interface"] == "sdk" and event["at"].endswith("Z")  # by User-Agent

    created = list(ds.provenance(path_prefix="/Experiments/run1", operation="create"))
    assert [e["path"] for e in created] == ["/Experiments/run1/out.txt"]
    everything = list(ds.provenance())
    assert list(ds.provenance(page_size=1)) == everything and len(everything) > 2
    now = dt.datetime.now(dt.timezone.utc)
    assert list(ds.provenance(path_prefix="Experiments", since=now + dt.timedelta(days=1))) == []
    assert list(ds.provenance(path_prefix="Experiments", until=dt.date(2000, 1, 1))) == []
    assert len(list(ds.provenance(path_prefix="Experiments",
                                  since=now - dt.timedelta(days=3650)))) == len(events)
    with pytest.raises(hops.BadRequest):
        list(ds.provenance(since="yesterday"))
