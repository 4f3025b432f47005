"""kill -9 of a Python writer at every commit step: readers see the old or the new state, the next writer recovers
automatically; a paused (SIGSTOP) writer past its TTL is fenced."""
import os
import subprocess
import signal
import threading
import time

import h5py
import numpy as np
import pytest

import h5swmr
from helpers import start_writer, wait_line

TTL = 0.6
STEPS_OLD = ["locked", "written", "data-synced"]
STEPS_NEW = ["journal-synced", "committed", "applied-partly", "applied"]
TRIALS = 20 if os.environ.get("H5SWMR_LONG") else 1


def _state(path, kw):
    """(rows of /d, distinct values of /d, rows of /grp/e, attr last) read through h5swmr."""
    with h5swmr.File(path, "r", **kw) as f:
        d, e = f["/d"][:], f["/grp/e"][:]
        return len(d), sorted(set(d.tolist())), len(e), f.attrs["last"]


@pytest.mark.parametrize("step", STEPS_OLD + STEPS_NEW)
def test_kill9_at_each_commit_step(tmp_path, redis_server, prefix, step):
    kw = dict(redis_url=redis_server.url, lock_ttl=TTL, key_prefix=prefix, timeout=10)
    for trial in range(TRIALS):
        path = str(tmp_path / ("t%d.h5" % trial))
        base = start_writer(redis_server.url, path, 1.0, 300, TTL, prefix)
        wait_line(base, "COMMITTED")
        base.wait()
        old = _state(path, kw)
        p = start_writer(redis_server.url, path, 2.0, 500 + trial, TTL, prefix, pause=step)
        wait_line(p, "H5SWMR-PAUSE " + step)
        p.send_signal(signal.SIGKILL)
        p.wait()
        new = (800 + trial, [1.0, 2.0], 800 + trial, 2.0)
        seen = _state(path, kw)  # reader: waits out the dead writer's lease, never recovers
        assert seen == (old if step in STEPS_OLD else new), (step, seen)
        # the next writer recovers and commits
        h5swmr.append(path, "/d", np.full(7, 3.0), **kw)
        with h5swmr.File(path, "r", **kw) as f:
            d = f["/d"][:]
        assert len(d) == seen[0] + 7 and (d[-7:] == 3.0).all() and (d[:300] == 1.0).all()
        assert not [n for n in os.listdir(str(tmp_path)) if "journal" in n or "commit-" in n]
        with h5py.File(path, "r") as f:  # plain h5py opens the recovered file
            assert f["d"].shape == (seen[0] + 7,) and f["grp/e"].shape == (seen[2], 2)


def test_kill9_while_creating_a_file_leaves_no_file(tmp_path, redis_server, prefix):
    kw = dict(redis_url=redis_server.url, lock_ttl=TTL, key_prefix=prefix, timeout=10)
    path = str(tmp_path / "new.h5")
    p = start_writer(redis_server.url, path, 2.0, 50, TTL, prefix, pause="data-synced")
    wait_line(p, "H5SWMR-PAUSE data-synced")
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not os.path.exists(path)
    h5swmr.append(path, "/d", np.ones(3), **kw)
    assert sorted(os.listdir(str(tmp_path))) == [".new.h5.h5swmr-lock", "new.h5"]


@pytest.mark.parametrize("step,zombie_commits", [("data-synced", False), ("committed", True)])
def test_paused_writer_is_fenced(tmp_path, redis_server, prefix, step, zombie_commits):
    """SIGSTOP the writer past its TTL at a step; a second writer gets the lease and waits for the zombie's fcntl
    lock; SIGCONT: before the commit point the zombie is refused (fenced), after it its commit completes; the second
    writer's rows land after, nothing is lost or torn."""
    kw = dict(redis_url=redis_server.url, lock_ttl=TTL, key_prefix=prefix, timeout=20)
    path = str(tmp_path / "z.h5")
    h5swmr.append(path, "/d", np.ones(10), **kw)
    h5swmr.append(path, "/grp/e", np.ones((10, 2)), **kw)
    z = start_writer(redis_server.url, path, 2.0, 20, TTL, prefix, pause=step)
    wait_line(z, "H5SWMR-PAUSE " + step)
    z.send_signal(signal.SIGSTOP)
    time.sleep(TTL + 0.3)
    done = threading.Event()
    err = []

    def second():
        try:
            h5swmr.append(path, "/d", np.full(5, 3.0), **kw)
        except Exception as e:  # pragma: no cover - reported below
            err.append(e)
        done.set()

    t = threading.Thread(target=second)
    t.start()
    assert not done.wait(1.0), "second writer must wait for the zombie's fcntl lock"
    z.send_signal(signal.SIGCONT)
    z.stdin.write("\n")
    z.stdin.flush()
    out, errtext = z.communicate(timeout=20)
    t.join(20)
    assert not err, err
    with h5swmr.File(path, "r", **kw) as f:
        d = f["/d"][:].tolist()
    if zombie_commits:
        assert "COMMITTED" in out and d == [1.0] * 10 + [2.0] * 20 + [3.0] * 5
    else:
        assert z.returncode != 0 and ("FencedError" in errtext or "LeaseLostError" in errtext), errtext
        assert d == [1.0] * 10 + [3.0] * 5


