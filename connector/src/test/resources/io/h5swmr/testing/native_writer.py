"""A native HDF5 writer for h5swmr's tests: h5py, driven by stdin, reporting on stdout.

usage: native_writer.py FILE MODE [CHUNK_ROWS]
MODE  swmr    new file (libver='latest'), datasets created, then f.swmr_mode = True (an HDF5 SWMR writer)
      latest  new file (libver='latest') kept open for writing, not in SWMR mode
      plain   FILE opened with h5py's defaults (mode 'a'), not in SWMR mode
Commands, one per line: APPEND n | RUN n (append n rows per flush, in a loop, until STOP) | STOP | CLOSE
Replies: READY rows, FLUSHED rows (after each flush), STOPPED rows, CLOSED rows.
Row r holds: data/x = r / 2 (f8); data/comp = (r, 2r as f4, b'r<r>'); data/img[r] = [10r, 10r+1, 10r+2] (i4,
chunks of 2 columns); data/gz = r*r (i8, gzip).
"""
import sys
import threading
import time

import h5py
import numpy as np

path, mode = sys.argv[1], sys.argv[2]
chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 7
COMP = np.dtype([('id', '<i8'), ('v', '<f4'), ('tag', 'S8')])
MAX_ROWS = 500000


def create(f):
    g = f.require_group('data')
    g.create_dataset('x', shape=(0,), maxshape=(None,), dtype='<f8', chunks=(chunk,))
    g.create_dataset('comp', shape=(0,), maxshape=(None,), dtype=COMP, chunks=(chunk,))
    g.create_dataset('img', shape=(0, 3), maxshape=(None, 3), dtype='<i4', chunks=(chunk, 2))
    g.create_dataset('gz', shape=(0,), maxshape=(None,), dtype='<i8', chunks=(chunk,), compression='gzip')


def append(f, n):
    g = f['data']
    start = g['x'].shape[0]
    r = np.arange(start, start + n)
    for name in ('x', 'comp', 'img', 'gz'):
        g[name].resize(start + n, axis=0)
    g['x'][start:] = r / 2.0
    comp = np.zeros(n, COMP)
    comp['id'] = r
    comp['v'] = r * 2
    comp['tag'] = [b'r%d' % i for i in r]
    g['comp'][start:] = comp
    g['img'][start:] = r[:, None] * 10 + np.arange(3)[None, :]
    g['gz'][start:] = r * r
    f.flush()
    return start + n


if mode == 'swmr':
    f = h5py.File(path, 'w', libver='latest')
    create(f)
    f.swmr_mode = True
elif mode == 'latest':
    f = h5py.File(path, 'w', libver='latest')
    create(f)
    f.flush()
elif mode == 'plain':
    f = h5py.File(path, 'a')
    if 'data' not in f:
        create(f)
    f.flush()
else:
    sys.exit('unknown mode ' + mode)

rows = f['data/x'].shape[0]
print('READY', rows, flush=True)
stop = threading.Event()
runner = None


def run(n):
    global rows
    while not stop.is_set() and rows < MAX_ROWS:
        rows = append(f, n)
        print('FLUSHED', rows, flush=True)
        time.sleep(0.01)


for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        continue
    if cmd[0] == 'APPEND':
        rows = append(f, int(cmd[1]))
        print('FLUSHED', rows, flush=True)
    elif cmd[0] == 'RUN':
        stop.clear()
        runner = threading.Thread(target=run, args=(int(cmd[1]),))
        runner.start()
    elif cmd[0] == 'STOP':
        stop.set()
        if runner is not None:
            runner.join()
        print('STOPPED', rows, flush=True)
    elif cmd[0] == 'CLOSE':
        break
stop.set()
if runner is not None:
    runner.join()
f.close()
print('CLOSED', rows, flush=True)
