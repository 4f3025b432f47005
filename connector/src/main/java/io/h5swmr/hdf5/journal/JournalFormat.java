package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The bytes of a redo journal, as docs/journal.md specifies them (every integer little-endian,
 * checksums CRC-32 as zlib computes it): a 64-byte header, WRITE records, a BASE record (version 2:
 * checksums of the bytes the journal overwrites, which prove the file state it applies to) and one
 * COMMIT record that makes the journal count.
 */
public final class JournalFormat {
  static final byte[] MAGIC = "H5SWJNL1".getBytes(StandardCharsets.US_ASCII);

  /** The version this implementation writes; version 1 journals (no BASE record) are still read. */
  static final int VERSION = 2;

  static final int HEADER_SIZE = 64;
  static final int TYPE_WRITE = 1;
  static final int TYPE_COMMIT = 2;
  static final int TYPE_BASE = 3;

  /** WRITE record bytes before its data. */
  static final int WRITE_HEAD = 24;

  static final int COMMIT_SIZE = 48;

  /**
   * Header field {@code state}: 0 while the session runs, 1 once the commit is durable and may be
   * applied.
   */
  static final int STATE_OPEN = 0;

  static final int STATE_APPLYING = 1;

  /**
   * Header bytes the whole-journal CRC covers (version 2: all but {@code state} and {@code
   * header_crc}).
   */
  static final int HEADER_STABLE = 56;

  /**
   * BASE units never cross a multiple of this (a page: what a power cut writes whole or not at
   * all).
   */
  static final int PAGE = 4096;

  /** The first bytes of the file are always in the BASE record (its superblock), written or not. */
  static final int ANCHOR = 4096;

  private JournalFormat() {}

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A version 2 header of a session that has not committed, with no file identity (tests). */
  static ByteBuffer header(long baseEof, long token, long nonce) {
    return header(baseEof, token, nonce, 0, 0, STATE_OPEN);
  }

  /**
   * The version 2 header: base end of file, fencing token, nonce, the target's device and inode
   * (diagnostics), state; CRC-32 of bytes 0..59 at 60.
   */
  static ByteBuffer header(
      long baseEof, long token, long nonce, long device, long inode, int state) {
    ByteBuffer b = le(HEADER_SIZE);
    b.put(MAGIC).putInt(VERSION).putInt(HEADER_SIZE).putLong(baseEof).putLong(token).putLong(nonce);
    b.putLong(device).putLong(inode).putInt(state);
    b.putInt((int) crc(b.array(), 0, 60));
    b.flip();
    return b;
  }

  /** The 24 bytes before a WRITE record's data. */
  static ByteBuffer writeHead(long offset, long length) {
    ByteBuffer b = le(WRITE_HEAD);
    b.putInt(TYPE_WRITE).putInt(0).putLong(offset).putLong(length);
    b.flip();
    return b;
  }

  /** The BASE record: the units' old checksums, then {@code crc32(le64(nonce) ‖ record)}. */
  static ByteBuffer baseRecord(List<Unit> units, long nonce) {
    ByteBuffer b = le(16 + 16 * units.size() + 4);
    b.putInt(TYPE_BASE).putInt(0).putLong(units.size());
    for (Unit u : units) {
      b.putLong(u.offset()).putInt((int) u.length()).putInt((int) u.oldCrc());
    }
    CRC32 c = new CRC32();
    c.update(longLe(nonce));
    c.update(b.array(), 0, b.position());
    b.putInt((int) c.getValue());
    b.flip();
    return b;
  }

  /** The COMMIT record without its final CRC field (44 bytes). */
  static ByteBuffer commitBody(long newEof, long records, long dataBytes, long nonce) {
    ByteBuffer b = le(COMMIT_SIZE - 4);
    b.putInt(TYPE_COMMIT)
        .putInt(0)
        .putLong(newEof)
        .putLong(records)
        .putLong(dataBytes)
        .putLong(nonce)
        .putInt(0);
    b.flip();
    return b;
  }

  static ByteBuffer crcField(long crc) {
    ByteBuffer b = le(4);
    b.putInt((int) crc);
    b.flip();
    return b;
  }

  static long crc(byte[] a, int off, int len) {
    CRC32 c = new CRC32();
    c.update(a, off, len);
    return c.getValue();
  }

  static byte[] longLe(long v) {
    return le(8).putLong(v).array();
  }

  /**
   * One WRITE record: {@code length} bytes for {@code offset} of the target, found at {@code
   * dataAt} in the journal.
   */
  public record Write(long offset, long length, long dataAt) {}

  /**
   * Target bytes {@code [offset, offset + length)} had CRC-32 {@code oldCrc} when the session
   * started.
   */
  public record Unit(long offset, long length, long oldCrc) {
    long end() {
      return offset + length;
    }
  }

