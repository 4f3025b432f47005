package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * rediss:// against a real TLS redis-server with a CA and server certificate made at test time
 * (openssl). The clients run in child JVMs, each with its own trust store (the JVM default trust
 * store is what a rediss:// URL uses). Skipped, saying why, when openssl is missing or redis-server
 * was built without TLS.
 */
class LockTlsTest {
  static final String PASSWORD = "tls-s3cret-pw";

  @TempDir static Path dir;
  static RedisServerExtension redis;
  static Path trustRightCa;
  static Path trustOtherCa;

  @BeforeAll
  static void certificatesAndServer() throws Exception {
    assumeTrue(onPath("openssl"), "openssl not on PATH: TLS tests skipped");
    Path ca = newCa("ca");
    Path otherCa = newCa("other-ca");
    writeSignedServerCert(ca, "IP:127.0.0.1");
    trustRightCa = trustStore(ca, "trust-right.p12");
    trustOtherCa = trustStore(otherCa, "trust-other.p12");
    RedisServerExtension server =
        RedisServerExtension.create()
            .withPassword(PASSWORD)
            .withTls(dir.resolve("server.crt"), dir.resolve("server.key"));
    try {
      server.start();
    } catch (IOException e) {
      assumeTrue(
          !String.valueOf(e.getMessage()).toLowerCase().contains("tls"),
          "redis-server lacks TLS support, TLS tests skipped: " + e.getMessage());
      throw e;
    }
    redis = server;
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  private static String tlsUrl(String host) {
    return "rediss://:" + PASSWORD + "@" + host + ":" + redis.tlsPort();
  }

  /** One child JVM trusting {@code store}: one line per URL (see LockChild try). */
  private static List<String> tryEach(Path store, String... urls) throws Exception {
    List<String> args = new ArrayList<>(List.of("try", urls[0], "2000", "X", "tls-lock"));
    args.addAll(List.of(urls).subList(1, urls.length));
    try (ChildJvm child =
        ChildJvm.start(
            LockChild.class,
            List.of(
                "-Djavax.net.ssl.trustStore=" + store,
                "-Djavax.net.ssl.trustStorePassword=changeit",
                "-Djavax.net.ssl.trustStoreType=PKCS12"),
            args)) {
      assertThat(child.waitFor(Duration.ofSeconds(90))).as(child.output()).isZero();
      List<String> lines =
          child.stdoutLines().stream()
              .filter(l -> l.startsWith("OK") || l.startsWith("ERROR"))
              .toList();
      assertThat(lines).as(child.output()).hasSize(urls.length);
      return lines;
    }
  }

  @Test
  void leasesOverTlsWithTheRightCaAndOnlyForTheCertifiedHost() throws Exception {
    List<String> lines = tryEach(trustRightCa, tlsUrl("127.0.0.1"), tlsUrl("localhost"));
    assertThat(lines.get(0)).startsWith("OK ");
    long token = Long.parseLong(lines.get(0).substring(3));
    try (LockService plain =
            LockService.open(LockSettings.builder().redisUrl(redis.urlWithCredentials()).build());
        RedisClient r =
            RedisClient.builder()
                .hostAndPort(redis.host(), redis.port())
                .clientConfig(DefaultJedisClientConfig.builder().password(PASSWORD).build())
                .build()) {
      assertThat(r.get(LockKeys.of(plain.settings().keyPrefix(), "tls-lock").all.get(6)))
          .as("the grant over TLS went to this server")
          .isEqualTo(Long.toString(token));
    }
    assertThat(lines.get(1))
        .as("certificate names 127.0.0.1, not localhost")
        .startsWith("ERROR io.h5swmr.exceptions.H5SwmrLockException")
        .contains("localhost:" + redis.tlsPort())
        .contains("check that the host in the URL is one the certificate names")
        .doesNotContain(PASSWORD);
  }

  @Test
  void untrustedCaIsAClearErrorWithoutThePassword() throws Exception {
    assertThat(tryEach(trustOtherCa, tlsUrl("127.0.0.1")).get(0))
        .startsWith("ERROR io.h5swmr.exceptions.H5SwmrLockException")
        .contains("Redis at 127.0.0.1:" + redis.tlsPort())
        .contains("rediss://:***@127.0.0.1:" + redis.tlsPort())
        .contains("SSLHandshakeException")
        .contains("TLS certificate is not trusted by this JVM")
        .contains("-Djavax.net.ssl.trustStore=")
        .doesNotContain(PASSWORD);
  }

  private static Path newCa(String name) throws Exception {
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-subj",
        "/CN=h5swmr test " + name);
    return dir.resolve(name + ".crt");
  }

  private static void writeSignedServerCert(Path caCert, String subjectAltName) throws Exception {
    String ca = caCert.getFileName().toString().replace(".crt", "");
    Files.writeString(
        dir.resolve("san.cnf"), "subjectAltName=" + subjectAltName + "\n", StandardCharsets.UTF_8);
    run(
        "openssl",
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=h5swmr test server");
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        ca + ".crt",
        "-CAkey",
        ca + ".key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.cnf");
  }

  /** A PKCS12 trust store holding only this CA certificate. */
  private static Path trustStore(Path caCert, String file) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    Path out = dir.resolve(file);
    try (OutputStream os = Files.newOutputStream(out)) {
      ks.store(os, "changeit".toCharArray());
    }
    return out;
  }

  private static void run(String... cmd) throws Exception {
    Process p =
        new ProcessBuilder(new ArrayList<>(List.of(cmd)))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  private static boolean onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, exe))) {
        return true;
      }
    }
    return false;
  }
}
