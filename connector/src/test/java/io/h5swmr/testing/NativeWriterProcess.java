package io.h5swmr.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real native HDF5 writer process: Debian's h5py under /usr/bin/python3 running {@code
 * native_writer.py} (see its docstring for modes, commands and the values of row r). Handshakes on
 * its stdout (READY, FLUSHED n, ...), no sleeps. Tests skip visibly where h5py is absent.
 */
public final class NativeWriterProcess implements AutoCloseable {
  public static final String PYTHON = "/usr/bin/python3";
  private static final long TIMEOUT_SECONDS = 120;
  private static Boolean available;

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final StringBuffer output = new StringBuffer();
  private final AtomicLong flushed = new AtomicLong(-1);

  private NativeWriterProcess(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread t = new Thread(() -> pump(process.getInputStream()), "native-writer-stdout");
    t.setDaemon(true);
    t.start();
  }

  /** Skips the calling test (visibly) unless /usr/bin/python3 with h5py and numpy is installed. */
  public static synchronized void assumeAvailable() {
    if (available == null) {
      boolean ok = Files.isExecutable(Paths.get(PYTHON));
      if (ok) {
        try {
          Process p =
              new ProcessBuilder(PYTHON, "-c", "import h5py, numpy")
                  .redirectErrorStream(true)
                  .start();
          p.getInputStream().readAllBytes();
          ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
          ok = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          ok = false;
        }
      }
      available = ok;
    }
    assumeTrue(
        available,
        "SKIPPED: "
            + PYTHON
            + " with h5py and numpy is not installed (apt-get install "
            + "python3-h5py); native HDF5 writer tests not run");
  }

  /** Starts a writer on {@code file} in {@code mode} (swmr, latest, plain) and waits for READY. */
  public static NativeWriterProcess start(
      Path file, String mode, int chunkRows, Map<String, String> env)
      throws IOException, InterruptedException {
    Path script = file.resolveSibling(".native_writer.py");
    if (!Files.exists(script)) {
      try (InputStream in = NativeWriterProcess.class.getResourceAsStream("native_writer.py")) {
        Files.copy(in, script);
      }
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                PYTHON, script.toString(), file.toString(), mode, String.valueOf(chunkRows))
            .redirectErrorStream(true);
    pb.environment().putAll(env);
    NativeWriterProcess w = new NativeWriterProcess(pb.start());
    w.await("READY");
    return w;
  }

  public static NativeWriterProcess start(Path file, String mode)
      throws IOException, InterruptedException {
    return start(file, mode, 7, Map.of());
  }

  private void pump(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        output.append(line).append('\n');
        String[] w = line.trim().split(" ");
        if (w.length == 2 && w[1].chars().allMatch(Character::isDigit)) {
          flushed.accumulateAndGet(Long.parseLong(w[1]), Math::max);
          replies.add(line.trim());
        }
      }
    } catch (IOException e) {
      // process gone
    }
  }

  /** Waits for the next reply starting with {@code word}; returns its row count. */
  private long await(String word) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      String line = replies.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError(
            "native writer did not reply "
                + word
                + " in "
                + TIMEOUT_SECONDS
                + " s; alive="
                + process.isAlive()
                + ", output:\n"
                + output);
      }
      if (line.startsWith(word + " ")) {
        return Long.parseLong(line.substring(word.length() + 1));
      }
    }
  }

  private void send(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
  }

  /** Appends {@code rows} rows to every dataset, flushes, and returns the rows now flushed. */
  public long append(int rows) throws IOException, InterruptedException {
    replies.clear();
    send("APPEND " + rows);
    return await("FLUSHED");
  }

  /** Starts appending {@code rows} rows per flush in a loop (until {@link #stop}). */
  public void run(int rows) throws IOException {
    send("RUN " + rows);
  }

  /**
   * Waits until at least {@code rows} rows were flushed (as reported); returns the count reported.
   */
  public long awaitFlushed(long rows) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (flushed.get() < rows) {
      String line = replies.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError(
            "native writer did not flush " + rows + " rows; output:\n" + output);
      }
    }
    return flushed.get();
  }

  /** Stops a {@link #run} loop; returns the rows flushed. */
  public long stop() throws IOException, InterruptedException {
    replies.clear();
    send("STOP");
    return await("STOPPED");
  }

  /** Highest row count the writer reported flushed so far. */
  public long flushed() {
    return flushed.get();
  }

  public long pid() {
    return process.pid();
  }

  /** kill -9: the writer dies with the file open (its superblock stays marked). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /** Everything the writer printed (for failure messages). */
  public String output() {
    return output.toString();
  }

  /**
   * Closes the file (clearing its mark) and waits for the process to exit; kills it if it does not.
   */
  @Override
  public void close() throws IOException, InterruptedException {
    if (process.isAlive()) {
      try {
        replies.clear();
        send("CLOSE");
        await("CLOSED");
      } catch (IOException | AssertionError e) {
        // fall through to the kill
      }
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
