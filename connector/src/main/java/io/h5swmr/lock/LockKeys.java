package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Lock names. {@link #forFile} gives the resource name of an HDF5 file; the Redis keys of one lock
 * all share the hash tag {@code {<hex sha-256 of resource>}} so they live in one Redis Cluster
 * slot: {@code <prefix>{<tag>}:readers}, {@code :writer}, {@code :waiters}, {@code :wwaiters},
 * {@code :wexp}, {@code :info}, {@code :token}, {@code :seq}, {@code :epoch}. The server-wide
 * {@code <prefix>fresh-server} and {@code <prefix>incarnation} markers of the post-restart
 * hold-back are named by {@link LockService}; the full table is in docs/lock-service.md.
 */
public final class LockKeys {
  static final String INFO_SUFFIX = ":info";

  final String resource;
  final String tag;

  /** readers, writer, waiters, writer waiters, waiter expiry, info, token, seq, epoch. */
  final List<String> all;

  private LockKeys(String resource, String tag, String base) {
    this.resource = resource;
    this.tag = tag;
    this.all =
        List.of(
            base + ":readers",
            base + ":writer",
            base + ":waiters",
            base + ":wwaiters",
            base + ":wexp",
            base + INFO_SUFFIX,
            base + ":token",
            base + ":seq",
            base + ":epoch");
  }

  static LockKeys of(String prefix, String resource) {
    String tag = tagOf(resource);
    return new LockKeys(resource, tag, prefix + "{" + tag + "}");
  }

  /**
   * Keys of a lock found by scanning, from {@code <prefix>{<tag>}}; the resource name is read from
   * Redis.
   */
  static LockKeys ofBase(String base) {
    String tag = base.substring(base.lastIndexOf('{') + 1, base.length() - 1);
    return new LockKeys(null, tag, base);
  }

  /**
   * The canonical absolute path of {@code file}: symlinks and {@code ..} resolved. For a file that
   * does not exist yet, its nearest existing ancestor is resolved and the remaining names appended.
   *
   * @throws H5SwmrConfigException if the path cannot be resolved
   */
  public static String forFile(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    try {
      if (Files.exists(abs)) {
        return abs.toRealPath().toString();
      }
      Path existing = abs.getParent();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null) {
        return abs.toString();
      }
      return existing.toRealPath().resolve(existing.relativize(abs)).normalize().toString();
    } catch (IOException e) {
      throw new H5SwmrConfigException("Cannot resolve the lock key of file " + abs + ": " + e, e);
    }
  }

  /** Hex SHA-256 (first 16 bytes) of the resource name. */
  static String tagOf(String resource) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(resource.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(32);
      for (int i = 0; i < 16; i++) {
        sb.append(Character.forDigit((d[i] >> 4) & 0xF, 16))
            .append(Character.forDigit(d[i] & 0xF, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
