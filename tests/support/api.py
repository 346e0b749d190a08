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


class WriteLoad:
    """Threads that upload small files into `project` until stopped, each
    write tried on the servers in turn (a failover client); records every
    status and the acknowledged files, for fault tests that then check that
    nothing acknowledged was lost."""

    def __init__(self, servers, tokens, project, workers=3, size=lambda i: 0):
        import threading
        self.servers, self.tokens, self.project, self.size = servers, tokens, project, size
        self.acked, self.statuses = {}, []
        self.lock, self.stop_event = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(w,)) for w in range(workers)]
        for t in self.threads:
            t.start()

    def _run(self, wid):
        import os
        order = self.servers[wid % len(self.servers):] + self.servers[:wid % len(self.servers)]
        i = 0
        while not self.stop_event.is_set():
            name = f"w{wid}-{i}.bin"
            body = name.encode() + os.urandom(self.size(i))
            for srv in order:
                try:
                    r = requests.put(f"{srv.url}/api/v1/projects/{self.project}/datasets/Resources/{name}",
                                     data=body, headers={"Authorization": "Bearer " + self.tokens[srv]}, timeout=30)
                except requests.RequestException:
                    continue
                with self.lock:
                    self.statuses.append(r.status_code)
                    if r.status_code == 201:
                        self.acked[name] = body
                if r.status_code == 201:
                    break
            i += 1

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join()
        return self

    def check(self, api):
        """Every acknowledged file reads back with its bytes through `api`."""
        for name, body in self.acked.items():
            r = api.get(f"/api/v1/projects/{self.project}/datasets/Resources/{name}?action=download")
            assert r.status_code == 200 and r.content == body, name
