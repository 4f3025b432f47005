"""Test harness: real redis-server processes on free loopback ports (never the machine's Redis on 6379)."""
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)
if PKG_ROOT not in sys.path:
    sys.path.insert(0, PKG_ROOT)

REDIS_SERVER = shutil.which("redis-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server child process; kill()/restart() keep the port."""

    def __init__(self, tmpdir, password=None, extra=()):
        self.extra = list(extra)
        self.port = free_port()
        self.password = password
        self.dir = tmpdir
        self.proc = None
        self.start()

    @property
    def url(self):
        return "redis://%s127.0.0.1:%d" % (":%s@" % self.password if self.password else "", self.port)

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir] + self.extra
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("redis-server exited with %s" % self.proc.returncode)
                time.sleep(0.02)
        raise RuntimeError("redis-server did not listen on %d" % self.port)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self):
        self.kill()
        self.start()


def _need_redis():
    if REDIS_SERVER is None:
        pytest.skip("SKIPPED: no redis-server on PATH (apt-get install redis-server)")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    _need_redis()
    server = RedisServer(str(tmp_path_factory.mktemp("redis")))
    from h5swmr.lock import LockService
    with LockService(server.url) as s:
        s.declare_fresh_server()
    yield server
    server.kill()


@pytest.fixture
def fresh_redis(tmp_path):
    """A private server for tests that kill or restart it."""
    _need_redis()
    server = RedisServer(str(tmp_path))
    yield server
    server.kill()


@pytest.fixture
def prefix():
    return "t%s:" % uuid.uuid4().hex[:8]
