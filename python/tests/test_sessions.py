"""Files outside with blocks (h5pySWMR's style), same-thread leases, hidden bookkeeping, the h5py surface."""
import os
import subprocess
import sys
import threading
import time

import h5py
import numpy as np
import pytest

import h5swmr
from h5swmr.errors import DataError, LockError
from helpers import PKG_ROOT


@pytest.fixture
def kw(redis_server, prefix):
    return dict(redis_url=redis_server.url, lock_ttl=2, key_prefix=prefix, timeout=5)


def _run(tmp_path, redis_server, body):
    """``body`` as a script of its own, with the package importable and $H5SWMR_REDIS_URL naming our server."""
    env = dict(os.environ, H5SWMR_REDIS_URL=redis_server.url, PYTHONPATH=PKG_ROOT)
    return subprocess.run([sys.executable, "-c", body], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=120)


SEED_README = """\
import numpy as np
from h5swmr import File

f = File('test.h5', 'w')
# create a dataset containing a 500x700 random array
f.create_dataset(name='/mygroup/mydataset', data=np.random.random((500, 700)))
# read data back into memory
data = f['/mygroup/mydataset'][:]
# no need to explicitely close the file (files are opened/closed when accessed)
"""


def test_seed_readme_example_verbatim_keeps_its_data(tmp_path, redis_server):
    out = _run(tmp_path, redis_server, SEED_README + "np.save('data.npy', data)\n")
    assert out.returncode == 0 and out.stderr == "", out.stderr
    with h5py.File(str(tmp_path / "test.h5"), "r") as f:
        stored = f["/mygroup/mydataset"][:]
    assert stored.shape == (500, 700)
    np.testing.assert_array_equal(stored, np.load(str(tmp_path / "data.npy")))


def test_unused_write_mode_file_is_created_at_exit(tmp_path, redis_server):
    out = _run(tmp_path, redis_server, "import h5swmr\nf = h5swmr.File('empty.h5', 'w')\n"
                                             "print(__import__('os').path.exists('empty.h5'))\n")
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr  # not before the first call...
    with h5py.File(str(tmp_path / "empty.h5"), "r") as f:  # ...but at exit
        assert list(f.keys()) == []


def test_failure_at_exit_is_printed_not_silent(tmp_path, redis_server):
    body = ("import h5swmr\nf = h5swmr.File('never.h5', 'w', redis_url='redis://127.0.0.1:1', connect_timeout=0.5,"
            " timeout=0.5)\n")
    out = _run(tmp_path, redis_server, body)
    assert "never.h5" in out.stderr and "could not be created at exit" in out.stderr and "127.0.0.1:1" in out.stderr


