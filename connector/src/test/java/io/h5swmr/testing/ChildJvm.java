package io.h5swmr.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A separate JVM running a main class from the current class path, for multi-process tests. Its
 * stdout lines are kept so tests wait for a line (e.g. {@code "ACQUIRED"}) instead of sleeping;
 * stderr is kept for diagnostics. Children still running at JVM exit are killed.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.start(MyMain.class, "arg")) {
 *   child.awaitLine("ACQUIRED", Duration.ofSeconds(30));
 *   child.kill9();
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "child-jvm-cleanup"));
  }

  private final String name;
  private final Process process;

  /** Stdout lines not yet taken by {@link #awaitLine}; guarded by itself. */
  private final List<String> pending = new ArrayList<>();

  private final List<String> stdout = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private final Writer stdin;
  private boolean stdoutClosed;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    LIVE.add(process);
    pump(process.getInputStream(), true);
    pump(process.getErrorStream(), false);
  }

  /**
   * Starts {@code main} with {@code args}, the same java binary and class path, and a 256 MB heap.
   */
  public static ChildJvm start(Class<?> main, String... args) throws IOException {
    return start(main, List.of(), List.of(args));
  }

  /** Starts {@code main} with extra JVM options (e.g. {@code -Dx=y}) and program args. */
  public static ChildJvm start(Class<?> main, List<String> jvmOptions, List<String> args)
      throws IOException {
    return start(main.getName(), System.getProperty("java.class.path"), jvmOptions, args);
  }

  /**
   * Starts the class named {@code mainClass} on an explicit class path (e.g. Spark's jars without
   * the connector, to prove that a runtime jar given with {@code --jars} is enough).
   */
  public static ChildJvm start(
      String mainClass, String classPath, List<String> jvmOptions, List<String> args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(mainClass);
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).start();
    return new ChildJvm(mainClass.substring(mainClass.lastIndexOf('.') + 1) + "#" + p.pid(), p);
  }

  private void pump(java.io.InputStream in, boolean out) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  if (out) {
                    synchronized (stdout) {
                      stdout.add(line);
                    }
                    synchronized (pending) {
                      pending.add(line);
                      pending.notifyAll();
                    }
                  } else {
                    synchronized (stderr) {
                      stderr.add(line);
                    }
                  }
                }
              } catch (IOException ignored) {
                // process ended
              }
              if (out) {
                synchronized (pending) {
                  stdoutClosed = true;
                  pending.notifyAll();
                }
              }
            },
            name + (out ? "-stdout" : "-stderr"));
    t.setDaemon(true);
    t.start();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for an unconsumed stdout line starting with {@code prefix}, consumes and returns it.
   *
   * @throws AssertionError on timeout or if the child exits first, with its output
   */
  public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    return awaitLine(l -> l.startsWith(prefix), "a line starting with '" + prefix + "'", timeout);
  }

  /**
   * Waits until an unconsumed stdout line matches, removes it from the unconsumed lines and returns
   * it. Lines that do not match stay available for later calls, so the order of awaits need not
   * follow the order of output.
   */
  public String awaitLine(Predicate<String> matcher, String what, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (pending) {
      while (true) {
        for (int i = 0; i < pending.size(); i++) {
          if (matcher.test(pending.get(i))) {
            return pending.remove(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "Timed out after "
                  + timeout
                  + " waiting for "
                  + name
                  + " to print "
                  + what
                  + "\n"
                  + output());
        }
        if (!process.isAlive() && stdoutClosed) {
          throw new AssertionError(
              name
                  + " exited ("
                  + process.exitValue()
                  + ") before printing "
                  + what
                  + "\n"
                  + output());
        }
        pending.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
      }
    }
  }

  /** Every stdout line so far. */
  public List<String> stdoutLines() {
    synchronized (stdout) {
      return new ArrayList<>(stdout);
    }
  }

  /** Every stderr line so far. */
  public List<String> stderrLines() {
    synchronized (stderr) {
      return new ArrayList<>(stderr);
    }
  }

  /** Stdout and stderr so far, for assertion messages. */
  public String output() {
    StringBuilder sb = new StringBuilder("--- stdout of ").append(name).append('\n');
    synchronized (stdout) {
      stdout.forEach(l -> sb.append(l).append('\n'));
    }
    sb.append("--- stderr\n");
    synchronized (stderr) {
      stderr.forEach(l -> sb.append(l).append('\n'));
    }
    return sb.toString();
  }

  /** Writes one line to the child's stdin. */
  public void send(String line) throws IOException {
    stdin.write(line);
    stdin.write('\n');
    stdin.flush();
  }

  /** SIGKILL; waits until the process is gone. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    LIVE.remove(process);
  }

  /** Pauses the process ({@code kill -STOP}). */
  public void sigstop() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Resumes the process ({@code kill -CONT}). */
  public void sigcont() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String sig) throws IOException, InterruptedException {
    Process k =
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (k.waitFor() != 0) {
      throw new IOException("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  /**
   * Waits for exit; returns the exit code. @throws AssertionError if still running after the
   * timeout
   */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + "\n" + output());
    }
    LIVE.remove(process);
    return process.exitValue();
  }

  /** Kills the child if it is still running. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LIVE.remove(process);
  }

  @Override
  public String toString() {
    return name;
  }
}
