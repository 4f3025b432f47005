import os

import h5py
import numpy as np
import pytest

import h5swmr
from h5swmr.errors import ConfigError, DataError, H5SwmrError, LockTimeoutError


@pytest.fixture
def kw(redis_server, prefix):
    return dict(redis_url=redis_server.url, lock_ttl=2, key_prefix=prefix, timeout=5)


def test_h5py_like_round_trip(tmp_path, kw):
    p = str(tmp_path / "a.h5")
    with h5swmr.File(p, "w", **kw) as f:
        g = f.create_group("g")
        g.create_dataset("ds", data=np.arange(12).reshape(6, 2), maxshape=(None, 2), chunks=(4, 2))
        f.attrs["instrument"] = "xrd"
        f["g/ds"].attrs["unit"] = "counts"
    with h5swmr.File(p, "r", **kw) as f:
        ds = f["/g/ds"]
        assert ds.shape == (6, 2) and ds.dtype == np.int64 and ds.maxshape == (None, 2)
        np.testing.assert_array_equal(ds[2:4], [[4, 5], [6, 7]])
        np.testing.assert_array_equal(np.asarray(ds), np.arange(12).reshape(6, 2))
        assert f.attrs["instrument"] == "xrd" and ds.attrs["unit"] == "counts"
        assert "g" in f and list(f["g"].keys()) == ["ds"]
        assert ds.attrs[h5swmr.ATTR_GENERATION] == 1
        assert ds.attrs[h5swmr.ATTR_ROWS] == 6
        assert ds.attrs[h5swmr.ATTR_CREATED] == ds.attrs[h5swmr.ATTR_FENCE] > 0
    np.testing.assert_array_equal(h5swmr.read(p, "/g/ds", np.s_[4:], **kw), [[8, 9], [10, 11]])
    with h5py.File(p, "r") as f:  # a plain h5py reader sees the committed file
        assert f["g/ds"].shape == (6, 2)


def test_append_keeps_identity_and_counts_generations(tmp_path, kw):
    p = str(tmp_path / "b.h5")
    tokens = []
    for i in range(3):
        assert h5swmr.append(p, "/x", np.arange(i * 5, i * 5 + 5, dtype="f4"), **kw) == 5 * (i + 1)
        with h5swmr.File(p, "r", **kw) as f:
            a = f["x"].attrs
            tokens.append((a[h5swmr.ATTR_CREATED], a[h5swmr.ATTR_FENCE], a[h5swmr.ATTR_GENERATION],
                           a[h5swmr.ATTR_ROWS]))
    assert [t[0] for t in tokens] == [tokens[0][0]] * 3  # created_token unchanged by appends
    assert [t[2] for t in tokens] == [1, 2, 3] and [t[3] for t in tokens] == [5, 10, 15]
    assert tokens[0][1] < tokens[1][1] < tokens[2][1]
    with h5py.File(p, "r") as f:
        np.testing.assert_array_equal(f["x"][:], np.arange(15, dtype="f4"))
        assert f["x"].chunks is not None and f["x"].maxshape == (None,)


def test_block_that_raises_changes_nothing(tmp_path, kw):
    p = str(tmp_path / "c.h5")
    h5swmr.append(p, "/x", np.arange(100.0), **kw)
    before = open(p, "rb").read()
    with pytest.raises(RuntimeError, match="boom"):
        with h5swmr.File(p, "a", **kw) as f:
            f.append("/x", np.arange(1000.0))
            f.create_dataset("y", data=np.ones(10))
            f.attrs["a"] = 1
            raise RuntimeError("boom")
    assert open(p, "rb").read() == before
    assert not [n for n in os.listdir(str(tmp_path)) if "journal" in n or "commit-" in n]


def test_zero_row_append_changes_nothing_on_disk(tmp_path, kw):
    p = str(tmp_path / "z.h5")
    h5swmr.append(p, "/x", np.arange(100.0), **kw)
    with h5swmr.File(p, "r", **kw):
        pass
    before, st = open(p, "rb").read(), os.stat(p)
    with h5swmr.File(p, "r+", **kw) as f:
        pass
    assert h5swmr.append(p, "/x", np.zeros(0), **kw) == 100
    assert open(p, "rb").read() == before and os.stat(p).st_mtime_ns == st.st_mtime_ns


