"""HopsFS datasets and files of one project (``/api/v1/projects/{name}/datasets``).

:class:`DatasetApi` is reached as ``project.datasets``. Paths are relative to
the project: ``"Resources/data/a.csv"`` is the file ``a.csv`` in the folder
``data`` of the dataset ``Resources``; a dataset shared with the project is
reached as ``"<owner project>::<dataset>/..."``. A leading ``/`` is ignored, and
an absolute HopsFS path of the same project (``"/Projects/demo/Resources/a.csv"``)
is accepted too.

Files and directories are described by :class:`FileInfo`. Uploads and
downloads are streamed (a local file is never read into memory as a whole);
:meth:`DatasetApi.open` gives file objects that read byte ranges lazily or
upload on ``close()``.

Shares (``/shares``) and provenance events (``/provenance``) are plain dicts
shaped like the server objects:

- share: ``{"project", "dataset", "target_project", "permission", "accepted",
  "shared_by", "created_at"}``
- provenance event: ``{"path", "dataset", "operation", "user", "at",
  "interface", "app_id"}``
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import stat as _stat
import tempfile
import warnings
from typing import Any, BinaryIO, Iterable, Iterator, Optional, Union
from urllib.parse import quote

import requests

from ._http import API, HttpClient, seg
from .errors import HopsError, NotFound, RangeNotSatisfiable

#: Share permissions.
READ_ONLY = "READ_ONLY"
EDITABLE = "EDITABLE"
#: Provenance levels of a dataset.
PROVENANCE_LEVELS = ("off", "state", "full")

OCTET_STREAM = "application/octet-stream"
CHUNK_SIZE = 1 << 20          # transfer chunk and read-ahead of open("rb")
SPOOL_SIZE = 8 << 20          # open("wb") keeps this much in memory, then spools to disk

PathLike = Union[str, "os.PathLike[str]"]
#: What :meth:`DatasetApi.write` and :meth:`DatasetApi.append` accept as data.
Data = Union[bytes, bytearray, memoryview, str, BinaryIO, Iterable[bytes]]


class FileInfo:
    """A file or directory (the server's FileStatus object).

    Attributes mirror the JSON: ``name``, ``path`` (project-relative),
    ``type`` (``"FILE"`` or ``"DIRECTORY"``), ``size`` (bytes; 0 for
    directories), ``permission`` (octal string, e.g. ``"0664"``), ``owner``,
    ``group``, ``modification_time`` and ``access_time`` (milliseconds since
    the epoch), ``id``; for directories ``children``; for files
    ``replication``, ``block_size`` and ``stored_inline``. Fields the server
    only sends sometimes are ``None`` when absent: ``share_permission`` and
    ``shared_from`` (shared datasets), ``provenance``, ``namespace_quota`` and
    ``space_quota``. ``raw`` holds the full JSON object.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.raw: dict[str, Any] = dict(data)
        self.name: str = data.get("name") or ""
        self.path: str = data.get("path") or ""
        self.type: Optional[str] = data.get("type")
        self.size: int = int(data.get("size") or 0)
        self.permission: Optional[str] = data.get("permission")
        self.owner: Optional[str] = data.get("owner")
        self.group: Optional[str] = data.get("group")
        self.modification_time: Optional[int] = data.get("modification_time")
        self.access_time: Optional[int] = data.get("access_time")
        self.id: Optional[int] = data.get("id")
        self.children: Optional[int] = data.get("children")
        self.replication: Optional[int] = data.get("replication")
        self.block_size: Optional[int] = data.get("block_size")
        self.stored_inline: Optional[bool] = data.get("stored_inline")
        self.share_permission: Optional[str] = data.get("share_permission")
        self.shared_from: Optional[str] = data.get("shared_from")
        self.provenance: Optional[str] = data.get("provenance")
        self.namespace_quota: Optional[int] = data.get("namespace_quota")
        self.space_quota: Optional[int] = data.get("space_quota")

    @property
    def is_dir(self) -> bool:
        return self.type == "DIRECTORY"

    @property
    def is_file(self) -> bool:
        return self.type == "FILE"

    @property
    def mode(self) -> Optional[int]:
        """The permission bits as an int (``0o664``), or ``None``."""
        try:
            return int(self.permission, 8) if self.permission else None
        except ValueError:
            return None

    @property
    def modified(self) -> Optional[_dt.datetime]:
        """``modification_time`` as an aware UTC datetime."""
        return _from_ms(self.modification_time)

    @property
    def accessed(self) -> Optional[_dt.datetime]:
        """``access_time`` as an aware UTC datetime."""
        return _from_ms(self.access_time)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileInfo) and other.raw == self.raw

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        kind = "dir" if self.is_dir else "file"
        extra = f", size={self.size}" if not self.is_dir else ""
        return f"FileInfo({kind} {self.path!r}{extra}, permission={self.permission!r})"


