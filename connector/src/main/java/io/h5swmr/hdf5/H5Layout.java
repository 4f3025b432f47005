package io.h5swmr.hdf5;

/** Storage layout of a dataset (HDF5 H5D_layout_t). */
public enum H5Layout {
  COMPACT,
  CONTIGUOUS,
  CHUNKED,
  VIRTUAL
}
