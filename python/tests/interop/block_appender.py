"""Cross-language worker: appends blocks of rows to one dataset through h5swmr, one commit per block.
Block b of writer w holds `rows` values w * 1e6 + b. Prints "BLOCK b" after each commit, "DONE n" at the end.
Reads stdin lines: "STOP" ends the loop early. Usage: block_appender.py URL PATH DATASET WRITER BLOCKS ROWS."""
import os
import select
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import numpy as np  # noqa: E402

import h5swmr  # noqa: E402

url, path, dataset, writer, blocks, rows = sys.argv[1:7]
writer, blocks, rows = int(writer), int(blocks), int(rows)
done = 0
for b in range(blocks):
    if select.select([sys.stdin], [], [], 0)[0] and sys.stdin.readline().strip() == "STOP":
        break
    with h5swmr.File(path, "a", redis_url=url, lock_ttl=5, timeout=60) as f:
        f.append(dataset, np.full(rows, writer * 1e6 + b))
    done += 1
    print("BLOCK %d" % b, flush=True)
print("DONE %d" % done, flush=True)
