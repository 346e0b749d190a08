"""Fixtures for API integration tests: real hopsd processes on ephemeral ports."""
import pathlib
import sys
import uuid

import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from tests.support.hopsd import Hopsd  # noqa: E402


class Api:
    """A thin client bound to one server and one credential."""

    def __init__(self, url, auth=None):
        self.url = url
        self.s = requests.Session()
        if auth:
            self.s.headers["Authorization"] = auth

    def __getattr__(self, method):
        def call(path, **kw):
            return self.s.request(method.upper(), self.url + path, **kw)
        return call


@pytest.fixture(scope="module")
def server():
    srv = Hopsd(args=["--store-sync", "normal", "--max-projects-per-user", "50"]).start()
    yield srv
    srv.cleanup()


@pytest.fixture(scope="module")
def admin(server):
    return Api(server.url, "Bearer " + server.login())


def unique(prefix="p"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def make_user(server, admin_api, name=None, password="password-123"):
    name = name or unique("u")
    r = admin_api.post("/api/v1/users", json={"username": name, "password": password, "email": f"{name}@example.org"})
    assert r.status_code == 201, r.text
    return name, Api(server.url, "Bearer " + server.login(name, password))


@pytest.fixture
def user_factory(server, admin):
    return lambda name=None, password="password-123": make_user(server, admin, name, password)
