"""A persistent append session: ``Appender(path, dataset)`` keeps the exclusive lease, the write fence and the open
h5py file between appends, and makes each ``append`` one journaled, fenced, crash-safe commit of its own (the same
commit as ``h5swmr.append``, docs/journal.md), without paying the lease, the fence, recovery and the open of the
file again for every block. It hands the file over as soon as anybody waits for it (checked in the commit's fence
round trip, and every ``poll`` seconds while idle), and when idle for ``idle_release`` seconds; the next append
takes the lease again. Appends of several threads that queue up behind a commit are committed together (group
commit)."""
import atexit
import concurrent.futures
import sys
import threading
import time
import weakref

import numpy as np

from .errors import DataError, H5SwmrError, LeaseLostError
from .file import File, _Session, _pending
from .lock import DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_PREFIX, DEFAULT_LEASE_TTL

DEFAULT_IDLE_RELEASE = 1.0
DEFAULT_POLL = 0.01

_unflushed = set()  # appenders with queued blocks (kept alive until committed, flushed at exit)
_unflushed_lock = threading.Lock()


@atexit.register
def _flush_all():  # registered after the lock services' close, so it runs before it
    for a in list(_unflushed):
        try:
            a.flush()
        except Exception as e:
            sys.stderr.write("h5swmr: Appender(%r, %r) could not commit its queued blocks at exit: %s: %s\n"
                             % (a.filename, a.dataset, type(e).__name__, e))


class _Block:
    __slots__ = ("rows", "done", "result", "error", "future")

    def __init__(self, rows, future=None):
        self.rows = rows
        self.done = False
        self.result = None
        self.error = None
        self.future = future

    def finish(self, error=None):
        self.error = error
        self.done = True
        if self.future is not None:
            if error is None:
                self.future.set_result(self.result)
            else:
                self.future.set_exception(error)


