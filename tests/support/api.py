"""Small REST helpers shared by the API tests."""
import uuid

import requests

from tests.support.hopsd import remember


class Api:
    """A thin client bound to one server and one credential."""

    def __init__(self, url, auth=None, verify=True, cert=None):
        self.url = url
        self.s = requests.Session()
        self.s.verify = verify  # the platform CA's file for an HTTPS server
        self.s.cert = cert      # (certificate file, key file) for mutual TLS
        # REQUESTS_CA_BUNDLE in the environment would override a session's verify.
        self.s.trust_env = verify is True
        if auth:
            self.s.headers["Authorization"] = auth

    def __getattr__(self, method):
        def call(path, **kw):
            remember_secrets(kw.get("json"))
            r = self.s.request(method.upper(), self.url + path, **kw)
            if r.headers.get("Content-Type", "").startswith("application/json"):
                try:
                    remember_secrets(r.json())
                except ValueError:
                    pass
            return r
        return call


def remember_secrets(body):
    """Notes the secrets a request or answer carries (see tests.support.hopsd.SECRETS)."""
    if isinstance(body, dict):
        for k in ("password", "current_password", "new_password", "token", "key", "key_pem", "pkcs12_base64"):
            remember(body.get(k))


def unique(prefix="p"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def make_user(server, admin_api, name=None, password="password-123"):
    name = name or unique("u")
    r = admin_api.post("/api/v1/users", json={"username": name, "password": password, "email": f"{name}@example.org"})
    assert r.status_code == 201, r.text
    return name, Api(server.url, "Bearer " + server.login(name, password))
