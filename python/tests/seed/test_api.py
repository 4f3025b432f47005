"""h5pySWMR's API test (attributes, items, resize), written from its published behaviour."""
import os
import tempfile
import unittest

from h5swmr import File


class TestAPI(unittest.TestCase):

    def setUp(self):
        self.filename = os.path.join(tempfile.gettempdir(), "test_attrs.h5")
        with File(self.filename, "w") as f:
            f.create_dataset(name="/bla", shape=(30, 30))

    def test_attrs(self):
        attrs = {"bla": 3, "blu": "asasdfsa"}
        with File(self.filename, "w") as f:
            dst = f.create_dataset(name="/testgrp/dataset", shape=(30, 30))
            for key, value in attrs.items():
                dst.attrs[key] = value
        with File(self.filename, "r") as f:
            dst = f["/testgrp/dataset"]
            self.assertIn("bla", dst.attrs)
            self.assertEqual(dst.attrs["bla"], attrs["bla"])
            self.assertEqual(dst.attrs["blu"], attrs["blu"])
            listed = [key for key in dst.attrs]
            self.assertEqual(sorted(listed), sorted(attrs))  # only the user's attributes are listed
        with File(self.filename, "a") as f:
            grp = f["/testgrp"]
            grp.attrs["bla"] = 3
            grp.create_dataset(name="dataset2", shape=(30, 30))
            self.assertIn("bla", grp.attrs)
            self.assertEqual(["bla"], grp.attrs.keys())
            self.assertEqual(grp.attrs["bla"], 3)
        with File(self.filename, "r") as f:
            self.assertNotIn("bla", f)  # mode 'w' replaced the file of setUp
            self.assertEqual(["dataset", "dataset2"], sorted(f["/testgrp"].keys()))

    def test_items(self):
        with File(self.filename, "a") as f:
            f.create_group("/a/b/g1")
            f.create_group("/a/b/g2")
            f.create_group("/a/b/g3")
            f.create_dataset(name="a/b/g1/dst1", shape=(30, 30))
            f.create_dataset(name="/a/b/g1/dst2", shape=(30, 30))
            f.create_dataset(name="/a/b/g2/dst1", shape=(30, 30))
            self.assertEqual(["a", "bla"], [key for key, _ in f.items()])
            self.assertEqual(["dst1", "dst2"], [key for key, _ in f["/a/b/g1"].items()])
            self.assertEqual([(30, 30), (30, 30)], [val.shape for _, val in f["/a/b/g1"].items()])
        with File(self.filename, "r") as f:
            self.assertEqual(["g1", "g2", "g3"], list(f["/a/b"].keys()))

    def test_resize(self):
        with File(self.filename, "a") as f:
            f.create_dataset(name="resizable", shape=(10, 20), maxshape=(50, 20))
            dset = f["resizable"]
            dset.resize((40, 20))
            self.assertEqual(dset.shape, (40, 20))
        with File(self.filename, "r") as f:
            self.assertEqual(f["resizable"].shape, (40, 20))


if __name__ == "__main__":
    unittest.main()
