"""One process of the many-process scenario: writer (updates a row range of one dataset + its /meta record in one
commit) or reader (checks the range named by /meta holds one stamp: never torn). Prints one JSON line at the end."""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import numpy as np  # noqa: E402

import h5swmr  # noqa: E402

role, url, prefix, path, ndatasets, rows, seconds, ttl = sys.argv[1:9]
ndatasets, rows, seconds, ttl = int(ndatasets), int(rows), float(seconds), float(ttl)
kw = dict(redis_url=url, key_prefix=prefix, lock_ttl=ttl, timeout=60)
rnd = random.Random(os.getpid())
print("READY", flush=True)
sys.stdin.readline()
stats = dict(role=role, pid=os.getpid(), ops=0, anomalies=0, errors=[])
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    k = rnd.randrange(ndatasets)
    try:
        if role == "writer":
            i += 1
            stamp = os.getpid() * 100000 + i
            a = rnd.randrange(rows)
            b = rnd.randrange(a, rows) + 1
            if os.environ.get("H5SWMR_SCENARIO_SPLIT"):  # negative control: two commits, readers must see tears
                with h5swmr.File(path, "r+", **kw) as f:
                    f["/meta/%d" % k][:] = [a, b, stamp]
                with h5swmr.File(path, "r+", **kw) as f:
                    f["/data/%d" % k][a:b] = stamp
            else:
                with h5swmr.File(path, "r+", **kw) as f:
                    f["/data/%d" % k][a:b] = stamp
                    f["/meta/%d" % k][:] = [a, b, stamp]
        else:
            with h5swmr.File(path, "r", **kw) as f:
                a, b, stamp = (int(x) for x in f["/meta/%d" % k][:])
                got = f["/data/%d" % k][a:b]
            if stamp and not (got == stamp).all():
                stats["anomalies"] += 1
                stats["errors"].append("dataset %d rows %d:%d expected %d got %s" % (k, a, b, stamp,
                                                                                     np.unique(got)[:5]))
        stats["ops"] += 1
    except Exception as e:  # counted, reported by the test
        stats["errors"].append("%s: %s" % (type(e).__name__, e))
print(json.dumps(stats), flush=True)
