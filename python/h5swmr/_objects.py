"""The h5py-like objects of an h5swmr.File: groups, datasets and attribute sets, each known by its file and its HDF5
path. Inside a ``with File(...)`` block every call runs in that block's lease and commit; outside one, every call
takes its own lease (shared to read, exclusive to write) and a write commits on its own, as h5pySWMR did.

``Group`` and ``Dataset`` subclass ``h5py.Group`` and ``h5py.Dataset`` so that ``isinstance`` checks in user code
(``visititems`` callbacks in particular) work; they do not carry a low-level h5py identifier (``.id``): h5py
functions that need one (``Group.copy``, the ``h5py.h5*`` low-level API) are not available through h5swmr.

Writes never store a value other than the one given, with one rule taken from numpy: a float (or complex) written
to a narrower float (complex) type is rounded to the nearest value of that type, as ``numpy.astype`` does
(``ds[0] = 0.1`` into float32 stores float32(0.1)). Everything else that would change a value is refused with a
DataError: integers that do not fit or that a float type cannot hold exactly, non-integral floats into integers,
finite floats that would overflow to infinity, complex values with an imaginary part into a real type.
"""
import posixpath

import h5py
import numpy as np

from .errors import DataError, H5SwmrError

ATTR_PREFIX = "h5swmr."  # the commit bookkeeping attributes (file.ATTR_*), hidden from attrs listings


def _first_bad(mask):
    return tuple(np.argwhere(~np.asarray(mask))[0]) if np.ndim(mask) else ()


def _exactly_as(rows, dtype, what):
    """``rows`` converted to ``dtype`` when every value survives (floats: rounded per numpy, see the module doc);
    else DataError naming the first value that would be stored differently."""
    if rows.dtype == dtype or dtype.kind not in "biufc":
        return rows  # strings, compounds, enums...: h5py's own conversion rules
    try:
        with np.errstate(all="ignore"):
            conv = rows.astype(dtype)
            back = conv.astype(rows.dtype)
    except (TypeError, ValueError) as e:
        raise DataError("%s: cannot store %s rows in a %s dataset (%s)" % (what, rows.dtype, dtype, e)) from None
    if rows.dtype.kind in "fc" and (dtype.kind == rows.dtype.kind or (rows.dtype.kind, dtype.kind) == ("f", "c")):
        # float narrowing follows numpy (rounding); overflow of a finite value to infinity is refused
        finite = np.isfinite(rows)
        same = ~(finite & ~np.isfinite(conv))
        reason = "it overflows the type's range"
    else:
        same = back == rows
        if rows.dtype.kind in "fc":
            same = same | (np.isnan(back) & np.isnan(rows))
        reason = None
    if not np.all(same):
        i = _first_bad(same)
        raise DataError("%s: value %r at %s cannot be stored exactly in the dataset's type %s (it would become %r%s); "
                        "convert the rows explicitly or use a dataset of type %s"
                        % (what, rows[i].item(), i, dtype, conv[i].item(), "; " + reason if reason else "",
                           rows.dtype))
    return conv


def _is_hidden(name):
    return isinstance(name, str) and name.startswith(ATTR_PREFIX)


def _wrap(f, obj):
    if isinstance(obj, h5py.Dataset):
        return Dataset(f, obj.name)
    if isinstance(obj, h5py.Group):
        return Group(f, obj.name)
    return obj


class _NoId:
    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        raise AttributeError("h5swmr objects have no low-level h5py id (every call opens the file under a lease); "
                             "use the h5swmr API, or open the file with h5py directly while you hold no lease")


class AttributeManager:
    """``obj.attrs`` of an h5swmr object: a dict-like view of the HDF5 attributes. The ``h5swmr.*`` commit
    bookkeeping attributes the connector reads and writes are hidden from listings (keys, values, items, len, in,
    iteration); ``attrs['h5swmr.generation']`` still reads one, and users cannot write them."""

    def __init__(self, f, name):
        self._file = f
        self._name = name

    def _names(self, a):
        return [k for k in a.keys() if not _is_hidden(k)]

    def __getitem__(self, key):
        with self._file._op(False) as s:
            return s.h5[self._name].attrs[key]

    def get(self, key, default=None):
        with self._file._op(False) as s:
            a = s.h5[self._name].attrs
            return a[key] if key in a else default

    def __setitem__(self, key, value):
        self.create(key, value)

    def create(self, name, data, shape=None, dtype=None):
        self._refuse_hidden(name)
        with self._file._op(True) as s:
            s.h5[self._name].attrs.create(name, data, shape, dtype)

    def modify(self, name, value):
        self._refuse_hidden(name)
        with self._file._op(True) as s:
            s.h5[self._name].attrs.modify(name, value)

    def __delitem__(self, key):
        self._refuse_hidden(key)
        with self._file._op(True) as s:
            del s.h5[self._name].attrs[key]

    def update(self, other=(), **kw):
        items = list(dict(other, **kw).items())
        for k, _ in items:
            self._refuse_hidden(k)
        with self._file._op(True) as s:
            a = s.h5[self._name].attrs
            for k, v in items:
                a[k] = v

    def _refuse_hidden(self, key):
        if _is_hidden(key):
            raise DataError("attribute %r on %s in %s: names starting with %r are h5swmr's commit bookkeeping "
                            "(read by the Spark connector) and cannot be written by users"
                            % (key, self._name, self._file.filename, ATTR_PREFIX))

    def __contains__(self, key):
        if _is_hidden(key):
            return False
        with self._file._op(False) as s:
            return key in s.h5[self._name].attrs

    def keys(self):
        """A list of the user's attribute names (h5swmr's bookkeeping hidden)."""
        with self._file._op(False) as s:
            return self._names(s.h5[self._name].attrs)

    def values(self):
        return [v for _, v in self.items()]

    def items(self):
        with self._file._op(False) as s:
            a = s.h5[self._name].attrs
            return [(k, a[k]) for k in self._names(a)]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __repr__(self):
        return "<h5swmr attributes of %s (%d)>" % (self._name, len(self))