class DatasetApi:
    """Datasets and files of one project; reached as ``project.datasets``.

    Reading needs membership (or an accepted share); writing follows the
    HopsFS permissions: Data Scientists write only in group-writable
    datasets (``Resources``, ``Logs``, ``Jupyter``, ``Experiments`` by
    default) and delete only what they created; creating datasets, changing
    permissions of other users' files and sharing are for Data Owners.
    Errors are :class:`hops.HopsError` subclasses: :class:`hops.NotFound`,
    :class:`hops.PermissionDenied`, :class:`hops.AlreadyExists`,
    :class:`hops.Conflict` (e.g. deleting a non-empty directory without
    ``recursive``), :class:`hops.QuotaExceeded`,
    :class:`hops.RangeNotSatisfiable`, :class:`hops.InsufficientStorage`.
    """

    def __init__(self, http: HttpClient, project: str) -> None:
        self._http = http
        self.project = project
        self._base = f"{API}/projects/{seg(project)}"
        self._path = self._base + "/datasets"

    # -- paths ----------------------------------------------------------------
    def _rel(self, path: PathLike) -> str:
        """Normalise a user path to the project-relative form the server uses."""
        text = os.fspath(path)
        if not isinstance(text, str):
            raise TypeError(f"a HopsFS path must be str, not {type(text).__name__}")
        if text.startswith("/Projects/"):
            head, _, tail = text[len("/Projects/"):].partition("/")
            if head.lower() == self.project.lower():
                text = tail
        return "/".join(part for part in text.split("/") if part not in ("", "."))

    def _url(self, path: PathLike) -> str:
        rel = self._rel(path)
        if not rel:
            raise ValueError("a path inside the project is needed, e.g. 'Resources/file.csv'")
        return self._path + "/" + "/".join(quote(part, safe=":") for part in rel.split("/"))

    # -- datasets -------------------------------------------------------------
    def list(self, page_size: Optional[int] = None) -> list[FileInfo]:
        """The project's datasets (top-level directories), including datasets
        shared with it (named ``"<owner>::<dataset>"``, with ``shared_from``)."""
        return [FileInfo(item) for item in self._http.paginate(self._path, page_size=page_size)]

    def create(self, name: str, permission: Union[int, str, None] = None,
               provenance: Optional[str] = None) -> FileInfo:
        """Create a dataset (Data Owners). ``permission`` defaults to ``"770"``
        on the server; ``provenance`` is ``"off"``, ``"state"`` or ``"full"``."""
        body: dict[str, Any] = {"name": name}
        if permission is not None:
            body["permission"] = _mode(permission)
        if provenance is not None:
            body["provenance"] = provenance
        return FileInfo(self._http.post(self._path, body))

    # -- metadata -------------------------------------------------------------
    def stat(self, path: PathLike) -> FileInfo:
        """The file or directory at ``path``; :class:`hops.NotFound` if there is none."""
        return FileInfo(self._http.get(self._url(path)))

    def exists(self, path: PathLike) -> bool:
        """Whether ``path`` exists (and the caller may see it)."""
        try:
            self.stat(path)
        except NotFound:
            return False
        return True

    def ls(self, path: PathLike = "", limit: Optional[int] = None) -> Iterator[FileInfo]:
        """Iterate over the entries of a directory, sorted by name, following
        the server's pages lazily. ``limit`` is the page size (1..1000) sent per
        request, not a cap on the entries. A file lists itself; an empty path
        lists the datasets."""
        if not self._rel(path):
            pages = self._http.paginate(self._path, page_size=limit)
        else:
            pages = self._http.paginate(self._url(path), page_size=limit,
                                        params={"action": "list"})
        for item in pages:
            yield FileInfo(item)

    def summary(self, path: PathLike) -> dict[str, Any]:
        """Content summary: ``{"path", "files", "directories", "bytes",
        "space_consumed", "namespace_quota", "space_quota"}`` (a directory
        counts itself; -1 quotas mean none)."""
        return self._http.get(self._url(path), action="summary")

    def checksum(self, path: PathLike) -> dict[str, Any]:
        """A file's checksum: ``{"path", "algorithm": "XXH3-128", "checksum": <hex>}``."""
        return self._http.get(self._url(path), action="checksum")

    def mkdir(self, path: PathLike, permission: Union[int, str, None] = None) -> FileInfo:
        """Create a directory and any missing parents (like ``mkdir -p``; an
        existing directory is not an error). Returns the directory."""
        body = {"permission": _mode(permission)} if permission is not None else None
        return FileInfo(self._http.request("POST", self._url(path), params={"action": "mkdirs"},
                                           json=body))

    def update(self, path: PathLike, **fields: Any) -> FileInfo:
        """Change attributes (``PATCH``): any of ``permission``, ``owner``,
        ``group``, ``modification_time``, ``access_time`` (ms), ``replication``,
        ``namespace_quota``, ``space_quota`` (bytes) and ``provenance``
        (``"off"``, ``"state"``, ``"full"``). Returns the updated entry."""
        if not fields:
            raise ValueError("update() needs at least one attribute to change")
        if fields.get("permission") is not None:
            fields["permission"] = _mode(fields["permission"])
        return FileInfo(self._http.patch(self._url(path), fields))

    def chmod(self, path: PathLike, mode: Union[int, str]) -> FileInfo:
        """Set the permission bits: an int as for :func:`os.chmod` (``0o750``)
        or an octal string (``"750"``, ``"0750"``)."""
        return self.update(path, permission=mode)

    def set_quota(self, path: PathLike, namespace: Optional[int] = None,
                  space: Optional[int] = None) -> FileInfo:
        """Set a directory's quotas: ``namespace`` (files and directories below
        it) and/or ``space`` (bytes); -1 removes a quota."""
        fields: dict[str, Any] = {}
        if namespace is not None:
            fields["namespace_quota"] = int(namespace)
        if space is not None:
            fields["space_quota"] = int(space)
        if not fields:
            raise ValueError("set_quota() needs namespace= and/or space=")
        return self.update(path, **fields)

    # -- changing the tree ----------------------------------------------------
    def remove(self, path: PathLike, recursive: bool = False) -> None:
        """Delete a file or directory. A non-empty directory needs
        ``recursive=True`` (else :class:`hops.Conflict`)."""
        self._http.request("DELETE", self._url(path),
                           params={"recursive": "true" if recursive else None})

    def move(self, src: PathLike, dst: PathLike) -> FileInfo:
        """Move or rename ``src`` to ``dst`` (the new full path; an existing
        ``dst`` is :class:`hops.AlreadyExists`). Returns the moved entry."""
        return FileInfo(self._http.request("POST", self._url(src), params={"action": "move"},
                                           json={"destination": self._rel(dst)}))

    def copy(self, src: PathLike, dst: PathLike, overwrite: bool = False) -> FileInfo:
        """Copy a file or a directory tree to ``dst``. Returns the copy."""
        body: dict[str, Any] = {"destination": self._rel(dst)}
        if overwrite:
            body["overwrite"] = "true"
        return FileInfo(self._http.request("POST", self._url(src), params={"action": "copy"},
                                           json=body))

    # -- data -----------------------------------------------------------------
    def upload(self, source: Union[PathLike, bytes, bytearray, memoryview, BinaryIO],
               remote_path: PathLike, overwrite: bool = False,
               permission: Union[int, str, None] = None) -> FileInfo:
        """Upload ``source`` to ``remote_path`` and return the new file.

        ``source`` is a local file path (``str`` or path-like), a binary file
        object (read from its current position) or bytes. Files are streamed,
        never read into memory as a whole; a file object whose size cannot be
        found (a pipe) is sent with chunked transfer encoding. A
        ``remote_path`` ending in ``/`` is a directory: the local file's name
        is appended. Missing parent directories are created. An existing file
        is :class:`hops.AlreadyExists` unless ``overwrite``.
        """
        remote = os.fspath(remote_path)
        if isinstance(remote, str) and remote.endswith("/"):
            name = _source_name(source)
            if not name:
                raise ValueError("remote_path ends with '/' but the source has no file name")
            remote = remote + name
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as fh:
                return self._put(remote, fh, overwrite=overwrite, permission=permission)
        return self._put(remote, source, overwrite=overwrite, permission=permission)

    def write(self, path: PathLike, data: Data, overwrite: bool = False,
              permission: Union[int, str, None] = None) -> FileInfo:
        """Create ``path`` with ``data`` as its content: bytes, a ``str``
        (stored as UTF-8), a binary file object or an iterable of bytes chunks
        (sent chunked). :class:`hops.AlreadyExists` if it exists, unless
        ``overwrite``. Returns the new file.

        When the server refuses the upload before reading the body (an
        existing file, a quota), it drops up to 256 MiB or 5 s of the rest so
        that the error arrives; beyond that the error surfaces as a
        :class:`hops.HopsError` with code ``CONNECTION_ERROR``.
        """
        return self._put(path, data, overwrite=overwrite, permission=permission)

    def append(self, path: PathLike, data: Data) -> FileInfo:
        """Append ``data`` (as for :meth:`write`) to an existing file;
        :class:`hops.NotFound` if it does not exist. Returns the file."""
        body = _request_body(data)
        return FileInfo(self._http.request("POST", self._url(path), params={"action": "append"},
                                           data=body, headers={"Content-Type": OCTET_STREAM}))

    def _put(self, path: PathLike, data: Any, *, overwrite: bool,
             permission: Union[int, str, None]) -> FileInfo:
        params = {"overwrite": "true" if overwrite else None,
                  "permission": _mode(permission) if permission is not None else None}
        return FileInfo(self._http.request("PUT", self._url(path), params=params,
                                           data=_request_body(data),
                                           headers={"Content-Type": OCTET_STREAM}))

    def download(self, remote_path: PathLike,
                 local_path: Union[PathLike, BinaryIO, None] = None,
                 offset: int = 0, length: Optional[int] = None,
                 chunk_size: int = CHUNK_SIZE) -> Union[bytes, str, int]:
        """Download a file, or ``length`` bytes of it from ``offset`` (sent as
        an HTTP ``Range``).

        Without ``local_path`` the bytes are returned. With a local path the
        body is streamed to disk (through ``<local_path>.part``, renamed when
        complete, so a failed download leaves no partial file) and the local
        path is returned; a local directory receives the remote file's name.
        With a writable binary file object the body is streamed into it and the
        number of bytes written is returned. A range past the end of the file
        is :class:`hops.RangeNotSatisfiable`; a range reaching past the end is
        cut at the end. A body shorter than announced raises
        :class:`hops.HopsError` (``INCOMPLETE_BODY``).
        """
        if local_path is None:
            return b"".join(self._iter_download(remote_path, offset, length, chunk_size))
        if hasattr(local_path, "write"):
            written = 0
            for chunk in self._iter_download(remote_path, offset, length, chunk_size):
                local_path.write(chunk)  # type: ignore[union-attr]
                written += len(chunk)
            return written
        target = os.fspath(local_path)  # type: ignore[arg-type]
        if os.path.isdir(target):
            target = os.path.join(target, self._rel(remote_path).rsplit("/", 1)[-1])
        chunks = self._iter_download(remote_path, offset, length, chunk_size)
        first = next(chunks, b"")  # fail (404, 416...) before touching the local disk
        part = f"{target}.part"
        try:
            with open(part, "wb") as out:
                out.write(first)
                for chunk in chunks:
                    out.write(chunk)
            os.replace(part, target)
        except BaseException:
            chunks.close()
            try:
                os.unlink(part)
            except OSError:
                pass
            raise
        return target

    def read(self, path: PathLike, offset: int = 0, length: Optional[int] = None) -> bytes:
        """A file's content, or ``length`` bytes of it from ``offset``."""
        return self.download(path, None, offset=offset, length=length)  # type: ignore[return-value]

    def _iter_download(self, path: PathLike, offset: int, length: Optional[int],
                       chunk_size: int) -> Iterator[bytes]:
        """Yield the body of ``?action=download`` for a byte range, checking
        that all of it arrived."""
        offset = int(offset)
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("offset and length must not be negative")
        url = self._url(path)
        if length == 0:
            self.stat(path)  # still report a missing file
            return
        headers = {"Accept": f"{OCTET_STREAM}, application/json"}
        ranged = offset > 0 or length is not None
        if ranged:
            end = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{end}"
        resp = self._http.request("GET", url, params={"action": "download"}, headers=headers,
                                  raw=True, stream=True)
        # A server may ignore Range and answer 200 with the whole file.
        skip, left = (offset, length) if ranged and resp.status_code == 200 else (0, None)
        expected = resp.headers.get("Content-Length")
        received = 0
        try:
            for chunk in resp.iter_content(chunk_size):
                received += len(chunk)
                if skip:
                    if len(chunk) <= skip:
                        skip -= len(chunk)
                        continue
                    chunk, skip = chunk[skip:], 0
                if left is not None:
                    chunk = chunk[:left]
                    left -= len(chunk)
                if chunk:
                    yield chunk
                if left == 0:
                    return
        except requests.RequestException as exc:
            raise HopsError(f"download of {self._rel(path)!r} failed: {exc}",
                            code="CONNECTION_ERROR", method="GET", url=url) from exc
        finally:
            resp.close()
        if (expected is not None and expected.isdigit() and int(expected) != received
                and not resp.headers.get("Content-Encoding")):
            raise HopsError(f"download of {self._rel(path)!r} ended after {received} of "
                            f"{expected} bytes", code="INCOMPLETE_BODY", method="GET", url=url,
                            status=resp.status_code, headers=resp.headers)

    def open(self, path: PathLike, mode: str = "rb", *, buffer_size: int = CHUNK_SIZE,
             encoding: Optional[str] = None, errors: Optional[str] = None,
             newline: Optional[str] = None,
             permission: Union[int, str, None] = None) -> Union["DatasetReader", "DatasetWriter",
                                                                io.TextIOWrapper]:
        """Open a file as a Python file object.

        - ``"rb"``: a seekable :class:`DatasetReader` that fetches byte ranges
          on demand (``buffer_size`` bytes of read-ahead per request).
        - ``"wb"`` (replace), ``"xb"`` (the file must not exist) and ``"ab"``
          (append; creates the file if missing): a :class:`DatasetWriter`. The
          data is uploaded by ``close()``, i.e. when a ``with`` block ends; if
          the block raises, nothing is uploaded.
        - ``"r"``, ``"w"``, ``"x"``, ``"a"`` (or with ``"t"``): the same wrapped
          in a text layer (``encoding`` defaults to UTF-8).
        """
        kinds = set(mode)
        if (len(mode) != len(kinds) or not kinds <= set("rwaxbt")
                or len(kinds & set("rwax")) != 1 or {"b", "t"} <= kinds):
            raise ValueError(f"invalid mode {mode!r}; use 'rb', 'wb', 'xb', 'ab' "
                             "(or the text modes 'r', 'w', 'x', 'a')")
        binary = "b" in kinds
        if binary and (encoding is not None or errors is not None or newline is not None):
            raise ValueError("encoding, errors and newline are for text modes")
        rel = self._rel(path)
        raw: Union[DatasetReader, DatasetWriter]
        if "r" in kinds:
            info = self.stat(rel)
            if info.is_dir:
                raise IsADirectoryError(f"{rel} is a directory")
            raw = DatasetReader(self, rel, info, buffer_size=buffer_size)
        else:
            self._url(rel)  # ValueError for an empty path
            kind = next(iter(kinds & set("wax")))
            raw = DatasetWriter(self, rel, kind + "b", permission=permission)
        if binary:
            return raw
        return _TextFile(raw, encoding=encoding or "utf-8", errors=errors, newline=newline)

    # -- extended attributes --------------------------------------------------
    def get_xattrs(self, path: PathLike, name: Optional[str] = None) -> dict[str, str]:
        """Extended attributes as ``{name: value}``; with ``name`` only that one
        (:class:`hops.NotFound` if it is not set)."""
        answer = self._http.get(self._url(path), action="xattrs", name=name)
        return dict(answer.get("xattrs") or {})

    def set_xattr(self, path: PathLike, name: str, value: str,
                  flag: Optional[str] = None) -> None:
        """Set an extended attribute in the ``user.`` namespace (others are
        reserved: :class:`hops.PermissionDenied`). ``flag="CREATE"`` fails if it
        exists (:class:`hops.Conflict`), ``flag="REPLACE"`` if it does not
        (:class:`hops.NotFound`)."""
        body = {"name": name, "value": value}
        if flag is not None:
            body["flag"] = flag
        self._http.request("POST", self._url(path), params={"action": "set_xattr"}, json=body)

    def remove_xattr(self, path: PathLike, name: str) -> None:
        """Remove an extended attribute (:class:`hops.NotFound` if not set)."""
        self._http.request("POST", self._url(path), params={"action": "remove_xattr"},
                           json={"name": name})

    # -- shares ---------------------------------------------------------------
    def shares(self) -> list[dict[str, Any]]:
        """Shares of this project's datasets and shares offered to it."""
        return list(self._http.paginate(self._base + "/shares"))

    def share(self, dataset: str, project: str, permission: str = READ_ONLY) -> dict[str, Any]:
        """Offer one of this project's datasets to another ``project``
        (``"READ_ONLY"`` or ``"EDITABLE"``; Data Owners). The other project's
        Data Owner must :meth:`accept` it before it shows up there as
        ``"<this project>::<dataset>"``."""
        return self._http.post(self._base + "/shares",
                               {"dataset": dataset, "project": project,
                                "permission": permission})

    def accept(self, owner_project: str, dataset: str) -> dict[str, Any]:
        """Accept a dataset that ``owner_project`` shared with this project."""
        return self._http.post(
            f"{self._base}/shares/{seg(owner_project)}/{seg(dataset)}/accept")

    def unshare(self, other_project: str, dataset: str) -> None:
        """End a share: as the owner, ``other_project`` is the target project;
        as the target, ``other_project`` is the owning project (leave the share)."""
        self._http.delete(f"{self._base}/shares/{seg(other_project)}/{seg(dataset)}")

    # -- provenance -----------------------------------------------------------
    def provenance(self, path_prefix: Optional[PathLike] = None, operation: Optional[str] = None,
                   since: Union[_dt.datetime, _dt.date, str, int, float, None] = None,
                   until: Union[_dt.datetime, _dt.date, str, int, float, None] = None,
                   page_size: Optional[int] = None) -> Iterator[dict[str, Any]]:
        """Iterate over provenance events (oldest first), following pages.

        ``path_prefix`` filters by path (``"Resources"`` or ``"/Resources/a"``),
        ``operation`` by kind (``"create"``, ``"read"``, ``"rename"``,
        ``"delete"``, ``"mkdir"``, ``"setattr"``, ...). ``since``/``until``
        bound the time: datetimes (naive ones are local time), dates, epoch
        seconds or RFC 3339 strings. What is recorded depends on the dataset's
        provenance level (``state``: changes; ``full``: reads too).
        """
        params = {
            "path_prefix": "/" + self._rel(path_prefix) if path_prefix is not None else None,
            "operation": operation,
            "from": _rfc3339(since),
            "to": _rfc3339(until),
        }
        return self._http.paginate(self._base + "/provenance", page_size=page_size, params=params)

    def __repr__(self) -> str:
        return f"DatasetApi(project={self.project!r})"


