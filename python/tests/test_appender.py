"""h5swmr.Appender: a persistent append session (lease, write fence and h5py file kept open between appends, one
journaled commit per append) - read back exactly, readers of other processes get in between appends, a lost lease
fails the next append and keeps the last commit, kill -9 mid-session leaves a recoverable file."""
import os
import signal
import subprocess
import threading
import time

import h5py
import numpy as np
import pytest

import h5swmr
from h5swmr.errors import FencedError, LeaseLostError
from helpers import PKG_ROOT, PY, wait_line

TTL = 0.6

APPENDER = r"""
import os, sys, numpy as np
sys.path.insert(0, %(root)r)
import h5swmr
url, path, prefix, ttl, blocks, step = sys.argv[1:7]
with h5swmr.Appender(path, '/d', redis_url=url, key_prefix=prefix, lock_ttl=float(ttl), idle_release=3600) as app:
    for i in range(int(blocks)):
        app.append(np.full(100, float(i)))
    print('APPENDED', flush=True)
    if step != '-':
        os.environ['H5SWMR_TEST_COMMIT_PAUSE'] = step  # the next commit stops at this step
        app.append(np.full(100, -1.0))
    else:
        sys.stdin.readline()  # the test pauses us, lets the lease expire, continues us and sends a line
        try:
            app.append(np.full(100, -1.0))
            print('COMMITTED', flush=True)
        except Exception as e:
            print('FAILED', type(e).__name__, e, flush=True)
"""


def _kw(redis_server, prefix, **extra):
    kw = dict(redis_url=redis_server.url, key_prefix=prefix, lock_ttl=TTL, timeout=20)
    kw.update(extra)
    return kw


