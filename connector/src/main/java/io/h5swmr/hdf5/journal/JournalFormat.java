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
 * The bytes of a redo journal, as docs/journal.md specifies them (every integer little-endian, checksums CRC-32 as
 * zlib computes it): a 64-byte header, WRITE records, and one COMMIT record that makes the journal count.
 */
public final class JournalFormat {
  static final byte[] MAGIC = "H5SWJNL1".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int HEADER_SIZE = 64;
  static final int TYPE_WRITE = 1;
  static final int TYPE_COMMIT = 2;
  /** WRITE record bytes before its data. */
  static final int WRITE_HEAD = 24;
  static final int COMMIT_SIZE = 48;

  private JournalFormat() {}

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The header: base end of file, fencing token, nonce; CRC-32 of bytes 0..59 at 60. */
  static ByteBuffer header(long baseEof, long token, long nonce) {
    ByteBuffer b = le(HEADER_SIZE);
    b.put(MAGIC).putInt(VERSION).putInt(HEADER_SIZE).putLong(baseEof).putLong(token).putLong(nonce);
    b.position(60);
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

  /** The COMMIT record without its final CRC field (44 bytes). */
  static ByteBuffer commitBody(long newEof, long records, long dataBytes, long nonce) {
    ByteBuffer b = le(COMMIT_SIZE - 4);
    b.putInt(TYPE_COMMIT).putInt(0).putLong(newEof).putLong(records).putLong(dataBytes).putLong(nonce).putInt(0);
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

  /** One WRITE record: {@code length} bytes for {@code offset} of the target, found at {@code dataAt} in the journal. */
  public record Write(long offset, long length, long dataAt) {}

  /** What a journal file holds, as far as it could be validated. */
  public static final class Parsed {
    /** False when the header is missing or damaged: nothing of the journal can be trusted. */
    public final boolean headerValid;
    /** True when a valid COMMIT record ends the file: the journal must be replayed. */
    public final boolean committed;
    public final long baseEof;
    public final long token;
    public final long nonce;
    public final long newEof;
    public final List<Write> writes;
    public final String problem;

    Parsed(boolean headerValid, boolean committed, long baseEof, long token, long nonce, long newEof,
        List<Write> writes, String problem) {
      this.headerValid = headerValid;
      this.committed = committed;
      this.baseEof = baseEof;
      this.token = token;
      this.nonce = nonce;
      this.newEof = newEof;
      this.writes = Collections.unmodifiableList(writes);
      this.problem = problem;
    }

    @Override
    public String toString() {
      return "journal{" + (committed ? "committed" : headerValid ? "incomplete" : "damaged header") + ", base eof "
          + baseEof + ", new eof " + newEof + ", token " + token + ", " + writes.size() + " writes"
          + (problem == null ? "" : ", " + problem) + "}";
    }
  }

  /** Reads and validates the journal in {@code ch} (never throws on bad content, only on I/O errors). */
  public static Parsed parse(Disk.Channel ch) throws IOException {
    long size = ch.size();
    if (size < HEADER_SIZE) {
      return new Parsed(false, false, -1, -1, 0, -1, List.of(), "shorter than its header (" + size + " bytes)");
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
    long storedCrc = Integer.toUnsignedLong(h.getInt(60));
    if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION || hsize != HEADER_SIZE
        || storedCrc != crc(ha, 0, 60)) {
      return new Parsed(false, false, -1, -1, 0, -1, List.of(), "bad header");
    }
    CRC32 whole = new CRC32();
    whole.update(ha, 0, HEADER_SIZE);
    List<Write> writes = new ArrayList<>();
    long at = HEADER_SIZE;
    long dataBytes = 0;
    byte[] nonceLe = longLe(nonce);
    byte[] buf = new byte[1 << 16];
    while (at + 8 <= size) {
      ByteBuffer t = le(8);
      ch.readFully(at, t);
      int type = t.getInt(0);
      if (type == TYPE_WRITE) {
        if (at + WRITE_HEAD + 4 > size) {
          break;
        }
        ByteBuffer wh = le(WRITE_HEAD);
        ch.readFully(at, wh);
        long offset = wh.getLong(8);
        long length = wh.getLong(16);
        if (offset < 0 || length < 0 || at + WRITE_HEAD + length + 4 > size) {
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
          return new Parsed(true, false, baseEof, token, nonce, -1, writes, "bad record checksum at " + at);
        }
        whole.update(c.array());
        writes.add(new Write(offset, length, at + WRITE_HEAD));
        dataBytes += length;
        at = p + 4;
      } else if (type == TYPE_COMMIT) {
        if (at + COMMIT_SIZE != size) {
          return new Parsed(true, false, baseEof, token, nonce, -1, writes, "commit record does not end the file");
        }
        ByteBuffer cr = le(COMMIT_SIZE);
        ch.readFully(at, cr);
        long newEof = cr.getLong(8);
        long records = cr.getLong(16);
        long bytes = cr.getLong(24);
        long cNonce = cr.getLong(32);
        whole.update(cr.array(), 0, COMMIT_SIZE - 4);
        long stored = Integer.toUnsignedLong(cr.getInt(COMMIT_SIZE - 4));
        if (stored != whole.getValue() || cNonce != nonce || records != writes.size() || bytes != dataBytes
            || newEof < 0) {
          return new Parsed(true, false, baseEof, token, nonce, -1, writes, "bad commit record");
        }
        return new Parsed(true, true, baseEof, token, nonce, newEof, writes, null);
      } else {
        break;
      }
    }
    return new Parsed(true, false, baseEof, token, nonce, -1, writes, "no commit record");
  }
}
