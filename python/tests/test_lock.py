import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from h5swmr import lock
from h5swmr.errors import ConfigError, LeaseLostError, LockError, LockTimeoutError
from h5swmr.lock import EXCLUSIVE, SHARED, Keys, LockService

HERE = os.path.dirname(os.path.abspath(__file__))


def svc(server, prefix, **kw):
    kw.setdefault("lease_ttl", 2.0)
    kw.setdefault("acquire_timeout", 5.0)
    return LockService(server.url, key_prefix=prefix, **kw)


def test_keys_match_java_layout():
    k = Keys("h5swmr:", "/data/a.h5")
    import hashlib
    tag = hashlib.sha256(b"/data/a.h5").hexdigest()[:32]
    assert k.tag == tag
    assert k.all[0] == "h5swmr:{%s}:readers" % tag
    assert [x.rsplit(":", 1)[1] for x in k.all] == ["readers", "writer", "waiters", "wwaiters", "wexp", "info",
                                                    "token", "seq", "epoch"]


def test_shared_leases_coexist_exclusive_waits(redis_server, prefix):
    with svc(redis_server, prefix) as s:
        a = s.acquire_shared("r")
        b = s.acquire_shared("r")
        assert a.token == 0 and a.is_valid() and b.is_valid()
        with pytest.raises(LockTimeoutError) as e:
            s.acquire_exclusive("r", timeout=0.3)
        msg = str(e.value)
        assert "SHARED" in msg and a.id in msg and b.id in msg and "'r'" in msg and str(os.getpid()) in msg
        a.close()
        b.close()
        w = s.acquire_exclusive("r", timeout=1)
        assert w.token > 0
        with pytest.raises(LockTimeoutError):
            s.acquire_shared("r", timeout=0.2)
        assert s.is_exclusive_holder("r", w.token)
        w.close()
        assert not s.is_exclusive_holder("r", w.token)


def test_tokens_increase(redis_server, prefix):
    with svc(redis_server, prefix) as s:
        tokens = []
        for _ in range(5):
            with s.acquire_exclusive("t") as l:
                tokens.append(l.token)
        assert tokens == sorted(tokens) and len(set(tokens)) == 5


def test_writer_preference(redis_server, prefix):
    """Once a writer waits, a new reader queues behind it even though only readers hold."""
    with svc(redis_server, prefix) as s:
        r1 = s.acquire_shared("p")
        order = []
        got_writer = threading.Event()

        def writer():
            with s.acquire_exclusive("p", timeout=5):
                order.append("W")
                got_writer.set()
                time.sleep(0.2)

        t = threading.Thread(target=writer)
        t.start()
        deadline = time.monotonic() + 3
        while not s.state("p")["waiters"] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert s.state("p")["waiters"][0]["mode"] == "EXCLUSIVE"
        with pytest.raises(LockTimeoutError):
            s.acquire_shared("p", timeout=0.3)  # the writer waits: new readers must not pass it
        r1.close()
        with s.acquire_shared("p", timeout=5):
            order.append("R")
        t.join()
        assert order == ["W", "R"]


def test_waiting_reader_wakes_promptly(redis_server, prefix):
    with svc(redis_server, prefix) as s:
        w = s.acquire_exclusive("q")
        threading.Timer(0.3, w.close).start()
        t0 = time.monotonic()
        with s.acquire_shared("q", timeout=5):
            waited = time.monotonic() - t0
        assert 0.25 < waited < 2.0


def test_renewal_keeps_lease_past_ttl(redis_server, prefix):
    with svc(redis_server, prefix, lease_ttl=0.6) as s:
        l = s.acquire_exclusive("k")
        time.sleep(1.5)
        assert l.is_valid() and s.is_exclusive_holder("k", l.token)
        l.close()


def test_force_release_detected_as_lost(redis_server, prefix):
    with svc(redis_server, prefix, lease_ttl=0.9) as s:
        l = s.acquire_exclusive("f")
        reasons = []
        l.on_lost(reasons.append)
        assert s.force_release("f", l.id)
        deadline = time.monotonic() + 3
        while l.is_valid() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not l.is_valid() and reasons and "no longer in Redis" in reasons[0]
        with pytest.raises(LeaseLostError, match="no longer in Redis"):
            l.check_valid()
        assert s.leases_lost == 1
        l.close()