class _Node:
    id = _NoId()

    def __init__(self, f, name):  # h5py's __init__ (which binds a low-level id) is deliberately not called
        self._file = f
        self._name = name

    @property
    def file(self):
        return self._file

    @property
    def name(self):
        return self._name

    @property
    def parent(self):
        return Group(self._file, posixpath.dirname(self._name) or "/")

    @property
    def attrs(self):
        return AttributeManager(self._file, self._name)

    def _obj(self, s):
        return s.h5[self._name]

    def __bool__(self):
        return not self._file._closed

    def __eq__(self, other):
        return (type(self) is type(other) and self._file.filename == other._file.filename
                and self._name == other._name)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self._file.filename, self._name))

    # picklable (h5py objects are not): the file's settings and the path, reopened under a lease where used
    def __reduce__(self):
        return (type(self), (self._file, self._name))


class Group(_Node, h5py.Group):
    def _path(self, name):
        return name if name.startswith("/") else posixpath.join(self._name, name)

    def __getitem__(self, name):
        with self._file._op(False) as s:
            return _wrap(self._file, self._obj(s)[name])

    def get(self, name, default=None, getclass=False, getlink=False):
        with self._file._op(False) as s:
            g = self._obj(s)
            if getlink or getclass and name not in g:
                return g.get(name, default, getclass, getlink)
            if name not in g:
                return default
            obj = g[name]
            if getclass:
                return Dataset if isinstance(obj, h5py.Dataset) else Group if isinstance(obj, h5py.Group) else type(obj)
            return _wrap(self._file, obj)

    def __setitem__(self, name, value):
        """``g[name] = array`` creates a dataset holding ``value`` (h5py's rule); ``g[name] = other_group_or_ds`` is
        not supported (it would need low-level ids)."""
        if isinstance(value, _Node):
            raise H5SwmrError("%s[%r] = %r: hard links between objects are not supported by h5swmr; create the "
                              "dataset from data instead" % (self._name, name, value))
        self.create_dataset(name, data=value)

    def __delitem__(self, name):
        with self._file._op(True) as s:
            del self._obj(s)[name]

    def __contains__(self, name):
        with self._file._op(False) as s:
            return name in self._obj(s)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        with self._file._op(False) as s:
            return len(self._obj(s))

    def keys(self):
        """A list of the member names (taken under one lease)."""
        with self._file._op(False) as s:
            return list(self._obj(s).keys())

    def values(self):
        return [v for _, v in self.items()]

    def items(self):
        with self._file._op(False) as s:
            g = self._obj(s)
            return [(k, _wrap(self._file, g[k])) for k in g.keys()]

    def visit(self, fn):
        """Calls ``fn(name)`` for each member, recursively (names relative to this group), until it returns
        something other than None. All names are listed under one lease, then visited."""
        with self._file._op(False) as s:
            names = []
            self._obj(s).visit(names.append)
        for n in names:
            r = fn(n)
            if r is not None:
                return r
        return None

    def visititems(self, fn):
        """Calls ``fn(name, obj)`` for each member, recursively; ``obj`` is an h5swmr Group or Dataset (so
        ``isinstance(obj, h5py.Dataset)`` works)."""
        with self._file._op(False) as s:
            found = []
            self._obj(s).visititems(lambda n, o: found.append((n, _wrap(self._file, o))))
        for n, o in found:
            r = fn(n, o)
            if r is not None:
                return r
        return None

    def create_group(self, name, track_order=None):
        with self._file._op(True) as s:
            g = self._obj(s).create_group(name, track_order=track_order)
            return Group(self._file, g.name)

    def require_group(self, name):
        with self._file._op(True) as s:
            g = self._obj(s)
            if name in g:
                if not isinstance(g[name], h5py.Group):
                    raise TypeError("Incompatible object (%s) already exists at %s"
                                    % (type(g[name]).__name__, self._path(name)))
                return Group(self._file, g[name].name)
            return Group(self._file, g.create_group(name).name)

    def create_dataset(self, name, shape=None, dtype=None, data=None, **kw):
        with self._file._op(True) as s:
            ds = self._obj(s).create_dataset(name, shape, dtype, data, **kw)
            s.created(ds.name)
            return Dataset(self._file, ds.name)

    def require_dataset(self, name, shape, dtype, exact=False, **kw):
        with self._file._op(True) as s:
            g = self._obj(s)
            existed = name in g
            ds = g.require_dataset(name, shape, dtype, exact, **kw)
            if not existed:
                s.created(ds.name)
            return Dataset(self._file, ds.name)

    def append(self, dataset, rows, chunk_rows=None, compression=None):
        """Appends ``rows`` along dimension 0 of ``dataset`` (a path relative to this group; created resizable and
        chunked if missing). Returns the new row count."""
        return self._file._append(self._path(dataset), rows, chunk_rows, compression)

    def __repr__(self):
        return "<h5swmr.Group %s in %s>" % (self._name, self._file.filename)