def test_in_place_keeps_inode_and_symlink(tmp_path, kw):
    real = tmp_path / "real.h5"
    h5swmr.append(str(real), "/x", np.arange(10.0), **kw)
    link = tmp_path / "link.h5"
    link.symlink_to(real)
    ino = os.stat(str(real)).st_ino
    h5swmr.append(str(link), "/x", np.arange(10.0), **kw)
    assert link.is_symlink() and os.stat(str(real)).st_ino == ino
    with h5py.File(str(real), "r") as f:
        assert f["x"].shape == (20,)


def test_writer_excludes_reader(tmp_path, kw):
    """A reader in another process waits for the writer's block and names it when it times out."""
    import subprocess
    import sys
    from helpers import PKG_ROOT
    p = str(tmp_path / "w.h5")
    h5swmr.append(p, "/x", np.arange(3.0), **kw)
    code = ("import sys; sys.path.insert(0, %r); import h5swmr\n"
            "try:\n    h5swmr.File(sys.argv[1], 'r', redis_url=%r, key_prefix=%r, timeout=0.3)['x'][:]\n"
            "except h5swmr.LockTimeoutError as e:\n    print('TIMEOUT', e)\nelse:\n    print('READ')"
            % (PKG_ROOT, kw["redis_url"], kw["key_prefix"]))
    with h5swmr.File(p, "a", **kw) as f:
        f.append("/x", np.arange(3.0))
        out = subprocess.run([sys.executable, "-c", code, p], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("TIMEOUT") and "EXCLUSIVE" in out.stdout, out.stdout + out.stderr


def test_overwrite_mode_replaces_dataset_identity(tmp_path, kw):
    p = str(tmp_path / "o.h5")
    h5swmr.append(p, "/x", np.arange(3.0), **kw)
    with h5swmr.File(p, "r", **kw) as f:
        first = f["x"].attrs[h5swmr.ATTR_CREATED]
    with h5swmr.File(p, "w", **kw) as f:
        f.create_dataset("x", data=np.arange(2.0))
    with h5swmr.File(p, "r", **kw) as f:
        assert f["x"].shape == (2,) and f["x"].attrs[h5swmr.ATTR_CREATED] > first


@pytest.mark.parametrize("mode,exists,exc,fragment", [
    ("q", False, ConfigError, "mode must be one of"),
    ("r", False, FileNotFoundError, "no such file"),
    ("r+", False, FileNotFoundError, "'a' creates it"),
    ("x", True, FileExistsError, "file exists"),
])
def test_bad_modes_and_paths(tmp_path, kw, mode, exists, exc, fragment):
    p = str(tmp_path / "m.h5")
    if exists:
        h5swmr.append(p, "/x", np.arange(3.0), **kw)
    before = open(p, "rb").read() if exists else None
    with pytest.raises(exc, match=fragment):
        h5swmr.File(p, mode, **kw)
    assert (open(p, "rb").read() if exists else os.path.exists(p)) == (before if exists else False)


def test_bad_appends_name_dataset_and_leave_file(tmp_path, kw):
    p = str(tmp_path / "e.h5")
    with h5swmr.File(p, "w", **kw) as f:
        f.create_dataset("fixed", data=np.arange(4.0))
        f.append("/two", np.zeros((2, 3)))
        f.append("/ints", np.arange(3, dtype="i4"))
        f.create_group("grp")
    before = open(p, "rb").read()
    for ds, rows, fragment in [("/fixed", np.arange(2.0), "not resizable"),
                               ("/two", np.zeros((2, 4)), r"shape \(4,\) per row"),
                               ("/grp", np.arange(2.0), "is a group"),
                               ("/two", np.float64(1), "scalar"),
                               ("/ints", np.array([1.5, 2.0]), r"value 1.5 at \(0,\) cannot be stored exactly"),
                               ("/ints", np.array([2 ** 40]), "cannot be stored exactly"),
                               ("/ints", np.array(["a"]), "cannot store <U1 rows")]:
        with pytest.raises(DataError, match=fragment) as e:
            h5swmr.append(p, ds, rows, **kw)
        assert ds in str(e.value)
        assert open(p, "rb").read() == before
    assert h5swmr.append(p, "/ints", [7, 8], **kw) == 5  # int64 values that fit are stored as given


def test_read_mode_refuses_writes(tmp_path, kw):
    p = str(tmp_path / "r.h5")
    h5swmr.append(p, "/x", np.arange(3.0), **kw)
    with h5swmr.File(p, "r", **kw) as f:
        with pytest.raises(H5SwmrError, match="read-only"):
            f["x"][0] = 1
        with pytest.raises(H5SwmrError, match="read-only"):
            f.append("/x", [1.0])


def test_reader_waits_for_a_zombie_inside_its_commit_then_times_out_naming_it(tmp_path, kw):
    """A writer that lost its lease but still holds the write fence (fcntl) is still applying: readers wait."""
    import subprocess
    import sys
    p = str(tmp_path / "fence.h5")
    h5swmr.append(p, "/x", np.arange(3.0), **kw)
    fence = os.path.join(str(tmp_path), ".fence.h5.h5swmr-lock")
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR);"
                               " fcntl.lockf(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", fence],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeoutError, match="write fence.*h5swmr-lock"):
            h5swmr.File(p, "r", **dict(kw, timeout=0.5)).keys()
        with pytest.raises(LockTimeoutError, match="write fence"):
            h5swmr.File(p, "a", **dict(kw, timeout=0.5)).keys()
    finally:
        holder.kill()
        holder.wait()
    with h5swmr.File(p, "r", **kw) as f:  # the fence is free again: no lease left behind
        assert f["x"].shape == (3,)


