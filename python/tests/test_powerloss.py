"""Power loss during a Python commit (the ALICE / CrashMonkey method): record every write, truncate, fsync, create
and unlink the commit issues to the target and its journal; for every cut point, build disk images where writes not
yet covered by an fsync are lost or reordered at random (and directory entries not covered by a directory fsync
may or may not exist), run recovery on each image and check h5py reads the old or the new state - the new one once
the commit point (the directory fsync after the COMMIT record) was durable."""
import os
import random
import shutil

import h5py
import numpy as np
import pytest

from h5swmr import _fileobj, _journal
from h5swmr._fileobj import JournaledFile

IMAGES_PER_CUT = 12 if os.environ.get("H5SWMR_LONG") else 3


class RecordingOS:
    def __init__(self, real):
        self.real = real
        self.ops = []
        self.paths = {}

    def __getattr__(self, name):
        return getattr(self.real, name)

    def open(self, path, flags, mode=0o777):
        fd = self.real.open(path, flags, mode)
        self.paths[fd] = path
        if flags & os.O_CREAT:
            self.ops.append(("create", path))
        return fd

    def write(self, fd, data):
        self.ops.append(("write", self.paths[fd], self.real.lseek(fd, 0, os.SEEK_CUR), bytes(data)))
        return self.real.write(fd, data)

    def pwrite(self, fd, data, off):
        self.ops.append(("write", self.paths[fd], off, bytes(data)))
        return self.real.pwrite(fd, data, off)

    def ftruncate(self, fd, n):
        self.ops.append(("truncate", self.paths[fd], n))
        return self.real.ftruncate(fd, n)

    def fsync(self, fd):
        p = self.paths[fd]
        self.ops.append(("fsync_dir" if os.path.isdir(p) else "fsync", p))
        return self.real.fsync(fd)

    def fdatasync(self, fd):  # the journal syncs files with fdatasync: for this model the same as fsync
        self.ops.append(("fsync", self.paths[fd]))
        return self.real.fdatasync(fd)

    def unlink(self, path):
        self.ops.append(("unlink", path))
        return self.real.unlink(path)

    def close(self, fd):
        self.paths.pop(fd, None)
        return self.real.close(fd)


def _apply(content, op):
    b = bytearray(content)
    if op[0] == "write":
        _, _, off, data = op
        if len(b) < off:
            b.extend(bytes(off - len(b)))
        b[off:off + len(data)] = data
    elif op[0] == "truncate":
        n = op[2]
        b = b[:n] if n <= len(b) else b + bytes(n - len(b))
    return bytes(b)


class Disk:
    """Durable and volatile state of files (content) and directory entries (existence)."""

    def __init__(self, files):
        self.f = {p: dict(durable=c, pending=[], exists_durable=True, exists=True) for p, c in files.items()}

    def run(self, op):
        kind, path = op[0], op[1]
        if kind == "fsync_dir":
            for st in self.f.values():
                st["exists_durable"] = st["exists"]
            return
        st = self.f.setdefault(path, dict(durable=b"", pending=[], exists_durable=False, exists=False))
        if kind == "create":
            if not st["exists"]:
                st.update(durable=b"", pending=[], exists=True)
            else:
                st["pending"].append(("truncate", path, 0))
        elif kind in ("write", "truncate"):
            st["pending"].append(op)
        elif kind == "fsync":
            c = st["durable"]
            for p in st["pending"]:
                c = _apply(c, p)
            st.update(durable=c, pending=[])
        elif kind == "unlink":
            st["exists"] = False

    def image(self, rnd, mode):
        """path -> content or None; mode 'none' (lose every unsynced op), 'all' (keep them), 'random'."""
        out = {}
        for path, st in self.f.items():
            exists = st["exists_durable"] if st["exists_durable"] == st["exists"] else (
                st["exists"] if mode == "all" else st["exists_durable"] if mode == "none" else rnd.random() < 0.5)
            if not exists:
                out[path] = None
                continue
            pending = list(st["pending"])
            if mode == "none":
                pending = []
            elif mode == "random":
                pending = [p for p in pending if rnd.random() < 0.5]
                rnd.shuffle(pending)
            c = st["durable"]
            for p in pending:
                c = _apply(c, p)
            out[path] = c
        return out


def _rows(path):
    with h5py.File(path, "r") as f:
        return f["d"][:].tolist(), f["e"].shape[0], f.attrs.get("n")


