"""Reader–writer leases in Redis, speaking exactly the Java connector's protocol (io.h5swmr.lock).

Same keys (``<prefix>{<hex sha-256 of resource, 16 bytes>}:readers|writer|waiters|wwaiters|wexp|info|token|seq|
epoch``), same Lua scripts (loaded from the connector's one copy, see ``_scripts``), same arguments, so Python and
Java holders of one file exclude each other. See docs/lock-service.md for the data model.
"""
import hashlib
import logging
import os
import random
import socket
import threading
import time

from . import _scripts
from ._endpoint import Endpoint
from .errors import ConfigError, LeaseLostError, LockError, LockTimeoutError

SHARED = "S"
EXCLUSIVE = "X"
_MODE_NAMES = {SHARED: "SHARED", EXCLUSIVE: "EXCLUSIVE"}
DEFAULT_REDIS_URL = "redis://localhost:6379"
DEFAULT_KEY_PREFIX = "h5swmr:"
DEFAULT_LEASE_TTL = 30.0
DEFAULT_ACQUIRE_TIMEOUT = 600.0
DEFAULT_CONNECT_TIMEOUT = 5.0
MIN_LEASE_TTL = 0.5
_INITIAL_BACKOFF = 0.02
_MAX_BACKOFF = 0.5
_HOST = socket.gethostname().replace("|", "_") or "unknown-host"
_LOG = logging.getLogger("h5swmr.lock")


def resource_for_file(path):
    """The lock resource of a file: its canonical absolute path (symlinks and '..' resolved; for a file that does
    not exist yet, its nearest existing ancestor resolved) - the same as Java's LockKeys.forFile."""
    absolute = os.path.normpath(os.path.abspath(os.fspath(path)))
    if os.path.exists(absolute):
        return os.path.realpath(absolute)
    existing = os.path.dirname(absolute)
    while existing and not os.path.exists(existing) and existing != os.path.dirname(existing):
        existing = os.path.dirname(existing)
    if not os.path.exists(existing):
        return absolute
    return os.path.normpath(os.path.join(os.path.realpath(existing), os.path.relpath(absolute, existing)))


def _tag(resource):
    return hashlib.sha256(resource.encode("utf-8")).hexdigest()[:32]


class Keys:
    """The nine Redis keys of one lock, in the scripts' KEYS order."""

    def __init__(self, prefix, resource):
        self.resource = resource
        self.tag = _tag(resource)
        base = "%s{%s}" % (prefix, self.tag)
        self.all = [base + s for s in (":readers", ":writer", ":waiters", ":wwaiters", ":wexp", ":info", ":token",
                                       ":seq", ":epoch")]


