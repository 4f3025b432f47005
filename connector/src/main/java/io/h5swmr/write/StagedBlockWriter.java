package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.hdf5.journal.CommitHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoder pipeline of a commit: reads, verifies and packs every staged block ({@link
 * StagingCodec}, {@link WriteLayout#encode}) and appends it to the target dataset, in order. For
 * more than one block's worth, a second thread decodes the next blocks (Java work) while the commit
 * thread writes the current one (HDF5 work), two blocks in flight at most; a smaller commit (an
 * appender's block) decodes inline, as starting a thread costs more than it overlaps. Each staging
 * file is deleted as soon as its blocks are decoded. Reports {@link #STEP_WROTE_FIRST_BLOCK} to the
 * commit's hook.
 */
final class StagedBlockWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StagedBlockWriter.class);
  static final String STEP_WROTE_FIRST_BLOCK = "wrote-first-block";

  /** One encoded block travelling from the decoding thread to the writing thread. */
  private static final class Encoded {
    final int rows;
    final WriteLayout.Buffer buffer;

    Encoded(int rows, WriteLayout.Buffer buffer) {
      this.rows = rows;
      this.buffer = buffer;
    }
  }

  private static final Object END = new Object();

  /** What each decoded block is handed to, in order. */
  private interface BlockSink {
    void accept(Encoded block) throws InterruptedException;
  }

  private final Path target;
  private final WriteSchema schema;
  private final WriteLayout layout;
  private final CommitHook hook;
  private final boolean releaseStagingPages;

  /**
   * @param target the commit's target (messages)
   * @param schema the schema the rows were staged with
   * @param layout how rows are packed for the target dataset
   * @param releaseStagingPages option {@code releaseStagingPages}: free staged pages as they are
   *     read
   */
  StagedBlockWriter(
      Path target,
      WriteSchema schema,
      WriteLayout layout,
      CommitHook hook,
      boolean releaseStagingPages) {
    this.releaseStagingPages = releaseStagingPages;
    this.target = target;
    this.schema = schema;
    this.layout = layout;
    this.hook = hook;
  }

  /**
   * Appends every staged block of {@code messages} to {@code out} in order; returns the dataset's
   * rows after.
   */
  long writeAll(
      H5TargetDataset out, List<H5SwmrWriterCommitMessage> messages, BackgroundFlush flush) {
    long staged = 0;
    for (H5SwmrWriterCommitMessage m : messages) {
      staged += m.bytes();
    }
    if (staged <= H5SwmrBatchWrite.BLOCK_BYTES) {
      boolean[] first = {true};
      try {
        decode(
            messages,
            e -> {
              try {
                out.appendEncoded(e.rows, e.buffer);
              } finally {
                e.buffer.close();
              }
              if (first[0]) {
                first[0] = false;
                hook.reached(STEP_WROTE_FIRST_BLOCK);
              }
            });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new H5SwmrException("Commit to " + target + " was interrupted");
      }
      return out.rows();
    }
    return writeOverlapped(out, messages, flush);
  }

  /**
   * The two-thread pipeline: a decoder thread fills a queue of two blocks, this thread writes them.
   */
  private long writeOverlapped(
      H5TargetDataset out, List<H5SwmrWriterCommitMessage> messages, BackgroundFlush flush) {
    long rowBytes = layout.rowBytes();
    BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
    Thread decoder =
        new Thread(
            () -> {
              try {
                decode(messages, queue::put);
                queue.put(END);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException | Error e) {
                for (Object o = queue.poll(); o != null; o = queue.poll()) {
                  if (o instanceof Encoded) {
                    ((Encoded) o).buffer.close();
                  }
                }
                queue.offer(e);
              }
            },
            "h5swmr-commit-decoder");
    decoder.setDaemon(true);
    decoder.start();
    boolean first = true;
    try {
      while (true) {
        Object o = queue.take();
        if (o == END) {
          break;
        }
        if (o instanceof RuntimeException) {
          throw (RuntimeException) o;
        }
        if (o instanceof Error) {
          throw (Error) o;
        }
        Encoded e = (Encoded) o;
        try {
          out.appendEncoded(e.rows, e.buffer);
        } finally {
          e.buffer.close();
        }
        flush.wrote(e.rows * rowBytes);
        if (first) {
          first = false;
          hook.reached(STEP_WROTE_FIRST_BLOCK);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new H5SwmrException("Commit to " + target + " was interrupted");
    } finally {
      decoder.interrupt();
      try {
        decoder.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Object o : queue) {
        if (o instanceof Encoded) {
          ((Encoded) o).buffer.close();
        }
      }
    }
    return out.rows();
  }

  /** Reads, verifies and packs every staged block in order, handing each to {@code sink}. */
  private void decode(List<H5SwmrWriterCommitMessage> messages, BlockSink sink)
      throws InterruptedException {
    for (H5SwmrWriterCommitMessage m : messages) {
      if (m.rows() == 0) {
        continue;
      }
      Path file = Path.of(m.stagingFile());
      try (StagingCodec.Reader r =
              new StagingCodec.Reader(file, m.bytes(), schema.leaves(), m.checksum());
          StagingPages pages = StagingPages.of(file, releaseStagingPages)) {
        StagingCodec.Block b;
        while ((b = r.next()) != null) {
          pages.readUpTo(r.bytesRead());
          if (b.rows > 0) {
            WriteLayout.Buffer buf = layout.encode(b);
            try {
              sink.accept(new Encoded(b.rows, buf));
            } catch (InterruptedException e) {
              buf.close();
              throw e;
            }
          }
        }
      } catch (IOException e) {
        throw new H5SwmrException("Could not read staging file " + m.stagingFile() + ": " + e, e);
      }
      releaseStaged(m);
    }
  }

  /**
   * Deletes a staging file as soon as its blocks are decoded, not at the end of the write: the page
   * cache it held is then free for the target's own writes while the commit goes on, instead of the
   * commit needing as much new memory again (on VMs that hand freed memory back to the host, each
   * new page costs a fault on the host too). The staged rows are not needed again: a commit that
   * fails is never retried with the same staging files (Spark aborts the write; the appender stages
   * again).
   */
  private static void releaseStaged(H5SwmrWriterCommitMessage m) {
    try {
      Files.deleteIfExists(Path.of(m.stagingFile()));
    } catch (IOException e) {
      LOG.debug(
          "h5swmr: could not delete staging file {} yet (deleted with its directory): {}",
          m.stagingFile(),
          e.toString());
    }
  }
}
