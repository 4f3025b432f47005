package io.h5swmr.hdf5.journal;

import io.h5swmr.hdf5.driver.H5Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.zip.CRC32;

/**
 * One in-place write session on a target file under the redo journal (docs/journal.md). Let L be
 * the target's size when the session starts (the committed end of file): writes at or beyond L go
 * straight to the target (the committed state never reads there); writes below L are appended to
 * the journal as WRITE records and read back from there during the session. {@link #commit} makes
 * the session's state the committed one with one durable COMMIT record, then applies it in place;
 * {@link #rollback} (or a crash before the commit point) leaves the committed state as it was.
 *
 * <p>Open HDF5 on it with {@link #opener()}. The caller holds the file's write lease and its {@link
 * WriteFence}, and has run {@link JournalRecovery} first: writers get all three from {@link
 * JournalTransaction}, the one way they change a file.
 */
public final class JournalSession implements AutoCloseable {
  /** Steps reported to the {@link CommitHook} during {@link #commit}, in order. */
  public static final String STEP_DATA_SYNCED = "data-synced";

  public static final String STEP_JOURNAL_SYNCED = "journal-synced";
  public static final String STEP_COMMITTED = "committed";
  public static final String STEP_APPLIED = "applied";
  public static final String STEP_DONE = "journal-deleted";

  private enum State {
    OPEN,
    COMMITTED,
    ROLLED_BACK
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Equal bytes that end a journaled run (a record costs 28 bytes of framing). */
  private static final int GAP = 64;

  /** Writes below L larger than this are journaled whole, without comparing. */
  private static final int MAX_DIFF = 64 << 20;

  private final Disk disk;
  private final Path target;
  private final Path journalPath;
  private final long token;
  private final long nonce;
  private final byte[] nonceLe;
  private final long base;
  private final Disk.Channel data;
  private final Disk.Channel journal;
  private final Overlay overlay = new Overlay();
  private final CRC32 whole = new CRC32();
  private final String identity;
  private long journalEnd;
  private long records;
  private long dataBytes;
  private long eof;
  private boolean targetChanged;

  /**
   * The lowest size below L HDF5 cut the file to in this session (L when it never did): bytes in
   * [cut, L) that the session did not write again read as zeros, as in a truncated file, and are
   * journaled as zeros at commit.
   */
  private long cut;

  private State state = State.OPEN;
  private int fsyncs;

  private final long[] fileId;

  private JournalSession(
      Disk disk, Path target, long token, Disk.Channel data, Disk.Channel journal, long base)
      throws IOException {
    this.disk = disk;
    this.target = target;
    this.journalPath = JournalFiles.journal(target);
    this.token = token;
    this.nonce = RANDOM.nextLong();
    this.nonceLe = JournalFormat.longLe(nonce);
    this.data = data;
    this.journal = journal;
    this.base = base;
    this.eof = base;
    this.cut = base;
    this.identity = "journal:" + target;
    this.fileId = disk.fileId(target);
    ByteBuffer h =
        JournalFormat.header(base, token, nonce, fileId[0], fileId[1], JournalFormat.STATE_OPEN);
    whole.update(h.array(), 0, JournalFormat.HEADER_STABLE);
    journal.write(0, h);
    journalEnd = JournalFormat.HEADER_SIZE;
  }

  /**
   * Starts a session on the existing file {@code realTarget} (see {@link JournalFiles#realTarget})
   * for the writer holding fencing token {@code token}: creates its journal (replacing none:
   * recovery ran before).
   */
  public static JournalSession begin(Disk disk, Path realTarget, long token) throws IOException {
    Disk.Channel data = disk.open(realTarget, false);
    Disk.Channel journal = null;
    try {
      journal = disk.open(JournalFiles.journal(realTarget), true);
      return new JournalSession(disk, realTarget, token, data, journal, data.size());
    } catch (IOException | RuntimeException e) {
      if (journal != null) {
        journal.close();
      }
      data.close();
      throw e;
    }
  }

  /** The committed end of file this session started from (L). */
  public long baseEof() {
    return base;
  }

  /** The session's end of file (what HDF5 sees). */
  public long eof() {
    return eof;
  }

  /** Bytes below L the session changed (journal WRITE data so far). */
  public long journaledBytes() {
    return dataBytes;
  }

  /** fsync calls issued by this session (files and directory). */
  public int fsyncs() {
    return fsyncs;
  }

  /** True when the session changed anything: a commit then has work to do. */
  public boolean changed() {
    return records > 0 || targetChanged || eof != base;
  }

  /** Opens of HDF5 through the driver all see this session (closing them does not end it). */
  public H5Storage.Opener opener() {
    return access -> {
      if (state != State.OPEN) {
        throw new IOException("the journal session on " + target + " has ended");
      }
      if (access.truncate() || (access.create() && access.exclusive())) {
        throw new IOException(
            "a journal session writes an existing file in place; it cannot create " + target);
      }
      return new View();
    };
  }

  private void append(ByteBuffer b) throws IOException {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    whole.update(a);
    journal.write(journalEnd, b);
    journalEnd += a.length;
  }

