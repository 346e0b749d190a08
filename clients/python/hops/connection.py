"""Logging in to hopsd and the :class:`Connection` object.

``hops.login()`` authenticates (password -> session token, or API key) and
returns a :class:`Connection`, the entry point to every other API:
``conn.projects``, ``conn.api_keys``, ``conn.users``.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from ._http import API, DEFAULT_TIMEOUT, HttpClient, normalize_host
from .projects import ProjectApi
from .users import ApiKeyApi, UserApi


class Connection:
    """An authenticated connection to one hopsd.

    Attributes:
        host: the base URL, e.g. ``"http://127.0.0.1:8181"``.
        auth_type: ``"session"`` (password login), ``"api_key"`` or ``"certificate"`` (mutual TLS).
        user: the user object the server returned at login.
        expires_at: when the session token expires (``None`` for API keys).
        projects, api_keys, users: the resource APIs.
    """

    def __init__(self, http: HttpClient, *, auth_type: str, user: Optional[dict[str, Any]] = None,
                 expires_at: Optional[str] = None) -> None:
        self._http = http
        self.host = http.base_url
        self.auth_type = auth_type
        self.user = user
        self.expires_at = expires_at
        self.projects = ProjectApi(http)
        self.api_keys = ApiKeyApi(http)
        self.users = UserApi(http)
        self._logged_out = False

    # -- identity -----------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        """The authenticated user: ``{"username", "email", "role", "status", "created_at"}``."""
        me = self._http.get(f"{API}/users/me")
        self.user = me
        return me

    @property
    def username(self) -> Optional[str]:
        return (self.user or {}).get("username")

    def change_password(self, current_password: str, new_password: str) -> None:
        """Change the caller's password (needs a session token)."""
        self._http.put(f"{API}/users/me/password",
                       {"current_password": current_password, "new_password": new_password})

    def logout(self) -> None:
        """End the session: the server revokes the session token.

        For an API-key connection nothing is revoked server-side (revoke the
        key with ``api_keys.revoke``); the local HTTP session is just closed.
        """
        if self.auth_type == "session" and not self._logged_out:
            self._http.post(f"{API}/auth/logout")
            self._logged_out = True
        self._http.close()

    # -- escape hatch ---------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None,
                params: Optional[dict[str, Any]] = None) -> Any:
        """Call any route with this connection's credentials, e.g.
        ``conn.request("GET", "/api/v1/admin/audit", params={"action": "project.create"})``.
        Returns the decoded JSON (``None`` for 204); raises :class:`hops.HopsError`."""
        return self._http.request(method, path, json=json, params=params)

    def health(self) -> dict[str, Any]:
        """``GET /healthz``."""
        return self._http.get("/healthz")

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    def __repr__(self) -> str:
        return f"Connection(host={self.host!r}, user={self.username!r}, auth={self.auth_type!r})"


def login(host: Optional[str] = None, api_key: Optional[str] = None,
          username: Optional[str] = None, password: Optional[str] = None,
          verify: bool | str | None = None, timeout: float = DEFAULT_TIMEOUT,
          cert: Optional[tuple[str, str]] = None) -> Connection:
    """Connect to hopsd and authenticate.

    Args:
        host: base URL; ``"127.0.0.1:8181"`` means ``http://127.0.0.1:8181``.
            Defaults to ``$HOPS_HOST``, then ``http://127.0.0.1:8181``.
        api_key: an API key (``hops_<prefix>.<secret>``), sent as
            ``Authorization: ApiKey <key>``. Defaults to ``$HOPS_API_KEY`` when
            no username is given.
        username, password: log in with a password (``POST /api/v1/auth/login``);
            the session token is sent as ``Authorization: Bearer <token>``.
        verify: TLS verification, as in ``requests``: the platform CA's file
            (see :func:`hops.trust_platform_ca`), ``True`` for the system store.
            Defaults to ``$HOPS_CA_FILE``, then ``True``.
        timeout: seconds per request.
        cert: ``(certificate file, key file)`` of a project-member or service
            certificate: mutual TLS, no other credential. The connection then
            acts inside that certificate's project only.

    The credential is checked at once: a wrong password or a bad key raises
    :class:`hops.Unauthenticated`.
    """
    if username is not None and api_key is not None:
        raise ValueError("give either api_key or username/password, not both")
    if username is None and password is not None:
        raise ValueError("password given without username")
    if username is not None and password is None:
        raise ValueError("username given without password")
    if verify is None:
        verify = os.environ.get("HOPS_CA_FILE") or True
    if cert is not None:
        if username is not None or api_key is not None:
            raise ValueError("give either cert or another credential, not both")
        http = HttpClient(normalize_host(host), verify=verify, timeout=timeout, cert=tuple(cert))
        conn = Connection(http, auth_type="certificate")
        try:
            conn.whoami()
        except BaseException:
            http.close()
            raise
        return conn
    if username is None and api_key is None:
        api_key = os.environ.get("HOPS_API_KEY") or None
        if api_key is None:
            raise ValueError("no credentials: pass api_key=..., username=/password=, "
                             "or set HOPS_API_KEY")

    http = HttpClient(normalize_host(host), verify=verify, timeout=timeout)
    try:
        if username is not None:
            answer = http.post(f"{API}/auth/login", {"username": username, "password": password})
            http.set_authorization("Bearer " + answer["token"])
            return Connection(http, auth_type="session", user=answer.get("user"),
                              expires_at=answer.get("expires_at"))
        http.set_authorization("ApiKey " + str(api_key).strip())
        conn = Connection(http, auth_type="api_key")
        conn.whoami()
        return conn
    except BaseException:
        http.close()
        raise