def _killed_at(redis_server, prefix, path, step, value=2.0, rows=500):
    p = start_writer(redis_server.url, path, value, rows, TTL, prefix, pause=step)
    wait_line(p, "H5SWMR-PAUSE " + step)
    p.send_signal(signal.SIGKILL)
    p.wait()


def _assert_refused(path, kw, before):
    """The next writer and a reader are refused with an error naming the journal and the file; both are kept."""
    from h5swmr._journal import JournalStateError, sidecar
    journal = sidecar(os.path.realpath(path), "journal")
    kept = open(journal, "rb").read()
    with pytest.raises(JournalStateError) as e:
        h5swmr.append(path, "/d", np.full(7, 3.0), **kw)
    assert journal in str(e.value) and os.path.realpath(path) in str(e.value)
    with pytest.raises(JournalStateError) as e:
        with h5swmr.File(path, "r", **kw) as f:  # a File opens the file at the latest when it is read
            f["/d"][...]
    assert journal in str(e.value)
    assert open(path, "rb").read() == before and open(journal, "rb").read() == kept
    return journal


@pytest.mark.parametrize("how", ["h5py-regenerated", "cp-restored"])
def test_stale_committed_journal_is_not_applied_to_another_file(tmp_path, redis_server, prefix, how):
    """Writer killed after the commit point; the user regenerates the file with h5py, or restores a backup with
    cp (same inode): the journal must not be replayed onto it nor read through."""
    kw = dict(redis_url=redis_server.url, lock_ttl=TTL, key_prefix=prefix, timeout=10)
    path = str(tmp_path / "s.h5")
    base = start_writer(redis_server.url, path, 1.0, 300, TTL, prefix)
    wait_line(base, "COMMITTED")
    base.wait()
    backup = str(tmp_path / "backup.h5")
    subprocess.check_call(["cp", path, backup])
    h5swmr.append(path, "/d", np.full(5, 4.0), **kw)  # the backup is now one commit old
    _killed_at(redis_server, prefix, path, "committed")
    if how == "h5py-regenerated":
        os.unlink(path)
        with h5py.File(path, "w") as f:
            f.create_dataset("d", data=np.full(300, -1.0), maxshape=(None,), chunks=(64,))
            f.create_dataset("grp/e", data=np.zeros((300, 2)), maxshape=(None, 2), chunks=(64, 2))
            f.attrs["last"] = -1.0
    else:
        subprocess.check_call(["cp", backup, path])
    journal = _assert_refused(path, kw, open(path, "rb").read())
    os.unlink(journal)  # what the error message tells the user to do when the file is meant to be as it is
    h5swmr.append(path, "/d", np.full(7, 3.0), **kw)
    with h5py.File(path, "r") as f:
        d = f["d"][:]
    assert len(d) == 307 and (d[-7:] == 3.0).all() and (d[:300] == (-1.0 if how == "h5py-regenerated" else 1.0)).all()


@pytest.mark.parametrize("where", [20, 64 + 30, -60, -10])
def test_journal_damaged_after_apply_never_cuts_the_file(tmp_path, redis_server, prefix, where):
    """Writer killed after applying its commit (before deleting the journal); one journal byte is then damaged:
    the next writer must not cut the file back to the old end of file (it refuses, or drops a journal whose header
    is unreadable), and the file keeps the applied commit for h5py and h5swmr."""
    from h5swmr._journal import JournalStateError, sidecar
    kw = dict(redis_url=redis_server.url, lock_ttl=TTL, key_prefix=prefix, timeout=10)
    path = str(tmp_path / "a.h5")
    base = start_writer(redis_server.url, path, 1.0, 300, TTL, prefix)
    wait_line(base, "COMMITTED")
    base.wait()
    _killed_at(redis_server, prefix, path, "applied")
    journal = sidecar(os.path.realpath(path), "journal")
    b = bytearray(open(journal, "rb").read())
    b[where] ^= 0x5A
    open(journal, "wb").write(bytes(b))
    applied = open(path, "rb").read()
    try:
        h5swmr.append(path, "/d", np.full(7, 3.0), **kw)
        refused = False
    except JournalStateError as e:
        assert journal in str(e.value if hasattr(e, "value") else e) and "damaged" in str(e)
        assert open(path, "rb").read() == applied and open(journal, "rb").read() == bytes(b)
        refused = True
    assert refused == (where != 20)  # a damaged header says nothing: that journal is dropped, the file kept
    if refused:
        os.unlink(journal)
    with h5py.File(path, "r") as f:
        d = f["d"][:]
    assert len(d) == (800 if refused else 807) and (d[300:800] == 2.0).all()
