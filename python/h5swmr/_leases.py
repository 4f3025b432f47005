"""The leases this process holds and the lock services it talks through: one ``LockService`` per Redis and settings,
closed at exit, and per-thread reentrancy of leases on one resource. ``File`` (file.py) and the ``@reader`` /
``@writer`` decorators (locking.py) both take their leases here, so they exclude each other and nest alike.

Imports only ``lock`` and ``errors``; the modules that hold the ``redis_conn`` setting register themselves with
``watch_redis_conn`` instead of being imported from here."""
import atexit
import os
import threading
import urllib.parse

from .errors import LeaseLostError, LockError
from .lock import (DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_PREFIX, DEFAULT_LEASE_TTL, SHARED,
                   LockService)

ENV_REDIS_URL = "H5SWMR_REDIS_URL"

_redis_conn_settings = []  # modules with a ``redis_conn`` attribute, first set one wins


def watch_redis_conn(module):
    """Makes ``module.redis_conn`` (when assigned) the Redis of leases taken without an explicit URL."""
    if module not in _redis_conn_settings:
        _redis_conn_settings.append(module)


def _client_url(client):
    kw = client.connection_pool.connection_kwargs
    if "path" in kw:
        raise ValueError("redis_conn: unix-socket connections are not supported; use a TCP host and port")
    user, pw = kw.get("username"), kw.get("password")
    cred = ""
    if pw:
        cred = "%s:%s@" % (urllib.parse.quote(user or "", safe=""), urllib.parse.quote(pw, safe=""))
    scheme = "rediss" if "ssl" in type(client.connection_pool.connection_class()).__name__.lower() else "redis"
    return "%s://%s%s:%d/%d" % (scheme, cred, kw.get("host", "localhost"), int(kw.get("port", 6379)),
                                int(kw.get("db", 0) or 0))


def configured_url():
    """The URL of an assigned ``redis_conn`` (``h5swmr.locking.redis_conn``, else ``h5swmr.redis_conn``), else None."""
    conn = None
    for settings in _redis_conn_settings:
        conn = getattr(settings, "redis_conn", None)
        if conn is not None:
            break
    if conn is None:
        return None
    if isinstance(conn, str):
        return conn
    return _client_url(conn)


_services = {}
_services_lock = threading.Lock()


def lock_service(redis_url=None, key_prefix=DEFAULT_KEY_PREFIX, lock_ttl=DEFAULT_LEASE_TTL,
                 timeout=DEFAULT_ACQUIRE_TIMEOUT, connect_timeout=DEFAULT_CONNECT_TIMEOUT):
    """The process-wide LockService for these settings (closed at exit). Without ``redis_url``: the Redis of an
    assigned ``h5swmr.redis_conn`` (h5pySWMR's setting), else $H5SWMR_REDIS_URL, else redis://localhost:6379."""
    url = redis_url or configured_url() or os.environ.get(ENV_REDIS_URL) or "redis://localhost:6379"
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


class _Held:
    """A lease this thread holds, shared by reentrant shared acquisitions (see ``_acquire``)."""

    def __init__(self, key, lease, holder):
        self.key = key
        self.lease = lease
        self.holder = holder
        self.count = 1


class _LeaseRef:
    """One acquisition of a possibly shared ``_Held`` lease; ``close`` releases the lease with the last one."""

    def __init__(self, held):
        self._held = held
        self._closed = False

    token = property(lambda self: self._held.lease.token)
    mode = property(lambda self: self._held.lease.mode)
    id = property(lambda self: self._held.lease.id)

    def is_valid(self):
        return not self._closed and self._held.lease.is_valid()

    def check_valid(self):
        if self._closed:
            raise LeaseLostError("%s is no longer valid: it was released" % self.describe())
        self._held.lease.check_valid()

    def describe(self):
        return self._held.lease.describe()

    def close(self):
        if self._closed:
            return
        self._closed = True
        h = self._held
        with _held_lock:
            h.count -= 1
            last = h.count == 0
            if last and _held.get(h.key) is h:
                del _held[h.key]
        if last:
            h.lease.close()


_held = {}
_held_lock = threading.Lock()


def _acquire(service, resource, mode, holder, reentrant_exclusive=False):
    """A lease on ``resource`` for the calling thread. A thread that already holds a lease on the same resource
    (through the same Redis and key prefix) would otherwise wait for itself until the timeout: a second shared
    lease reuses the first (reentrant); an exclusive one after a shared one, or anything after an exclusive one,
    fails at once naming the holder (``reentrant_exclusive``: the lock decorators nest writers in writers)."""
    key = (os.getpid(), threading.get_ident(), service.endpoint.redacted(), service.key_prefix, resource)
    with _held_lock:
        h = _held.get(key)
        if h is not None and h.lease.is_valid():
            if h.lease.mode == mode and (mode == SHARED or reentrant_exclusive):
                h.count += 1
                return _LeaseRef(h)
            raise LockError("Cannot take a %s lease on '%s': this thread already holds its %s lease (%s, held by %s); "
                            "waiting would deadlock until the timeout. Close that first, or do this inside it "
                            "through the same object" % ("SHARED" if mode == SHARED else "EXCLUSIVE", resource,
                                                         "SHARED" if h.lease.mode == SHARED else "EXCLUSIVE",
                                                         h.lease.describe(), h.holder))
    lease = service.acquire(resource, mode)
    with _held_lock:
        h = _Held(key, lease, holder)
        if _held.get(key) is None or not _held[key].lease.is_valid():
            _held[key] = h
        return _LeaseRef(h)