class Dataset(_Node, h5py.Dataset):
    def _meta(self, fn):
        with self._file._op(False) as s:
            return fn(self._obj(s))

    def __getitem__(self, key):
        with self._file._op(False) as s:
            out = self._obj(s)[key]
            s.check()
            return out

    def __setitem__(self, key, value):
        with self._file._op(True) as s:
            ds = self._obj(s)
            if not isinstance(value, np.ndarray) or value.dtype != ds.dtype:
                value = _exactly_as(np.asarray(value), ds.dtype, "write to %s in %s" % (self._name,
                                                                                       self._file.filename))
            ds[key] = value
            s.touched(self._name)

    def resize(self, size, axis=None):
        with self._file._op(True) as s:
            self._obj(s).resize(size, axis)
            s.touched(self._name)

    def append(self, rows):
        return self._file._append(self._name, rows, None, None)

    def __array__(self, dtype=None, copy=None):
        out = self[()]
        return out if dtype is None else out.astype(dtype)

    def __len__(self):
        return self.len()

    def len(self):
        shape = self.shape
        if not shape:
            raise TypeError("Attempt to take len() of scalar dataset %s" % self._name)
        return shape[0]

    def __iter__(self):
        """Iterates over the rows (each read under its own lease outside a with block; the row count is taken
        once)."""
        n = self.len()
        for i in range(n):
            yield self[i]

    def read_direct(self, dest, source_sel=None, dest_sel=None):
        with self._file._op(False) as s:
            self._obj(s).read_direct(dest, source_sel, dest_sel)
            s.check()

    def astype(self, dtype):
        """``ds.astype(t)[sel]`` reads ``sel`` converted to ``t`` (h5py's rule)."""
        return _Converted(self, lambda ds: ds.astype(dtype))

    def asstr(self, encoding=None, errors="strict"):
        """``ds.asstr()[sel]`` reads variable- or fixed-length string data as Python str."""
        return _Converted(self, lambda ds: ds.asstr(encoding, errors))

    def fields(self, names):
        return _Converted(self, lambda ds: ds.fields(names))

    def iter_chunks(self, sel=None):
        """The chunk slices, listed under one lease (then the caller reads them, each under its own)."""
        with self._file._op(False) as s:
            return iter(list(self._obj(s).iter_chunks(sel)))

    shape = property(lambda self: self._meta(lambda d: d.shape))
    dtype = property(lambda self: self._meta(lambda d: d.dtype))
    maxshape = property(lambda self: self._meta(lambda d: d.maxshape))
    chunks = property(lambda self: self._meta(lambda d: d.chunks))
    ndim = property(lambda self: self._meta(lambda d: d.ndim))
    size = property(lambda self: self._meta(lambda d: d.size))
    nbytes = property(lambda self: self._meta(lambda d: d.nbytes))
    compression = property(lambda self: self._meta(lambda d: d.compression))
    compression_opts = property(lambda self: self._meta(lambda d: d.compression_opts))
    shuffle = property(lambda self: self._meta(lambda d: d.shuffle))
    fletcher32 = property(lambda self: self._meta(lambda d: d.fletcher32))
    scaleoffset = property(lambda self: self._meta(lambda d: d.scaleoffset))
    fillvalue = property(lambda self: self._meta(lambda d: d.fillvalue))
    external = property(lambda self: self._meta(lambda d: d.external))

    def __repr__(self):
        try:
            return "<h5swmr.Dataset %s shape %s %s>" % (self._name, self.shape, self.dtype)
        except Exception:
            return "<h5swmr.Dataset %s>" % self._name


class _Converted:
    """What ``astype``/``asstr``/``fields`` return: indexing reads under a lease and converts."""

    def __init__(self, ds, make):
        self._ds = ds
        self._make = make

    def __getitem__(self, key):
        with self._ds._file._op(False) as s:
            out = self._make(self._ds._obj(s))[key]
            s.check()
            return out

    def __array__(self, dtype=None, copy=None):
        out = self[()]
        return out if dtype is None else out.astype(dtype)

    def __len__(self):
        return len(self._ds)
