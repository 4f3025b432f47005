"""The h5py-like objects of an open h5swmr.File: groups and datasets whose reads are checked against the lease and
whose writes are recorded for the commit (and never store a value other than the one given)."""
import h5py
import numpy as np

from .errors import DataError


def _exactly_as(rows, dtype, what):
    """``rows`` converted to ``dtype`` when every value survives unchanged; else DataError naming the first value
    that would be stored differently (no silent rounding, clamping or truncation)."""
    if rows.dtype == dtype or dtype.kind not in "biufc":
        return rows  # strings, compounds, enums...: h5py's own conversion rules
    try:
        conv = rows.astype(dtype)
        back = conv.astype(rows.dtype)
    except (TypeError, ValueError) as e:
        raise DataError("%s: cannot store %s rows in a %s dataset (%s)" % (what, rows.dtype, dtype, e)) from None
    same = back == rows
    if rows.dtype.kind in "fc":
        same = same | (np.isnan(back) & np.isnan(rows))
    if not np.all(same):
        i = tuple(np.argwhere(~np.asarray(same))[0])
        raise DataError("%s: value %r at %s cannot be stored exactly in the dataset's type %s (it would become %r); "
                        "convert the rows explicitly or use a dataset of type %s"
                        % (what, rows[i].item(), i, dtype, conv[i].item(), rows.dtype))
    return conv


def _wrap(f, obj):
    if isinstance(obj, h5py.Dataset):
        return Dataset(f, obj)
    if isinstance(obj, h5py.Group):
        return Group(f, obj)
    return obj


class Group:
    def __init__(self, f, g):
        self.file = f
        self._g = g

    def __getitem__(self, name):
        return _wrap(self.file, self._g[name])

    def __contains__(self, name):
        return name in self._g

    def __iter__(self):
        return iter(self._g)

    def __len__(self):
        return len(self._g)

    def keys(self):
        return self._g.keys()

    @property
    def name(self):
        return self._g.name

    @property
    def attrs(self):
        return self._g.attrs

    def create_group(self, name, **kw):
        self.file._h5_writable()
        return Group(self.file, self._g.create_group(name, **kw))

    def create_dataset(self, name, shape=None, dtype=None, data=None, **kw):
        self.file._h5_writable()
        ds = self._g.create_dataset(name, shape, dtype, data, **kw)
        self.file._created.add(ds.name)
        self.file._touched.add(ds.name)
        return Dataset(self.file, ds)

    def __repr__(self):
        return "<h5swmr.Group %s>" % self._g.name


class Dataset:
    def __init__(self, f, ds):
        self.file = f
        self._ds = ds

    def __getitem__(self, key):
        out = self._ds[key]
        self.file._check()
        return out

    def __setitem__(self, key, value):
        self.file._h5_writable()
        if not isinstance(value, np.ndarray) or value.dtype != self._ds.dtype:
            value = _exactly_as(np.asarray(value), self._ds.dtype, "write to %s in %s" % (self._ds.name,
                                                                                          self.file.filename))
        self._ds[key] = value
        self.file._touched.add(self._ds.name)

    def resize(self, size, axis=None):
        self.file._h5_writable()
        self._ds.resize(size, axis)
        self.file._touched.add(self._ds.name)

    def append(self, rows):
        return self.file.append(self._ds.name, rows)

    def __array__(self, dtype=None):
        out = self[()]
        return out if dtype is None else out.astype(dtype)

    def __len__(self):
        return len(self._ds)

    def read_direct(self, *a, **kw):
        self._ds.read_direct(*a, **kw)
        self.file._check()

    shape = property(lambda self: self._ds.shape)
    dtype = property(lambda self: self._ds.dtype)
    maxshape = property(lambda self: self._ds.maxshape)
    chunks = property(lambda self: self._ds.chunks)
    ndim = property(lambda self: self._ds.ndim)
    size = property(lambda self: self._ds.size)
    name = property(lambda self: self._ds.name)
    attrs = property(lambda self: self._ds.attrs)
    compression = property(lambda self: self._ds.compression)

    def __repr__(self):
        return "<h5swmr.Dataset %s shape %s %s>" % (self._ds.name, self._ds.shape, self._ds.dtype)
