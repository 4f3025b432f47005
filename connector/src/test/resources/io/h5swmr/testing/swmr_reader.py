"""An h5py SWMR reader for h5swmr's tests: File(path, 'r', swmr=True), refreshed on command.

usage: swmr_reader.py FILE DATASET   (a compound dataset with fields seq (row number) and value = seq / 2)
Commands: REFRESH (refresh, read every row, check it) | SPIN (refresh and check in a loop until STOP) | STOP | CLOSE
Replies: READY rows | SEEN rows OK | SEEN rows BAD detail | ERROR message | SPUN refreshes ok bad errors max_rows
"""
import sys
import threading

import h5py
import numpy as np

path, name = sys.argv[1], sys.argv[2]
f = h5py.File(path, 'r', swmr=True)
ds = f[name]


def check():
    ds.refresh()
    data = ds[...]
    n = data.shape[0]
    if not np.array_equal(data['seq'], np.arange(n)):
        bad = int(np.argmax(data['seq'] != np.arange(n)))
        return n, 'BAD seq[%d]=%d' % (bad, data['seq'][bad])
    if not np.array_equal(data['value'], np.arange(n) / 2.0):
        return n, 'BAD value'
    return n, 'OK'


print('READY', ds.shape[0], flush=True)
stop = threading.Event()
stats = {'ok': 0, 'bad': 0, 'errors': 0, 'max': 0, 'refreshes': 0}


def spin():
    while not stop.is_set():
        stats['refreshes'] += 1
        try:
            n, verdict = check()
            stats['max'] = max(stats['max'], n)
            stats['ok' if verdict == 'OK' else 'bad'] += 1
        except Exception as e:  # what a reader sees while a non-SWMR writer changes metadata
            stats['errors'] += 1
            stats['last_error'] = str(e)


runner = None
for line in sys.stdin:
    cmd = line.strip()
    if cmd == 'REFRESH':
        try:
            n, verdict = check()
            print('SEEN', n, verdict, flush=True)
        except Exception as e:
            print('ERROR', str(e).replace('\n', ' '), flush=True)
    elif cmd == 'SPIN':
        stop.clear()
        runner = threading.Thread(target=spin)
        runner.start()
    elif cmd == 'STOP':
        stop.set()
        runner.join()
        print('SPUN', stats['refreshes'], stats['ok'], stats['bad'], stats['errors'], stats['max'],
              stats.get('last_error', '').replace('\n', ' '), flush=True)
    elif cmd == 'CLOSE':
        break
f.close()
