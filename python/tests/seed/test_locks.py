"""h5pySWMR's lock test: many processes read and write one resource through the ``reader``/``writer``
decorators, some readers kill themselves while reading; no writer ever overlaps anybody, and every lock is
released at the end. Written from its published behaviour."""
import multiprocessing
import os
import random
import signal
import time
import unittest

from h5swmr.locking import reader, writer, redis_conn  # noqa: F401  (h5pySWMR's names)

_ctx = multiprocessing.get_context("fork")
_state = None  # (readers, writers, violations, mutex), inherited by the forked workers


class DummyResource(object):
    """Simulates reading and writing a shared resource."""

    def __init__(self, name):
        self.file = name

    def _enter(self, writing):
        readers, writers, violations, mutex = _state
        with mutex:
            if writers.value or (writing and readers.value):
                violations.value += 1
            if writing:
                writers.value += 1
            else:
                readers.value += 1

    def _leave(self, writing):
        readers, writers, _, mutex = _state
        with mutex:
            if writing:
                writers.value -= 1
            else:
                readers.value -= 1

    @reader
    def read(self, worker_no, suicide=False):
        if suicide:
            os.kill(os.getpid(), signal.SIGKILL)  # dies holding its lease
        self._enter(False)
        time.sleep(random.random() * 0.1)
        self._leave(False)

    @writer
    def write(self, worker_no):
        self._enter(True)
        time.sleep(random.random() * 0.1)
        self._leave(True)


def _worker_read(i, resource):
    time.sleep(random.random() * 0.5)
    resource.read(i, suicide=(i % 13 == 1))


def _worker_write(i, resource):
    time.sleep(random.random() * 0.6)
    resource.write(i)


class TestLocks(unittest.TestCase):

    def test_locks(self):
        global _state
        _state = (_ctx.Value("i", 0), _ctx.Value("i", 0), _ctx.Value("i", 0), _ctx.Lock())
        res_name = "test1234-%d" % os.getpid()
        resource = DummyResource(res_name)
        jobs = []
        for i in range(30):
            target = _worker_write if i % 3 == 1 else _worker_read
            p = _ctx.Process(target=target, args=(i, resource))
            p.start()
            jobs.append((i, p))
        for _, p in jobs:
            p.join(120)
        for i, p in jobs:
            expected = -signal.SIGKILL if i % 3 != 1 and i % 13 == 1 else 0
            self.assertEqual(p.exitcode, expected, "worker %d" % i)
        self.assertEqual(_state[2].value, 0, "a writer overlapped another holder")
        self.assertEqual(_state[1].value, 0)
        # every lock released: the survivors' released at once, the killed readers' expired with their TTL
        import h5swmr
        from h5swmr.lock import resource_for_file
        svc = h5swmr.lock_service()
        deadline = time.monotonic() + 30
        while svc.state(resource_for_file(res_name))["holders"] and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(svc.state(resource_for_file(res_name))["holders"], [])
        lease = svc.acquire_exclusive(resource_for_file(res_name), timeout=1)  # and a writer gets in at once
        lease.close()


if __name__ == "__main__":
    unittest.main()
