"""Project certificates: the member's own certificate and bundle, service
(job) certificates, rotation and revocation, and trusting the platform CA.

    conn = hops.login("https://hops.example.org:8181", username="alice", password="...",
                      verify="/path/to/root-ca.pem")
    b = conn.projects.get("demo").certificates.bundle("p12-password", out_dir="creds")
    # creds/key.pem, cert.pem, chain.pem, bundle.p12; then, with files instead of secrets:
    job = hops.login("https://hops.example.org:8181", cert=("creds/cert.pem", "creds/key.pem"),
                     verify="/path/to/root-ca.pem")
"""
from __future__ import annotations

import base64
import hashlib
import os
import ssl
import warnings
from typing import Any, Optional

import requests

from ._http import API, HttpClient, normalize_host, seg


def fingerprint(pem: str) -> str:
    """SHA-256 fingerprint of a PEM certificate, as ``openssl x509 -fingerprint -sha256`` prints it."""
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def trust_platform_ca(host: str, expected_fingerprint: str, path: str) -> str:
    """Fetch the platform CA from ``host`` (``GET /pki/ca.pem``, the one call made
    without verifying the server), check it against ``expected_fingerprint``
    (hopsd prints it at start) and save it to ``path``. Returns ``path``, to pass
    as ``verify=`` to :func:`hops.login`. Raises ``ValueError`` on a mismatch."""
    url = normalize_host(host) + "/pki/ca.pem"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unverified on purpose: nothing is trusted yet; checked below
        pem = requests.get(url, verify=False, timeout=30).text
    got = fingerprint(pem)
    if got.replace(":", "").upper() != expected_fingerprint.replace(":", "").upper():
        raise ValueError(f"the platform CA at {url} has fingerprint {got}, not {expected_fingerprint}")
    with open(path, "w") as f:
        f.write(pem)
    return path


def _save(bundle: dict[str, Any], out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)

    def write(name: str, data: bytes, secret: bool) -> None:
        p = os.path.join(out_dir, name)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if secret:
            os.chmod(p, 0o600)

    write("key.pem", bundle["key_pem"].encode(), True)
    write("cert.pem", bundle["certificate_pem"].encode(), False)
    write("chain.pem", bundle["chain_pem"].encode(), False)
    if bundle.get("pkcs12_base64"):
        write("bundle.p12", base64.b64decode(bundle["pkcs12_base64"]), True)


class CertificateApi:
    """``project.certificates``: the caller's certificates in one project.

    Certificates are dicts as the server returns them: ``serial``, ``kind``
    (``member`` or ``service``), ``subject``, ``fingerprint_sha256``,
    ``not_after``, ``status`` (``ACTIVE``, ``REVOKED``, ``EXPIRED``),
    ``certificate_pem`` and, for bundles, ``key_pem``, ``chain_pem`` and
    ``pkcs12_base64``.
    """

    def __init__(self, http: HttpClient, project: str) -> None:
        self._http = http
        self._path = f"{API}/projects/{seg(project)}/certificates"

    def list(self, include_revoked: bool = False) -> list[dict[str, Any]]:
        """All of the project's certificates for a Data Owner, the caller's own otherwise."""
        return self._http.get(self._path, include_revoked="true" if include_revoked else None)["items"]

    def mine(self) -> dict[str, Any]:
        """The caller's active member certificate."""
        return self._http.get(self._path + "/me")

    def bundle(self, password: str, out_dir: Optional[str] = None) -> dict[str, Any]:
        """The member bundle (key, certificate, chain, PKCS#12 protected by
        ``password``); written to ``out_dir`` as key.pem, cert.pem, chain.pem and
        bundle.p12 when given (keys 0600)."""
        b = self._http.post(self._path + "/me/bundle", {"password": password})
        if out_dir:
            _save(b, out_dir)
        return b

    def rotate(self) -> dict[str, Any]:
        """Revoke the caller's member certificate and issue a new one."""
        return self._http.post(self._path + "/me/rotate")

    def service(self, hours: Optional[int] = None, purpose: Optional[str] = None,
                username: Optional[str] = None, out_dir: Optional[str] = None) -> dict[str, Any]:
        """A short-lived certificate for a job or service (for ``username``: Data Owners only).
        The key is returned once; written to ``out_dir`` when given."""
        body = {k: v for k, v in {"hours": hours, "purpose": purpose, "username": username}.items() if v is not None}
        b = self._http.request("POST", self._path + "/service", json=body)
        if out_dir:
            _save(b, out_dir)
        return b

    def renew(self, serial: str, hours: Optional[int] = None, out_dir: Optional[str] = None) -> dict[str, Any]:
        """A new key and certificate for an active, unexpired service certificate."""
        b = self._http.request("POST", f"{self._path}/{seg(serial)}/renew",
                               json={"hours": hours} if hours is not None else {})
        if out_dir:
            _save(b, out_dir)
        return b

    def revoke(self, serial: str, reason: Optional[str] = None) -> None:
        """Revoke a certificate (``reason``: key_compromise, superseded, affiliation_changed,
        cessation_of_operation)."""
        self._http.request("DELETE", f"{self._path}/{seg(serial)}", params={"reason": reason})
