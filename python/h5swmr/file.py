"""h5py-like files under h5swmr's leases: ``File(path, 'r')`` reads the committed state under a shared lease;
``'r+'``, ``'a'``, ``'w'``, ``'w-'``/``'x'`` hold the exclusive lease and make the whole block one atomic,
fenced, crash-safe commit."""
import atexit
import errno
import fcntl
import os
import sys
import threading
import time

import h5py
import numpy as np

from . import _journal
from ._fileobj import JournaledFile, OverlayFile
from ._objects import Dataset, Group, _exactly_as, _wrap
from .errors import ConfigError, DataError, FencedError, H5SwmrError, LockTimeoutError
from .lock import (DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_PREFIX, DEFAULT_LEASE_TTL,
                   LockService, resource_for_file)

# The commit attributes the Java connector writes and reads (write/H5TargetDataset, hdf5/H5DatasetInfo).
ATTR_FENCE = "h5swmr.fence_token"
ATTR_ROWS = "h5swmr.committed_rows"
ATTR_GENERATION = "h5swmr.generation"
ATTR_CREATED = "h5swmr.created_token"

MODES = ("r", "r+", "a", "w", "w-", "x")
ENV_REDIS_URL = "H5SWMR_REDIS_URL"
_PAUSE_ENV = "H5SWMR_TEST_COMMIT_PAUSE"

_services = {}
_services_lock = threading.Lock()


def lock_service(redis_url=None, key_prefix=DEFAULT_KEY_PREFIX, lock_ttl=DEFAULT_LEASE_TTL,
                 timeout=DEFAULT_ACQUIRE_TIMEOUT, connect_timeout=DEFAULT_CONNECT_TIMEOUT):
    """The process-wide LockService for these settings (closed at exit)."""
    url = redis_url or os.environ.get(ENV_REDIS_URL) or "redis://localhost:6379"
    key = (os.getpid(), url, key_prefix, float(lock_ttl), float(timeout), float(connect_timeout))
    with _services_lock:
        s = _services.get(key)
        if s is None or s._closed:
            s = LockService(url, key_prefix=key_prefix, lease_ttl=lock_ttl, acquire_timeout=timeout,
                            connect_timeout=connect_timeout)
            _services[key] = s
        return s


@atexit.register
def _close_services():
    for s in list(_services.values()):
        try:
            s.close()
        except Exception:
            pass


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


