package io.h5swmr.lock;

/**
 * Kind of lease: many {@link #SHARED} holders (readers) or one {@link #EXCLUSIVE} holder (the
 * writer).
 */
public enum LeaseMode {
  SHARED,
  EXCLUSIVE;

  /** One-letter code stored in Redis. */
  String code() {
    return this == SHARED ? "S" : "X";
  }

  static LeaseMode fromCode(String code) {
    return "X".equals(code) ? EXCLUSIVE : SHARED;
  }
}
