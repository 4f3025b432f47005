package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which journal bytes replace which target bytes: non-overlapping extents, the newest write
 * winning, so that reading through it gives what replaying the journal's records in order would
 * leave in the target.
 */
final class Overlay {
  /** Target bytes {@code [start, start + length)} live at {@code journalAt} in the journal. */
  record Extent(long start, long length, long journalAt) {
    long end() {
      return start + length;
    }
  }

  private final TreeMap<Long, Extent> extents = new TreeMap<>();

  /** Records that target bytes {@code [start, start + length)} are now at {@code journalAt}. */
  void put(long start, long length, long journalAt) {
    if (length <= 0) {
      return;
    }
    long end = start + length;
    Map.Entry<Long, Extent> before = extents.lowerEntry(start);
    if (before != null && before.getValue().end() > start) {
      Extent b = before.getValue();
      extents.put(b.start(), new Extent(b.start(), start - b.start(), b.journalAt()));
      if (b.end() > end) {
        extents.put(end, new Extent(end, b.end() - end, b.journalAt() + (end - b.start())));
      }
    }
    for (Extent e : new ArrayList<>(extents.subMap(start, true, end, false).values())) {
      extents.remove(e.start());
      if (e.end() > end) {
        extents.put(end, new Extent(end, e.end() - end, e.journalAt() + (end - e.start())));
      }
    }
    extents.put(start, new Extent(start, length, journalAt));
  }

  /** True when an extent holds target byte {@code position}. */
  boolean covers(long position) {
    Map.Entry<Long, Extent> at = extents.floorEntry(position);
    return at != null && at.getValue().end() > position;
  }

  /**
   * Drops every extent at or beyond {@code from} (the target was cut there: those bytes are gone).
   */
  void cut(long from) {
    Map.Entry<Long, Extent> before = extents.lowerEntry(from);
    if (before != null && before.getValue().end() > from) {
      Extent b = before.getValue();
      extents.put(b.start(), new Extent(b.start(), from - b.start(), b.journalAt()));
    }
    extents.tailMap(from, true).clear();
  }

  boolean isEmpty() {
    return extents.isEmpty();
  }

  List<Extent> extents() {
    return new ArrayList<>(extents.values());
  }

  /**
   * Reads at {@code position} of the image "target with the overlay applied, cut at {@code eof}":
   * the bytes of one extent or of the gap before the next one. Target bytes missing below {@code
   * eof} read as zeros.
   */
  int read(long position, ByteBuffer dst, long eof, Disk.Channel journal, Disk.Channel target)
      throws IOException {
    if (position >= eof) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    long limit = Math.min(eof, position + dst.remaining());
    Map.Entry<Long, Extent> at = extents.floorEntry(position);
    if (at != null && at.getValue().end() > position) {
      Extent e = at.getValue();
      int n = (int) (Math.min(limit, e.end()) - position);
      ByteBuffer part = dst.slice(dst.position(), n);
      journal.readFully(e.journalAt() + (position - e.start()), part);
      dst.position(dst.position() + n);
      return n;
    }
    Long next = extents.higherKey(position);
    int n = (int) (Math.min(limit, next == null ? Long.MAX_VALUE : next) - position);
    ByteBuffer part = dst.slice(dst.position(), n);
    long p = position;
    while (part.hasRemaining()) {
      int r = target.read(p, part);
      if (r < 0) {
        while (part.hasRemaining()) {
          part.put((byte) 0);
        }
        break;
      }
      p += r;
    }
    dst.position(dst.position() + n);
    return n;
  }
}