  private void journalWrite(long position, ByteBuffer src) throws IOException {
    long length = src.remaining();
    ByteBuffer head = JournalFormat.writeHead(position, length);
    CRC32 rc = new CRC32();
    rc.update(nonceLe);
    rc.update(head.duplicate());
    rc.update(src.duplicate());
    append(head);
    long dataAt = journalEnd;
    append(src);
    append(JournalFormat.crcField(rc.getValue()));
    overlay.put(position, length, dataAt);
    records++;
    dataBytes += length;
  }

  /**
   * Journals only the bytes of a write below L that differ from what the session holds there now.
   * HDF5 rewrites whole chunks and metadata blocks: appending 1000 rows to a partly filled 8 MiB
   * chunk rewrites all of it, of which 8 KB changed. Differing runs closer than {@link #GAP} bytes
   * become one record.
   */
  private void journalChanges(long position, ByteBuffer src) throws IOException {
    int len = src.remaining();
    if (len > MAX_DIFF) {
      journalWrite(position, src);
      return;
    }
    byte[] neu = new byte[len];
    src.duplicate().get(neu);
    byte[] now = new byte[len];
    int cmpEnd = (int) Math.max(0, Math.min(len, eof - position));
    ByteBuffer cur = ByteBuffer.wrap(now, 0, cmpEnd);
    long p = position;
    while (cur.hasRemaining()) {
      int n = read(p, cur);
      if (n < 0) {
        break;
      }
      p += n;
    }
    int i = 0;
    while (i < len) {
      int start = i;
      if (i < cmpEnd) {
        int m = java.util.Arrays.mismatch(now, i, cmpEnd, neu, i, cmpEnd);
        start = m < 0 ? cmpEnd : i + m;
      }
      if (start >= len) {
        break;
      }
      int stop = start + 1;
      while (stop < len) {
        if (stop >= cmpEnd) {
          stop = len;
          break;
        }
        if (now[stop] != neu[stop]) {
          stop++;
          continue;
        }
        int m = java.util.Arrays.mismatch(now, stop, cmpEnd, neu, stop, cmpEnd);
        int equal = m < 0 ? cmpEnd - stop : m;
        if (equal >= GAP || (m < 0 && cmpEnd == len)) {
          break;
        }
        stop += equal;
      }
      journalWrite(position + start, ByteBuffer.wrap(neu, start, stop - start));
      i = stop;
    }
  }

  void write(long position, ByteBuffer src) throws IOException {
    requireOpen();
    long end = position + src.remaining();
    if (position < base) {
      ByteBuffer low = src.slice(src.position(), (int) (Math.min(end, base) - position));
      journalChanges(position, low);
      src.position(src.position() + low.capacity());
    }
    if (src.hasRemaining()) {
      long at = Math.max(position, base);
      data.write(at, src);
      targetChanged = true;
    }
    eof = Math.max(eof, end);
  }

  int read(long position, ByteBuffer dst) throws IOException {
    return overlay.read(position, dst, eof, journal, cut < base ? cutData : data);
  }

  /** The target as HDF5 left it after cutting below L: bytes in [cut, L) read as zeros. */
  private final Disk.Channel cutData =
      new Disk.Channel() {
        @Override
        public int read(long position, ByteBuffer dst) throws IOException {
          if (position >= cut && position < base) {
            int n = (int) Math.min(dst.remaining(), base - position);
            for (int i = 0; i < n; i++) {
              dst.put((byte) 0);
            }
            return n;
          }
          if (position < cut && position + dst.remaining() > cut) {
            ByteBuffer part = dst.slice(dst.position(), (int) (cut - position));
            int n = data.read(position, part);
            if (n > 0) {
              dst.position(dst.position() + n);
            }
            return n;
          }
          return data.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
          data.write(position, src);
        }

        @Override
        public long size() throws IOException {
          return data.size();
        }

        @Override
        public void truncate(long size) throws IOException {
          data.truncate(size);
        }

        @Override
        public void force() throws IOException {
          data.force();
        }

        @Override
        public void close() throws IOException {
          data.close();
        }
      };

  /**
   * Journals zeros over the bytes of [cut, min(eof, L)) the session did not write after cutting, so
   * that the committed file holds what HDF5 saw there (a cut file grown again reads zeros), not the
   * old bytes.
   */
  private void journalCutGaps() throws IOException {
    long end = Math.min(eof, base);
    long at = cut;
    for (Overlay.Extent e : overlay.extents()) {
      if (e.end() <= at) {
        continue;
      }
      if (e.start() >= end) {
        break;
      }
      journalZeros(at, Math.min(e.start(), end));
      at = Math.max(at, e.end());
    }
    journalZeros(at, end);
  }

