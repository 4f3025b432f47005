package io.h5swmr.lock;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Lua scripts of the lock, loaded from the resource files {@code io/h5swmr/lock/*.lua} (in the
 * source tree: {@code connector/src/main/resources/io/h5swmr/lock/}), the one copy that the Python
 * package uses too. Each file's header states its KEYS, ARGV and return value; docs/lock-service.md
 * states the protocol.
 *
 * <p>Each acquire, renew and release is one script call: EVALSHA, falling back to EVAL on NOSCRIPT
 * (after a Redis restart or failover). A script's text is its file with the line {@value
 * #INCLUDE_LINE} replaced by the text of {@code common.lua}; the SHA-1 is that of the result, so
 * every implementation that assembles the scripts this way shares Redis' script cache.
 */
final class LockScripts {
  /** Include directive, a whole line of its own; replaced by the text of {@code common.lua}. */
  static final String INCLUDE_LINE = "--!include common.lua";

  /** One script: its assembled text and that text's SHA-1. */
  static final class Script {
    final String name;
    final String text;
    final String sha;

    private Script(String name) {
      this.name = name;
      String raw = resource(name + ".lua");
      String line = INCLUDE_LINE + "\n";
      this.text = raw.contains(line) ? raw.replace(line, resource("common.lua")) : raw;
      this.sha = sha1(text);
    }

    @Override
    public String toString() {
      return name + ".lua (" + sha + ")";
    }
  }

  static final Script ACQUIRE = new Script("acquire");
  static final Script RENEW = new Script("renew");
  static final Script RELEASE = new Script("release");
  static final Script RELEASE_ALL = new Script("release_all");
  static final Script IS_HOLDER = new Script("is_holder");
  static final Script INSPECT = new Script("inspect");
  static final Script DECLARE_FRESH = new Script("declare_fresh");

  private static final java.util.List<Script> ALL =
      java.util.List.of(ACQUIRE, RENEW, RELEASE, RELEASE_ALL, IS_HOLDER, INSPECT, DECLARE_FRESH);

  /**
   * The Redis command line {@code line} (1-based) of the script with SHA-1 {@code sha} calls, upper
   * case, or null: ACL refusals inside a script name only the script and the line.
   */
  static String commandAt(String sha, int line) {
    for (Script sc : ALL) {
      if (sc.sha.equalsIgnoreCase(sha)) {
        String[] lines = sc.text.split("\n", -1);
        if (line < 1 || line > lines.length) {
          return null;
        }
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("redis\\.p?call\\(\\s*['\"]([A-Za-z]+)['\"]")
                .matcher(lines[line - 1]);
        return m.find() ? m.group(1).toUpperCase(java.util.Locale.ROOT) : null;
      }
    }
    return null;
  }

  private LockScripts() {}

  /** KEYS are the lock's nine plus the fresh-server and incarnation markers (see acquire.lua). */
  static Object acquire(
      UnifiedJedis r, LockKeys k, String freshKey, String incarnationKey, List<String> args) {
    List<String> keys = new ArrayList<>(k.all);
    keys.add(freshKey);
    keys.add(incarnationKey);
    return run(r, ACQUIRE, keys, args);
  }

  static Object declareFresh(UnifiedJedis r, String freshKey, String escapedPrefix) {
    return run(r, DECLARE_FRESH, List.of(freshKey), List.of(escapedPrefix));
  }

  static Object renew(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, RENEW, k.all, args);
  }

  static Object release(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, RELEASE, k.all, args);
  }

  static Object releaseAll(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, RELEASE_ALL, k.all, args);
  }

  static Object isHolder(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, IS_HOLDER, k.all, args);
  }

  static Object inspect(UnifiedJedis r, LockKeys k) {
    return run(r, INSPECT, k.all, List.of());
  }

  private static Object run(UnifiedJedis r, Script script, List<String> keys, List<String> args) {
    try {
      return r.evalsha(script.sha, keys, args);
    } catch (JedisNoScriptException e) {
      return r.eval(script.text, keys, args); // EVAL also caches the script for the next EVALSHA
    }
  }

  private static String resource(String file) {
    try (InputStream in = LockScripts.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException(
            "Lock script resource io/h5swmr/lock/"
                + file
                + " is missing from the "
                + "classpath (a broken h5swmr connector jar?)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read lock script resource io/h5swmr/lock/" + file, e);
    }
  }

  static String sha1(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(40);
      for (byte b : d) {
        sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