class Appender:
    """Appends blocks of rows to one dataset of one file, each block one commit, keeping what can stay open open.

    ``with h5swmr.Appender('run.h5', '/sensor', redis_url=...) as app: app.append(block)`` - ``append`` returns
    once the block is durable and visible to readers (the dataset's new row count), exactly as
    ``h5swmr.append(path, dataset, block)`` would, only cheaper: between appends the appender keeps the exclusive
    lease (renewed in the background), the write fence (fcntl lock) and the h5py file open. Readers are not
    starved: when a lease waits for the file (a reader in another process, a Spark task, another writer), the
    appender releases everything right after its current commit (or within ``poll`` seconds when idle), the waiter
    gets in, and the next append queues for the lease again - with writer preference, so later readers wait for
    it. After ``idle_release`` seconds without an append it releases as well.

    The dataset is created by the first append when missing (resizable along dimension 0, chunked: ``chunk_rows``
    rows per chunk, default ~64 KiB; ``compression`` as h5py's); blocks must match its row shape and dtype under
    the rules of ``File.append``. A lost lease (the process paused or cut off from Redis past the lease TTL, or the
    lease force-released) makes the next append fail with ``LeaseLostError`` or ``FencedError`` and commit
    nothing; the file keeps its last commit, and the append after that takes a new lease. Any failed append
    leaves the file as its last commit left it.

    Thread-safe: blocks appended by several threads while a commit runs are committed together as one commit
    (all or nothing), each ``append`` returning when its block is durable. ``close()`` (or the end of the
    ``with`` block) releases the lease; nothing is ever pending, so an appender that is collected without
    ``close()`` loses nothing. In the thread that holds the lease (the one whose append took it), open a
    ``File`` of the same file only after ``release()``, or read through ``read()``.

    Lock arguments as for ``File``; other keyword arguments go to h5py.File when the file is created.
    """

    def __init__(self, path, dataset, redis_url=None, lock_ttl=DEFAULT_LEASE_TTL, timeout=DEFAULT_ACQUIRE_TIMEOUT,
                 key_prefix=DEFAULT_KEY_PREFIX, lock_key=None, connect_timeout=DEFAULT_CONNECT_TIMEOUT,
                 chunk_rows=None, compression=None, idle_release=DEFAULT_IDLE_RELEASE, poll=DEFAULT_POLL,
                 **h5py_kwargs):
        if not isinstance(dataset, str) or not dataset.strip("/"):
            raise DataError("Appender: dataset must be a dataset path such as '/sensor', got: %r" % (dataset,))
        for name, v in (("idle_release", idle_release), ("poll", poll)):
            if not isinstance(v, (int, float)) or v != v or v <= 0:
                raise H5SwmrError("Appender: %s must be a positive number of seconds, got: %r" % (name, v))
        self._file = File(path, "a", redis_url=redis_url, lock_ttl=lock_ttl, timeout=timeout, key_prefix=key_prefix,
                          lock_key=lock_key, connect_timeout=connect_timeout, **h5py_kwargs)
        # the appender creates the file with its first append, never at exit
        self._file._pending_open = False
        _pending.discard(self._file)
        self.dataset = "/" + dataset.strip("/")
        self.filename = self._file.filename
        self._chunk_rows = chunk_rows
        self._compression = compression
        self._idle_release = float(idle_release)
        self._poll = float(poll)
        self._lock = threading.Lock()  # one commit (or release) at a time
        self._queue_lock = threading.Lock()
        self._queue = []
        self._session = None
        self._lost = None  # why the lease was lost while the appender was idle (raised by the next append)
        self._closed = False
        self._last = time.monotonic()
        self._wake = threading.Event()
        self._watcher = None
        self._committer = None
        self._queued = threading.Event()
        self._async_error = None
        self.commits = 0  # commits made (a group of queued blocks counts once)
        self.yields = 0  # times the lease was handed over because somebody waited

    # ---- public
    def append(self, rows, wait=True):
        """Appends ``rows`` (rows along dimension 0) as one commit; returns the dataset's row count after them.

        ``wait=False`` queues the block and returns at once a ``concurrent.futures.Future`` of that count, which
        completes when the block is durable (or fails with the commit's error); a background thread commits the
        queued blocks, as many as queued up as one commit. ``flush()`` waits for all of them."""
        rows = np.asarray(rows)
        if rows.ndim == 0:
            raise DataError("append to %s: rows must have at least one dimension (rows along dimension 0), got a "
                            "scalar" % self.dataset)
        self._check_open()
        block = _Block(rows, None if wait else concurrent.futures.Future())
        with self._queue_lock:
            self._queue.append(block)
            if not wait:
                with _unflushed_lock:
                    _unflushed.add(self)
                self._queued.set()
                self._start_committer()
        if not wait:
            return block.future
        with self._lock:
            if not block.done:
                self._drain()
        if block.error is not None:
            raise block.error
        return block.result

    def flush(self):
        """Commits the blocks still queued by ``append(..., wait=False)`` (in this thread) and waits for them;
        raises the first error such a block failed with since the last flush."""
        with self._lock:
            self._drain()
            error, self._async_error = self._async_error, None
        with self._queue_lock:
            if not self._queue:
                with _unflushed_lock:
                    _unflushed.discard(self)
        if error is not None:
            raise error

    def read(self, key=()):
        """Reads ``dataset[key]`` as committed: through the appender's own session while it holds the lease, else
        under a shared lease of its own."""
        with self._lock:
            self._check_open()
            s = self._session
            if s is not None and s.lease.is_valid():
                return s.h5[self.dataset][key]
        with File(self.filename, "r", **self._lock_args()) as f:
            return f[self.dataset][key]

    def release(self):
        """Hands the file over now (lease, write fence and h5py file); the next append takes the lease again."""
        with self._lock:
            self._release()

    def close(self):
        """Commits the blocks still queued (``wait=False``), releases the lease; the appender cannot be used
        afterwards. Raises as ``flush()`` does."""
        with self._lock:
            if self._closed:
                return
            try:
                self._drain()
            finally:
                self._closed = True
                with _unflushed_lock:
                    _unflushed.discard(self)
                self._release()
                self._wake.set()
                self._queued.set()
            error, self._async_error = self._async_error, None
        if error is not None:
            raise error

    @property
    def holds_lease(self):
        """True while the appender holds the file's exclusive lease (between appends, until it hands it over)."""
        s = self._session
        return s is not None and s.lease is not None and s.lease.is_valid()

    def __enter__(self):
        self._check_open()
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_session", None) is not None:
            try:
                self._session.abort()
            except Exception:
                pass

    def __repr__(self):
        return "<h5swmr.Appender %r %s (%s)>" % (self.filename, self.dataset, "closed" if self._closed else
                                                 "holding the lease" if self.holds_lease else "idle")

    # ---- internals (called with self._lock held)
    def _check_open(self):
        if self._closed:
            raise H5SwmrError("Appender of %s in %s is closed" % (self.dataset, self.filename))

    def _lock_args(self):
        url, prefix, ttl, timeout, ct = self._file._service_args
        return dict(redis_url=url, key_prefix=prefix, lock_ttl=ttl, timeout=timeout, connect_timeout=ct,
                    lock_key=self._file.lock_key)

    def _drain(self):
        with self._queue_lock:
            batch, self._queue = self._queue, []
        if batch:
            try:
                self._commit(batch)
            except Exception as e:
                if any(b.future is not None for b in batch) and self._async_error is None:
                    self._async_error = e
                if all(b.future is not None for b in batch):
                    return  # nobody waits in this thread: the futures carry it
                raise

    def _start_committer(self):
        if self._committer is None or not self._committer.is_alive():
            self._committer = threading.Thread(target=_commit_queued, args=(weakref.ref(self),), daemon=True,
                                               name="h5swmr-appender-commit")
            self._committer.start()

    def _commit(self, batch):
        try:
            self._check_open()
            if self._lost is not None:
                why, self._lost = self._lost, None
                raise LeaseLostError("append to %s in %s not committed: the appender's exclusive lease was lost "
                                     "while it was idle (%s). The file keeps its last commit; the next append "
                                     "takes a new lease" % (self.dataset, self.filename, why))
            s = self._session
            if s is not None and not s.lease.is_valid():
                try:
                    s.lease.check_valid()
                except LeaseLostError as e:
                    self._release()
                    raise LeaseLostError("append to %s in %s not committed: %s. The file keeps its last commit; "
                                         "the next append takes a new lease" % (self.dataset, self.filename, e)) \
                        from None
            if s is None:
                s = self._open()
            s.begin()
            try:
                for b in batch:
                    b.result = self._file._append(self.dataset, b.rows, self._chunk_rows, self._compression)
                waiting = s.checkpoint()
            except BaseException:
                self._session = self._file._session = None
                s.abort()
                raise
            self._file._opened_now()
            self.commits += 1
            self._last = time.monotonic()
            if waiting:
                self.yields += 1
                self._release()
        except BaseException as e:
            for b in batch:
                b.finish(e)
            raise
        for b in batch:
            b.finish()

    def _open(self):
        holder = "h5swmr.Appender(%r, %r) in thread %r" % (self.filename, self.dataset,
                                                           threading.current_thread().name)
        s = _Session(self._file, self._file._next_mode(), holder)
        self._session = self._file._session = s
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=_watch, args=(weakref.ref(self),), daemon=True,
                                             name="h5swmr-appender-watch")
            self._watcher.start()
        self._wake.set()
        return s

    def _release(self):
        s, self._session = self._session, None
        self._file._session = None
        if s is not None:
            s.abort()  # every append was committed: this only drops what h5py's close writes, and the lease

    def _idle_check(self):
        """From the watcher thread: hand the file over when somebody waits, the lease was lost, or after
        ``idle_release``. Returns the time to wait until the next check (None: nothing held)."""
        if not self._lock.acquire(blocking=False):
            return self._poll  # an append runs; its commit checks for waiters itself
        try:
            s = self._session
            if s is None:
                return None
            if not s.lease.is_valid():
                try:
                    s.lease.check_valid()
                except LeaseLostError as e:
                    self._lost = str(e)
                self._release()  # frees the write fence at once for the writer that got the lease
                return None
            if time.monotonic() - self._last >= self._idle_release:
                self._release()
                return None
            if s._service.waiters(s.lock_key) > 0:
                self.yields += 1
                self._release()
                return None
            return self._poll
        except Exception:
            self._release()  # Redis unreachable: the lease cannot be renewed either
            return None
        finally:
            self._lock.release()


def _commit_queued(ref):
    """The committer of ``append(..., wait=False)``: commits whatever queued up, one commit per round."""
    while True:
        a = ref()
        if a is None:
            return
        queued = a._queued
        with a._queue_lock:
            idle = not a._queue
            if idle:
                queued.clear()
                with _unflushed_lock:
                    _unflushed.discard(a)
        if idle:
            if a._closed:
                return
            del a
            queued.wait(1.0)
            continue
        try:
            with a._lock:
                if not a._closed:
                    a._drain()
        except Exception:
            pass  # the blocks' futures carry the error
        del a


def _watch(ref):
    while True:
        a = ref()
        if a is None or a._closed:
            return
        wake = a._wake
        wake.clear()  # before the check: a session opened after it sets it again
        wait = a._idle_check()
        del a
        if wait is None:
            wake.wait(1.0)
        else:
            time.sleep(wait)
