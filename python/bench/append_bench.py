"""Benchmark: one 1000-row float64 append per commit through h5swmr (exclusive lease, journal, fsyncs) against
h5py's own in-place append of the same rows (no lock, no fsync, not crash-safe), in the same run, for files of
several sizes. Starts its own redis-server on a free loopback port.

    /usr/bin/python3 python/bench/append_bench.py [--sizes-mib 16,256] [--repeats 20] [--dir /tmp]

With ``--sessions``: p50/p99 per append over ``--appends`` appends of ``--rows`` float64 rows each, in one run,
for an ``h5swmr.Appender`` session, per-call ``h5swmr.append``, and as anchors plain h5py (file kept open: resize,
write, flush) and h5py + ``os.fsync`` per append; then the sustained rate of small blocks (``--small-rows``) through
one Appender: offered at ``--rate`` blocks/s for ``--seconds`` by one thread with ``append(wait=False)`` (group
commit; time from submit to durable), and as fast as possible with ``append()`` by one and by ``--threads`` threads.

    /usr/bin/python3 python/bench/append_bench.py --sessions [--appends 500] [--rows 1000] [--rounds 3]
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import h5py  # noqa: E402
import numpy as np  # noqa: E402

import h5swmr  # noqa: E402


def start_redis(tmp):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                          "no", "--dir", tmp], stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.02)
    url = "redis://127.0.0.1:%d" % port
    h5swmr.LockService(url).declare_fresh_server()
    return p, url


def make_file(path, mib):
    rows = mib * (1 << 20) // 8
    with h5py.File(path, "w") as f:
        d = f.create_dataset("x", shape=(0,), maxshape=(None,), dtype="f8", chunks=(8192,))
        step = 1 << 22
        for a in range(0, rows, step):
            n = min(step, rows - a)
            d.resize((a + n,))
            d[a:] = np.random.random(n)


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def percentiles_ms(times):
    t = sorted(times)
    return t[len(t) // 2] * 1000, t[min(len(t) - 1, int(len(t) * 0.99))] * 1000


def sessions(a, tmp, url):
    import threading
    rows = np.random.random(a.rows)
    cases = {}

    def timed(name, setup, step, teardown=lambda: None):
        setup()
        try:
            for _ in range(10):  # warm-up, not counted
                step()
            ts = []
            for _ in range(a.appends):
                t = time.perf_counter()
                step()
                ts.append(time.perf_counter() - t)
        finally:
            teardown()
        cases.setdefault(name, []).extend(ts)

    for rnd in range(a.rounds):  # the cases interleaved, so that load changes hit all of them alike
        paths = {k: os.path.join(tmp, "s%d-%s.h5" % (rnd, k)) for k in ("app", "call", "h5", "h5f")}
        state = {}

        def app_setup():
            state["app"] = h5swmr.Appender(paths["app"], "/x", redis_url=url)

        timed("h5swmr.Appender session", app_setup, lambda: state["app"].append(rows),
              lambda: state["app"].close())
        timed("h5swmr.append per call", lambda: None,
              lambda: h5swmr.append(paths["call"], "/x", rows, redis_url=url))
        for key, sync in (("h5", False), ("h5f", True)):
            def h5_setup(key=key):
                f = h5py.File(paths[key], "w")
                f.create_dataset("x", shape=(0,), maxshape=(None,), dtype="f8", chunks=(8192,))
                state[key] = f

            def h5_step(key=key, sync=sync):
                f = state[key]
                d = f["x"]
                n = d.shape[0]
                d.resize((n + len(rows),))
                d[n:] = rows
                f.flush()
                if sync:
                    fd = os.open(paths[key], os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)

            timed("h5py + os.fsync per append" if sync else "plain h5py (open file, flush)", h5_setup, h5_step,
                  lambda key=key: state[key].close())
    anchor = {k: percentiles_ms(v) for k, v in cases.items()}
    h5p50, h5p99 = anchor["plain h5py (open file, flush)"]
    fp50, fp99 = anchor["h5py + os.fsync per append"]
    print("%d-row float64 appends, %d rounds x %d appends per case (p50/p99 over all), same run"
          % (a.rows, a.rounds, a.appends))
    print("| case | p50 (ms) | p99 (ms) | p50 / h5py | p50 / h5py+fsync | p99 / h5py+fsync |")
    print("|---|---|---|---|---|---|")
    for name in ("h5swmr.Appender session", "h5swmr.append per call", "plain h5py (open file, flush)",
                 "h5py + os.fsync per append"):
        p50, p99 = anchor[name]
        print("| %s | %.2f | %.2f | %.1f | %.2f | %.2f |" % (name, p50, p99, p50 / h5p50, p50 / fp50, p99 / fp99))

    small = np.random.random(a.small_rows)
    path = os.path.join(tmp, "paced.h5")
    with h5swmr.Appender(path, "/x", redis_url=url) as app:
        app.append(small)
        lat = []
        n = int(a.rate * a.seconds)
        start = time.perf_counter()
        for i in range(n):
            due = start + i / a.rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            t0 = time.perf_counter()
            app.append(small, wait=False).add_done_callback(lambda f, t0=t0: lat.append(time.perf_counter() - t0))
        app.flush()
        dt = time.perf_counter() - start
        commits = app.commits - 1
    p50, p99 = percentiles_ms(lat)
    print("%d-row blocks offered at %d/s by one thread, append(wait=False): %.0f appends/s durable over %.1f s, "
          "%d commits; submit-to-durable p50 %.2f ms, p99 %.2f ms" % (a.small_rows, a.rate, n / dt, dt, commits, p50,
                                                                     p99))
    for threads, wait in ((1, True), (a.threads, True)):
        path = os.path.join(tmp, "rate-%d-%s.h5" % (threads, wait))
        per = max(1, a.small_appends // threads)
        with h5swmr.Appender(path, "/x", redis_url=url) as app:
            app.append(small)

            def work():
                for _ in range(per):
                    app.append(small, wait=wait)
                app.flush()

            t = time.perf_counter()
            ts = [threading.Thread(target=work) for _ in range(threads)]
            for th in ts:
                th.start()
            for th in ts:
                th.join()
            dt = time.perf_counter() - t
            n = app.append(small)
            assert n == (per * threads + 2) * a.small_rows, n
            print("%d-row blocks, %d thread(s), %s: %.0f appends/s durable (%d appends in %d commits, %.2f s)"
                  % (a.small_rows, threads, "append()" if wait else "append(wait=False) + flush()",
                     per * threads / dt, per * threads, app.commits - 2, dt))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes-mib", default="16,256")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--sessions", action="store_true", help="compare Appender sessions (see the module text)")
    ap.add_argument("--appends", type=int, default=500)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--small-rows", type=int, default=10)
    ap.add_argument("--small-appends", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--rate", type=float, default=1000, help="blocks/s offered in the paced case")
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(dir=a.dir)
    redis, url = start_redis(tmp)
    if a.sessions:
        try:
            sessions(a, tmp, url)
        finally:
            redis.kill()
            shutil.rmtree(tmp, ignore_errors=True)
        return
    rows = np.random.random(1000)
    svc = h5swmr.LockService(url)
    fpath = os.path.join(tmp, "fsync.bin")
    fd = os.open(fpath, os.O_RDWR | os.O_CREAT)

    def four_fsyncs():
        for _ in range(4):
            os.pwrite(fd, os.urandom(4096), 0)
            os.fsync(fd)

    def lease():
        svc.acquire_exclusive("bench").close()

    try:
        print("anchors: 4 x (4 KiB write + fsync) %.2f ms, exclusive lease acquire+release %.2f ms (medians of %d)"
              % (median_ms(four_fsyncs, a.repeats), median_ms(lease, a.repeats), a.repeats))
        print("| file size | h5swmr.append (ms, median of %d) | h5py in-place append (ms) | ratio |" % a.repeats)
        print("|---|---|---|---|")
        for mib in [int(s) for s in a.sizes_mib.split(",")]:
            p1, p2 = os.path.join(tmp, "a%d.h5" % mib), os.path.join(tmp, "b%d.h5" % mib)
            make_file(p1, mib)
            shutil.copy(p1, p2)
            for p in (p1, p2):  # the file's own dirty pages must not be billed to the first commit's fsync
                pfd = os.open(p, os.O_RDONLY)
                os.fsync(pfd)
                os.close(pfd)

            def raw():
                with h5py.File(p2, "a") as f:
                    d = f["x"]
                    n = d.shape[0]
                    d.resize((n + 1000,))
                    d[n:] = rows

            ours = median_ms(lambda: h5swmr.append(p1, "/x", rows, redis_url=url), a.repeats)
            base = median_ms(raw, a.repeats)
            print("| %d MiB | %.2f | %.2f | %.1f |" % (mib, ours, base, ours / base))
    finally:
        os.close(fd)
        svc.close()
        redis.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
