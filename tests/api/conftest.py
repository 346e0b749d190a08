"""Fixtures for API integration tests: real hopsd processes on ephemeral ports."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from tests.support.api import Api, make_user  # noqa: E402
from tests.support.hopsd import running  # noqa: E402


@pytest.fixture(scope="module")
def server():
    with running(args=["--store-sync", "normal", "--max-projects-per-user", "50"]) as srv:
        yield srv


@pytest.fixture(scope="module")
def admin(server):
    return Api(server.url, "Bearer " + server.login())


@pytest.fixture
def user_factory(server, admin):
    return lambda name=None, password="password-123": make_user(server, admin, name, password)
