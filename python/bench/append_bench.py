"""Benchmark: one 1000-row float64 append per commit through h5swmr (exclusive lease, journal, fsyncs) against
h5py's own in-place append of the same rows (no lock, no fsync, not crash-safe), in the same run, for files of
several sizes. Starts its own redis-server on a free loopback port.

    /usr/bin/python3 python/bench/append_bench.py [--sizes-mib 16,256] [--repeats 20] [--dir /tmp]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes-mib", default="16,256")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(dir=a.dir)
    redis, url = start_redis(tmp)
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
