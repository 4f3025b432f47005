package io.h5swmr.hdf5;

/** What a path inside an HDF5 file names. */
public enum H5ObjectKind {
  GROUP,
  DATASET,
  /** A committed datatype or another object that is neither group nor dataset. */
  OTHER,
  /** Nothing at that path (or a dangling link). */
  MISSING
}
