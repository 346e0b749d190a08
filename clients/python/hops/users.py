"""Users (admin, ``/api/v1/users``) and the caller's API keys
(``/api/v1/users/me/apikeys``).

Both return plain dicts shaped like the server objects:

- user: ``{"username", "email", "role", "status", "created_at"}``
- API key: ``{"name", "prefix", "scopes", "created_at", "last_used_at"}``; the
  secret ``"key"`` is only in the answer of :meth:`ApiKeyApi.create`.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from ._http import API, HttpClient, seg

#: Scopes an API key can carry.
SCOPES = ("PROJECT", "DATASET_VIEW", "DATASET_CREATE", "DATASET_DELETE", "FEATURESTORE",
          "JOB", "MODELREGISTRY", "SERVING", "KAFKA", "ADMIN")


class ApiKeyApi:
    """The caller's API keys; reached as ``connection.api_keys``.

    Creating and revoking keys needs a session token (password login).
    """

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._path = f"{API}/users/me/apikeys"

    def create(self, name: str, scopes: Iterable[str]) -> dict[str, Any]:
        """Create a key. The returned dict holds ``"key"`` (``hops_<prefix>.<secret>``),
        which the server shows only this once."""
        if isinstance(scopes, str):
            scopes = [scopes]
        return self._http.post(self._path, {"name": name, "scopes": list(scopes)})

    def list(self) -> list[dict[str, Any]]:
        """The caller's keys (never the secret)."""
        return list(self._http.paginate(self._path))

    def revoke(self, name: str) -> None:
        """Revoke (delete) a key; it stops working at once."""
        self._http.delete(f"{self._path}/{seg(name)}")

    def __repr__(self) -> str:
        return "ApiKeyApi()"


class UserApi:
    """User administration (admin role; API keys need the ``ADMIN`` scope).

    Reached as ``connection.users``.
    """

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._path = f"{API}/users"

    def create(self, username: str, password: str, email: str,
               role: Optional[str] = None) -> dict[str, Any]:
        """Create a user; ``role`` is ``"USER"`` (server default) or ``"ADMIN"``."""
        body: dict[str, Any] = {"username": username, "password": password, "email": email}
        if role is not None:
            body["role"] = role
        return self._http.post(self._path, body)

    def list(self, page_size: Optional[int] = None) -> list[dict[str, Any]]:
        """All users, across every page."""
        return list(self._http.paginate(self._path, page_size=page_size))

    def get(self, username: str) -> dict[str, Any]:
        """One user."""
        return self._http.get(f"{self._path}/{seg(username)}")

    def update(self, username: str, **fields: Any) -> dict[str, Any]:
        """Change ``status``, ``role`` and/or ``email``; ``status="ACTIVE"`` approves a
        pending user or unlocks a locked one. Returns the updated user."""
        if not fields:
            raise ValueError("update() needs at least one of status, role, email")
        return self._http.patch(f"{self._path}/{seg(username)}", fields)

    def __repr__(self) -> str:
        return "UserApi()"
