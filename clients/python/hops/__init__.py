"""Hops Python SDK: a thin client for the hopsd REST API (``/api/v1``).

    import hops
    conn = hops.login("127.0.0.1:8181", username="alice", password="...")
    project = conn.projects.create("demo", description="first project")
    project.members.add("bob")
    project.datasets.write("Resources/hello.txt", "hi")

See ``clients/python/README.md`` and ``docs/api.md``.
"""
from .certificates import CertificateApi, fingerprint, trust_platform_ca
from .connection import Connection, login
from .datasets import (EDITABLE, READ_ONLY, DatasetApi, DatasetReader, DatasetWriter,
                       FileInfo)
from .errors import (AlreadyExists, BadRequest, Conflict, HeadersTooLarge, HopsError,
                     InsufficientStorage, InvalidArgument, MethodNotAllowed, NotFound,
                     PayloadTooLarge, PermissionDenied, QuotaExceeded, RangeNotSatisfiable,
                     TooManyRequests, Unauthenticated, Unavailable, UnsupportedMediaType)
from .projects import DATA_OWNER, DATA_SCIENTIST, MemberApi, Project, ProjectApi
from .users import SCOPES, ApiKeyApi, UserApi

__version__ = "0.1.0"

__all__ = [
    "login", "Connection", "CertificateApi", "trust_platform_ca", "fingerprint", "Project", "ProjectApi", "MemberApi", "ApiKeyApi", "UserApi",
    "DatasetApi", "FileInfo", "DatasetReader", "DatasetWriter",
    "DATA_OWNER", "DATA_SCIENTIST", "SCOPES", "READ_ONLY", "EDITABLE",
    "HopsError", "BadRequest", "Unauthenticated", "PermissionDenied", "NotFound",
    "MethodNotAllowed", "Conflict", "AlreadyExists", "QuotaExceeded", "PayloadTooLarge",
    "UnsupportedMediaType", "RangeNotSatisfiable", "InvalidArgument", "TooManyRequests",
    "HeadersTooLarge", "Unavailable", "InsufficientStorage", "__version__",
]
