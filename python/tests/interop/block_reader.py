"""Cross-language worker: reads one dataset through h5swmr under shared leases until told to stop and checks every
read shows whole blocks of `rows` equal values. Prints "READ n" per check, "ANOMALY ..." on a torn read, and
"DONE reads anomalies" at the end. Usage: block_reader.py URL PATH DATASET ROWS."""
import os
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import h5swmr  # noqa: E402

url, path, dataset, rows = sys.argv[1:5]
rows = int(rows)
reads = anomalies = 0
print("READY", flush=True)
while not (select.select([sys.stdin], [], [], 0)[0] and sys.stdin.readline().strip() == "STOP"):
    if not os.path.exists(path):
        time.sleep(0.05)
        continue
    with h5swmr.File(path, "r", redis_url=url, lock_ttl=5, timeout=60) as f:
        if dataset not in f:
            continue
        v = f[dataset][:]
    blocks = v.reshape(-1, rows) if len(v) % rows == 0 else None
    if blocks is None or not (blocks == blocks[:, :1]).all():
        anomalies += 1
        print("ANOMALY %d rows" % len(v), flush=True)
    reads += 1
    print("READ %d" % len(v), flush=True)
    time.sleep(0.01)  # a reader polling, not a spinning one: leaves the 2 CI cores to the Spark job
print("DONE %d %d" % (reads, anomalies), flush=True)