def _seconds(name, value, minimum=0.0, allow_zero=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError("%s must be a number of seconds, got: %r" % (name, value)) from None
    if v != v or v < minimum or (v == 0 and not allow_zero):
        raise ConfigError("%s must be %s %s seconds, got: %r"
                          % (name, "at least" if allow_zero else "more than", minimum, value))
    return v


class LockService:
    """A connection to Redis plus a renewal thread and a wake-up subscriber; thread-safe. Close it (or use it as a
    context manager) to release every lease it still holds."""

    def __init__(self, redis_url=DEFAULT_REDIS_URL, key_prefix=DEFAULT_KEY_PREFIX, lease_ttl=DEFAULT_LEASE_TTL,
                 acquire_timeout=DEFAULT_ACQUIRE_TIMEOUT, connect_timeout=DEFAULT_CONNECT_TIMEOUT):
        self.endpoint = Endpoint(redis_url)
        if not isinstance(key_prefix, str) or "{" in key_prefix or "}" in key_prefix:
            raise ConfigError("key_prefix must be a string without '{' or '}' (they would break the Redis Cluster "
                              "hash tag), got: %r" % (key_prefix,))
        self.key_prefix = key_prefix
        self.lease_ttl = _seconds("lease_ttl", lease_ttl, MIN_LEASE_TTL)
        self.acquire_timeout = _seconds("acquire_timeout", acquire_timeout)
        self.connect_timeout = _seconds("connect_timeout", connect_timeout, 0, allow_zero=False)
        self.ttl_ms = int(round(self.lease_ttl * 1000))
        self.waiter_ttl_ms = max(2000, min(self.ttl_ms, 5000))
        self.channel = key_prefix + "events"
        self._host_pid = "%s|%d" % (_HOST, os.getpid())
        self._lock = threading.Lock()
        self._active = set()
        self._closed = False
        self._hub = None
        self.leases_lost = 0
        self._durable = "0"
        self._durability_checked = False
        self._hold_back_notices = 0
        try:
            self.client = self.endpoint.client(self.connect_timeout)
        except Exception as e:  # redis-py raises at first use, but some URL forms connect here
            raise self._connection_error("connect", e) from None
        self._renewer = threading.Thread(target=self._renew_loop, name="h5swmr-lease-renewal", daemon=True)
        self._wakeup = threading.Condition(self._lock)
        self._renewer.start()

    # ---- scripts
    def _run(self, name, keys, args):
        import redis
        try:
            return self.client.evalsha(_scripts.SHAS[name], len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return self.client.eval(_scripts.SCRIPTS[name], len(keys), *keys, *args)

    def _marker_keys(self, keys):
        """Keys 10 and 11 of acquire.lua: the fresh-server and incarnation markers (per lock on Cluster)."""
        if self.endpoint.kind == "redis-cluster":
            return [keys.all[8] + ":fresh", keys.all[8] + ":incarnation"]
        return [self.key_prefix + "fresh-server", self.key_prefix + "incarnation"]

    def _held_back(self, resource, held_back_ms, cause):
        """A held-back reply: True to retry at once (a restored server found to fsync every write, checked once);
        else logs the first one at INFO, as the Java client does."""
        if cause == "restored" and not self._durability_checked:
            self._durability_checked = True
            if self._fsyncs_every_write():
                self._durable = "1"
                return True
        if self._hold_back_notices == 0:
            _LOG.warning("Lock service: Redis at %s was (re)started less than one lease TTL ago (%d ms), and %s. So "
                      "that holders from before the start see their leases lost before anybody else is let in, no "
                      "lease is granted until the server has been up for TTL + 1 s (%d ms from now; first seen on "
                      "'%s'). %s. (Logged once.)", self.endpoint.hosts_text(), self.ttl_ms, _why(cause),
                      held_back_ms, resource, self._skip())
        self._hold_back_notices += 1
        return False

    def _skip(self):
        return ("To skip the wait on a Redis you have just started empty, call h5swmr.LockService(%r%s)"
                ".declare_fresh_server() (or LockAdmin mark-fresh); a server with appendonly yes + appendfsync "
                "always needs no wait after a restart" % (self.endpoint.redacted(), "" if self.key_prefix ==
                                                          DEFAULT_KEY_PREFIX else ", key_prefix=%r" % self.key_prefix))

    def _fsyncs_every_write(self):
        if self.endpoint.kind == "redis-cluster":
            return False
        try:
            aof = str(self.client.config_get("appendonly").get("appendonly", "")).lower()
            fsync = str(self.client.config_get("appendfsync").get("appendfsync", "")).lower()
            return aof == "yes" and fsync == "always"
        except Exception:
            return False

    # ---- public API
    def acquire_shared(self, resource, timeout=None):
        return self.acquire(resource, SHARED, timeout)

    def acquire_exclusive(self, resource, timeout=None):
        return self.acquire(resource, EXCLUSIVE, timeout)

    def acquire(self, resource, mode, timeout=None):
        """Waits up to ``timeout`` seconds (default: acquire_timeout; 0: one attempt) for a lease.

        Raises LockTimeoutError naming the holders, LockError when Redis cannot be reached."""
        self._check_open()
        if not resource or not isinstance(resource, str):
            raise ConfigError("lock resource name must be a non-empty string, got: %r" % (resource,))
        if mode not in _MODE_NAMES:
            raise ConfigError("lock mode must be 'S' (shared) or 'X' (exclusive), got: %r" % (mode,))
        timeout = self.acquire_timeout if timeout is None else _seconds("timeout", timeout)
        keys = Keys(self.key_prefix, resource)
        lease_id = "%s-%016x" % (_base36(os.getpid()), random.getrandbits(64))
        args = [mode, lease_id, str(self.ttl_ms), str(self.waiter_ttl_ms), self._host_pid, resource, self.channel,
                keys.tag, "1" if timeout > 0 else "0"]
        start = time.monotonic()
        backoff = _INITIAL_BACKOFF
        reached = False
        held_back, cause = 0, ""
        waiter = None
        try:
            while True:
                call_start = time.monotonic()
                result = None
                try:
                    result = self._run("acquire", keys.all + self._marker_keys(keys), args + [self._durable])
                    reached = True
                except Exception as e:
                    import redis
                    loading = isinstance(e, redis.exceptions.BusyLoadingError)  # a restarting server: retry
                    if (not reached and not loading) or call_start - start >= timeout:
                        self._cancel_quietly(keys, lease_id)
                        raise self._connection_error("acquire a %s lease on '%s'" % (_MODE_NAMES[mode], resource),
                                                     e) from None
                if result is not None and int(result[0]) == 1:
                    return self._granted(keys, mode, lease_id, int(result[1]), time.monotonic() - start, call_start)
                if result is not None and len(result) > 2 and int(result[2]) > 0:
                    held_back, cause = int(result[2]), str(result[3]) if len(result) > 3 else ""
                    if self._held_back(resource, held_back, cause):
                        continue
                remaining = timeout - (time.monotonic() - start)
                if remaining <= 0:
                    self._cancel_quietly(keys, lease_id)
                    raise self._timeout_error(keys, mode, time.monotonic() - start, held_back, cause)
                if waiter is None:
                    waiter = self._hub_get().register(keys.tag)
                jitter = random.uniform(0, backoff / 4)
                woken = waiter.wait(min(backoff + jitter, remaining))
                waiter.clear()
                backoff = _INITIAL_BACKOFF if woken else min(_MAX_BACKOFF, backoff * 2)
        except BaseException:
            if not reached or waiter is not None:
                self._cancel_quietly(keys, lease_id)
            raise
        finally:
            if waiter is not None:
                self._hub.unregister(keys.tag, waiter)

    def is_exclusive_holder(self, resource, token):
        """True if ``token`` is the fencing token of the current, unexpired exclusive lease (one Redis call)."""
        self._check_open()
        keys = Keys(self.key_prefix, resource)
        try:
            return int(self._run("is_holder", keys.all, [str(int(token))])) == 1
        except Exception as e:
            raise self._connection_error("check the exclusive holder of '%s'" % resource, e) from None

    def holder_and_waiters(self, resource, token):
        """(``is_exclusive_holder(resource, token)``, number of leases queued for the lock) in one round trip: what
        a writer that keeps its lease between commits checks at each commit, to hand the file over when somebody
        waits. The count may include waiters whose registration expired but was not purged yet (every script run
        purges them), so it can only make the holder yield once too often, never too late."""
        self._check_open()
        keys = Keys(self.key_prefix, resource)
        try:
            if self.endpoint.kind != "redis-cluster":
                import redis
                pipe = self.client.pipeline(transaction=False)
                pipe.evalsha(_scripts.SHAS["is_holder"], len(keys.all), *keys.all, str(int(token)))
                pipe.zcard(keys.all[2])
                try:
                    held, waiting = pipe.execute()
                    return int(held) == 1, int(waiting)
                except redis.exceptions.NoScriptError:
                    pass  # not loaded in this server yet: the calls below load it
            held = int(self._run("is_holder", keys.all, [str(int(token))])) == 1
            return held, int(self.client.zcard(keys.all[2]))
        except Exception as e:
            raise self._connection_error("check the exclusive holder of '%s'" % resource, e) from None

    def waiters(self, resource):
        """The number of leases queued for the lock (see ``holder_and_waiters``), one round trip."""
        self._check_open()
        try:
            return int(self.client.zcard(Keys(self.key_prefix, resource).all[2]))
        except Exception as e:
            raise self._connection_error("count the waiters of '%s'" % resource, e) from None

    def declare_fresh_server(self):
        """Marks a just-started, empty Redis as fresh so acquisitions skip the post-restart hold-back (see
        docs/lock-service.md); returns False when the server already holds keys."""
        self._check_open()
        if self.endpoint.kind == "redis-cluster":
            raise LockError("Declaring a fresh server is not supported on Redis Cluster (%s)"
                            % self.endpoint.redacted())
        try:
            return int(self._run("declare_fresh", [self.key_prefix + "fresh-server"], [])) == 1
        except Exception as e:
            raise self._connection_error("declare the server fresh", e) from None

    def state(self, resource):
        """{'holders': [...], 'waiters': [...]} of one lock, each entry a dict (mode, id, host, pid, ...)."""
        self._check_open()
        return self._inspect(Keys(self.key_prefix, resource))

    def ping(self):
        self._check_open()
        try:
            self.client.ping()
        except Exception as e:
            raise self._connection_error("ping", e) from None

    def force_release(self, resource, lease_id):
        keys = Keys(self.key_prefix, resource)
        return int(self._run("release", keys.all, [lease_id, self.channel, keys.tag])) == 1

    def active_leases(self):
        with self._lock:
            return len(self._active)

    def close(self):
        with self._lock:
            if self._closed:
                return
            leases = list(self._active)
        for lease in leases:
            lease.close()
        with self._lock:
            self._closed = True
            self._wakeup.notify_all()
        if self._hub is not None:
            self._hub.close()
        try:
            self.client.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "LockService(%s, prefix=%s)" % (self.endpoint.redacted(), self.key_prefix)

    # ---- internals
    def _granted(self, keys, mode, lease_id, token, waited, call_start):
        lease = Lease(self, keys, mode, lease_id, token, waited, call_start)
        with self._lock:
            self._active.add(lease)
            self._wakeup.notify_all()
        return lease

    def _renew_loop(self):
        period = max(0.05, self.lease_ttl / 3)
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                due = [l for l in self._active if l._next_renewal <= now]
                if not due:
                    nxt = min((l._next_renewal for l in self._active), default=now + period)
                    self._wakeup.wait(max(0.005, nxt - now))
                    continue
                self._lock.release()
                try:
                    for lease in due:
                        lease._renew()
                        lease._next_renewal = time.monotonic() + period
                finally:
                    self._lock.acquire()

    def _renew_in_redis(self, lease):
        r = self._run("renew", lease.keys.all, [lease.mode, lease.id, str(self.ttl_ms), self.channel, lease.keys.tag])
        return int(r) == 1

    def _lost(self, lease):
        with self._lock:
            self.leases_lost += 1
            self._active.discard(lease)

    def _release(self, lease):
        with self._lock:
            self._active.discard(lease)
        try:
            self._run("release", lease.keys.all, [lease.id, self.channel, lease.keys.tag])
            if self._hub is not None:
                self._hub.wake(lease.keys.tag)
        except Exception:
            pass  # the lease expires by itself within its TTL

    def _cancel_quietly(self, keys, lease_id):
        try:
            self._run("release", keys.all, [lease_id, self.channel, keys.tag])
        except Exception:
            pass

    def _hub_get(self):
        with self._lock:
            self._check_open()
            if self._hub is None:
                self._hub = _WakeupHub(self.client, self.channel)
            return self._hub

    def _check_open(self):
        if self._closed:
            raise LockError("Lock service on %s is closed" % self.endpoint.redacted())

    def _inspect(self, keys):
        r = self._run("inspect", keys.all, [])
        now = int(r[0])
        info = _pairs(r[5])
        writer = _pairs(r[2])
        holders = []
        if "id" in writer and int(writer["exp"]) > now:
            holders.append(_entry(EXCLUSIVE, writer["id"], info, now, exp=int(writer["exp"]),
                                  token=int(writer["token"])))
        for lid, exp in _pairs(r[1]).items():
            if float(exp) > now:
                holders.append(_entry(SHARED, lid, info, now, exp=int(float(exp))))
        wexp = _pairs(r[4])
        waiters = []
        for lid, ticket in _pairs(r[3]).items():
            if lid in wexp and float(wexp[lid]) > now:
                f = _split_info(info.get(lid))
                waiters.append(_entry(f[0], lid, info, now, ticket=int(float(ticket))))
        return {"resource": info.get("resource", keys.resource), "holders": holders, "waiters": waiters}

    def _timeout_error(self, keys, mode, waited, held_back, cause):
        try:
            s = self._inspect(keys)
            holders = (", ".join(_describe(h) for h in s["holders"]) if s["holders"] else
                       "none (waiting behind earlier waiters: [%s])" % ", ".join(_describe(w) for w in s["waiters"]))
        except Exception as e:
            holders = "unknown (%s: %s)" % (type(e).__name__, self.endpoint.redact(e))
        msg = ("Timed out after %d ms waiting for a %s lease on '%s' (Redis %s); current holders: %s"
               % (waited * 1000, _MODE_NAMES[mode], keys.resource, self.endpoint.hosts_text(), holders))
        if held_back > 0:
            msg += ("; Redis restarted recently and holds grants back for one lease TTL + 1 s (%d ms left at the "
                    "last attempt; %s); %s" % (held_back, _why(cause), self._skip()))
        return LockTimeoutError(msg)

    def _connection_error(self, action, e):
        import redis
        what = ("rejected the credentials" + (" of user '%s'" % self.endpoint.user if self.endpoint.user else "")
                if isinstance(e, redis.exceptions.AuthenticationError) or "WRONGPASS" in str(e) or
                "NOAUTH" in str(e) else "failed")
        return LockError("Cannot %s: Redis at %s (%s) %s - %s: %s" % (
            action, self.endpoint.hosts_text(), self.endpoint.redacted(), what, type(e).__name__,
            self.endpoint.redact(e)))


def _why(cause):
    if cause == "restored":
        return ("its lock state was reloaded from disk by a server not running appendonly yes + appendfsync always, "
                "so grants made just before it stopped may be missing")
    return "it holds no lock state at all: either it is new, or it restarted and lost every lease it held"


def _base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = digits[r] + s
        if n == 0:
            return s


def _pairs(flat):
    return {str(flat[i]): str(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}


def _split_info(s):
    f = s.split("|") if s else []
    return f if len(f) == 4 else ["S", "?", "-1", ""]


def _entry(mode, lease_id, info, now, exp=None, token=0, ticket=None):
    f = _split_info(info.get(lease_id))
    since = int(f[3]) if f[3].lstrip("-").isdigit() else now
    e = {"mode": _MODE_NAMES.get(mode, mode), "id": lease_id, "host": f[1],
         "pid": int(f[2]) if f[2].lstrip("-").isdigit() else -1, "held_ms": now - since}
    if exp is not None:
        e["expires_in_ms"] = exp - now
    if token:
        e["token"] = token
    if ticket is not None:
        e["ticket"] = ticket
    return e


def _describe(e):
    return "%s %s by %s pid %d for %d ms" % (e["mode"], e["id"], e["host"], e["pid"], e["held_ms"])


class Lease:
    """A held lease, renewed by the service's thread until close(). Valid locally until the start of its last
    successful grant/renewal call + TTL - min(TTL/20, 0.5 s) on the monotonic clock, so a paused process sees itself
    invalid when it resumes (exactly Java's RedisLease rule)."""

    def __init__(self, service, keys, mode, lease_id, token, waited, call_start):
        self._service = service
        self.keys = keys
        self.resource = keys.resource
        self.mode = mode
        self.id = lease_id
        self.token = token
        self.wait_seconds = waited
        ttl = service.lease_ttl
        self._valid_for = ttl - min(ttl / 20, 0.5)
        self._valid_until = call_start + self._valid_for
        self._next_renewal = time.monotonic() + max(0.05, ttl / 3)
        self._lost_reason = None
        self._closed = False
        self._callbacks = []
        self._mutex = threading.Lock()

    def is_valid(self):
        return not self._closed and self._lost_reason is None and time.monotonic() < self._valid_until

    def check_valid(self):
        """Raises LeaseLostError naming resource, mode, id and why, unless the lease is still valid."""
        if self.is_valid():
            return
        if self._lost_reason is not None:
            why = self._lost_reason
        elif self._closed:
            why = "it was released"
        else:
            why = self._expired_reason(time.monotonic())
        raise LeaseLostError("%s is no longer valid: %s" % (self.describe(), why))

    def on_lost(self, callback):
        """Runs ``callback(reason)`` once, from the renewal thread, when the lease is lost (at once if it is)."""
        with self._mutex:
            if self._lost_reason is None:
                self._callbacks.append(callback)
                return
        callback(self._lost_reason)

    def describe(self):
        return "%s lease %s on '%s'" % (_MODE_NAMES[self.mode], self.id, self.resource)

    def _expired_reason(self, now):
        return ("no successful renewal within the lease TTL (deadline passed %d ms ago; the process may have been "
                "paused or Redis unreachable)" % ((now - self._valid_until) * 1000))

    def _renew(self):
        if self._closed or self._lost_reason is not None:
            return
        start = time.monotonic()
        if start >= self._valid_until:
            self._mark_lost(self._expired_reason(start))
            return
        try:
            if self._service._renew_in_redis(self):
                self._valid_until = start + self._valid_for
            elif not self._closed:
                self._mark_lost("the lease is no longer in Redis (it expired, Redis lost its state, or it was "
                                "force-released)")
        except Exception as e:
            if time.monotonic() >= self._valid_until:
                self._mark_lost("could not renew it before the TTL ran out: %s"
                                % self._service.endpoint.redact(e))

    def _mark_lost(self, reason):
        with self._mutex:
            if self._closed or self._lost_reason is not None:
                return
            self._lost_reason = reason
            callbacks, self._callbacks = self._callbacks, []
        self._service._lost(self)
        for c in callbacks:
            try:
                c(reason)
            except Exception:
                pass

    def close(self):
        """Releases the lease; idempotent, never raises because the lease was lost."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
        self._service._release(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<%s%s%s>" % (self.describe(), " token %d" % self.token if self.mode == EXCLUSIVE else "",
                             "" if self.is_valid() else " (invalid)")


class _WakeupHub:
    """One pub/sub subscriber thread: the scripts PUBLISH a lock's tag on ``<prefix>events`` when holders or waiters
    leave; local waiters of that tag are woken. Missed messages are covered by the waiters' bounded backoff."""

    def __init__(self, client, channel):
        self._client = client
        self._channel = channel
        self._waiters = {}
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="h5swmr-lock-events", daemon=True)
        self._thread.start()

    def register(self, tag):
        ev = threading.Event()
        with self._lock:
            self._waiters.setdefault(tag, set()).add(ev)
        return ev

    def unregister(self, tag, ev):
        with self._lock:
            s = self._waiters.get(tag)
            if s is not None:
                s.discard(ev)
                if not s:
                    del self._waiters[tag]

    def wake(self, tag=None):
        with self._lock:
            sets = list(self._waiters.values()) if tag is None else [self._waiters.get(tag, ())]
            for s in sets:
                for ev in s:
                    ev.set()

    def _run(self):
        backoff = 0.02
        while not self._closed:
            ps = None
            try:
                ps = self._client.pubsub(ignore_subscribe_messages=False)
                ps.subscribe(self._channel)
                backoff = 0.02
                while not self._closed:
                    m = ps.get_message(timeout=0.5)
                    if m is None:
                        continue
                    if m["type"] == "subscribe":
                        self.wake()
                    elif m["type"] == "message":
                        self.wake(m["data"])
            except Exception:
                if self._closed:
                    break
                time.sleep(backoff)
                backoff = min(1.0, backoff * 2)
                self.wake()
            finally:
                if ps is not None:
                    try:
                        ps.close()
                    except Exception:
                        pass

    def close(self):
        self._closed = True
