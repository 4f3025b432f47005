import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)
PY = sys.executable

WRITER = r"""
import sys, numpy as np
sys.path.insert(0, %(root)r)
import h5swmr
url, path, value, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
with h5swmr.File(path, 'a', redis_url=url, lock_ttl=float(sys.argv[5]), key_prefix=sys.argv[6]) as f:
    f.append('/d', np.full(n, value))
    f.append('/grp/e', np.full((n, 2), value))
    f.attrs['last'] = value
print('COMMITTED', flush=True)
"""


def start_writer(url, path, value, n, ttl, prefix, pause=None):
    env = dict(os.environ)
    env.pop("H5SWMR_TEST_COMMIT_PAUSE", None)
    if pause:
        env["H5SWMR_TEST_COMMIT_PAUSE"] = pause
    return subprocess.Popen([PY, "-c", WRITER % {"root": PKG_ROOT}, url, path, str(value), str(n), str(ttl), prefix],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def wait_line(p, prefix):
    while True:
        line = p.stdout.readline()
        if not line:
            raise AssertionError("child exited (%s) before printing %r: %s" % (p.wait(), prefix, p.stderr.read()))
        if line.startswith(prefix):
            return line.strip()
