"""Exceptions raised by the Hops SDK.

Every non-2xx answer from hopsd becomes a :class:`HopsError` (or one of its
subclasses), built from the server's error body::

    {"error": {"code": "NOT_FOUND", "message": "...", "request_id": "..."}}

The subclass is chosen from the error ``code`` first and the HTTP status
second, so callers can write ``except hops.NotFound:``.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional


class HopsError(Exception):
    """An error answer from hopsd (or a response the SDK could not understand).

    Attributes:
        status: HTTP status code (0 when there was no HTTP answer).
        code: the server's error code, e.g. ``"NOT_FOUND"``.
        message: the server's human-readable message.
        request_id: the request id (matches ``X-Request-Id`` and the audit log).
        method, url: the request that failed, when known.
        headers: the response headers (empty when there was no HTTP answer).
        body: the decoded response body, when it was JSON.
    """

    def __init__(self, message: str, *, status: int = 0, code: str = "UNKNOWN",
                 request_id: Optional[str] = None, method: Optional[str] = None,
                 url: Optional[str] = None, body: Any = None,
                 headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}

    def __str__(self) -> str:
        parts = []
        if self.status:
            parts.append(str(self.status))
        parts.append(self.code)
        text = " ".join(parts) + ": " + self.message
        if self.request_id:
            text += f" (request_id={self.request_id})"
        return text

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
                f"message={self.message!r}, request_id={self.request_id!r})")


class BadRequest(HopsError):
    """400: malformed JSON, wrong field types, missing/unknown fields, bad query parameters."""


class Unauthenticated(HopsError):
    """401: no, expired, revoked or unknown credentials; wrong password."""


class PermissionDenied(HopsError):
    """403: authenticated but not allowed (role, API-key scope, locked account)."""


class NotFound(HopsError):
    """404: no such route or resource (also a project you are not a member of)."""


class MethodNotAllowed(HopsError):
    """405: the path exists but not with this method."""


class Conflict(HopsError):
    """409: state conflict. Base class of :class:`AlreadyExists` and :class:`QuotaExceeded`."""


class AlreadyExists(Conflict):
    """409 ``ALREADY_EXISTS``: a resource with that name exists."""


class QuotaExceeded(Conflict):
    """409 ``QUOTA_EXCEEDED``: a limit was reached (e.g. projects per user)."""


class PayloadTooLarge(HopsError):
    """413: request body over the server's ``max_body_bytes``."""


class UnsupportedMediaType(HopsError):
    """415: the body was not ``application/json``."""


class RangeNotSatisfiable(HopsError):
    """416 ``RANGE_NOT_SATISFIABLE``: a download range starts at or past the end of the file."""


class InvalidArgument(HopsError):
    """422: well-formed but invalid value (name rules, role, password policy)."""


class TooManyRequests(HopsError):
    """429: rate limited. ``retry_after`` holds the ``Retry-After`` seconds, if sent."""

    retry_after: Optional[float] = None


class HeadersTooLarge(HopsError):
    """431: request headers over the server's ``max_header_bytes``."""


class Unavailable(HopsError):
    """503: the store is unavailable or the server is shutting down."""


class InsufficientStorage(HopsError):
    """507 ``INSUFFICIENT_STORAGE``: the server's disk is full (not a quota: see
    :class:`QuotaExceeded`)."""


_BY_CODE: dict[str, type[HopsError]] = {
    "BAD_REQUEST": BadRequest,
    "UNAUTHENTICATED": Unauthenticated,
    "PERMISSION_DENIED": PermissionDenied,
    "NOT_FOUND": NotFound,
    "METHOD_NOT_ALLOWED": MethodNotAllowed,
    "ALREADY_EXISTS": AlreadyExists,
    "CONFLICT": Conflict,
    "QUOTA_EXCEEDED": QuotaExceeded,
    "PAYLOAD_TOO_LARGE": PayloadTooLarge,
    "UNSUPPORTED_MEDIA_TYPE": UnsupportedMediaType,
    "RANGE_NOT_SATISFIABLE": RangeNotSatisfiable,
    "INVALID_ARGUMENT": InvalidArgument,
    "TOO_MANY_REQUESTS": TooManyRequests,
    "HEADERS_TOO_LARGE": HeadersTooLarge,
    "UNAVAILABLE": Unavailable,
    "INSUFFICIENT_STORAGE": InsufficientStorage,
}

_BY_STATUS: dict[int, type[HopsError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    416: RangeNotSatisfiable,
    422: InvalidArgument,
    429: TooManyRequests,
    431: HeadersTooLarge,
    503: Unavailable,
    507: InsufficientStorage,
}

_DEFAULT_CODE = {status: code for code, cls in _BY_CODE.items()
                 for status, scls in _BY_STATUS.items() if cls is scls}


def error_class(status: int, code: Optional[str]) -> type[HopsError]:
    """Pick the exception class for an HTTP status and server error code."""
    if code and code in _BY_CODE:
        return _BY_CODE[code]
    return _BY_STATUS.get(status, HopsError)


def error_from_response(status: int, body: Any, *, text: str = "",
                        headers: Optional[Mapping[str, str]] = None,
                        method: Optional[str] = None, url: Optional[str] = None) -> HopsError:
    """Build the exception for an error answer.

    ``body`` is the decoded JSON body (or ``None`` when it was not JSON);
    ``text`` is the raw body, used as the message when there is no error object.
    """
    headers = headers or {}
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        code = str(err.get("code") or _DEFAULT_CODE.get(status, "UNKNOWN"))
        message = str(err.get("message") or "")
        request_id = err.get("request_id")
    else:
        code = _DEFAULT_CODE.get(status, "UNKNOWN")
        message = ""
        request_id = None
    if not message:
        message = (text or "").strip()[:500] or f"HTTP {status}"
    if not request_id:
        request_id = _header(headers, "X-Request-Id")
    cls = error_class(status, code)
    exc = cls(message, status=status, code=code, request_id=request_id,
              method=method, url=url, body=body, headers=headers)
    if isinstance(exc, TooManyRequests):
        retry = _header(headers, "Retry-After")
        try:
            exc.retry_after = float(retry) if retry is not None else None
        except ValueError:
            exc.retry_after = None
    return exc


def _header(headers: Any, name: str) -> Optional[str]:
    # requests' CaseInsensitiveDict handles case; plain dicts may not.
    value = headers.get(name)
    if value is None:
        lname = name.lower()
        for key, val in headers.items():
            if key.lower() == lname:
                return val
    return value
