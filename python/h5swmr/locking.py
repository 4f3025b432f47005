"""h5pySWMR's locking API on h5swmr's leases: the ``reader`` and ``writer`` method decorators and the
``redis_conn`` setting.

``@reader`` runs the method under a shared lease, ``@writer`` under the exclusive lease, on the resource named by
the object's ``file`` attribute (a path, or an h5swmr File/Group/Dataset) - the same lease an ``h5swmr.File`` of
that path takes, so decorated code and Files (and the Spark connector) exclude each other. Writer preference holds:
a waiting writer is let in before readers that arrive after it. Leases are renewed while the method runs; a holder
that dies loses its lease after the TTL, so nothing stays locked by a dead process (h5pySWMR cleaned up at exit).
If the lease was lost while the method ran (Redis unreachable for longer than the TTL, process paused), the call
raises LeaseLostError when it returns, since another writer may have been let in meanwhile.

Nesting in one thread: readers in readers and writers in writers reuse the held lease; a reader inside a writer, or
a writer inside a reader, raises LockError at once (it would wait for itself until the timeout).

``redis_conn``: assign a ``redis.Redis`` client (as h5pySWMR's README does) to point every lease taken without an
explicit ``redis_url`` at that server: ``h5swmr.locking.redis_conn = redis.Redis(host='localhost', port=6666)``
(``h5swmr.redis_conn = ...`` works too). Only its address, database and credentials are used; h5swmr talks to Redis
through its own connection. Default: None, which means $H5SWMR_REDIS_URL, else redis://localhost:6379.
``lock_ttl`` and ``timeout`` (module settings, seconds) are the decorators' lease TTL (30) and wait limit (600).
"""
import functools
import os
import sys

from ._leases import _acquire, configured_url, lock_service, watch_redis_conn  # configured_url: public here as before
from .lock import DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_LEASE_TTL, EXCLUSIVE, SHARED, resource_for_file

redis_conn = None
lock_ttl = DEFAULT_LEASE_TTL  # seconds; the decorators' lease TTL (how long a dead holder blocks others)
timeout = DEFAULT_ACQUIRE_TIMEOUT  # seconds the decorators wait for a lease

watch_redis_conn(sys.modules[__name__])
if __package__ in sys.modules:
    watch_redis_conn(sys.modules[__package__])  # h5swmr.redis_conn = ... works too


def _resource(obj):
    target = getattr(obj, "file", None)
    if target is None:
        raise TypeError("@reader/@writer: %r has no 'file' attribute naming the resource to lock" % (obj,))
    key = getattr(target, "lock_key", None)
    if key is not None:
        return key
    if hasattr(target, "file") and getattr(target.file, "lock_key", None) is not None:
        return target.file.lock_key
    return resource_for_file(os.fspath(target))


def _locked(mode, method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        resource = _resource(self)
        holder = "@%s %s.%s" % ("reader" if mode == SHARED else "writer", type(self).__name__, method.__name__)
        lease = _acquire(lock_service(lock_ttl=lock_ttl, timeout=timeout), resource, mode, holder,
                         reentrant_exclusive=True)
        try:
            result = method(self, *args, **kwargs)
            lease.check_valid()
            return result
        finally:
            lease.close()
    return wrapper


def reader(method):
    """Decorator: run the method under a shared lease on ``self.file``."""
    return _locked(SHARED, method)


def writer(method):
    """Decorator: run the method under the exclusive lease on ``self.file``."""
    return _locked(EXCLUSIVE, method)