  /**
   * The ranges the BASE record covers, in offset order (old CRCs left 0): every extent of the
   * journal's image (a maximal run of bytes whose newest WRITE record is the same one: what one
   * write of the apply step puts in place), and the parts of {@code [0, ANCHOR)} no extent covers,
   * all cut to {@code [0, min(baseEof, newEof))} and split at every multiple of {@link #PAGE}. So
   * each unit is written whole by one write of the apply step.
   */
  static List<Unit> unitRanges(List<Overlay.Extent> extents, long baseEof, long newEof) {
    long limit = Math.min(baseEof, newEof);
    long anchorEnd = Math.min(ANCHOR, limit);
    List<Unit> out = new ArrayList<>();
    long pos = 0;
    for (Overlay.Extent x : extents) {
      long s = Math.min(x.start(), limit);
      long e = Math.min(x.end(), limit);
      if (pos < Math.min(s, anchorEnd)) {
        split(pos, Math.min(s, anchorEnd), out);
      }
      split(s, e, out);
      pos = Math.max(pos, e);
    }
    if (pos < anchorEnd) {
      split(pos, anchorEnd, out);
    }
    return out;
  }

  private static void split(long start, long end, List<Unit> out) {
    for (long p = start; p < end; ) {
      long stop = Math.min(end, (p / PAGE + 1) * PAGE);
      out.add(new Unit(p, stop - p, 0));
      p = stop;
    }
  }

  /** What a journal file holds, as far as it could be validated. */
  public static final class Parsed {
    /** False when the header is missing or damaged: nothing of the journal can be trusted. */
    public final boolean headerValid;

    /** True when a valid COMMIT record ends the file: the journal must be replayed. */
    public final boolean committed;

    /** 1 or 2 (0 when the header is damaged). */
    public final int version;

    /**
     * Version 2: true when the header says the commit was durable and applying it may have started;
     * with {@link #committed} false the journal was then damaged after its commit (the file may
     * hold either state).
     */
    public final boolean applying;

    public final long baseEof;
    public final long token;
    public final long nonce;
    public final long device;
    public final long inode;
    public final long newEof;
    public final List<Write> writes;

    /** Version 2, committed: the BASE record. */
    public final List<Unit> units;

    public final String problem;

    Parsed(
        boolean headerValid,
        boolean committed,
        int version,
        boolean applying,
        long baseEof,
        long token,
        long nonce,
        long device,
        long inode,
        long newEof,
        List<Write> writes,
        List<Unit> units,
        String problem) {
      this.headerValid = headerValid;
      this.committed = committed;
      this.version = version;
      this.applying = applying;
      this.baseEof = baseEof;
      this.token = token;
      this.nonce = nonce;
      this.device = device;
      this.inode = inode;
      this.newEof = newEof;
      this.writes = Collections.unmodifiableList(writes);
      this.units = Collections.unmodifiableList(units);
      this.problem = problem;
    }

    static Parsed damaged(String problem) {
      return new Parsed(false, false, 0, false, -1, -1, 0, 0, 0, -1, List.of(), List.of(), problem);
    }

    @Override
    public String toString() {
      return "journal{version "
          + version
          + ", "
          + (committed
              ? "committed"
              : !headerValid
                  ? "damaged header"
                  : applying ? "damaged after its commit" : "incomplete")
          + ", base eof "
          + baseEof
          + ", new eof "
          + newEof
          + ", token "
          + token
          + ", "
          + writes.size()
          + " writes"
          + (problem == null ? "" : ", " + problem)
          + "}";
    }
  }

