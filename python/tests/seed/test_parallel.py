"""h5pySWMR's parallel test: one File opened with mode 'w' and never closed, handed to many processes that read
and overwrite its datasets at once; afterwards every writer's rows hold its value. Written from its published
behaviour (smaller arrays than the seed's 8000x1500, so the suite stays fast)."""
import multiprocessing
import os
import random
import tempfile
import time
import unittest

import numpy as np

from h5swmr import File

_ctx = multiprocessing.get_context("fork")


class TestHDF5(unittest.TestCase):

    def setUp(self):
        self.shape = (400, 150)

    def test_parallel(self):
        workers = 16
        filename = os.path.join(tempfile.gettempdir(), "paralleltest827348723.h5")
        f = File(filename, "w")
        data = {}
        for i in range(workers):
            data[i] = np.random.random(self.shape).astype(np.float32)
            f.create_dataset(name="/testgrp/dataset{}".format(i), data=data[i])

        def worker_read(i, hdf5file):
            time.sleep(random.random() * 0.5)
            got = hdf5file["/testgrp/dataset{}".format(i)][:]
            os._exit(0 if got.shape == self.shape and np.array_equal(got, data[i]) else 3)

        def worker_write(i, hdf5file):
            time.sleep(random.random() * 0.5)
            dst = hdf5file["/testgrp/dataset{}".format(i)]
            dst[0:50, ] = i
            os._exit(0)

        jobs, writers = [], []
        for i in range(workers):
            if i % 4 == 0:
                p = _ctx.Process(target=worker_write, args=(i, f))
                writers.append(i)
            else:
                p = _ctx.Process(target=worker_read, args=(i, f))
            jobs.append(p)
            p.start()
        for p in jobs:
            p.join(120)
        self.assertEqual([p.exitcode for p in jobs], [0] * workers)
        for i in writers:
            dst = f["/testgrp/dataset{}".format(i)]
            self.assertTrue(np.all(dst[0:50, ] == i))
            np.testing.assert_array_equal(dst[50:, ], data[i][50:])
        # and it is all on disk, committed (a plain h5py reader, no lease: every worker has finished)
        import h5py
        with h5py.File(filename, "r") as raw:
            for i in range(workers):
                expected = data[i].copy()
                if i in writers:
                    expected[0:50] = i
                np.testing.assert_array_equal(raw["/testgrp/dataset{}".format(i)][:], expected)


if __name__ == "__main__":
    unittest.main()
