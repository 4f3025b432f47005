package io.h5swmr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test harness itself: server lifecycle, the embedded binary fallback, child JVM signals. */
class RedisServerExtensionTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create().withPassword("pw");

  /** Sends one inline command over a raw socket and returns the first reply line. */
  private static String command(int port, String... lines) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String reply = null;
      for (String l : lines) {
        out.write((l + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        reply = in.readLine();
        if (reply.startsWith("$") && !reply.equals("$-1")) {
          reply = in.readLine();
        }
      }
      return reply;
    }
  }

  @Test
  void restartLosesStateOnTheSamePortAndKillStopsTheServer() throws Exception {
    assertThat(REDIS.port()).isNotEqualTo(6379);
    assertThat(REDIS.url()).isEqualTo("redis://127.0.0.1:" + REDIS.port());
    assertThat(REDIS.urlWithCredentials()).isEqualTo("redis://:pw@127.0.0.1:" + REDIS.port());
    assertThat(command(REDIS.port(), "PING")).startsWith("-NOAUTH");
    assertThat(command(REDIS.port(), "AUTH pw", "SET k v", "GET k")).isEqualTo("v");
    int port = REDIS.port();
    long pid = REDIS.pid();
    REDIS.kill9();
    assertThat(REDIS.isRunning()).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThatThrownBy(() -> command(port, "PING")).isInstanceOf(java.net.ConnectException.class);
    REDIS.restart();
    assertThat(REDIS.port()).isEqualTo(port);
    assertThat(command(REDIS.port(), "AUTH pw", "GET k")).as("state lost").isEqualTo("$-1");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void embeddedBinaryFallbackRuns() throws Exception {
    Process p =
        new ProcessBuilder(RedisServerExtension.embeddedBinary().toString(), "--version")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("Redis server v=6.2");
  }

  @Test
  void childJvmReportsLinesAndObeysSignals() throws Exception {
    try (ChildJvm child = ChildJvm.start(EchoMain.class, "hello")) {
      assertThat(child.awaitLine("ARGS", Duration.ofSeconds(30))).isEqualTo("ARGS hello");
      child.sigstop();
      child.send("PING");
      child.sigcont();
      assertThat(child.awaitLine("PONG", Duration.ofSeconds(10))).isEqualTo("PONG PING");
      child.send("EXIT");
      assertThat(child.waitFor(Duration.ofSeconds(10))).isEqualTo(3);
    }
  }

  /** Child main: prints its args, echoes stdin lines as "PONG line", exits with 3 on EXIT. */
  public static final class EchoMain {
    public static void main(String[] args) throws Exception {
      System.out.println("ARGS " + String.join(" ", args));
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("EXIT")) {
          System.exit(3);
        }
        System.out.println("PONG " + line);
      }
    }
  }
}
