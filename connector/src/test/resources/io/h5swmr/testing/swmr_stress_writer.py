"""An unmodified h5py SWMR writer appending blocks while h5swmr reads (NativeSwmrStressTest).

usage: swmr_stress_writer.py FILE SHAPE BLOCKS PAUSE_SECONDS
Creates FILE (libver='latest'), its datasets, sets f.swmr_mode = True, prints READY, then appends up to BLOCKS
blocks (fewer if a line 'STOP' arrives on stdin):
every dataset of the block is resized, then written, then flushed (Dataset.flush, in order), then the writer
prints 'BLOCK b' (b = blocks flushed) and sleeps PAUSE_SECONDS; at the end it closes the file and prints DONE.
Chunks are one block high (one chunk per block and dataset). Values, for row r of block b = r // rows-per-block:
  columns   /live/x int64 = b; /live/energy float64 = r * 0.5                         (5000 rows per block)
  image     /live/img uint16 (r, 64): [r, c] = (r * 64 + c) % 65521                     (500 rows per block)
  compound  /live/rec {id int64 = r, v float32 = r % 4096, t float64 = b + 0.25}     (4000 rows per block)
  rates     /rates/a int64 = 3r + 1 (1000 rows per block), /rates/b float64 = r / 4 (3000), /rates/c int32 = -r
            (250, gzip)
"""
import sys
import threading
import time

import h5py
import numpy as np

path, shape, blocks, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
REC = np.dtype([('id', '<i8'), ('v', '<f4'), ('t', '<f8')])


def columns(f):
    n = 5000
    x = f.create_dataset('live/x', shape=(0,), maxshape=(None,), dtype='<i8', chunks=(n,))
    e = f.create_dataset('live/energy', shape=(0,), maxshape=(None,), dtype='<f8', chunks=(n,))

    def block(b):
        r = np.arange(b * n, (b + 1) * n)
        x.resize((b + 1) * n, axis=0)
        e.resize((b + 1) * n, axis=0)
        x[b * n:] = np.full(n, b, dtype='<i8')
        e[b * n:] = r * 0.5
        x.flush()
        e.flush()
    return block


def image(f):
    n, w = 500, 64
    d = f.create_dataset('live/img', shape=(0, w), maxshape=(None, w), dtype='<u2', chunks=(n, w))

    def block(b):
        r = np.arange(b * n, (b + 1) * n)
        d.resize((b + 1) * n, axis=0)
        d[b * n:] = ((r[:, None] * w + np.arange(w)[None, :]) % 65521).astype('<u2')
        d.flush()
    return block


def compound(f):
    n = 4000
    d = f.create_dataset('live/rec', shape=(0,), maxshape=(None,), dtype=REC, chunks=(n,))

    def block(b):
        r = np.arange(b * n, (b + 1) * n)
        v = np.zeros(n, REC)
        v['id'] = r
        v['v'] = r % 4096
        v['t'] = b + 0.25
        d.resize((b + 1) * n, axis=0)
        d[b * n:] = v
        d.flush()
    return block


def rates(f):
    spec = [('a', 1000, '<i8', lambda r: 3 * r + 1, {}), ('b', 3000, '<f8', lambda r: r / 4.0, {}),
            ('c', 250, '<i4', lambda r: -r, {'compression': 'gzip'})]
    ds = [(f.create_dataset('rates/' + name, shape=(0,), maxshape=(None,), dtype=t, chunks=(n,), **kw), n, t, fn)
          for name, n, t, fn, kw in spec]

    def block(b):
        for d, n, t, fn in ds:
            d.resize((b + 1) * n, axis=0)
        for d, n, t, fn in ds:
            d[b * n:] = fn(np.arange(b * n, (b + 1) * n)).astype(t)
        for d, n, t, fn in ds:
            d.flush()
    return block


f = h5py.File(path, 'w', libver='latest')
write = {'columns': columns, 'image': image, 'compound': compound, 'rates': rates}[shape](f)
f.swmr_mode = True
stop = threading.Event()


def listen():
    for line in sys.stdin:
        if line.strip() == 'STOP':
            break
    stop.set()


threading.Thread(target=listen, daemon=True).start()
print('READY', flush=True)
for b in range(blocks):
    if stop.is_set():
        break
    write(b)
    print('BLOCK', b + 1, flush=True)
    time.sleep(pause)
f.close()
print('DONE', flush=True)
