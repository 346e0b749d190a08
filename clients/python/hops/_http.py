"""Low-level HTTP transport for the Hops SDK.

Wraps a :class:`requests.Session`: joins paths onto the base URL, sets the
``Authorization`` header, encodes JSON, turns error answers into
:class:`hops.errors.HopsError` subclasses and follows ``next_page_token``
pagination. Higher-level modules only talk to hopsd through this class.
"""
from __future__ import annotations

import os
from typing import Any, Iterator, Mapping, Optional
from urllib.parse import quote, urlsplit

import requests

from .errors import HopsError, error_from_response

DEFAULT_HOST = "http://127.0.0.1:8181"
DEFAULT_TIMEOUT = 30.0
API = "/api/v1"


def normalize_host(host: Optional[str]) -> str:
    """Return ``host`` as a base URL without a trailing slash.

    ``None`` falls back to ``$HOPS_HOST`` and then :data:`DEFAULT_HOST`; a host
    without a scheme (``"127.0.0.1:8181"``) is taken as ``http://``.
    """
    host = (host or os.environ.get("HOPS_HOST") or DEFAULT_HOST).strip()
    if "://" not in host:
        host = "http://" + host
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"invalid Hops host: {host!r}")
    return host.rstrip("/")


def seg(value: str) -> str:
    """Quote one path segment (a project name, a username, a key name)."""
    return quote(str(value), safe="")


class HttpClient:
    """A session bound to one hopsd base URL and one credential."""

    def __init__(self, base_url: str, *, verify: bool | str = True,
                 timeout: float = DEFAULT_TIMEOUT,
                 session: Optional[requests.Session] = None,
                 cert: Optional[tuple[str, str]] = None) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.verify = verify
        self.session = session or requests.Session()
        self.session.verify = verify
        self.session.cert = cert
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "hops-python-sdk"

    def set_authorization(self, value: Optional[str]) -> None:
        if value is None:
            self.session.headers.pop("Authorization", None)
        else:
            self.session.headers["Authorization"] = value

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    def request(self, method: str, path: str, *, json: Any = None,
                params: Optional[Mapping[str, Any]] = None,
                raw: bool = False, data: Any = None,
                headers: Optional[Mapping[str, str]] = None,
                stream: bool = False) -> Any:
        """Send a request and return the decoded JSON body.

        Returns ``None`` for an empty body (e.g. 204), the text for non-JSON
        bodies, and the :class:`requests.Response` itself when ``raw``.
        Raises a :class:`HopsError` subclass for every status >= 400.

        ``data`` is a raw request body (bytes, a binary file object or an
        iterator of bytes, as in ``requests``; an iterator is sent with chunked
        transfer encoding). ``headers`` are added to the session's headers.
        ``stream`` (with ``raw``) leaves the response body unread, for the
        caller to consume with ``iter_content`` and close.
        """
        url = self.url(path)
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        try:
            resp = self.session.request(method, url, json=json, data=data,
                                        params=params or None, headers=headers,
                                        timeout=self.timeout, stream=stream,
                                        # explicit, so that $REQUESTS_CA_BUNDLE cannot replace a CA file
                                        verify=self.verify)
        except requests.RequestException as exc:
            raise HopsError(f"cannot reach hopsd at {self.base_url}: {exc}",
                            code="CONNECTION_ERROR", method=method, url=url) from exc
        if resp.status_code >= 400:
            try:
                body, text = _json_or_none(resp), resp.text
            except requests.RequestException:
                body, text = None, ""
            finally:
                resp.close()
            raise error_from_response(resp.status_code, body, text=text,
                                      headers=resp.headers, method=method, url=url)
        if raw:
            return resp
        if not resp.content:
            return None
        body = _json_or_none(resp)
        return body if body is not None else resp.text

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def paginate(self, path: str, *, page_size: Optional[int] = None,
                 params: Optional[Mapping[str, Any]] = None) -> Iterator[Any]:
        """Yield every item of a list route, following ``next_page_token``.

        ``page_size`` is sent as ``limit`` (the server's page size, 1..1000).
        A route that answers a bare JSON array is yielded as-is.
        """
        query = dict(params or {})
        if page_size is not None:
            query["limit"] = page_size
        seen_tokens: set[str] = set()
        while True:
            body = self.request("GET", path, params=query)
            if isinstance(body, list):
                yield from body
                return
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise HopsError(f"unexpected list answer from GET {path}: {body!r:.200}",
                                code="BAD_RESPONSE", method="GET", url=self.url(path),
                                body=body)
            yield from body["items"]
            token = body.get("next_page_token")
            if not token:
                return
            if token in seen_tokens:
                raise HopsError(f"server repeated page token {token!r} for GET {path}",
                                code="BAD_RESPONSE", method="GET", url=self.url(path))
            seen_tokens.add(token)
            query["page_token"] = token

    def close(self) -> None:
        self.session.close()


def _json_or_none(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None