class DatasetReader(io.BufferedIOBase):
    """A read-only, seekable binary file object over a HopsFS file
    (``project.datasets.open(path, "rb")``).

    Bytes are fetched with HTTP ``Range`` requests when they are read: each
    request fetches at least ``buffer_size`` bytes (read-ahead), kept until a
    read leaves them. ``size`` is the file size when it was opened; ``info``
    the :class:`FileInfo` then. Not safe for use from several threads at once.
    """

    def __init__(self, api: DatasetApi, path: str, info: FileInfo,
                 buffer_size: int = CHUNK_SIZE) -> None:
        super().__init__()
        self._api = api
        self.name = path
        self.mode = "rb"
        self.info = info
        self.size = info.size
        self._buffer_size = max(int(buffer_size), 1)
        self._pos = 0
        self._buf = b""
        self._buf_start = 0

    def readable(self) -> bool:
        self._check_open()
        return True

    def seekable(self) -> bool:
        self._check_open()
        return True

    def writable(self) -> bool:
        self._check_open()
        return False

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        offset = int(offset)
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def _cached(self, pos: int, end: int) -> bytes:
        lo = pos - self._buf_start
        if 0 <= lo < len(self._buf):
            return self._buf[lo:end - self._buf_start]
        return b""

    def _fetch(self, pos: int, length: int) -> bytes:
        try:
            return self._api.read(self.name, offset=pos, length=length)
        except RangeNotSatisfiable:  # the file shrank since open(): end of file
            return b""

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read up to ``size`` bytes (all the rest when negative or ``None``);
        ``b""`` at the end of the file."""
        self._check_open()
        end = self.size if size is None or size < 0 else min(self.size, self._pos + size)
        if end <= self._pos:
            return b""
        head = self._cached(self._pos, end)
        pos = self._pos + len(head)
        tail = b""
        if pos < end:
            need = end - pos
            if need >= self._buffer_size:
                tail = self._fetch(pos, need)
            else:
                block = self._fetch(pos, min(self._buffer_size, self.size - pos))
                self._buf, self._buf_start = block, pos
                tail = block[:need]
        self._pos = pos + len(tail)
        return head + tail if head else tail

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def readinto1(self, buffer: Any) -> int:
        return self.readinto(buffer)

    def peek(self, size: int = 0) -> bytes:
        """Bytes from the current position without moving it (at least one,
        unless at the end of the file)."""
        self._check_open()
        if self._pos >= self.size:
            return b""
        cached = self._cached(self._pos, self.size)
        if cached:
            return cached
        want = min(max(self._buffer_size, size), self.size - self._pos)
        self._buf, self._buf_start = self._fetch(self._pos, want), self._pos
        return self._buf

    def close(self) -> None:
        self._buf = b""
        super().close()

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def __repr__(self) -> str:
        return f"DatasetReader(project={self._api.project!r}, path={self.name!r}, size={self.size})"


class DatasetWriter(io.BufferedIOBase):
    """A write-only binary file object that uploads on ``close()``
    (``project.datasets.open(path, "wb" | "xb" | "ab")``).

    Written bytes are kept in memory up to 8 MiB and then spooled to a
    temporary file; ``close()`` sends them in one streamed request (``PUT``,
    or ``?action=append`` for ``"ab"``) and sets ``info`` to the resulting
    :class:`FileInfo`. Leaving a ``with`` block by an exception, calling
    :meth:`discard`, or dropping the object without closing it uploads
    nothing. ``tell()`` counts the bytes written through this object.
    """

    def __init__(self, api: DatasetApi, path: str, mode: str = "wb",
                 permission: Union[int, str, None] = None,
                 spool_size: int = SPOOL_SIZE) -> None:
        super().__init__()
        if mode not in ("wb", "xb", "ab"):
            raise ValueError(f"invalid writer mode {mode!r}")
        self._api = api
        self.name = path
        self.mode = mode
        self.info: Optional[FileInfo] = None
        self._permission = permission
        self._spool_size = spool_size
        self._memory: Optional[io.BytesIO] = io.BytesIO()
        self._disk: Optional[BinaryIO] = None
        self._written = 0

    def readable(self) -> bool:
        self._check_open()
        return False

    def seekable(self) -> bool:
        self._check_open()
        return False

    def writable(self) -> bool:
        self._check_open()
        return True

    def tell(self) -> int:
        self._check_open()
        return self._written

    def write(self, data: Any) -> int:
        """Buffer ``data`` (any bytes-like object); returns its length."""
        self._check_open()
        if isinstance(data, str):
            raise TypeError("write() argument must be a bytes-like object, not str")
        view = memoryview(data).cast("B")
        size = len(view)
        if self._disk is None and self._memory is not None \
                and self._memory.tell() + size > self._spool_size:
            self._disk = tempfile.TemporaryFile(prefix="hops-upload-")
            self._disk.write(self._memory.getbuffer())
            self._memory = None
        (self._disk or self._memory).write(view)  # type: ignore[union-attr]
        self._written += size
        return size

    def flush(self) -> None:
        """Nothing is sent before ``close()``; kept for the file protocol."""
        self._check_open()

    def close(self) -> None:
        """Upload what was written and close. A failed upload raises its
        :class:`hops.HopsError`; the object is closed either way."""
        if self.closed:
            return
        try:
            self._upload()
        finally:
            self._release()
            super().close()

    def discard(self) -> None:
        """Close without uploading anything."""
        if not self.closed:
            self._release()
            super().close()

    def _upload(self) -> None:
        if self._disk is not None:
            self._disk.seek(0)
            body: Any = self._disk
        else:
            body = self._memory.getvalue() if self._memory is not None else b""
        api = self._api
        if self.mode == "ab":
            try:
                self.info = api.append(self.name, body)
                return
            except NotFound:
                if not api.exists(self.name):  # "a" creates a missing file
                    self.info = api._put(self.name, body, overwrite=False,
                                         permission=self._permission)
                    return
                raise
        self.info = api._put(self.name, body, overwrite=self.mode == "wb",
                             permission=self._permission)

    def _release(self) -> None:
        if self._disk is not None:
            self._disk.close()
        self._disk = None
        self._memory = None

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.discard()
        else:
            self.close()

    def __del__(self) -> None:
        # Never upload from a finalizer: unclosed writers are dropped.
        try:
            if not self.closed:
                warnings.warn(f"unclosed {self!r}: nothing was uploaded", ResourceWarning,
                              stacklevel=2)
                self.discard()
        except Exception:  # noqa: BLE001 - finalizers must not raise
            pass

    def __repr__(self) -> str:
        return f"DatasetWriter(project={self._api.project!r}, path={self.name!r}, mode={self.mode!r})"


class _TextFile(io.TextIOWrapper):
    """The text layer of ``open(path, "r" | "w" | "x" | "a")``; like its
    binary writer, it uploads nothing when a ``with`` block raises."""

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and isinstance(self.buffer, DatasetWriter):
            self.buffer.discard()
            return
        super().__exit__(exc_type, exc, tb)


# -- helpers -------------------------------------------------------------------

def _mode(mode: Union[int, str]) -> str:
    """Permission bits as the octal string the server wants ("750")."""
    if isinstance(mode, bool):
        raise TypeError("permission must be an int like 0o750 or a string like '750'")
    if isinstance(mode, int):
        if not 0 <= mode <= 0o7777:
            raise ValueError(f"permission {mode:#o} is out of range")
        return format(mode, "o")
    if isinstance(mode, str):
        text = mode.strip()
        return text[2:] if text[:2].lower() == "0o" else text
    raise TypeError("permission must be an int like 0o750 or a string like '750'")


def _source_name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    name = getattr(source, "name", None)
    return os.path.basename(name) if isinstance(name, str) else ""


def _request_body(data: Any) -> Any:
    """Turn user data into something ``requests`` streams as a raw body.

    Bytes go as they are; a ``str`` as UTF-8; a file object of known size as
    itself (``Content-Length``, read in blocks); a file object of unknown size
    and any other iterable as a generator (chunked transfer encoding).
    """
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, io.TextIOBase):
        raise TypeError("open the file in binary mode ('rb') to upload it")
    if hasattr(data, "read"):
        size = _remaining(data)
        if size == 0:
            return b""
        if size is not None:
            return _SizedReader(data, size)
        return _file_chunks(data)
    if isinstance(data, (dict, list, tuple, set, int, float)):
        raise TypeError(f"cannot send {type(data).__name__} as file data")
    return _iter_chunks(data)


def _remaining(fh: Any) -> Optional[int]:
    """Bytes left from the current position of a file object, if it can tell."""
    try:
        st = os.fstat(fh.fileno())
        if _stat.S_ISREG(st.st_mode):
            return max(st.st_size - fh.tell(), 0)
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        pass
    try:
        if not fh.seekable():
            return None
        pos = fh.tell()
        end = fh.seek(0, io.SEEK_END)
        fh.seek(pos)
        return max(end - pos, 0)
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        return None


class _SizedReader:
    """A file object limited to ``size`` bytes, with ``len()`` so that
    ``requests`` sends a ``Content-Length`` and reads it in blocks."""

    def __init__(self, fh: Any, size: int) -> None:
        self._fh = fh
        self._left = size
        self.len = size

    def __len__(self) -> int:
        return self.len

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n is None or n < 0 else min(n, self._left)
        data = self._fh.read(n)
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("upload sources must be opened in binary mode")
        data = bytes(data)
        self._left -= len(data)
        if not data and self._left:
            raise HopsError(f"upload source ended {self._left} bytes early", code="SHORT_SOURCE")
        return data


def _file_chunks(fh: Any) -> Iterator[bytes]:
    while True:
        data = fh.read(CHUNK_SIZE)
        if not data:
            return
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("upload sources must be opened in binary mode")
        yield bytes(data)


def _iter_chunks(chunks: Iterable[Any]) -> Iterator[bytes]:
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        elif not isinstance(chunk, bytes):
            chunk = bytes(chunk)
        if chunk:  # an empty chunk would end a chunked body early
            yield chunk


def _rfc3339(value: Union[_dt.datetime, _dt.date, str, int, float, None]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError("a time must be a datetime, a date, epoch seconds or an RFC 3339 string")
    if isinstance(value, (int, float)):
        value = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    elif not isinstance(value, _dt.datetime):
        if not isinstance(value, _dt.date):
            raise TypeError("a time must be a datetime, a date, epoch seconds or an RFC 3339 string")
        value = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    value = value.astimezone(_dt.timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


def _from_ms(ms: Optional[int]) -> Optional[_dt.datetime]:
    if ms is None:
        return None
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.timezone.utc)
