package io.h5swmr.lock;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Child-JVM main for multi-process lock tests. Usage:
 *
 * <ul>
 *   <li>{@code hold <url> <ttlMs> <S|X> <resource>}: acquires, prints {@code ACQUIRED <token>
 *       <leaseId>}, then obeys stdin commands {@code CHECK} (prints {@code VALID <true|false>}),
 *       {@code RELEASE} (prints {@code RELEASED}) and {@code EXIT}; prints {@code LOST <reason>}
 *       when the lease is lost.
 *   <li>{@code loop <url> <ttlMs> <resource> <iterations> <dir>}: repeatedly takes the exclusive
 *       lease, creates {@code <dir>/holder} with CREATE_NEW (printing {@code OVERLAP} if it already
 *       exists), appends its token to {@code <dir>/tokens.log}, deletes the marker and releases;
 *       prints {@code DONE <n>} at the end.
 *   <li>{@code try <url> <ttlMs> <S|X> <resource> [<url>...]}: one acquisition (10 s timeout) per
 *       URL, in order; prints {@code OK <token>} or {@code ERROR <exception class> <message>}, one
 *       line per URL.
 *   <li>{@code work <url> <ttlMs> <S|X> <resource> <file>}: acquires, prints {@code ACQUIRED ...},
 *       then every 5 ms appends the current time (ms) to {@code <file>} for as long as {@link
 *       Lease#isValid()} says it holds; prints {@code LOST <reason>} when it no longer does.
 * </ul>
 */
public final class LockChild {
  private LockChild() {}

  public static void main(String[] args) throws Exception {
    LockSettings settings =
        LockSettings.builder()
            .redisUrl(args[1])
            .leaseTtl(Duration.ofMillis(Long.parseLong(args[2])))
            .acquireTimeout(Duration.ofSeconds(60))
            .build();
    try (LockService service = LockService.open(settings)) {
      LeaseMode mode = "X".equals(args[3]) ? LeaseMode.EXCLUSIVE : LeaseMode.SHARED;
      if ("hold".equals(args[0])) {
        hold(service, mode, args[4]);
      } else if ("try".equals(args[0])) {
        tryOnce(service, mode, args[4]);
        for (int i = 5; i < args.length; i++) {
          try (LockService other =
              LockService.open(settings.toBuilder().redisUrl(args[i]).build())) {
            tryOnce(other, mode, args[4]);
          }
        }
      } else if ("work".equals(args[0])) {
        work(service, mode, args[4], Path.of(args[5]));
      } else {
        loop(service, args[3], Integer.parseInt(args[4]), Path.of(args[5]));
      }
    }
    System.exit(0);
  }

  private static void hold(LockService service, LeaseMode mode, String resource) throws Exception {
    Lease lease = service.acquire(resource, mode, Duration.ofSeconds(60));
    lease.onLost(reason -> System.out.println("LOST " + reason));
    System.out.println(
        "ACQUIRED " + lease.token() + " " + lease.id() + " at " + System.currentTimeMillis());
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "CHECK":
          System.out.println("VALID " + lease.isValid() + " at " + System.currentTimeMillis());
          break;
        case "RELEASE":
          lease.close();
          System.out.println("RELEASED");
          break;
        case "EXIT":
          return;
        default:
          System.out.println("UNKNOWN " + line);
      }
    }
  }

  private static void tryOnce(LockService service, LeaseMode mode, String resource) {
    try (Lease lease = service.acquire(resource, mode, Duration.ofSeconds(10))) {
      System.out.println("OK " + lease.token());
    } catch (RuntimeException e) {
      System.out.println(
          "ERROR " + e.getClass().getName() + " " + e.getMessage().replace('\n', ' '));
    }
  }

  private static void work(LockService service, LeaseMode mode, String resource, Path file)
      throws Exception {
    Lease lease = service.acquire(resource, mode, Duration.ofSeconds(60));
    System.out.println(
        "ACQUIRED " + lease.token() + " " + lease.id() + " at " + System.currentTimeMillis());
    while (lease.isValid()) {
      Files.writeString(
          file,
          System.currentTimeMillis() + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Thread.sleep(5);
    }
    try {
      lease.checkValid();
    } catch (RuntimeException e) {
      System.out.println("LOST " + e.getMessage());
    }
  }

  private static void loop(LockService service, String resource, int iterations, Path dir)
      throws Exception {
    Path marker = dir.resolve("holder");
    Path tokens = dir.resolve("tokens.log");
    for (int i = 0; i < iterations; i++) {
      try (Lease lease = service.acquireExclusive(resource)) {
        try {
          Files.createFile(marker);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          System.out.println("OVERLAP at iteration " + i);
          continue;
        }
        Files.writeString(
            tokens, lease.token() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Thread.sleep(ThreadLocalRandom.current().nextInt(3));
        lease.checkValid();
        Files.delete(marker);
      }
    }
    System.out.println("DONE " + iterations);
  }
}