def test_open_reader_outside_a_block_does_not_block_other_processes(tmp_path, kw):
    p = str(tmp_path / "r.h5")
    h5swmr.append(p, "/x", np.arange(4.0), **kw)
    f = h5swmr.File(p, "r", **kw)
    assert f["x"].shape == (4,)
    code = ("import sys, numpy as np; sys.path.insert(0, %r); import h5swmr\n"
            "print(h5swmr.append(sys.argv[1], '/x', np.arange(2.0), redis_url=%r, key_prefix=%r, timeout=3))"
            % (PKG_ROOT, kw["redis_url"], kw["key_prefix"]))
    out = subprocess.run([sys.executable, "-c", code, p], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "6", out.stderr
    assert f["x"].shape == (6,)  # the still-open File sees the new commit at its next call


def test_same_thread_write_then_read_fails_at_once_naming_the_holder(tmp_path, kw):
    p = str(tmp_path / "s.h5")
    h5swmr.append(p, "/x", np.arange(4.0), **kw)
    slow = dict(kw, timeout=60)
    with h5swmr.File(p, "a", **slow) as w:
        w.append("/x", np.arange(1.0))
        t0 = time.monotonic()
        with pytest.raises(LockError, match=r"already holds its EXCLUSIVE lease.*h5swmr.File\('%s', 'a'\)" % p):
            with h5swmr.File(p, "r", **slow):
                pass
        with pytest.raises(LockError, match="already holds"):
            h5swmr.File(p, "r", **slow)["x"][:]
        assert time.monotonic() - t0 < 5
    with h5swmr.File(p, "r", **kw) as r:  # nothing left held
        assert r["x"].shape == (5,)
    with h5swmr.File(p, "r", **slow) as r:
        with pytest.raises(LockError, match="already holds its SHARED lease"):
            with h5swmr.File(p, "a", **slow):
                pass


def test_nested_readers_in_one_thread_pass_a_waiting_writer(tmp_path, kw):
    """Writer preference would queue a second shared lease behind a waiting writer that waits for the first:
    the thread's second reader reuses its lease instead of deadlocking."""
    p = str(tmp_path / "n.h5")
    h5swmr.append(p, "/x", np.arange(4.0), **kw)
    slow = dict(kw, timeout=30)
    done = []
    with h5swmr.File(p, "r", **slow) as r1:
        t = threading.Thread(target=lambda: done.append(h5swmr.append(p, "/x", np.arange(1.0), **slow)))
        t.start()
        svc = h5swmr.lock_service(kw["redis_url"], kw["key_prefix"], 2, 30)
        deadline = time.monotonic() + 10
        while not svc.state(r1.lock_key)["waiters"] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert svc.state(r1.lock_key)["waiters"], "the writer thread never queued"
        t0 = time.monotonic()
        with h5swmr.File(p, "r", **slow) as r2:
            assert r2["x"].shape == (4,)
        assert time.monotonic() - t0 < 5
        assert not done
    t.join(30)
    assert done == [5]


def test_bookkeeping_attributes_are_hidden_from_listings(tmp_path, kw):
    p = str(tmp_path / "a.h5")
    with h5swmr.File(p, "w", **kw) as f:
        ds = f.create_dataset("d", data=np.arange(3))
        ds.attrs["unit"] = "K"
        f.attrs["site"] = 1
    with h5swmr.File(p, "r", **kw) as f:
        a = f["d"].attrs
        assert a.keys() == ["unit"] and list(a) == ["unit"] and len(a) == 1
        assert [k for k, _ in a.items()] == ["unit"] and a.values() == ["K"]
        assert h5swmr.ATTR_FENCE not in a and "unit" in a
        assert a[h5swmr.ATTR_GENERATION] == 1 and a.get(h5swmr.ATTR_ROWS) == 3  # still readable by name
        assert f.attrs.keys() == ["site"]
    with h5py.File(p, "r") as raw:  # on disk, where the Java connector reads them, unchanged
        assert set(raw["d"].attrs) == {"unit", h5swmr.ATTR_FENCE, h5swmr.ATTR_ROWS, h5swmr.ATTR_GENERATION,
                                       h5swmr.ATTR_CREATED}
    before = open(p, "rb").read()
    with pytest.raises(DataError, match="h5swmr.fence_token.*bookkeeping"):
        with h5swmr.File(p, "a", **kw) as f:
            f["d"].attrs[h5swmr.ATTR_FENCE] = 0
    assert open(p, "rb").read() == before


def test_everyday_h5py_surface(tmp_path, kw):
    p = str(tmp_path / "h.h5")
    with h5swmr.File(p, "w", **kw) as f:
        f["a"] = np.arange(10, dtype="f8")
        g = f.require_group("g")
        assert f.require_group("g") == g
        g.create_dataset("z", data=np.arange(100).reshape(10, 10), chunks=(5, 5), compression="gzip",
                         compression_opts=4, fillvalue=7)
        rd = f.require_dataset("g/r", shape=(3,), dtype="i4")
        assert f.require_dataset("g/r", shape=(3,), dtype="i4") == rd
        f["s"] = np.array([b"ab", b"cd"])
        f["tmp"] = [1, 2]
        del f["tmp"]
    with h5swmr.File(p, "r", **kw) as f:
        assert isinstance(f, h5py.File) and isinstance(f, h5py.Group) and isinstance(f["g"], h5py.Group)
        assert isinstance(f["a"], h5py.Dataset) and not isinstance(f["g"], h5py.Dataset)
        assert f.keys() == ["a", "g", "s"] and "tmp" not in f
        assert [k for k, _ in f.items()] == ["a", "g", "s"] and [v.name for v in f.values()] == ["/a", "/g", "/s"]
        assert f.get("nope") is None and f.get("a").name == "/a" and f.get("g", getclass=True) is h5swmr.Group
        seen = []
        f.visititems(lambda n, o: seen.append((n, isinstance(o, h5py.Dataset))))
        assert seen == [("a", True), ("g", False), ("g/r", True), ("g/z", True), ("s", True)]
        names = []
        f["g"].visit(names.append)
        assert names == ["r", "z"]
        z = f["g/z"]
        assert z.compression == "gzip" and z.compression_opts == 4 and z.fillvalue == 7 and z.chunks == (5, 5)
        assert len(z) == z.len() == 10 and len(list(z)) == 10
        np.testing.assert_array_equal(z.astype("f4")[1], np.arange(10, 20, dtype="f4"))
        assert z.astype("f4")[1].dtype == np.float32
        chunks = list(z.iter_chunks())
        assert len(chunks) == 4 and sum(z[c].size for c in chunks) == 100
        assert f["s"].asstr()[:].tolist() == ["ab", "cd"]
        assert f["g/r"][:].tolist() == [0, 0, 0] and f["g/z"].parent == f["g"]
    with h5swmr.File(p, "a", **kw) as f:
        with pytest.raises(TypeError, match="Incompatible"):
            f.require_group("a")


def test_objects_outside_a_block_reopen_per_call(tmp_path, kw):
    p = str(tmp_path / "o.h5")
    f = h5swmr.File(p, "w", **kw)
    ds = f.create_dataset("x", data=np.zeros(4), maxshape=(None,))
    ds[1] = 5.0
    ds.resize((6,))
    ds.attrs["k"] = 1
    assert f.lease is None
    assert ds.shape == (6,) and ds[:].tolist() == [0, 5, 0, 0, 0, 0] and ds.attrs.keys() == ["k"]
    f.close()
    with pytest.raises(h5swmr.H5SwmrError, match="closed"):
        ds[0]


def test_redis_conn_setting_and_decorators(tmp_path, redis_server, prefix, monkeypatch):
    import pickle
    import redis
    import h5swmr.locking
    monkeypatch.delenv("H5SWMR_REDIS_URL", raising=False)
    monkeypatch.setattr(h5swmr, "redis_conn", redis.Redis(host="127.0.0.1", port=redis_server.port, db=0))
    p = str(tmp_path / "c.h5")
    f = h5swmr.File(p, "w", key_prefix=prefix, lock_ttl=2, timeout=5)
    assert f._svc().endpoint.hosts == [("127.0.0.1", redis_server.port)]
    ds = f.create_dataset("x", data=np.arange(3))
    assert pickle.loads(pickle.dumps(ds))[:].tolist() == [0, 1, 2]  # picklable for multiprocessing workers

    class Res:
        def __init__(self):
            self.file = p
            self.log = []

        @h5swmr.locking.reader
        def read(self):
            self.log.append(h5swmr.lock_service().state(resource_for(p))["holders"][0]["mode"])
            return self.read_again()

        @h5swmr.locking.reader
        def read_again(self):  # a reader inside a reader reuses the lease
            return len(h5swmr.lock_service().state(resource_for(p))["holders"])

        @h5swmr.locking.writer
        def write(self):
            self.log.append(h5swmr.lock_service().state(resource_for(p))["holders"][0]["mode"])
            self.read()  # a reader inside a writer fails at once

    from h5swmr.lock import resource_for_file as resource_for
    r = Res()
    assert r.read() == 1 and r.log == ["SHARED"]
    with pytest.raises(LockError, match=r"already holds its EXCLUSIVE lease.*@writer Res.write"):
        r.write()
    assert r.log == ["SHARED", "EXCLUSIVE"]
    assert h5swmr.lock_service().state(resource_for(p))["holders"] == []