  private void journalZeros(long from, long to) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(0, to - from)));
    for (long p = from; p < to; ) {
      int n = (int) Math.min(zeros.capacity(), to - p);
      journalWrite(p, zeros.clear().limit(n));
      p += n;
    }
  }

  void truncate(long size) throws IOException {
    requireOpen();
    long keep = Math.max(size, base);
    if (data.size() != keep) {
      data.truncate(keep);
      targetChanged = true;
    }
    if (size < base) {
      overlay.cut(size);
      cut = Math.min(cut, size);
    }
    eof = size;
  }

  /**
   * Makes the session's state the committed one: fsync the bytes written beyond L, check the lease
   * ({@code verifyLease} throws when it was lost: then nothing is committed and the session is
   * rolled back), append the BASE record (CRCs of the committed bytes the commit overwrites) and
   * the COMMIT record, fsync the journal and its directory (the commit point), set the header's
   * state to applying and fsync the journal again, write the journaled bytes in place, set the end
   * of file, fsync the target, delete the journal. Returns false (and touches nothing) when the
   * session changed nothing.
   */
  public boolean commit(Runnable verifyLease, CommitHook hook) throws IOException {
    requireOpen();
    if (!changed()) {
      rollback();
      return false;
    }
    try {
      if (cut < base) {
        journalCutGaps();
      }
      if (targetChanged) {
        data.force();
        fsyncs++;
      }
      hook.reached(STEP_DATA_SYNCED);
      verifyLease.run();
    } catch (IOException | RuntimeException | Error e) {
      rollback();
      throw e;
    }
    try {
      append(JournalFormat.baseRecord(baseUnits(), nonce));
    } catch (IOException | RuntimeException | Error e) {
      rollback();
      throw e;
    }
    ByteBuffer body = JournalFormat.commitBody(eof, records, dataBytes, nonce);
    append(body);
    journal.write(journalEnd, JournalFormat.crcField(whole.getValue()));
    journalEnd += 4;
    journal.force();
    fsyncs++;
    hook.reached(STEP_JOURNAL_SYNCED);
    disk.syncDirectory(target.getParent());
    fsyncs++;
    // Only once the whole journal is durable does its header say so: a header still saying "open"
    // then proves nothing below L was written (recovery may cut back to L); one saying "applying"
    // whose journal fails validation was damaged afterwards (recovery stops instead of cutting an
    // applied file).
    journal.write(
        0,
        JournalFormat.header(
            base, token, nonce, fileId[0], fileId[1], JournalFormat.STATE_APPLYING));
    journal.force();
    fsyncs++;
    state = State.COMMITTED;
    hook.reached(STEP_COMMITTED);
    // From here on the new state is durable: a failure below is finished by recovery (replay).
    try {
      apply();
      data.force();
      fsyncs++;
      hook.reached(STEP_APPLIED);
    } finally {
      closeQuietly(journal);
      closeQuietly(data);
    }
    disk.delete(journalPath);
    hook.reached(STEP_DONE);
    return true;
  }

  private void apply() throws IOException {
    JournalRecovery.writeImage(overlay, journal, eof, data);
    if (data.size() != eof) {
      data.truncate(eof);
    }
  }

  /**
   * The BASE record's units with the CRCs of the target's bytes there: below L the target still
   * holds the last committed state (the session never writes there), which is what the units prove.
   */
  private java.util.List<JournalFormat.Unit> baseUnits() throws IOException {
    java.util.List<JournalFormat.Unit> units =
        JournalFormat.unitRanges(overlay.extents(), base, eof);
    java.util.List<JournalFormat.Unit> out = new java.util.ArrayList<>(units.size());
    byte[] buf = new byte[JournalFormat.PAGE];
    for (JournalFormat.Unit u : units) {
      out.add(
          new JournalFormat.Unit(
              u.offset(), u.length(), JournalCheck.crcOf(data, u.offset(), (int) u.length(), buf)));
    }
    return out;
  }

  /**
   * Ends the session without committing: the target is cut back to L (dropping what was written
   * beyond it) and the journal deleted. The bytes below L were never touched. Idempotent; a no-op
   * after a commit.
   */
  public void rollback() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    state = State.ROLLED_BACK;
    try {
      if (data.size() != base) {
        data.truncate(base);
      }
    } finally {
      journal.close();
      data.close();
      disk.delete(journalPath);
    }
  }

  private static void closeQuietly(Disk.Channel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // the commit's outcome does not depend on it
    }
  }

  /** Rolls back unless committed. */
  @Override
  public void close() throws IOException {
    rollback();
  }

  private void requireOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException("the journal session on " + target + " has ended (" + state + ")");
    }
  }

  /** What one HDF5 open of the session sees. */
  private final class View implements H5Storage {
    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
      return JournalSession.this.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
      JournalSession.this.write(position, src);
    }

    @Override
    public long size() {
      return eof;
    }

    @Override
    public void truncate(long size) throws IOException {
      JournalSession.this.truncate(size);
    }

    @Override
    public void sync() {
      // Durability is the commit's business.
    }

    @Override
    public boolean isWritable() {
      return true;
    }

    @Override
    public String identity() {
      return identity;
    }

    @Override
    public void close() {
      // The session outlives HDF5's open; it ends with commit or rollback.
    }
  }

  @Override
  public String toString() {
    return "JournalSession{"
        + target
        + ", token "
        + token
        + ", L "
        + base
        + ", eof "
        + eof
        + ", "
        + records
        + " records, "
        + state
        + "}";
  }
}
