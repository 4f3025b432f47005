"""h5py-like files under h5swmr's leases: ``with File(path, 'r')`` reads the committed state under a shared lease;
``'r+'``, ``'a'``, ``'w'``, ``'w-'``/``'x'`` hold the exclusive lease and make the whole block one atomic,
fenced, crash-safe commit. Outside a ``with`` block each call takes its own lease and each write commits."""
import atexit
import contextlib
import errno
import fcntl
import os
import sys
import threading
import time
import warnings
import weakref

import h5py
import numpy as np

from . import _journal
from ._leases import _acquire, lock_service
from ._fileobj import JournaledFile, OverlayFile
from ._objects import Dataset, Group, _exactly_as, _wrap
from .errors import (ConfigError, DataError, FencedError, H5SwmrError, LeaseLostError, LockError,
                     LockTimeoutError)
from .lock import (DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_PREFIX, DEFAULT_LEASE_TTL,
                   EXCLUSIVE, SHARED, LockService, resource_for_file)

# The commit attributes the Java connector writes and reads (write/H5TargetDataset, hdf5/H5DatasetInfo).
ATTR_FENCE = "h5swmr.fence_token"
ATTR_ROWS = "h5swmr.committed_rows"
ATTR_GENERATION = "h5swmr.generation"
ATTR_CREATED = "h5swmr.created_token"

MODES = ("r", "r+", "a", "w", "w-", "x")
_PAUSE_ENV = "H5SWMR_TEST_COMMIT_PAUSE"

def _pause(step):
    if os.environ.get(_PAUSE_ENV) == step:
        sys.stdout.write("H5SWMR-PAUSE %s\n" % step)
        sys.stdout.flush()
        sys.stdin.readline()  # the test kills us here, or stops and continues us and then sends a line


def _fcntl_lock(fd, exclusive, lease, what, timeout):
    """POSIX record lock on the write fence (the kind Java's FileLock takes), waiting while the lease stays valid,
    at most ``timeout`` seconds. Only a writer whose lease expired (paused or cut off) can hold it against us."""
    op = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    delay = 0.005
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.lockf(fd, op)
            return
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EAGAIN):
                raise
        lease.check_valid()
        if time.monotonic() > deadline:
            raise LockTimeoutError("Timed out after %.1f s waiting for the write fence of %s: a writer whose lease "
                                   "expired (paused or cut off from Redis) is still inside its commit; it holds the "
                                   "fcntl lock on %s (our %s)" % (timeout, what, _journal.sidecar(what, "lock"),
                                                                   lease.describe()))
        time.sleep(delay)
        delay = min(0.2, delay * 2)


