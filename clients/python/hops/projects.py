"""Projects, project members and quotas (``/api/v1/projects``).

:class:`ProjectApi` is reached as ``connection.projects``; it returns
:class:`Project` objects, each with a :class:`MemberApi` at ``.members`` and a
:class:`hops.datasets.DatasetApi` at ``.datasets``.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

from ._http import API, HttpClient, seg
from .certificates import CertificateApi
from .datasets import DatasetApi

DATA_OWNER = "DATA_OWNER"
DATA_SCIENTIST = "DATA_SCIENTIST"


class Project:
    """A project as seen by the caller.

    Attributes mirror the server object: ``name``, ``description``, ``owner``,
    ``created_at``, ``updated_at`` (RFC 3339 strings) and ``role`` (the
    caller's role: ``"DATA_OWNER"``, ``"DATA_SCIENTIST"`` or ``None`` for an
    admin who is not a member). ``raw`` holds the full JSON object.
    """

    def __init__(self, http: HttpClient, data: dict[str, Any]) -> None:
        self._http = http
        self._load(data)

    def _load(self, data: dict[str, Any]) -> None:
        self.raw: dict[str, Any] = dict(data)
        self.name: str = data["name"]
        self.description: str = data.get("description") or ""
        self.owner: Optional[str] = data.get("owner")
        self.created_at: Optional[str] = data.get("created_at")
        self.updated_at: Optional[str] = data.get("updated_at")
        self.role: Optional[str] = data.get("role")

    @property
    def _path(self) -> str:
        return f"{API}/projects/{seg(self.name)}"

    @property
    def members(self) -> "MemberApi":
        """The project's members."""
        return MemberApi(self._http, self.name)

    @property
    def certificates(self) -> CertificateApi:
        """The caller's certificates in this project (see :mod:`hops.certificates`)."""
        return CertificateApi(self._http, self.name)

    @property
    def datasets(self) -> DatasetApi:
        """The project's HopsFS datasets and files (see :mod:`hops.datasets`)."""
        return DatasetApi(self._http, self.name)

    def refresh(self) -> "Project":
        """Reload the project from the server."""
        self._load(self._http.get(self._path))
        return self

    def update(self, description: str) -> "Project":
        """Change the description (Data Owner or admin). Updates this object."""
        self._load(self._http.patch(self._path, {"description": description}))
        return self

    def delete(self) -> None:
        """Delete the project and everything it owns (owner or admin)."""
        self._http.delete(self._path)

    def quotas(self) -> dict[str, Any]:
        """The quota report: ``{"storage_bytes": {"limit", "used"}, "namespace_entries": ...,
        "cpu_hours": ..., "gpu_hours": ...}``; a limit of -1 means unlimited."""
        return self._http.get(self._path + "/quotas")

    def set_quotas(self, **limits: int) -> dict[str, Any]:
        """Set quota limits (admin), e.g. ``set_quotas(storage_bytes=2**30, gpu_hours=-1)``.
        Returns the new quota report."""
        return self._http.put(self._path + "/quotas", limits)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Project) and other.name.lower() == self.name.lower()

    def __hash__(self) -> int:
        return hash(self.name.lower())

    def __repr__(self) -> str:
        return f"Project(name={self.name!r}, owner={self.owner!r}, role={self.role!r})"


class MemberApi:
    """Members of one project (``/api/v1/projects/{name}/members``).

    Members are plain dicts: ``{"username", "role", "added_at"}``.
    """

    def __init__(self, http: HttpClient, project: str) -> None:
        self._http = http
        self.project = project
        self._path = f"{API}/projects/{seg(project)}/members"

    def list(self, page_size: Optional[int] = None) -> list[dict[str, Any]]:
        """All members of the project (member or admin)."""
        return list(self._http.paginate(self._path, page_size=page_size))

    def add(self, username: str, role: str = DATA_SCIENTIST) -> dict[str, Any]:
        """Add a user to the project (Data Owner or admin)."""
        return self._http.post(self._path, {"username": username, "role": role})

    def update(self, username: str, role: str) -> dict[str, Any]:
        """Change a member's role (Data Owner or admin)."""
        return self._http.patch(f"{self._path}/{seg(username)}", {"role": role})

    def remove(self, username: str) -> None:
        """Remove a member (Data Owner or admin); the owner cannot be removed."""
        self._http.delete(f"{self._path}/{seg(username)}")

    def __repr__(self) -> str:
        return f"MemberApi(project={self.project!r})"


class ProjectApi:
    """Create, list, get and delete projects; reached as ``connection.projects``."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._path = f"{API}/projects"

    def create(self, name: str, description: str = "") -> Project:
        """Create a project owned by the caller."""
        body: dict[str, Any] = {"name": name}
        if description:
            body["description"] = description
        return Project(self._http, self._http.post(self._path, body))

    def iter(self, page_size: Optional[int] = None) -> Iterator[Project]:
        """Iterate lazily over the projects the caller is a member of (admin: all)."""
        for item in self._http.paginate(self._path, page_size=page_size):
            yield Project(self._http, item)

    def list(self, page_size: Optional[int] = None) -> list[Project]:
        """All projects the caller is a member of (admin: all), across every page.

        ``page_size`` is sent as the ``limit`` query parameter (1..1000); it
        changes how many requests are made, not how many projects are returned.
        """
        return list(self.iter(page_size=page_size))

    def get(self, name: str) -> Project:
        """One project (member or admin); non-members get :class:`hops.NotFound`."""
        return Project(self._http, self._http.get(f"{self._path}/{seg(name)}"))

    def delete(self, name: str) -> None:
        """Delete a project (owner or admin)."""
        self._http.delete(f"{self._path}/{seg(name)}")

    def __repr__(self) -> str:
        return "ProjectApi()"
