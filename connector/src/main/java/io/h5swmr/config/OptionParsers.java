package io.h5swmr.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.h5swmr.exceptions.H5SwmrConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsers of option values: sizes ({@code 64m}), durations ({@code 30s}), booleans, enums,
 * positive counts, path lists (Spark's {@code paths} is a JSON array, read with Jackson, which
 * Spark ships), comma lists. Each typed parser takes the merged options map (lower-case keys) and
 * fails with an {@link H5SwmrConfigException} naming the option, the value and what is valid.
 */
final class OptionParsers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OptionParsers() {}

  static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  static String blankToNull(String s) {
    return s == null || s.trim().isEmpty() ? null : s.trim();
  }

  /**
   * The error of a bad value: names the option, the value (a Redis URL redacted) and what is
   * allowed.
   */
  static H5SwmrConfigException invalid(String option, String value, String allowed) {
    return new H5SwmrConfigException(
        "Option '"
            + option
            + "' has an invalid value '"
            + (H5SwmrOptions.REDIS_URL.equals(option) ? redact(value) : value)
            + "': expected "
            + allowed
            + " (session conf: "
            + H5SwmrOptions.SESSION_PREFIX
            + option
            + ")");
  }

  /**
   * {@code path} is one path, never split (a file may be named {@code a,b.h5}); {@code paths} is
   * the JSON array of strings Spark's {@code load(p1, p2)} passes. Both may be given; duplicates
   * count once.
   */
  static List<String> paths(Map<String, String> merged) {
    List<String> out = new ArrayList<>();
    String many = merged.get(key(H5SwmrOptions.PATHS));
    if (many != null && !many.trim().isEmpty()) {
      List<String> parsed = jsonStringArray(many.trim());
      if (parsed == null) {
        throw invalid(
            H5SwmrOptions.PATHS,
            many,
            "a JSON array of strings such as [\"/data/a.h5\",\"/data/b.h5\"] "
                + "(what load(p1, p2) passes); for one path use option '"
                + H5SwmrOptions.PATH
                + "' or load(path), "
                + "which is never split on commas");
      }
      out.addAll(parsed);
    }
    String one = merged.get(key(H5SwmrOptions.PATH));
    if (one != null && !one.isEmpty() && !out.contains(one)) {
      out.add(one);
    }
    return Collections.unmodifiableList(out);
  }

  /** The strings of a JSON array of strings, or null when {@code json} is not one. */
  static List<String> jsonStringArray(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return null;
    }
    if (node == null || !node.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : node) {
      if (!e.isTextual()) {
        return null;
      }
      out.add(e.textValue());
    }
    return out;
  }

  static List<String> splitList(String s) {
    if (s == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : s.split(",")) {
      String t = part.trim();
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** A value that must be positive once parsed; {@code dflt} when absent. */
  static long positive(
      String option,
      Map<String, String> merged,
      long dflt,
      Function<String, Long> parse,
      String allowed) {
    String v = merged.get(key(option));
    if (v == null) {
      return dflt;
    }
    long parsed;
    try {
      parsed = parse.apply(v.trim());
    } catch (RuntimeException e) {
      throw invalid(option, v, allowed);
    }
    if (parsed <= 0) {
      throw invalid(option, v, allowed);
    }
    return parsed;
  }

  /** As {@link #positive}, null when absent. */
  static Long positiveOrNull(
      String option, Map<String, String> merged, Function<String, Long> parse, String allowed) {
    return merged.containsKey(key(option)) ? positive(option, merged, 1, parse, allowed) : null;
  }

  static long parseLong(String v) {
    return Long.parseLong(v.trim().replace("_", ""));
  }

  static long parseLongOr(String v, long dflt) {
    try {
      return parseLong(v);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static final Pattern BYTES = Pattern.compile("(?i)\\s*(\\d+)\\s*([kmgt]i?b?|b)?\\s*");

  /**
   * Parses byte sizes like Spark does: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 1g},
   * {@code 1gb}.
   */
  static long parseBytes(String v) {
    Matcher m = BYTES.matcher(v);
    if (!m.matches()) {
      throw new NumberFormatException(v);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    switch (unit.charAt(0)) {
      case 'k':
        return Math.multiplyExact(n, 1L << 10);
      case 'm':
        return Math.multiplyExact(n, 1L << 20);
      case 'g':
        return Math.multiplyExact(n, 1L << 30);
      case 't':
        return Math.multiplyExact(n, 1L << 40);
      default:
        return n;
    }
  }

  private static final Pattern DURATION =
      Pattern.compile("(?i)\\s*(\\d+)\\s*(ms|s|sec|m|min|h)\\s*");

  /**
   * Parses durations with a unit: {@code 500ms}, {@code 30s}, {@code 10m}/{@code 10min}, {@code
   * 1h}. A bare number is refused: {@code lock.ttl=30000} could mean milliseconds or 8.3 hours.
   */
  static Duration parseDuration(String v) {
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new NumberFormatException(v);
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms":
        return Duration.ofMillis(n);
      case "m":
      case "min":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      default:
        return Duration.ofSeconds(n);
    }
  }

  /** A positive duration with a unit; {@code dflt} when absent. */
  static Duration duration(String option, Map<String, String> merged, Duration dflt) {
    String v = merged.get(key(option));
    if (v == null) {
      return dflt;
    }
    if (v.trim().matches("\\d+")) {
      throw invalid(
          option,
          v,
          "a duration with a unit, e.g. "
              + v.trim()
              + "ms or "
              + v.trim()
              + "s (units: ms, s, "
              + "min/m, h; a bare number is ambiguous)");
    }
    try {
      Duration d = parseDuration(v);
      if (d.isZero()) {
        throw new NumberFormatException(v);
      }
      return d;
    } catch (RuntimeException e) {
      throw invalid(option, v, "a positive duration with a unit such as 500ms, 30s, 10min or 1h");
    }
  }

  static boolean bool(String option, String v, boolean dflt) {
    if (v == null) {
      return dflt;
    }
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw invalid(option, v, "true or false");
    }
  }

  static boolean bool(String option, Map<String, String> merged, boolean dflt) {
    return bool(option, merged.get(key(option)), dflt);
  }

  /**
   * A JVM-wide switch's default: true unless the JVM property {@code property} is {@code false}
   * (any case), as the switch read it before it became an option.
   */
  static boolean jvmDefault(String property) {
    return !"false".equalsIgnoreCase(System.getProperty(property));
  }

  static <E extends Enum<E>> E oneOf(String option, String v, Class<E> type, E dflt) {
    if (v == null) {
      return dflt;
    }
    Set<String> allowed = new TreeSet<>();
    for (E e : type.getEnumConstants()) {
      allowed.add(e.name().toLowerCase(Locale.ROOT));
      if (e.name().equalsIgnoreCase(v.trim())) {
        return e;
      }
    }
    throw invalid(option, v, "one of " + allowed);
  }

  static <E extends Enum<E>> E oneOf(
      String option, Map<String, String> merged, Class<E> type, E dflt) {
    return oneOf(option, merged.get(key(option)), type, dflt);
  }

  private static final Pattern USERINFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^@/]*)@");

  /** Replaces the password part of a URL's user info with {@code ***}; null-safe. */
  static String redact(String url) {
    if (url == null) {
      return null;
    }
    Matcher m = USERINFO.matcher(url);
    if (!m.find()) {
      return url;
    }
    String info = m.group(2);
    int colon = info.indexOf(':');
    String redacted = colon >= 0 ? info.substring(0, colon) + ":***" : "***";
    return m.group(1) + redacted + "@" + url.substring(m.end());
  }
}
