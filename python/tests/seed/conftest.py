"""h5pySWMR's own test suite, rewritten from its published behaviour, run against h5swmr with only the import
changed. h5pySWMR used the Redis on localhost:6379; here every test points the package at the suite's private
server through $H5SWMR_REDIS_URL (and the decorators' lease TTL is short, so killed holders free their leases
quickly)."""
import os

import pytest


@pytest.fixture(autouse=True)
def seed_redis(redis_server, monkeypatch, tmp_path):
    import h5swmr.locking
    monkeypatch.setenv("H5SWMR_REDIS_URL", redis_server.url)
    monkeypatch.setattr(h5swmr.locking, "lock_ttl", 2.0)
    monkeypatch.setattr(h5swmr.locking, "timeout", 60.0)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the seed's tests write into tempfile.gettempdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield redis_server