@pytest.mark.parametrize("libver", ["earliest", "latest"])
def test_power_loss_at_every_point_gives_old_or_new(tmp_path, monkeypatch, libver):
    target = str(tmp_path / "t.h5")
    with h5py.File(target, "w", libver=libver) as f:
        f.create_dataset("d", data=np.arange(100.0), maxshape=(None,), chunks=(64,))
        f.create_dataset("e", data=np.zeros((10, 3)), maxshape=(None, 3), chunks=(8, 3))
        f.attrs["n"] = 1
    base = open(target, "rb").read()
    old = _rows(target)

    rec = RecordingOS(os)
    monkeypatch.setattr(_fileobj, "os", rec)
    monkeypatch.setattr(_journal, "os", rec)
    fd = rec.open(target, os.O_RDWR)
    rec.ops.clear()
    jf = JournaledFile(fd, len(base))
    journal = _journal.JournalWriter(target, jf.base, 42)
    with h5py.File(jf, "r+", driver="fileobj") as f:
        f["d"].resize((250,))
        f["d"][100:] = np.arange(100.0, 250.0)
        f["e"].resize((40, 3))
        f["e"][10:] = 1.0
        f.attrs["n"] = 2
    assert jf.commit(journal, lambda: None, lambda step: None)
    rec.close(fd)
    monkeypatch.undo()
    ops = rec.ops
    new = _rows(target)
    assert new != old and new[0] == list(np.arange(250.0))

    jpath = _journal.sidecar(target, "journal")
    commit_point = next(i for i, o in enumerate(ops) if o[0] == "fsync_dir")
    assert any(o[0] == "write" and o[1] == jpath for o in ops[:commit_point])
    rnd = random.Random(7)
    work = tmp_path / "img"
    checked = {"old": 0, "new": 0}
    for cut in range(len(ops) + 1):
        disk = Disk({target: base})
        for op in ops[:cut]:
            disk.run(op)
        for n in range(IMAGES_PER_CUT + 2):
            mode = "none" if n == 0 else "all" if n == 1 else "random"
            shutil.rmtree(str(work), ignore_errors=True)
            work.mkdir()
            img_target = str(work / "t.h5")
            for path, content in disk.image(rnd, mode).items():
                if content is not None:
                    with open(str(work / os.path.basename(path)), "wb") as out:
                        out.write(content)
            tfd = os.open(img_target, os.O_RDWR)
            try:
                _journal.recover(img_target, tfd)
                _journal.recover(img_target, tfd)  # idempotent
            finally:
                os.close(tfd)
            got = _rows(img_target)
            assert got in (old, new), (cut, ops[cut - 1][:3] if cut else None, mode)
            if cut > commit_point:
                assert got == new, (cut, mode)
            checked["old" if got == old else "new"] += 1
    print("power-loss states checked (%s): %d ops, %d images, %s" % (libver, len(ops), sum(checked.values()),
                                                                     checked))
    assert checked["old"] and checked["new"]

    # journal damaged after apply: every image from the end of the apply step on that still holds the journal
    # (a kill before its unlink, or a power cut that lost it), one journal byte changed at a spread of positions:
    # recovery refuses (keeping both files) or drops a journal whose header is unreadable, and never cuts the file
    applied = max(i for i, o in enumerate(ops) if o[0] == "fsync" and o[1] == target)
    damaged = {"refused": 0, "dropped": 0}
    for cut in range(applied + 1, len(ops) + 1):
        disk = Disk({target: base})
        for op in ops[:cut]:
            disk.run(op)
        for mode in ("none", "all"):
            image = disk.image(rnd, mode)
            j = image.get(jpath)
            if j is None:
                continue
            positions = sorted({0, 9, 20, 40, 56, 60, 63} | {64 + (len(j) - 64) * k // 30 for k in range(30)}
                               | {len(j) - k for k in range(1, 60, 3)})
            for pos in positions:
                bad = bytearray(j)
                bad[pos] ^= 1 + rnd.randrange(255)
                shutil.rmtree(str(work), ignore_errors=True)
                work.mkdir()
                img_target = str(work / "t.h5")
                open(img_target, "wb").write(image[target])
                img_journal = _journal.sidecar(img_target, "journal")
                open(img_journal, "wb").write(bytes(bad))
                tfd = os.open(img_target, os.O_RDWR)
                try:
                    _journal.recover(img_target, tfd)
                    damaged["dropped"] += 1
                    assert not os.path.exists(img_journal)
                except _journal.JournalStateError as e:
                    assert img_journal in str(e) and img_target in str(e), e
                    assert open(img_journal, "rb").read() == bytes(bad)
                    damaged["refused"] += 1
                finally:
                    os.close(tfd)
                assert open(img_target, "rb").read() == image[target], (cut, mode, pos)
                assert _rows(img_target) == new, (cut, mode, pos)
    print("journal damaged after apply (%s): %s" % (libver, damaged))
    assert damaged["refused"]
