"""Fixtures of the stratadb binding's tests: a fresh database directory per test.

The package under test is the one assembled in the build tree: CTest runs
pytest with PYTHONPATH=<build>/python (tests/CMakeLists.txt).
"""

import os

import pytest

import stratadb


@pytest.fixture
def db_path(tmp_path):
    """A path for a database that does not exist yet."""
    return os.path.join(str(tmp_path), "db")


@pytest.fixture
def db(db_path):
    """An open, empty database, closed after the test."""
    database = stratadb.DB(db_path)
    yield database
    database.close()