  /**
   * Reads and validates the journal in {@code ch} (never throws on bad content, only on I/O
   * errors).
   */
  public static Parsed parse(Disk.Channel ch) throws IOException {
    long size = ch.size();
    if (size < HEADER_SIZE) {
      return Parsed.damaged("shorter than its header (" + size + " bytes)");
    }
    ByteBuffer h = le(HEADER_SIZE);
    ch.readFully(0, h);
    byte[] ha = h.array();
    h.flip();
    byte[] magic = new byte[8];
    h.get(magic);
    int version = h.getInt();
    int hsize = h.getInt();
    long baseEof = h.getLong();
    long token = h.getLong();
    long nonce = h.getLong();
    long device = version == 2 ? h.getLong(40) : 0;
    long inode = version == 2 ? h.getLong(48) : 0;
    int state = version == 2 ? h.getInt(56) : STATE_OPEN;
    long storedCrc = Integer.toUnsignedLong(h.getInt(60));
    if (!java.util.Arrays.equals(magic, MAGIC)
        || (version != 1 && version != 2)
        || hsize != HEADER_SIZE
        || storedCrc != crc(ha, 0, 60)
        || (state != STATE_OPEN && state != STATE_APPLYING)
        || baseEof < 0) {
      return Parsed.damaged("bad header");
    }
    boolean applying = state == STATE_APPLYING;
    CRC32 whole = new CRC32();
    whole.update(ha, 0, version == 1 ? HEADER_SIZE : HEADER_STABLE);
    List<Write> writes = new ArrayList<>();
    List<Unit> units = null;
    long at = HEADER_SIZE;
    long dataBytes = 0;
    byte[] nonceLe = longLe(nonce);
    byte[] buf = new byte[1 << 16];
    String problem = "no commit record";
    while (at + 8 <= size) {
      ByteBuffer t = le(8);
      ch.readFully(at, t);
      int type = t.getInt(0);
      if (type == TYPE_WRITE && units == null) {
        if (at + WRITE_HEAD + 4 > size) {
          break;
        }
        ByteBuffer wh = le(WRITE_HEAD);
        ch.readFully(at, wh);
        long offset = wh.getLong(8);
        long length = wh.getLong(16);
        if (offset < 0
            || length < 0
            || at + WRITE_HEAD + length + 4 > size
            || offset + length > baseEof) {
          problem = "bad record at " + at;
          break;
        }
        CRC32 rc = new CRC32();
        rc.update(nonceLe);
        rc.update(wh.array());
        whole.update(wh.array());
        long p = at + WRITE_HEAD;
        long left = length;
        while (left > 0) {
          int n = (int) Math.min(buf.length, left);
          ch.readFully(p, ByteBuffer.wrap(buf, 0, n));
          rc.update(buf, 0, n);
          whole.update(buf, 0, n);
          p += n;
          left -= n;
        }
        ByteBuffer c = le(4);
        ch.readFully(p, c);
        if (Integer.toUnsignedLong(c.getInt(0)) != rc.getValue()) {
          problem = "bad record checksum at " + at;
          break;
        }
        whole.update(c.array());
        writes.add(new Write(offset, length, at + WRITE_HEAD));
        dataBytes += length;
        at = p + 4;
      } else if (type == TYPE_BASE && version == 2 && units == null) {
        ByteBuffer bh = le(16);
        if (at + 16 + 4 > size) {
          break;
        }
        ch.readFully(at, bh);
        long count = bh.getLong(8);
        if (count < 0 || count > (size - at) / 16 || at + 16 + 16 * count + 4 > size) {
          problem = "bad base record at " + at;
          break;
        }
        ByteBuffer br = le((int) (16 + 16 * count + 4));
        ch.readFully(at, br);
        CRC32 rc = new CRC32();
        rc.update(nonceLe);
        rc.update(br.array(), 0, br.capacity() - 4);
        if (Integer.toUnsignedLong(br.getInt(br.capacity() - 4)) != rc.getValue()) {
          problem = "bad base record checksum at " + at;
          break;
        }
        whole.update(br.array());
        units = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
          int q = 16 + 16 * i;
          units.add(
              new Unit(
                  br.getLong(q),
                  Integer.toUnsignedLong(br.getInt(q + 8)),
                  Integer.toUnsignedLong(br.getInt(q + 12))));
        }
        at += br.capacity();
      } else if (type == TYPE_COMMIT) {
        if (at + COMMIT_SIZE != size) {
          problem = "commit record does not end the file";
          break;
        }
        ByteBuffer cr = le(COMMIT_SIZE);
        ch.readFully(at, cr);
        long newEof = cr.getLong(8);
        long records = cr.getLong(16);
        long bytes = cr.getLong(24);
        long cNonce = cr.getLong(32);
        whole.update(cr.array(), 0, COMMIT_SIZE - 4);
        long stored = Integer.toUnsignedLong(cr.getInt(COMMIT_SIZE - 4));
        if (stored != whole.getValue()
            || cNonce != nonce
            || records != writes.size()
            || bytes != dataBytes
            || newEof < 0) {
          problem = "bad commit record";
          break;
        }
        if (version == 2) {
          if (units == null || !sameRanges(units, writes, baseEof, newEof)) {
            problem = "base record missing or not matching the writes";
            break;
          }
        }
        return new Parsed(
            true,
            true,
            version,
            applying,
            baseEof,
            token,
            nonce,
            device,
            inode,
            newEof,
            writes,
            units == null ? List.of() : units,
            null);
      } else {
        problem = "unknown record type " + type + " at " + at;
        break;
      }
    }
    return new Parsed(
        true, false, version, applying, baseEof, token, nonce, device, inode, -1, writes, List.of(),
        problem);
  }

  private static boolean sameRanges(
      List<Unit> units, List<Write> writes, long baseEof, long newEof) {
    Overlay o = new Overlay();
    for (Write w : writes) {
      o.put(w.offset(), w.length(), w.dataAt());
    }
    List<Unit> expected = unitRanges(o.extents(), baseEof, newEof);
    if (expected.size() != units.size()) {
      return false;
    }
    for (int i = 0; i < units.size(); i++) {
      if (expected.get(i).offset() != units.get(i).offset()
          || expected.get(i).length() != units.get(i).length()) {
        return false;
      }
    }
    return true;
  }
}
