package io.h5swmr.it.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-jar promise: a job submitted through Spark's own {@code SparkSubmit} entry point, with
 * only Spark on the class path and the h5swmr runtime jar given with {@code --jars}, writes and
 * reads HDF5 through {@code h5swmr}.
 */
class RuntimeJarSubmitTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  /**
   * Class path pieces that belong to us or to our dependencies: the runtime jar must bring them
   * itself.
   */
  private static final List<String> OURS =
      List.of(
          "/connector/target/",
          "/integration-tests/target/",
          "/org/bytedeco/",
          "/redis/clients/",
          "/com/esotericsoftware/kryo/5",
          "/com/esotericsoftware/reflectasm/",
          "/commons-pool2/",
          "/org/json/json/",
          "/embedded-redis/",
          "/org/redisson/",
          "/junit",
          "/assertj",
          "/opentest4j/",
          "/apiguardian/",
          "/net/java/dev/jna/",
          "/io/h5swmr/");

  static Path runtimeJar() {
    String p = System.getProperty("h5swmr.runtime.jar");
    assertThat(p)
        .as("system property h5swmr.runtime.jar (set by the integration-tests POM)")
        .isNotBlank();
    Path jar = Path.of(p);
    assertThat(jar).as("runtime jar; build it with 'mvn -pl connector package'").exists();
    return jar;
  }

  @Test
  void runtimeJarAloneIsEnoughForReadAndWrite(@TempDir Path tmp) throws Exception {
    Path runtime = runtimeJar();
    try (JarFile jar = new JarFile(runtime.toFile())) {
      assertThat(jar.getEntry("META-INF/services/org.apache.spark.sql.sources.DataSourceRegister"))
          .as("DataSourceRegister service file survives shading")
          .isNotNull();
      assertThat(
              jar.getEntry("io/h5swmr/shaded/com/esotericsoftware/kryo/kryo5/Kryo.class") != null
                  || jar.stream()
                      .anyMatch(
                          e ->
                              e.getName()
                                  .startsWith("io/h5swmr/shaded/com/esotericsoftware/kryo/")))
          .as("Kryo 5 relocated")
          .isTrue();
      assertThat(
              jar.stream()
                  .noneMatch(
                      e ->
                          e.getName().startsWith("org/apache/spark/")
                              || e.getName().startsWith("scala/")
                              || e.getName().startsWith("org/slf4j/")
                              || e.getName().startsWith("com/esotericsoftware/kryo/")))
          .as("no Spark, Scala, SLF4J or unrelocated Kryo inside")
          .isTrue();
    }
    Path appJar = tmp.resolve("submit-app.jar");
    writeAppJar(appJar);
    String sparkOnly =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> OURS.stream().noneMatch(e::contains))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(sparkOnly).doesNotContain("bytedeco").doesNotContain("jedis");

    Path out = tmp.resolve("out dir").resolve("submitted.h5");
    Files.createDirectories(out.getParent());
    List<String> jvm =
        new ArrayList<>(Arrays.asList(System.getProperty("h5swmr.jvm.opens", "").split("\\s+")));
    jvm.removeIf(String::isBlank);
    jvm.add("-Xmx1g");
    jvm.add("-Dorg.bytedeco.javacpp.cachedir=" + tmp.resolve("javacpp-cache"));
    List<String> args =
        List.of(
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.bindAddress=127.0.0.1",
            "--jars",
            runtime.toString(),
            "--class",
            SubmitApp.class.getName(),
            appJar.toString(),
            REDIS.url(),
            out.toString());
    try (ChildJvm submit =
        ChildJvm.start("org.apache.spark.deploy.SparkSubmit", sparkOnly, jvm, args)) {
      String result = submit.awaitLine("RESULT", Duration.ofMinutes(4));
      long n = 10_000;
      assertThat(result)
          .isEqualTo(
              "RESULT count="
                  + n
                  + " sumId="
                  + (n * (n - 1) / 2)
                  + " sumX="
                  + (n * (n - 1) / 2 * 0.5)
                  + " maxK=6");
      assertThat(submit.awaitLine("SQL", Duration.ofMinutes(2)))
          .isEqualTo("SQL count=" + countK3(n));
      assertThat(submit.awaitLine("GZIP", Duration.ofMinutes(2)))
          .isEqualTo(
              "GZIP count="
                  + n
                  + " sumX="
                  + (n * (n - 1) / 2 * 0.5)
                  + " inflater="
                  + (libdeflateInstalled() ? "libdeflate" : "java.util.zip.Inflater"));
      assertThat(submit.waitFor(Duration.ofMinutes(2))).as(submit.output()).isZero();
    }
    assertThat(out).exists();
  }

  /** Whether the dynamic linker knows libdeflate (the runtime jar's JNA must then find it). */
  private static boolean libdeflateInstalled() throws Exception {
    try {
      Process p = new ProcessBuilder("ldconfig", "-p").redirectErrorStream(true).start();
      return new String(p.getInputStream().readAllBytes()).contains("libdeflate.so");
    } catch (IOException e) {
      return false;
    }
  }

  private static long countK3(long n) {
    long c = 0;
    for (long i = 0; i < n; i++) {
      if (i % 7 == 3) {
        c++;
      }
    }
    return c;
  }

  /** A jar holding just the application class, as a user's job jar would. */
  private static void writeAppJar(Path jar) throws IOException {
    String entry = SubmitApp.class.getName().replace('.', '/') + ".class";
    try (OutputStream os = Files.newOutputStream(jar);
        JarOutputStream jos = new JarOutputStream(os)) {
      jos.putNextEntry(new JarEntry(entry));
      try (var in = SubmitApp.class.getClassLoader().getResourceAsStream(entry)) {
        in.transferTo(jos);
      }
      jos.closeEntry();
    }
  }
}
