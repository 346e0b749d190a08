"""Fixtures for the Python SDK tests: puts the SDK and the repo root on
sys.path and starts one real hopsd per test module (tests/support/hopsd.py)."""
import itertools
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
for _path in (REPO, REPO / "clients" / "python"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import hops  # noqa: E402
from tests.support import hopsd as support  # noqa: E402

USER_PASSWORD = "user-Secret-456"
_counter = itertools.count(1)


@pytest.fixture(scope="module")
def server():
    with support.running() as srv:
        yield srv


@pytest.fixture(scope="module")
def admin(server):
    """A password session for the built-in admin."""
    conn = hops.login(server.url, username="admin", password=support.ADMIN_PASSWORD)
    yield conn
    conn._http.close()


@pytest.fixture(scope="module")
def make_user(server, admin):
    """Factory: creates a fresh user (via the admin SDK) and returns a password
    Connection for it. The username is unique within the module's server."""
    def make(prefix="user", password=USER_PASSWORD, login=True):
        username = f"{prefix}{next(_counter):03d}"
        admin.users.create(username, password, f"{username}@example.com")
        if not login:
            return username
        return hops.login(server.url, username=username, password=password)
    return make


_names = itertools.count(1)


@pytest.fixture
def pname():
    """Factory for unique, valid project names."""
    return lambda prefix="proj": f"{prefix}{next(_names):03d}"