class File:
    """An HDF5 file under an h5swmr lease.

    mode 'r': shared lease; reads see the last committed state. 'r+' (must exist), 'a' (create if missing), 'w'
    (create or truncate), 'w-'/'x' (must not exist): exclusive lease; everything done in the block is published
    by one atomic commit at close (or rolled back if the block raises).

    Lock arguments: ``redis_url`` (default $H5SWMR_REDIS_URL, else redis://localhost:6379; redis://, rediss://,
    redis-sentinel://, redis-cluster://), ``lock_ttl`` seconds (30), ``timeout`` seconds to wait for the lease (600),
    ``key_prefix`` ('h5swmr:'), ``lock_key`` (default: the canonical path, as the Java connector), and
    ``connect_timeout`` (5). Other keyword arguments go to h5py.File when a file is created (e.g. libver).
    """

    def __init__(self, path, mode="r", redis_url=None, lock_ttl=DEFAULT_LEASE_TTL, timeout=DEFAULT_ACQUIRE_TIMEOUT,
                 key_prefix=DEFAULT_KEY_PREFIX, lock_key=None, connect_timeout=DEFAULT_CONNECT_TIMEOUT,
                 **h5py_kwargs):
        if mode not in MODES:
            raise ConfigError("mode must be one of %s, got: %r" % (", ".join(repr(m) for m in MODES), mode))
        self.filename = os.path.abspath(os.fspath(path))
        self.mode = mode
        self.readonly = mode == "r"
        self._service = lock_service(redis_url, key_prefix, lock_ttl, timeout, connect_timeout)
        self._timeout = self._service.acquire_timeout
        self.lock_key = lock_key or resource_for_file(self.filename)
        self._target = os.path.realpath(self.filename)  # the real file (a dangling symlink names the file to create)
        self._h5 = None
        self._fd = -1
        self._lock_fd = -1
        self._jf = None
        self._journal = None
        self._created = set()
        self._touched = set()
        self._new_path = None
        self.lease = None
        self.committed = False
        try:
            self._open(h5py_kwargs)
        except BaseException:
            self._abort()
            raise

    # ---- open
    def _open(self, h5py_kwargs):
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
            self.lease = self._service.acquire_shared(self.lock_key)
            self._open_read()
            return
        self.lease = self._service.acquire_exclusive(self.lock_key)
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
        self._h5 = h5py.File(self._jf, h5mode, driver="fileobj", **kw)

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
            self._h5 = h5py.File(OverlayFile(self._fd, j), "r", driver="fileobj")
        else:
            self._h5 = _open_h5_readonly(self._target)

    # ---- h5py-like surface
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def __getitem__(self, name):
        return _wrap(self, self._h5_obj()[name])

    def __contains__(self, name):
        return name in self._h5_obj()

    def __iter__(self):
        return iter(self._h5_obj())

    def __len__(self):
        return len(self._h5_obj())

    def keys(self):
        return self._h5_obj().keys()

    def values(self):
        return [self[k] for k in self.keys()]

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    @property
    def attrs(self):
        return self._h5_obj().attrs

    @property
    def name(self):
        return "/"

    def visit(self, fn):
        return self._h5_obj().visit(fn)

    def create_group(self, name, **kw):
        return Group(self, self._h5_writable().create_group(name, **kw))

    def require_group(self, name):
        return Group(self, self._h5_writable().require_group(name))

    def create_dataset(self, name, shape=None, dtype=None, data=None, **kw):
        ds = self._h5_writable().create_dataset(name, shape, dtype, data, **kw)
        self._created.add(ds.name)
        self._touched.add(ds.name)
        return Dataset(self, ds)

    def require_dataset(self, name, shape, dtype, exact=False, **kw):
        existed = name in self._h5_writable()
        ds = self._h5.require_dataset(name, shape, dtype, exact, **kw)
        if not existed:
            self._created.add(ds.name)
            self._touched.add(ds.name)
        return Dataset(self, ds)

    def __delitem__(self, name):
        del self._h5_writable()[name]

    def append(self, dataset, rows, chunk_rows=None, compression=None):
        """Appends ``rows`` along dimension 0 of ``dataset`` (created resizable and chunked if missing; the
        common instrument case). Returns the new row count."""
        h5 = self._h5_writable()
        rows = np.asarray(rows)
        if rows.ndim == 0:
            raise DataError("append to %s: rows must have at least one dimension (rows along dimension 0), got a "
                            "scalar" % dataset)
        if dataset not in h5:
            chunk = chunk_rows or max(1, (64 << 10) // max(1, rows.itemsize * int(np.prod(rows.shape[1:]))))
            ds = h5.create_dataset(dataset, shape=(0,) + rows.shape[1:], maxshape=(None,) + rows.shape[1:],
                                   dtype=rows.dtype, chunks=(chunk,) + rows.shape[1:], compression=compression)
            self._created.add(ds.name)
            self._touched.add(ds.name)
        else:
            ds = h5[dataset]
            if not isinstance(ds, h5py.Dataset):
                raise DataError("append to %s in %s: it is a group, not a dataset" % (dataset, self.filename))
            if ds.shape[1:] != rows.shape[1:]:
                raise DataError("append to %s in %s: rows have shape %s per row, the dataset %s"
                                % (dataset, self.filename, rows.shape[1:], ds.shape[1:]))
            if ds.maxshape[0] is not None and ds.shape[0] + len(rows) > ds.maxshape[0]:
                raise DataError("append to %s in %s: dataset is not resizable along dimension 0 (maxshape %s); "
                                "create it with maxshape=(None, ...)" % (dataset, self.filename, ds.maxshape))
            rows = _exactly_as(rows, ds.dtype, "append to %s in %s" % (dataset, self.filename))
        if len(rows) == 0:
            return ds.shape[0]  # a 0-row append changes nothing on disk (a new dataset is still created)
        self._touched.add(ds.name)
        n = ds.shape[0]
        ds.resize(n + len(rows), axis=0)
        ds[n:] = rows
        return ds.shape[0]

    # ---- commit
    def close(self):
        """Read mode: releases the lease. Write modes: commits (atomically, fenced) and releases the lease."""
        if self._h5 is None and self.lease is None:
            return
        if self.readonly:
            self._close_h5()
            self._release()
            return
        try:
            self._commit()
        except BaseException:
            self._abort()
            raise
        self._release()

    def _commit(self):
        lease = self.lease
        lease.check_valid()
        token = lease.token
        for name in sorted(self._touched):
            if name not in self._h5:
                continue
            ds = self._h5[name]
            gen = int(ds.attrs.get(ATTR_GENERATION, 0)) + 1 if name not in self._created else 1
            if name in self._created:
                ds.attrs[ATTR_CREATED] = np.int64(token)
            ds.attrs[ATTR_FENCE] = np.int64(token)
            ds.attrs[ATTR_ROWS] = np.int64(ds.shape[0] if ds.shape else 1)
            ds.attrs[ATTR_GENERATION] = np.int64(gen)
        self._close_h5()
        _pause("written")

        def fence():
            lease.check_valid()
            if not self._service.is_exclusive_holder(self.lock_key, token):
                raise FencedError("%s: not committed, the exclusive lease with token %d is no longer current "
                                  "(another writer may hold the file)" % (self.filename, token))

        if self._new_path is not None:
            os.fsync(self._fd)
            _pause("data-synced")
            fence()
            os.rename(self._new_path, self._target)
            self._new_path = None
            _journal.fsync_dir(self._target)
        else:
            self._jf.commit(self._journal, fence, _pause)
            self._journal = None
        self.committed = True

    def _abort(self):
        try:
            self._close_h5()
        except Exception:
            pass
        if self._jf is not None and not self.committed and self._new_path is None:
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
        h5, self._h5 = self._h5, None
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

    def _h5_obj(self):
        if self._h5 is None:
            raise H5SwmrError("%s is closed" % self.filename)
        return self._h5

    def _h5_writable(self):
        h5 = self._h5_obj()
        if self.readonly:
            raise H5SwmrError("%s is open read-only (mode 'r'); open it with mode 'a' or 'r+' to write"
                              % self.filename)
        self.lease.check_valid()
        return h5

    def _check(self):
        """After a read: the lease was valid throughout, so no writer can have changed what was read."""
        self.lease.check_valid()

    def __del__(self):
        if getattr(self, "lease", None) is None:
            return
        if not self.readonly:
            import warnings
            warnings.warn("h5swmr.File(%r, %r) was never closed: its changes are discarded (write modes commit at "
                          "close() or at the end of a with block)" % (self.filename, self.mode), ResourceWarning)
        try:
            self._abort()
        except Exception:
            pass

    def __repr__(self):
        return "<h5swmr.File %r (mode %r, %s)>" % (self.filename, self.mode,
                                                    "closed" if self._h5 is None else "open")


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