def test_writer_outside_a_with_block_commits_every_call_and_holds_no_lease(tmp_path, kw):
    import gc
    p = str(tmp_path / "u.h5")
    h5swmr.append(p, "/x", np.arange(3.0), **kw)
    f = h5swmr.File(p, "a", **kw)
    f.append("/x", np.arange(5.0))
    assert f.lease is None  # committed and released: other writers are not blocked by an unclosed File
    with h5py.File(p, "r") as g:
        np.testing.assert_array_equal(g["x"][:], np.r_[np.arange(3.0), np.arange(5.0)])
    h5swmr.append(p, "/x", np.arange(2.0), **dict(kw, timeout=1))
    del f
    gc.collect()
    with h5swmr.File(p, "r", **dict(kw, timeout=1)) as g:
        assert g["x"].shape == (10,)


def test_writes_never_store_another_value(tmp_path, kw):
    p = str(tmp_path / "v.h5")
    with h5swmr.File(p, "w", **kw) as f:
        f.create_dataset("f32", data=np.zeros(3, dtype="f4"))
        f.create_dataset("u8", data=np.zeros(3, dtype="u1"))
    before = open(p, "rb").read()
    for name, value, fragment in [("u8", 300, "300 at"), ("u8", -1, "-1 at"), ("f32", 2 ** 24 + 1, "16777217 at"),
                                  ("f32", 1e300, "overflows"), ("u8", 1.5, "1.5 at")]:
        with pytest.raises(DataError, match=fragment) as e:
            with h5swmr.File(p, "r+", **kw) as f:
                f[name][0] = value
        assert name in str(e.value)
    assert open(p, "rb").read() == before
    with h5swmr.File(p, "r+", **kw) as f:
        f["f32"][0] = 0.5  # exactly representable
        f["f32"][1] = 0.1  # float narrowing follows numpy: rounded to the nearest float32
        f["f32"][2] = np.array(1e-50)  # underflows to 0.0, as numpy's astype
        f["u8"][1:3] = [7, 255]
    with h5swmr.File(p, "r", **kw) as f:
        assert f["f32"][0] == 0.5 and f["u8"][:].tolist() == [0, 7, 255]
        assert f["f32"][1] == np.float32(0.1) and f["f32"][2] == 0