CHILD = r"""
import sys, time
sys.path.insert(0, %r)
from h5swmr.lock import LockService
s = LockService(%r, key_prefix=%r, lease_ttl=1.0)
l = s.acquire(%r, %r)
print(l.token, flush=True)
time.sleep(60)
"""


def _child(server, prefix, mode):
    code = CHILD % (os.path.dirname(HERE), server.url, prefix, "res", mode)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    return p


def test_kill9_holder_heals_within_ttl(redis_server, prefix):
    for mode in (SHARED, EXCLUSIVE):
        p = _child(redis_server, prefix, mode)
        with svc(redis_server, prefix) as s:
            with pytest.raises(LockTimeoutError, match="pid %d" % p.pid):
                s.acquire_exclusive("res", timeout=0.2)
            p.send_signal(signal.SIGKILL)
            p.wait()
            t0 = time.monotonic()
            with s.acquire_exclusive("res", timeout=5):
                assert time.monotonic() - t0 < 1.5


def test_paused_holder_sees_itself_invalid(redis_server, prefix):
    """SIGSTOP past the TTL: another writer gets in; the stopped one's lease is invalid locally when it resumes."""
    code = r"""
import sys, time, os, signal
sys.path.insert(0, %r)
from h5swmr.lock import LockService
s = LockService(%r, key_prefix=%r, lease_ttl=1.0)
l = s.acquire('z', 'X')
print('held', flush=True)
sys.stdin.readline()
print('valid' if l.is_valid() else 'invalid', flush=True)
""" % (os.path.dirname(HERE), redis_server.url, prefix)
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    p.send_signal(signal.SIGSTOP)
    with svc(redis_server, prefix) as s:
        l = s.acquire_exclusive("z", timeout=5)
        p.send_signal(signal.SIGCONT)
        p.stdin.write("\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "invalid"
        l.close()
    p.wait()


def test_redis_restart_hold_back_then_grant(fresh_redis, prefix):
    with LockService(fresh_redis.url, key_prefix=prefix, lease_ttl=1.0) as s:
        assert s.declare_fresh_server()
        l = s.acquire_exclusive("h", timeout=1)
        fresh_redis.restart()  # state lost: the old holder must see its lease lost before anyone else gets in
        t0 = time.monotonic()
        l2 = s.acquire_exclusive("h", timeout=10)
        waited = time.monotonic() - t0
        assert not l.is_valid()
        assert waited >= 0.9, waited  # held back for about TTL + 1 s of uptime
        assert l2.token > l.token
        l2.close()


def test_timeout_mentions_hold_back(fresh_redis, prefix, caplog):
    with LockService(fresh_redis.url, key_prefix=prefix, lease_ttl=3.0) as s:
        with caplog.at_level("INFO", logger="h5swmr.lock"):
            with pytest.raises(LockTimeoutError, match="restarted recently.*holds no lock state.*declare_fresh"):
                s.acquire_shared("x", timeout=0.3)
            with pytest.raises(LockTimeoutError):
                s.acquire_shared("y", timeout=0.3)
        notices = [r for r in caplog.records if "Logged once" in r.getMessage()]
        assert len(notices) == 1 and "'x'" in notices[0].getMessage()


def test_restart_from_fsync_always_aof_needs_no_hold_back(tmp_path, prefix):
    from conftest import RedisServer, REDIS_SERVER
    if REDIS_SERVER is None:
        pytest.skip("SKIPPED: no redis-server")
    server = RedisServer(str(tmp_path), extra=["--appendonly", "yes", "--appendfsync", "always"])
    try:
        with LockService(server.url, key_prefix=prefix, lease_ttl=3.0) as s:
            s.declare_fresh_server()
            held = s.acquire_exclusive("kept", timeout=1)
            server.restart()  # kill -9; the AOF reloads every acknowledged grant
            t0 = time.monotonic()
            with s.acquire_exclusive("other", timeout=5):
                assert time.monotonic() - t0 < 1.5  # no hold-back: nothing can have been lost
            with pytest.raises(LockTimeoutError, match="EXCLUSIVE %s" % held.id):
                s.acquire_shared("kept", timeout=0.3)  # the lease from before the restart still excludes
            held.close()
    finally:
        server.kill()


def test_password_never_printed(tmp_path, prefix):
    from conftest import RedisServer, REDIS_SERVER
    if REDIS_SERVER is None:
        pytest.skip("SKIPPED: no redis-server")
    server = RedisServer(str(tmp_path), password="s3cr3tpw")
    try:
        bad = "redis://:wrongpass99@127.0.0.1:%d" % server.port
        with pytest.raises(LockError) as e:
            with LockService(bad, key_prefix=prefix) as s:
                s.ping()
        assert "wrongpass99" not in str(e.value) and "***" in str(e.value) and "127.0.0.1:%d" % server.port in str(
            e.value)
        good = LockService(server.url, key_prefix=prefix)
        assert "s3cr3tpw" not in repr(good)
        good.ping()
        good.close()
    finally:
        server.kill()


def test_unreachable_redis_names_host(prefix):
    from conftest import free_port
    port = free_port()
    with pytest.raises(LockError, match="127.0.0.1:%d" % port):
        with LockService("redis://u:pw@127.0.0.1:%d" % port, key_prefix=prefix, connect_timeout=1) as s:
            s.acquire_shared("x", timeout=0)


@pytest.mark.parametrize("kw,fragment", [
    (dict(redis_url="http://x:1"), "unknown scheme"),
    (dict(redis_url="redis://nohostport"), "not host:port"),
    (dict(key_prefix="a{b"), "key_prefix"),
    (dict(lease_ttl=0.1), "lease_ttl"),
    (dict(acquire_timeout=-1), "acquire_timeout"),
    (dict(connect_timeout="x"), "connect_timeout"),
])
def test_bad_settings_name_the_setting(kw, fragment):
    with pytest.raises(ConfigError, match=fragment):
        LockService(**kw)


def test_resource_for_file_resolves_symlinks(tmp_path):
    real = tmp_path / "real.h5"
    real.write_bytes(b"")
    link = tmp_path / "link.h5"
    link.symlink_to(real)
    assert lock.resource_for_file(str(link)) == os.path.realpath(str(real))
    assert lock.resource_for_file(str(tmp_path / "sub" / ".." / "new.h5")) == os.path.join(
        os.path.realpath(str(tmp_path)), "new.h5")


@pytest.mark.parametrize("url,kind,hosts,db,user,master,redacted", [
    ("redis://h:1", "redis", [("h", 1)], 0, None, None, "redis://h:1"),
    ("rediss://u:p%40ss@h:6380/3", "rediss", [("h", 6380)], 3, "u", None, "rediss://u:***@h:6380/3"),
    ("redis://secret@h:1", "redis", [("h", 1)], 0, None, None, "redis://***@h:1"),
    ("redis-sentinel://:pw@a:26379,b:26380/mymaster/2", "redis-sentinel", [("a", 26379), ("b", 26380)], 2, None,
     "mymaster", "redis-sentinel://:***@a:26379,b:26380/mymaster/2"),
    ("redis-cluster://a:7000,b:7001", "redis-cluster", [("a", 7000), ("b", 7001)], 0, None, None,
     "redis-cluster://a:7000,b:7001"),
])
def test_url_forms_of_the_java_connector(url, kind, hosts, db, user, master, redacted):
    from h5swmr._endpoint import Endpoint
    e = Endpoint(url)
    assert (e.kind, e.hosts, e.db, e.user, e.master, e.redacted()) == (kind, hosts, db, user, master, redacted)
    if e.password:
        assert e.password not in e.redacted() and e.password not in e.redact("boom " + url)


@pytest.mark.parametrize("url,fragment", [
    ("redis://a:1,b:2", "several hosts"),
    ("redis-sentinel://a:1", "names no master"),
    ("redis://h:1/x", "bad database"),
    ("redis://h:99999", "not host:port"),
])
def test_bad_urls_name_the_problem_without_the_password(url, fragment):
    from h5swmr._endpoint import Endpoint
    with pytest.raises(ConfigError, match=fragment):
        Endpoint(url)
    with pytest.raises(ConfigError) as e:
        Endpoint(url.replace("://", "://u:topsecret@"))
    assert "topsecret" not in str(e.value)
