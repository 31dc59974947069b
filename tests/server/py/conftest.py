# pytest fixtures for the server tests (tests/server/py/test_*.py): which server
# runs comes from tests/server/harness.py ($STRATA_SERVER_BIN, default the
# redis-server on PATH), so every test runs unchanged against strata-server and
# against redis-server, the reference it is proven on.
#
# Marker `strata_only`: behaviour only strata-server has (INFO's engine
# section, SELECT of a database other than 0 refused, loopback as the default
# bind): skipped against redis-server.
#
# Fixtures: `server` is one server per test module (fast); `r` a redis-py
# client on it with the database flushed first; `make_server(args, ...)` starts
# servers of a test's own configuration, stopped when the test ends;
# `needs_collections` skips a test, saying why, while the server does not
# know LPUSH (the collection commands come with issue 13).
# Thread-safety: fixtures are per test; tests that start threads join them.

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "strata_only: strata-server behaviour, skipped on redis")


def pytest_report_header(config):
    return "server: %s (%s)" % (harness.server_bin(), harness.flavor())


def pytest_collection_modifyitems(config, items):
    if harness.is_strata():
        return
    skip = pytest.mark.skip(reason="strata-server only (the server is redis-server)")
    for item in items:
        if "strata_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def server():
    s = harness.Server()
    s.start()
    yield s
    s.cleanup()


@pytest.fixture
def r(server):
    if not server.alive():
        pytest.fail("the module's server died:\n" + server.log()[-3000:])
    client = server.client(decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def make_server():
    started = []

    def make(args=(), **kwargs):
        s = harness.Server(args, **kwargs)
        started.append(s)
        return s.start()

    yield make
    for s in started:
        s.cleanup()


@pytest.fixture
def needs_collections(server):
    if not server.knows("LPUSH"):
        pytest.skip("the server has no LPUSH: collections come with issue 13")