class _Session:
    """One lease and one open h5py file: a ``with`` block of a File, or one call outside a block. Write sessions
    hold the exclusive lease and the write fence and make everything done in them one atomic, fenced, crash-safe
    commit at ``close``; read sessions hold a shared lease and see the last committed state."""

    def __init__(self, f, mode, holder):
        self.file = f
        self.mode = mode
        self.readonly = mode == "r"
        self.filename = f.filename
        self._service = f._svc()
        self._timeout = self._service.acquire_timeout
        self.lock_key = f.lock_key
        self._target = f._target
        self.h5 = None
        self._fd = -1
        self._lock_fd = -1
        self._jf = None
        self._journal = None
        self._created = set()
        self._touched = set()
        self._new_path = None
        self.lease = None
        self.committed = False  # a commit of this session was published
        self._published = False  # ... and nothing was written since
        self.waiting = 0
        try:
            self._open(f._h5py_kwargs, holder)
        except BaseException:
            self.abort()
            raise

    def created(self, name):
        self._created.add(name)
        self._touched.add(name)

    def touched(self, name):
        self._touched.add(name)

    # ---- open
    def _open(self, h5py_kwargs, holder):
        exists = os.path.exists(self._target)
        if self.mode == "r" and not exists:
            raise FileNotFoundError(errno.ENOENT, "h5swmr.File: no such file (mode 'r')", self.filename)
        if self.mode == "r+" and not exists:
            raise FileNotFoundError(errno.ENOENT, "h5swmr.File: no such file (mode 'r+' needs an existing "
                                    "file; 'a' creates it)", self.filename)
        if not os.path.isdir(os.path.dirname(self._target)):
            raise FileNotFoundError(errno.ENOENT, "h5swmr.File: directory does not exist",
                                    os.path.dirname(self._target))
        if self.readonly:
            self.lease = _acquire(self._service, self.lock_key, SHARED, holder)
            self._open_read()
            return
        self.lease = _acquire(self._service, self.lock_key, EXCLUSIVE, holder)
        _pause("locked")
        self._lock_fd = os.open(_journal.sidecar(self._target, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
        _fcntl_lock(self._lock_fd, True, self.lease, self._target, self._timeout)
        self._cleanup_new_leftovers()
        exists = os.path.exists(self._target)
        if exists:
            self._fd = os.open(self._target, os.O_RDWR)
            _journal.recover(self._target, self._fd)
        elif _journal.read(self._target) is not None:
            os.unlink(_journal.sidecar(self._target, "journal"))
        if self.mode in ("w-", "x") and exists:
            raise FileExistsError(errno.EEXIST, "h5swmr.File: file exists (mode %r)" % self.mode, self.filename)
        if exists:
            self._jf = JournaledFile(self._fd, os.fstat(self._fd).st_size)
            self._journal = _journal.JournalWriter(self._target, self._jf.base, self.lease.token)
            h5mode = "w" if self.mode == "w" else "r+"
            if h5mode == "w":
                self._jf.truncate(0)  # logically empty; the committed bytes stay until the commit applies
        else:
            self._new_path = _journal.sidecar(self._target, "commit-%d" % self.lease.token)
            self._fd = os.open(self._new_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            self._jf = JournaledFile(self._fd, 0)
            h5mode = "w"
        kw = dict(h5py_kwargs) if h5mode == "w" else {}
        self.h5 = h5py.File(self._jf, h5mode, driver="fileobj", **kw)

    def _cleanup_new_leftovers(self):
        d, name = os.path.split(self._target)
        prefix = ".%s.h5swmr-commit-" % name
        for f in os.listdir(d):
            if f.startswith(prefix):
                os.unlink(os.path.join(d, f))

    def _open_read(self):
        lock_path = _journal.sidecar(self._target, "lock")
        try:
            lfd = os.open(lock_path, os.O_RDONLY)
        except OSError:
            lfd = -1  # no Python writer ever wrote here
        if lfd >= 0:
            try:
                # a writer whose lease expired mid-apply still holds its fcntl lock: wait for it to finish
                _fcntl_lock(lfd, False, self.lease, self._target, self._timeout)
            finally:
                os.close(lfd)
        j = _journal.read(self._target)
        if j is not None and j.committed:
            self._fd = os.open(self._target, os.O_RDONLY)
            self.h5 = h5py.File(OverlayFile(self._fd, j), "r", driver="fileobj")
        else:
            self.h5 = _open_h5_readonly(self._target)

    def writable(self):
        if self.readonly:
            raise H5SwmrError("%s is open read-only (mode 'r'); open it with mode 'a' or 'r+' to write"
                              % self.filename)
        self.lease.check_valid()
        return self.h5

    def check(self):
        """After a read: the lease was valid throughout, so no writer can have changed what was read."""
        self.lease.check_valid()

    # ---- commit
    def close(self):
        """Read session: releases the lease. Write session: commits (atomically, fenced) and releases the lease."""
        if self.h5 is None and self.lease is None:
            return
        if self.readonly:
            self._close_h5()
            self._release()
            return
        try:
            self._commit()
        except BaseException:
            self.abort()
            raise
        self._release()

    def _commit(self):
        self.lease.check_valid()
        self._stamp()
        self._close_h5()
        _pause("written")
        self._publish(self._fence(False))

    def checkpoint(self):
        """Commits what the session wrote so far as one atomic, fenced commit and keeps the session open (h5py, the
        lease, the write fence): a persistent append session commits each append this way. Returns how many
        leases wait for the file (the session should then be closed to let them in)."""
        self.lease.check_valid()
        self._stamp()
        self.h5.flush()  # every dirty byte is now in the target or the overlay; HDF5's state is the file's
        _pause("written")
        self.waiting = 0
        self._publish(self._fence(True))
        self._jf.rebase()
        self._published = False
        return self.waiting

    def begin(self):
        """Before the writes of a commit in a persistent session: the journal of that commit (its header names the
        committed end of file L, so a crash before the commit point is cut back to L)."""
        if self._new_path is None and self._journal is None:
            self._journal = _journal.JournalWriter(self._target, self._jf.base, self.lease.token)

    def _stamp(self):
        """The commit attributes of every dataset written since the last commit."""
        token = self.lease.token
        for name in sorted(self._touched):
            if name not in self.h5:
                continue
            ds = self.h5[name]
            gen = int(ds.attrs.get(ATTR_GENERATION, 0)) + 1 if name not in self._created else 1
            if name in self._created:
                ds.attrs[ATTR_CREATED] = np.int64(token)
            values = ((ATTR_FENCE, token), (ATTR_ROWS, ds.shape[0] if ds.shape else 1), (ATTR_GENERATION, gen))
            for attr, v in values:
                if name in self._created or not _write_int64_attr(ds, attr, v):
                    ds.attrs[attr] = np.int64(v)
        self._touched.clear()
        self._created.clear()

    def _fence(self, count_waiters):
        """Step 2 of a commit: the lease is still valid locally and still current in Redis (and, for a persistent
        session, how many wait for the file: same round trip)."""
        lease, token = self.lease, self.lease.token

        def fence():
            lease.check_valid()
            if count_waiters:
                held, self.waiting = self._service.holder_and_waiters(self.lock_key, token)
            else:
                held = self._service.is_exclusive_holder(self.lock_key, token)
            if not held:
                raise FencedError("%s: not committed, the exclusive lease with token %d is no longer current "
                                  "(another writer may hold the file)" % (self.filename, token))
        return fence

    def _publish(self, fence):
        """Steps 1-6: a new file by rename, an existing one through the journal."""
        if self._new_path is not None:
            _journal.datasync(self._fd)
            _pause("data-synced")
            fence()
            os.rename(self._new_path, self._target)
            self._new_path = None
            _journal.fsync_dir(self._target)
        else:
            jf = self._jf
            if self._journal is None and (jf.overlay or jf.direct_writes or jf.size != jf.base):
                self.begin()
            if self._journal is not None:
                jf.commit(self._journal, fence, _pause)
            self._journal = None
        self.committed = self._published = True

    def abort(self):
        try:
            self._close_h5()
        except Exception:
            pass
        if self._jf is not None and not self._published and self._new_path is None:
            try:
                j = _journal.read(self._target)
                if j is None or not j.committed:
                    self._jf.rollback(self._journal)  # before the commit point: nothing happened
                # else: past the commit point; the next writer (or reader's overlay) completes it
            except Exception:
                pass
        if self._journal is not None:
            self._journal.close()
        if self._new_path is not None:
            try:
                os.unlink(self._new_path)
            except OSError:
                pass
        self._release()

    def _close_h5(self):
        h5, self.h5 = self.h5, None
        if h5 is not None:
            h5.close()

    def _release(self):
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # drops the fcntl lock
            self._lock_fd = -1
        if self.lease is not None:
            self.lease.close()
            self.lease = None


def _write_int64_attr(ds, name, value):
    """Overwrites an existing scalar int64 attribute in place (h5py's ``attrs[name] = v`` deletes and creates it
    again, several times slower); False when there is none of that type."""
    key = name.encode()
    if not h5py.h5a.exists(ds.id, key):
        return False
    aid = h5py.h5a.open(ds.id, key)
    if aid.dtype != np.dtype("<i8") or aid.shape != ():
        return False
    aid.write(np.array(value, dtype="<i8"))
    return True


_pending = weakref.WeakSet()  # write-mode Files whose opening (create/truncate) has not run yet


class File(Group, h5py.File):
    """An HDF5 file under h5swmr leases, used like ``h5py.File``.

    Inside ``with File(path, mode) as f:`` the block holds one lease: mode 'r' a shared lease (reads see the last
    committed state); 'r+' (must exist), 'a' (create if missing), 'w' (create or truncate), 'w-'/'x' (must not
    exist) the exclusive lease, and everything done in the block is published by one atomic commit at its end (or
    rolled back if the block raises).

    Outside a ``with`` block (h5pySWMR's style) the object holds no lease: every call takes its own - shared to
    read, exclusive to write - and every write commits on its own before the call returns. The mode's opening
    effect ('w' truncating, 'x' creating, 'a' creating) runs with the first call (or at ``close()``, or when the
    object is collected, or at interpreter exit if none came), so no change is ever left uncommitted and an unused
    File blocks nobody.

    Lock arguments: ``redis_url`` (default: the URL of ``h5swmr.redis_conn`` if one was assigned, else
    $H5SWMR_REDIS_URL, else redis://localhost:6379; redis://, rediss://, redis-sentinel://, redis-cluster://),
    ``lock_ttl`` seconds (30), ``timeout`` seconds to wait for a lease (600), ``key_prefix`` ('h5swmr:'),
    ``lock_key`` (default: the canonical path, as the Java connector), and ``connect_timeout`` (5). Other keyword
    arguments go to h5py.File when a file is created (e.g. libver).
    """

    def __init__(self, path, mode="r", redis_url=None, lock_ttl=DEFAULT_LEASE_TTL, timeout=DEFAULT_ACQUIRE_TIMEOUT,
                 key_prefix=DEFAULT_KEY_PREFIX, lock_key=None, connect_timeout=DEFAULT_CONNECT_TIMEOUT,
                 **h5py_kwargs):
        if mode not in MODES:
            raise ConfigError("mode must be one of %s, got: %r" % (", ".join(repr(m) for m in MODES), mode))
        self._settings = (os.fspath(path), mode, redis_url, lock_ttl, timeout, key_prefix, lock_key,
                          connect_timeout, dict(h5py_kwargs))
        self._filename = os.path.abspath(os.fspath(path))
        self._mode = mode
        self.readonly = mode == "r"
        self._service_args = (redis_url, key_prefix, lock_ttl, timeout, connect_timeout)
        self._svc()  # bad lock arguments fail here
        self.lock_key = lock_key or resource_for_file(self._filename)
        self._target = os.path.realpath(self._filename)  # the real file (a dangling symlink names the file to create)
        self._h5py_kwargs = dict(h5py_kwargs)
        self._session = None
        self._closed = False
        self._pending_open = False
        self.committed = False
        Group.__init__(self, self, "/")
        exists = os.path.exists(self._target)
        self._opened = mode in ("r", "r+") or (mode == "a" and exists)  # else the opening effect is still to run
        if mode in ("r", "r+") and not exists:
            raise FileNotFoundError(errno.ENOENT, "h5swmr.File: no such file (mode %r%s)"
                                    % (mode, " needs an existing file; 'a' creates it" if mode == "r+" else ""),
                                    self._filename)
        if mode in ("w-", "x") and exists:
            raise FileExistsError(errno.EEXIST, "h5swmr.File: file exists (mode %r)" % mode, self._filename)
        if not os.path.isdir(os.path.dirname(self._target)):
            raise FileNotFoundError(errno.ENOENT, "h5swmr.File: directory does not exist",
                                    os.path.dirname(self._target))
        if not self._opened:
            self._pending_open = True
            _pending.add(self)

    def _svc(self):
        """The lock service of this process (a File handed to a forked or spawned process uses that process's)."""
        return lock_service(*self._service_args)

    __hash__ = object.__hash__  # a File is itself (two Files on one path are two sessions)
    __eq__ = object.__eq__
    __ne__ = object.__ne__

    # ---- plain properties (h5py.File's need a low-level id)
    filename = property(lambda self: self._filename)
    mode = property(lambda self: self._mode)

    @property
    def lease(self):
        """The lease of the current ``with`` block (None outside one)."""
        return self._session.lease if self._session is not None else None

    def __reduce__(self):  # picklable: a File in another process takes its own leases there
        path, mode, url, ttl, timeout, prefix, key, ct, kw = self._settings
        return (_reopen, (path, "r+" if self._opened and mode != "r" else mode, url, ttl, timeout, prefix, key, ct,
                          kw))

    def _next_mode(self):
        if self._mode == "r":
            return "r"
        if self._opened:
            return "r+" if self._mode == "r+" else "a"
        return self._mode

    def _holder(self):
        return "h5swmr.File(%r, %r) in thread %r" % (self._filename, self._mode, threading.current_thread().name)

    # ---- sessions
    def __enter__(self):
        if self._closed:
            raise H5SwmrError("%s is closed" % self._filename)
        if self._session is not None:
            raise H5SwmrError("%s: this File is already inside a with block" % self._filename)
        self._session = _Session(self, self._next_mode(), self._holder())
        return self

    def __exit__(self, exc_type, exc, tb):
        s, self._session = self._session, None
        if s is None:
            return
        if exc_type is not None:
            s.abort()
            return
        s.close()
        self.committed = s.committed or self.committed
        self._opened_now()

    def _opened_now(self):
        if not self._opened:
            self._opened = True
            self._pending_open = False
            _pending.discard(self)

    @contextlib.contextmanager
    def _op(self, write):
        """The session one call runs in: the with block's, or a new one for just this call."""
        s = self._session
        if s is not None:
            if write:
                s.writable()
            yield s
            return
        if self._closed:
            raise H5SwmrError("%s is closed" % self._filename)
        if write and self.readonly:
            raise H5SwmrError("%s is open read-only (mode 'r'); open it with mode 'a' or 'r+' to write"
                              % self._filename)
        s = _Session(self, self._next_mode() if write or not self._opened else "r", self._holder())
        try:
            yield s
        except BaseException:
            s.abort()
            raise
        s.close()
        if not s.readonly:
            self.committed = s.committed or self.committed
            self._opened_now()

    def close(self):
        """Inside a with block: commits the block (write modes) and releases its lease. Outside: runs a still
        pending opening effect ('w', 'x', 'a' on a missing file). The File cannot be used afterwards."""
        if self._closed:
            return
        try:
            if self._session is not None:
                s, self._session = self._session, None
                s.close()
                self.committed = s.committed or self.committed
                self._opened_now()
            elif not self._opened:
                with self._op(True):
                    pass
        finally:
            self._closed = True
            self._pending_open = False
            _pending.discard(self)

    def flush(self):
        """Nothing to do: outside a with block every write is already committed; inside, the block commits at its
        end."""

    def __bool__(self):
        return not self._closed

    def append(self, dataset, rows, chunk_rows=None, compression=None):
        """Appends ``rows`` along dimension 0 of ``dataset`` (created resizable and chunked if missing; the
        common instrument case). Returns the new row count."""
        return self._append(dataset, rows, chunk_rows, compression)

    def _append(self, dataset, rows, chunk_rows, compression):
        rows = np.asarray(rows)
        if rows.ndim == 0:
            raise DataError("append to %s: rows must have at least one dimension (rows along dimension 0), got a "
                            "scalar" % dataset)
        with self._op(True) as s:
            h5 = s.h5
            if dataset not in h5:
                chunk = chunk_rows or max(1, (64 << 10) // max(1, rows.itemsize * int(np.prod(rows.shape[1:]))))
                ds = h5.create_dataset(dataset, shape=(0,) + rows.shape[1:], maxshape=(None,) + rows.shape[1:],
                                       dtype=rows.dtype, chunks=(chunk,) + rows.shape[1:], compression=compression)
                s.created(ds.name)
            else:
                ds = h5[dataset]
                if not isinstance(ds, h5py.Dataset):
                    raise DataError("append to %s in %s: it is a group, not a dataset" % (dataset, self._filename))
                if ds.shape[1:] != rows.shape[1:]:
                    raise DataError("append to %s in %s: rows have shape %s per row, the dataset %s"
                                    % (dataset, self._filename, rows.shape[1:], ds.shape[1:]))
                if ds.maxshape[0] is not None and ds.shape[0] + len(rows) > ds.maxshape[0]:
                    raise DataError("append to %s in %s: dataset is not resizable along dimension 0 (maxshape %s); "
                                    "create it with maxshape=(None, ...)" % (dataset, self._filename, ds.maxshape))
                rows = _exactly_as(rows, ds.dtype, "append to %s in %s" % (dataset, self._filename))
            if len(rows) == 0:
                return ds.shape[0]  # a 0-row append changes nothing on disk (a new dataset is still created)
            s.touched(ds.name)
            n = ds.shape[0]
            ds.resize(n + len(rows), axis=0)
            ds[n:] = rows
            return ds.shape[0]

    def _check(self):
        if self._session is not None:
            self._session.check()

    def __del__(self):
        s = getattr(self, "_session", None)
        if s is not None:  # collected inside a with block (a generator left unfinished...): nothing is published
            warnings.warn("h5swmr.File(%r, %r) was collected inside its with block: the block's changes are "
                          "discarded" % (self._filename, self._mode), ResourceWarning)
            try:
                s.abort()
            except Exception:
                pass
            return
        if self.__dict__.get("_pending_open"):
            _run_pending_open(self, "garbage collection")

    def __repr__(self):
        return "<h5swmr.File %r (mode %r, %s)>" % (self._filename, self._mode,
                                                    "closed" if self._closed else "in a with block"
                                                    if self._session is not None else "open")


def _reopen(path, mode, *args):
    url, ttl, timeout, prefix, key, ct, kw = args
    return File(path, mode, redis_url=url, lock_ttl=ttl, timeout=timeout, key_prefix=prefix, lock_key=key,
                connect_timeout=ct, **kw)


def _run_pending_open(f, when):
    """Runs a File's opening effect that no call triggered; a failure is printed (never silent)."""
    try:
        f.close()
    except Exception as e:
        sys.stderr.write("h5swmr: File(%r, %r) could not be created at %s: %s: %s\n"
                         % (f.filename, f.mode, when, type(e).__name__, e))


@atexit.register
def _run_all_pending():  # registered after _close_services, so it runs first
    for f in list(_pending):
        _run_pending_open(f, "exit")


def _open_h5_readonly(path):
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:
        return h5py.File(path, "r")


def append(path, dataset, rows, **kw):
    """One commit appending ``rows`` to ``dataset`` of ``path`` (created if missing); returns the new row count."""
    with File(path, "a", **kw) as f:
        return f.append(dataset, rows)


def read(path, dataset, key=(), **kw):
    """One read under its own shared lease (h5pySWMR's per-call style): ``read(path, '/ds', np.s_[a:b])``."""
    with File(path, "r", **kw) as f:
        return f[dataset][key]