def _start(redis_server, prefix, path, blocks, step="-"):
    env = dict(os.environ)
    env.pop("H5SWMR_TEST_COMMIT_PAUSE", None)
    return subprocess.Popen([PY, "-c", APPENDER % {"root": PKG_ROOT}, redis_server.url, path, prefix, str(TTL),
                             str(blocks), step], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_many_appends_in_one_session_read_back_exactly(tmp_path, redis_server, prefix):
    path = str(tmp_path / "s.h5")
    kw = _kw(redis_server, prefix)
    expected = []
    with h5swmr.Appender(path, "/grp/d", **kw) as app:
        for i in range(300):
            block = np.arange(i % 7 + 1, dtype="f8") + 1000 * i
            expected.append(block)
            assert app.append(block) == sum(len(b) for b in expected)
            assert app.holds_lease
        assert np.array_equal(app.read(), np.concatenate(expected))
        assert app.commits == 300
    assert not app.holds_lease
    want = np.concatenate(expected)
    assert np.array_equal(h5swmr.read(path, "/grp/d", **kw), want)
    with h5py.File(path, "r") as f:  # plain h5py sees the same file, with the commit attributes of 300 commits
        d = f["grp/d"]
        assert np.array_equal(d[:], want)
        assert d.attrs[h5swmr.ATTR_ROWS] == len(want) and d.attrs[h5swmr.ATTR_GENERATION] == 300
    assert sorted(os.listdir(str(tmp_path))) == [".s.h5.h5swmr-lock", "s.h5"]
    # a later session continues the same dataset; 2-D blocks and a new dataset work alike
    with h5swmr.Appender(path, "/grp/d", **kw) as app:
        assert app.append(np.ones(5)) == len(want) + 5
    with h5swmr.Appender(path, "/m", **kw) as app:
        for i in range(20):
            app.append(np.full((3, 2), i, dtype="i4"))
    with h5py.File(path, "r") as f:
        assert f["m"].shape == (60, 2) and f["m"].dtype == np.int32 and f["m"][-1, 0] == 19
        assert f["grp/d"].shape == (len(want) + 5,)


def test_bad_block_fails_that_append_only(tmp_path, redis_server, prefix):
    path = str(tmp_path / "b.h5")
    with h5swmr.Appender(path, "/d", **_kw(redis_server, prefix)) as app:
        app.append(np.ones((4, 2)))
        with pytest.raises(h5swmr.DataError, match="shape"):
            app.append(np.ones((4, 3)))
        assert app.append(np.full((1, 2), 2.0)) == 5
    assert h5swmr.read(path, "/d", **_kw(redis_server, prefix)).tolist() == [[1.0, 1.0]] * 4 + [[2.0, 2.0]]


def test_threads_appending_together_are_group_committed(tmp_path, redis_server, prefix):
    path = str(tmp_path / "g.h5")
    kw = _kw(redis_server, prefix)
    with h5swmr.Appender(path, "/d", **kw) as app:
        app.append(np.zeros(0))
        barrier = threading.Barrier(4)

        def work(t):
            barrier.wait()
            for i in range(50):
                app.append(np.full(10, t * 1000 + i, dtype="f8"))

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        commits = app.commits
    d = h5swmr.read(path, "/d", **kw)
    assert len(d) == 2000
    blocks = d.reshape(200, 10)
    assert (blocks == blocks[:, :1]).all()  # every block whole
    assert sorted(blocks[:, 0].tolist()) == sorted(t * 1000 + i for t in range(4) for i in range(50))
    for t in range(4):  # each thread's blocks in its order
        mine = [v for v in blocks[:, 0] if v // 1000 == t]
        assert mine == sorted(mine)
    assert commits <= 201  # 200 blocks (+ the empty first append); fewer when blocks queued up together


READER = r"""
import sys
sys.path.insert(0, %(root)r)
import h5swmr
url, path, prefix = sys.argv[1:4]
print('READ', len(h5swmr.read(path, '/d', redis_url=url, key_prefix=prefix, timeout=60)), flush=True)
"""


def _reader(redis_server, prefix, path):
    return subprocess.Popen([PY, "-c", READER % {"root": PKG_ROOT}, redis_server.url, path, prefix],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_reader_in_another_process_gets_in_between_appends(tmp_path, redis_server, prefix):
    path = str(tmp_path / "r.h5")
    kw = _kw(redis_server, prefix, idle_release=3600)
    with h5swmr.Appender(path, "/d", **kw) as app:
        n = app.append(np.ones(10))
        r = _reader(redis_server, prefix, path)
        while r.poll() is None and n < 10 * 200000:  # the appender keeps appending; the reader must get in
            n = app.append(np.ones(10))
        out, err = r.communicate(timeout=60)
        assert r.returncode == 0, err
        seen = int(out.split()[1])
        assert 10 <= seen <= n and seen % 10 == 0  # a committed state
        assert app.yields >= 1
        assert app.append(np.ones(10)) == n + 10  # and the appender goes on after it


def test_idle_appender_hands_the_file_to_a_waiting_reader(tmp_path, redis_server, prefix):
    path = str(tmp_path / "i.h5")
    kw = _kw(redis_server, prefix, idle_release=3600)
    with h5swmr.Appender(path, "/d", **kw) as app:
        app.append(np.ones(7))
        assert app.holds_lease
        r = _reader(redis_server, prefix, path)
        out, err = r.communicate(timeout=60)  # no append comes: the appender's watcher sees the waiter and yields
        assert r.returncode == 0 and out.split() == ["READ", "7"], err
        assert not app.holds_lease and app.yields == 1
        assert app.append(np.ones(3)) == 10 and app.holds_lease


def test_same_thread_file_fails_at_once_naming_the_appender(tmp_path, redis_server, prefix):
    path = str(tmp_path / "t.h5")
    kw = _kw(redis_server, prefix, idle_release=3600)
    with h5swmr.Appender(path, "/d", **kw) as app:
        app.append(np.ones(2))
        with pytest.raises(h5swmr.LockError, match="Appender"):
            h5swmr.File(path, "r", redis_url=redis_server.url, key_prefix=prefix).__enter__()
        app.release()
        assert h5swmr.read(path, "/d", redis_url=redis_server.url, key_prefix=prefix).tolist() == [1.0, 1.0]


def test_lost_lease_fails_the_next_append_and_keeps_the_last_commit(tmp_path, redis_server, prefix):
    path = str(tmp_path / "l.h5")
    kw = _kw(redis_server, prefix)
    with h5swmr.Appender(path, "/d", idle_release=3600, **kw) as app:
        for i in range(5):
            app.append(np.full(10, float(i)))
        lease = app._session.lease
        svc = h5swmr.lock_service(redis_server.url, key_prefix=prefix, lock_ttl=TTL, timeout=20)
        assert svc.force_release(app._file.lock_key, lease.id)  # as Redis losing it, or an operator
        with pytest.raises((FencedError, LeaseLostError), match="no longer"):
            app.append(np.full(10, 99.0))
        assert not app.holds_lease
        last = h5swmr.read(path, "/d", **kw)
        assert last.tolist() == [float(i) for i in range(5) for _ in range(10)]
        with h5py.File(path, "r") as f:
            assert f["d"].shape == (50,) and f["d"].attrs[h5swmr.ATTR_GENERATION] == 5
        assert not [n for n in os.listdir(str(tmp_path)) if "journal" in n or "commit-" in n]
        assert app.append(np.full(10, 5.0)) == 60  # the next append takes a new lease
    assert h5swmr.read(path, "/d", **kw)[-10:].tolist() == [5.0] * 10


def test_paused_appender_past_its_ttl_fails_its_next_append(tmp_path, redis_server, prefix):
    """SIGSTOP an idle appender past its TTL: another writer gets the lease and waits for the appender's write
    fence; SIGCONT: the appender sees its lease lost, frees the fence, the other writer commits, and the appender's
    next append fails with LeaseLostError, committing nothing."""
    path = str(tmp_path / "p.h5")
    kw = _kw(redis_server, prefix)
    z = _start(redis_server, prefix, path, 3)
    wait_line(z, "APPENDED")
    z.send_signal(signal.SIGSTOP)
    time.sleep(TTL + 0.3)  # not synchronisation: lets the stopped appender's lease expire in Redis
    done = []
    t = threading.Thread(target=lambda: done.append(h5swmr.append(path, "/d", np.full(5, 7.0), **kw)))
    t.start()
    z.send_signal(signal.SIGCONT)
    t.join(30)
    assert done == [305]
    z.stdin.write("\n")
    z.stdin.flush()
    out, err = z.communicate(timeout=30)
    assert "FAILED LeaseLostError" in out and "not committed" in out, (out, err)
    d = h5swmr.read(path, "/d", **kw)
    assert d.tolist() == [float(i) for i in range(3) for _ in range(100)] + [7.0] * 5


STEPS_OLD = ["written", "data-synced"]
STEPS_NEW = ["journal-synced", "committed", "applied-partly", "applied"]


@pytest.mark.parametrize("step", STEPS_OLD + STEPS_NEW)
def test_kill9_mid_session_leaves_a_recoverable_file(tmp_path, redis_server, prefix, step):
    path = str(tmp_path / "k.h5")
    kw = _kw(redis_server, prefix, timeout=10)
    p = _start(redis_server, prefix, path, 20, step)
    wait_line(p, "APPENDED")
    wait_line(p, "H5SWMR-PAUSE " + step)  # inside the 21st commit of the session
    p.send_signal(signal.SIGKILL)
    p.wait()
    old = [float(i) for i in range(20) for _ in range(100)]
    seen = h5swmr.read(path, "/d", **kw).tolist()  # a reader waits out the dead appender's lease
    assert seen == (old if step in STEPS_OLD else old + [-1.0] * 100), step
    with h5swmr.Appender(path, "/d", **kw) as app:  # the next appender recovers and goes on
        assert app.append(np.full(10, 3.0)) == len(seen) + 10
    assert h5swmr.read(path, "/d", **kw).tolist() == seen + [3.0] * 10
    assert not [n for n in os.listdir(str(tmp_path)) if "journal" in n or "commit-" in n]
    with h5py.File(path, "r") as f:
        assert f["d"].shape == (len(seen) + 10,)


def test_queued_appends_commit_in_groups_and_complete_their_futures(tmp_path, redis_server, prefix):
    path = str(tmp_path / "q.h5")
    kw = _kw(redis_server, prefix)
    with h5swmr.Appender(path, "/d", **kw) as app:
        futures = [app.append(np.full(3, float(i)), wait=False) for i in range(300)]
        app.flush()
        assert all(f.done() for f in futures)
        assert [f.result() for f in futures] == [3 * (i + 1) for i in range(300)]
        assert 1 <= app.commits <= 300
        bad = app.append(np.ones((2, 2)), wait=False)  # wrong row shape: its commit fails, nothing is written
        with pytest.raises(h5swmr.DataError):
            app.flush()
        assert isinstance(bad.exception(), h5swmr.DataError)
        app.append(np.full(3, -1.0), wait=False)  # close() commits what is still queued
    d = h5swmr.read(path, "/d", **kw)
    assert d.tolist() == [float(i) for i in range(300) for _ in range(3)] + [-1.0] * 3


QUEUED_AT_EXIT = r"""
import sys, numpy as np
sys.path.insert(0, %(root)r)
import h5swmr
app = h5swmr.Appender(sys.argv[2], '/d', redis_url=sys.argv[1], key_prefix=sys.argv[3])
for i in range(50):
    app.append(np.full(2, float(i)), wait=False)
"""


def test_blocks_queued_at_exit_are_committed(tmp_path, redis_server, prefix):
    path = str(tmp_path / "x.h5")
    subprocess.run([PY, "-c", QUEUED_AT_EXIT % {"root": PKG_ROOT}, redis_server.url, path, prefix], check=True,
                   timeout=60)
    assert h5swmr.read(path, "/d", **_kw(redis_server, prefix)).tolist() == [float(i) for i in range(50)
                                                                             for _ in range(2)]


def test_holder_and_waiters_counts_queued_leases_and_survives_a_script_flush(redis_server, prefix):
    from h5swmr.lock import LockService
    with LockService(redis_server.url, key_prefix=prefix, lease_ttl=TTL) as s, \
            LockService(redis_server.url, key_prefix=prefix, lease_ttl=TTL) as other:
        lease = s.acquire_exclusive("hw")
        s.client.script_flush()  # the is_holder script is not loaded: the pipeline falls back and loads it
        assert s.holder_and_waiters("hw", lease.token) == (True, 0)
        got = []
        t = threading.Thread(target=lambda: got.append(other.acquire_shared("hw", timeout=20)))
        t.start()
        deadline = time.monotonic() + 20
        while s.waiters("hw") == 0:  # the reader queues (it registers before it waits)
            assert time.monotonic() < deadline, "the shared acquisition never queued"
        assert s.holder_and_waiters("hw", lease.token) == (True, 1)
        lease.close()
        t.join(20)
        assert got and got[0].is_valid()
        assert s.holder_and_waiters("hw", lease.token) == (False, 0)
        got[0].close()


def test_kill9_of_an_idle_appender_holding_the_lease_loses_nothing(tmp_path, redis_server, prefix):
    path = str(tmp_path / "idle.h5")
    kw = _kw(redis_server, prefix)
    p = _start(redis_server, prefix, path, 4)
    wait_line(p, "APPENDED")  # between appends: lease, fence and h5py file held, nothing uncommitted
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert h5swmr.read(path, "/d", **kw).tolist() == [float(i) for i in range(4) for _ in range(100)]
    assert not [n for n in os.listdir(str(tmp_path)) if "journal" in n or "commit-" in n]
    assert h5swmr.append(path, "/d", np.ones(1), **kw) == 401
