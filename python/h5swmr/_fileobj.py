"""File objects h5py's ``driver='fileobj'`` reads and writes through.

``JournaledFile``: a write session. Let L be the committed end of file when the session began. Writes at or beyond
L go straight to the file (the committed state never references those bytes); writes below L are kept in an
in-memory overlay that reads see. ``commit`` makes the overlay durable through the redo journal and applies it.

``OverlayFile``: read-only view of the target with a complete (committed but not yet applied) journal laid over
it: what a reader sees when a writer died between the commit point and the end of the apply step.
"""
import bisect
import os

from . import _journal


class Overlay:
    """Non-overlapping byte extents, merged on write."""

    def __init__(self):
        self.starts = []
        self.data = {}

    def write(self, off, b):
        end = off + len(b)
        i = bisect.bisect_left(self.starts, off)
        if i > 0 and self.starts[i - 1] + len(self.data[self.starts[i - 1]]) >= off:
            i -= 1
        j = i
        new_start, pieces = off, []
        while j < len(self.starts) and self.starts[j] <= end:
            s = self.starts[j]
            pieces.append((s, self.data.pop(s)))
            j += 1
        del self.starts[i:j]
        if pieces:
            new_start = min(off, pieces[0][0])
            new_end = max(end, max(s + len(d) for s, d in pieces))
            buf = bytearray(new_end - new_start)
            for s, d in pieces:
                buf[s - new_start:s - new_start + len(d)] = d
        else:
            buf = bytearray(len(b))
        buf[off - new_start:off - new_start + len(b)] = b
        self.starts.insert(i, new_start)
        self.data[new_start] = buf

    def patch(self, off, view):
        end = off + len(view)
        i = max(0, bisect.bisect_right(self.starts, off) - 1)
        while i < len(self.starts) and self.starts[i] < end:
            s = self.starts[i]
            d = self.data[s]
            lo, hi = max(s, off), min(s + len(d), end)
            if lo < hi:
                view[lo - off:hi - off] = d[lo - s:hi - s]
            i += 1

    def items(self):
        return [(s, self.data[s]) for s in self.starts]

    def __bool__(self):
        return bool(self.starts)


class _Base:
    def __init__(self, fd, size):
        self.fd = fd
        self.pos = 0
        self.size = size

    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else self.pos + off if whence == 1 else self.size + off
        return self.pos

    def tell(self):
        return self.pos

    def _read_raw(self, view, pos):
        n = len(view)
        data = os.pread(self.fd, n, pos) if pos < self.size else b""
        got = len(data)
        view[:got] = data
        if got < n:
            view[got:] = bytes(n - got)
        return max(0, min(n, self.size - pos))

    def read(self, n=-1):
        if n is None or n < 0:
            n = max(0, self.size - self.pos)
        buf = bytearray(n)
        got = self.readinto(buf)
        return bytes(buf[:got])

    def flush(self):
        pass

    def readable(self):
        return True

    def seekable(self):
        return True


class JournaledFile(_Base):
    def __init__(self, fd, base_eof):
        super().__init__(fd, base_eof)
        self.base = base_eof
        self.low = base_eof  # committed bytes at or above this were truncated away in this session
        self.overlay = Overlay()
        self.direct_writes = False

    def readinto(self, b):
        view = memoryview(b).cast("B")
        n = self._read_raw(view, self.pos)
        lo, hi = max(self.pos, self.low), min(self.pos + len(view), self.base)
        if lo < hi:
            view[lo - self.pos:hi - self.pos] = bytes(hi - lo)  # truncated in this session: reads as zeros
        if self.overlay:
            self.overlay.patch(self.pos, view)
        self.pos += len(view)
        return n

    def write(self, b):
        data = memoryview(b).cast("B")
        off, n = self.pos, len(data)
        split = max(0, min(n, self.base - off))
        if split:
            self.overlay.write(off, bytes(data[:split]))
        if split < n:
            os.pwrite(self.fd, data[split:], off + split)
            self.direct_writes = True
        self.pos += n
        self.size = max(self.size, off + n)
        return n

    def truncate(self, n=None):
        n = self.pos if n is None else n
        if os.fstat(self.fd).st_size != max(n, self.base):
            os.ftruncate(self.fd, max(n, self.base))
        self.low = min(self.low, n)
        self.size = n
        return n

    def writable(self):
        return True

    def changes(self):
        """The overlay extents whose bytes differ from the file (HDF5 rewrites unchanged superblocks on close)."""
        out = []
        for off, data in self.overlay.items():
            if off >= self.size:
                continue
            data = data[:self.size - off]
            if os.pread(self.fd, len(data), off) != data:
                out.append((off, data))
        return out

    def commit(self, journal, fence, pause):
        """docs/journal.md section 3, steps 0-6. Returns False when the session changed nothing (step 0)."""
        entries = self.changes()
        touched = self.direct_writes or self.size != self.base
        if not entries and not touched:
            journal.delete()  # step 0
            return False
        for off, data in entries:
            journal.append(off, data)
        if touched:
            _journal.datasync(self.fd)  # step 1
        pause("data-synced")
        fence()  # step 2: raises when the lease is gone; the caller rolls back
        done = _journal.Parsed(_journal.COMMITTED, new_eof=self.size, records=entries)
        # the BASE record: CRCs of the committed bytes the commit overwrites (below L the file is still untouched)
        units = [(off, n, _journal._crc(os.pread(self.fd, n, off)))
                 for off, n in _journal.unit_ranges(_journal.extents(entries), self.base, self.size)]
        journal.commit(self.size, units)  # step 3
        pause("journal-synced")
        _journal.fsync_dir(journal.path)  # step 4: the commit point
        journal.mark_applying()  # only now may bytes below L be written
        pause("committed")
        _journal.replay(self.fd, done, pause)  # step 5
        pause("applied")
        journal.delete()  # step 6
        return True

    def rebase(self):
        """After a commit was applied: the file is now the committed state, the next commit starts from it (a
        persistent session keeps h5py open over this object across commits)."""
        self.overlay = Overlay()
        self.base = self.low = self.size
        self.direct_writes = False

    def rollback(self, journal):
        """Drops the session: the target cut back to L (nothing below L was written), the journal deleted."""
        self.overlay = Overlay()
        if os.fstat(self.fd).st_size > self.base:
            os.ftruncate(self.fd, self.base)
        self.size = self.low = self.base
        if journal is not None:
            journal.delete()


class OverlayFile(_Base):
    def __init__(self, fd, journal):
        super().__init__(fd, journal.new_eof)
        self.overlay = Overlay()
        for off, data in journal.records:  # journal order: later records win
            self.overlay.write(off, data)

    def readinto(self, b):
        view = memoryview(b).cast("B")
        n = self._read_raw(view, self.pos)
        self.overlay.patch(self.pos, view)
        self.pos += len(view)
        return n

    def write(self, b):
        raise OSError("read-only")

    def truncate(self, n=None):
        raise OSError("read-only")

    def writable(self):
        return False
