package io.h5swmr.testing;

import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension running a real {@code redis-server} on a free loopback port, for one test
 * class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension REDIS = RedisServerExtension.create().withPassword("s3cret");
 * }</pre>
 *
 * <p>Uses {@code redis-server} from {@code PATH}, else the Linux/macOS binary shipped in the
 * test-scoped {@code com.github.codemonstur:embedded-redis} jar. The server runs with {@code --save
 * "" --appendonly no} in a temporary directory, so {@link #kill9()} or {@link #stop()} followed by
 * {@link #restart()} loses all state. Never uses port 6379. Can also be used without JUnit: {@link
 * #start()} and {@link #close()}.
 */
public final class RedisServerExtension
    implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  private static final Object EXTRACT_LOCK = new Object();
  private static Path extractedBinary;

  private final String password;
  private final String aclUser;
  private final String aclPassword;
  private final boolean cluster;
  private final boolean declareFresh;
  private final List<String> extraArgs;
  private int port;
  private int tlsPort;
  private Path dir;
  private Process process;

  private RedisServerExtension(
      String password, String aclUser, String aclPassword, boolean cluster, boolean declareFresh) {
    this(password, aclUser, aclPassword, cluster, declareFresh, List.of());
  }

  private RedisServerExtension(
      String password,
      String aclUser,
      String aclPassword,
      boolean cluster,
      boolean declareFresh,
      List<String> extraArgs) {
    this.password = password;
    this.aclUser = aclUser;
    this.aclPassword = aclPassword;
    this.cluster = cluster;
    this.declareFresh = declareFresh;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /**
   * Adds {@code redis-server} command-line arguments after the defaults (which they override), e.g.
   * {@code "--appendonly", "yes", "--appendfsync", "always"} for a server whose state survives
   * {@link #kill9()}.
   */
  public RedisServerExtension withServerArgs(String... args) {
    List<String> all = new ArrayList<>(extraArgs);
    all.addAll(List.of(args));
    return new RedisServerExtension(password, aclUser, aclPassword, cluster, declareFresh, all);
  }

  /**
   * Also listens with TLS on {@link #tlsPort()} (no client certificates required), with this
   * certificate and key (PEM files); the plain port stays open for the test's own setup. Needs a
   * redis-server built with TLS.
   */
  public RedisServerExtension withTls(Path certPem, Path keyPem) {
    return withServerArgs(
        "--tls-cert-file",
        certPem.toString(),
        "--tls-key-file",
        keyPem.toString(),
        "--tls-auth-clients",
        "no");
  }

  /** The TLS port, or 0 unless started {@link #withTls}. */
  public int tlsPort() {
    return tlsPort;
  }

  /**
   * The server's working directory (RDB and AOF files), kept across {@link #restart()}; null before
   * start.
   */
  public synchronized Path dir() {
    return dir;
  }

  /**
   * A server that, once started empty, is declared fresh to the lock service ({@code
   * declareFreshServer}), so the first grants need not wait one lease TTL; {@link #restart()}
   * re-arms that hold-back as a real restart does.
   */
  public static RedisServerExtension create() {
    return new RedisServerExtension(null, null, null, false, true);
  }

  /**
   * Leaves the just-started server undeclared: grants are held back one lease TTL, as after a
   * restart.
   */
  public RedisServerExtension withHoldBack() {
    return new RedisServerExtension(password, aclUser, aclPassword, cluster, false, extraArgs);
  }

  /** Requires this password for the default user ({@code requirepass}). */
  public RedisServerExtension withPassword(String pw) {
    return new RedisServerExtension(pw, aclUser, aclPassword, cluster, declareFresh, extraArgs);
  }

  /** Adds an ACL user with full rights and this password. */
  public RedisServerExtension withAclUser(String user, String pw) {
    return new RedisServerExtension(password, user, pw, cluster, declareFresh, extraArgs);
  }

  /**
   * Starts the server in cluster mode ({@code --cluster-enabled yes}); the test assigns slots and
   * joins the nodes itself (e.g. with Jedis {@code clusterAddSlots}/{@code clusterMeet}).
   */
  public RedisServerExtension withClusterEnabled() {
    return new RedisServerExtension(password, aclUser, aclPassword, true, false, extraArgs);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the server on a new free port (no-op if running). */
  public synchronized RedisServerExtension start() throws IOException, InterruptedException {
    if (isRunning()) {
      return this;
    }
    if (dir == null) {
      dir = Files.createTempDirectory("h5swmr-redis");
    }
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      if (port == 0 || attempt > 0) {
        port = freePort();
        tlsPort = 0;
      }
      try {
        launch();
      } catch (IOException e) {
        last = e;
        continue;
      }
      if (declareFresh) {
        try (LockService locks =
            LockService.open(LockSettings.builder().redisUrl(urlWithCredentials()).build())) {
          locks.declareFreshServer();
        }
      }
      return this;
    }
    throw last;
  }

  /** Starts again on the same port, with empty state. */
  public synchronized void restart() throws IOException, InterruptedException {
    if (isRunning()) {
      stop();
    }
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        launch();
        return;
      } catch (IOException e) {
        last = e; // port may still be held for a moment by the dying process
        Thread.sleep(100);
      }
    }
    throw last;
  }

  private void launch() throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary().toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--daemonize",
                "no",
                "--protected-mode",
                "no"));
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    if (cluster) {
      Files.deleteIfExists(dir.resolve("nodes-" + port + ".conf"));
      cmd.addAll(
          List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf"));
    }
    if (aclUser != null) {
      cmd.addAll(List.of("--user", aclUser, "on", ">" + aclPassword, "~*", "&*", "+@all"));
    }
    if (extraArgs.contains("--tls-cert-file")) {
      if (tlsPort == 0) {
        tlsPort = freePort();
      }
      cmd.addAll(List.of("--tls-port", Integer.toString(tlsPort)));
    }
    cmd.addAll(extraArgs);
    process = startAndAwait(cmd, "Ready to accept connections", "redis-server on port " + port);
  }

  /**
   * Starts {@code cmd} (a redis-server, or redis-server --sentinel) and waits until a line of its
   * output contains {@code readyText}; kills it and throws, with its output, if it exits or 20 s
   * pass first.
   */
  public static Process startAndAwait(List<String> cmd, String readyText, String what)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CountDownLatch ready = new CountDownLatch(1);
    List<String> out = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (out) {
                    out.add(line);
                  }
                  if (line.contains(readyText)) {
                    ready.countDown();
                  }
                }
              } catch (IOException ignored) {
                // process ended
              }
              ready.countDown();
            },
            what + " output");
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(20, TimeUnit.SECONDS) || !p.isAlive()) {
      p.destroyForcibly().waitFor();
      synchronized (out) {
        throw new IOException(what + " did not start: " + String.join("\n", out));
      }
    }
    return p;
  }

  /** SIGKILL (no shutdown, no save); waits until the process is gone. */
  public synchronized void kill9() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor();
      process = null;
    }
  }

  /** SIGTERM; waits until the process is gone. */
  public synchronized void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process = null;
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** {@code redis://127.0.0.1:<port>} (no credentials). */
  public String url() {
    return "redis://" + host() + ":" + port;
  }

  /** URL with the configured password (and ACL user, if any). */
  public String urlWithCredentials() {
    if (aclUser != null) {
      return "redis://" + aclUser + ":" + aclPassword + "@" + host() + ":" + port;
    }
    return password != null ? "redis://:" + password + "@" + host() + ":" + port : url();
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  /** Process id of the running server. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  @Override
  public synchronized void close() {
    try {
      kill9();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // temp dir, best effort
      }
      dir = null;
    }
  }

  private static int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = s.getLocalPort();
        if (p != 6379) {
          return p;
        }
      }
    }
  }

  /** {@code redis-server} on PATH, else the binary extracted from the embedded-redis jar. */
  public static Path binary() throws IOException {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        Path p = Path.of(d, "redis-server");
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return embeddedBinary();
  }

  /**
   * The redis-server binary of the embedded-redis jar, extracted once per JVM to a temporary file.
   */
  static Path embeddedBinary() throws IOException {
    synchronized (EXTRACT_LOCK) {
      if (extractedBinary == null) {
        String resource = embeddedResourceName();
        try (InputStream in =
            RedisServerExtension.class.getClassLoader().getResourceAsStream(resource)) {
          if (in == null) {
            throw new IOException(
                "No redis-server on PATH and no "
                    + resource
                    + " on the classpath "
                    + "(test dependency com.github.codemonstur:embedded-redis)");
          }
          Path target = Files.createTempFile("h5swmr-redis-server", "");
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
          target.toFile().setExecutable(true);
          target.toFile().deleteOnExit();
          extractedBinary = target;
        }
      }
      return extractedBinary;
    }
  }

  private static String embeddedResourceName() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    boolean arm = arch.contains("aarch64") || arch.contains("arm");
    if (os.contains("mac")) {
      return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
    }
    if (arm) {
      return "redis-server-6.2.7-linux-arm64";
    }
    return arch.contains("64")
        ? "redis-server-6.2.6-v5-linux-amd64"
        : "redis-server-6.2.7-linux-386";
  }

  @Override
  public String toString() {
    return "redis-server on " + host() + ":" + port;
  }
}
