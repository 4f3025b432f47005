"""The seed's scenario on this package: many processes on one file with many datasets, writers updating a row range
in place, readers checking it is never torn; 0 anomalies; after a kill -9 of a writer and a reader the others go on
within a lease TTL. Default 8 processes / 8 datasets / 6 s; H5SWMR_LONG=1: 40 processes / 40 datasets / 30 s."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np

import h5swmr
from helpers import HERE

LONG = bool(os.environ.get("H5SWMR_LONG"))
PROCS = 40 if LONG else 8
DATASETS = 40 if LONG else 8
SECONDS = 30.0 if LONG else 6.0
ROWS = 200
TTL = 5.0 if LONG else 1.0  # 40 processes on 2 loaded cores: renewals need slack


def test_many_processes_no_torn_reads(tmp_path, redis_server, prefix):
    path = str(tmp_path / "scenario.h5")
    kw = dict(redis_url=redis_server.url, key_prefix=prefix, lock_ttl=TTL, timeout=60)
    with h5swmr.File(path, "w", **kw) as f:
        for k in range(DATASETS):
            f.create_dataset("/data/%d" % k, data=np.zeros(ROWS, dtype="i8"), chunks=(50,), maxshape=(None,))
            f.create_dataset("/meta/%d" % k, data=np.zeros(3, dtype="i8"))
    procs = []
    for n in range(PROCS):
        role = "writer" if n % 2 == 0 else "reader"
        procs.append(subprocess.Popen(
            [sys.executable, os.path.join(HERE, "scenario_worker.py"), role, redis_server.url, prefix, path,
             str(DATASETS), str(ROWS), str(SECONDS), str(TTL)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        assert p.stdout.readline().strip() == "READY", p.stderr.read()
    for p in procs:
        p.stdin.write("GO\n")
        p.stdin.flush()
    time.sleep(SECONDS / 3)
    for victim in procs[:2]:  # a writer and a reader, killed wherever they are (perhaps holding a lease)
        victim.send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    with h5swmr.File(path, "r+", **kw) as f:  # a writer (and so everyone) gets in within about one lease TTL
        f["/meta/0"][:]
    after_kill = time.monotonic() - t0
    results = []
    for p in procs[2:]:
        out, err = p.communicate(timeout=SECONDS + 120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    anomalies = sum(r["anomalies"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    writes = sum(r["ops"] for r in results if r["role"] == "writer")
    reads = sum(r["ops"] for r in results if r["role"] == "reader")
    print("scenario: %d processes, %d datasets, %d commits, %d checked reads, %d anomalies, lease after kill -9 in "
          "%.2f s" % (PROCS, DATASETS, writes, reads, anomalies, after_kill))
    for victim in procs[:2]:
        victim.wait()
    assert anomalies == 0 and not errors, errors[:5]
    assert writes > 0 and reads > 0
    assert after_kill < TTL + 5  # waits out the victim's lease at most, plus the queue ahead of us
    with h5swmr.File(path, "r", **kw) as f:  # final state consistent too
        for k in range(DATASETS):
            a, b, stamp = f["/meta/%d" % k][:]
            if stamp:
                assert (f["/data/%d" % k][a:b] == stamp).all()
