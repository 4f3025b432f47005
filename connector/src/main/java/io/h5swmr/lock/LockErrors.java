package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.exceptions.H5SwmrLockTimeoutException;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.exceptions.JedisAccessControlException;

/**
 * The texts of the lock service's errors: they name the Redis host and the lock, never a password.
 */
final class LockErrors {
  private LockErrors() {}

  /** A Redis call failed: names host:port, the redacted URL, the failure and its root cause. */
  static H5SwmrLockException connection(RedisEndpoint endpoint, String action, RuntimeException e) {
    Throwable root = rootOf(e);
    String what =
        e instanceof JedisAccessControlException
            ? "rejected the credentials"
                + (endpoint.user != null ? " of user '" + endpoint.user + "'" : "")
            : "failed";
    if (root == e && e.getSuppressed().length > 0) {
      root =
          rootOf(
              e.getSuppressed()[
                  0]); // Jedis attaches the per-address connect failures as suppressed
    }
    String causeText =
        e.getClass().getSimpleName()
            + ": "
            + endpoint.redact(e.getMessage())
            + (root != e
                ? " (caused by "
                    + root.getClass().getName()
                    + ": "
                    + endpoint.redact(root.getMessage())
                    + ")"
                : "");
    String missing = missingCredentialsOrRights(endpoint, e);
    if (missing != null) {
      return new H5SwmrLockException(
          "Cannot "
              + action
              + ": Redis at "
              + endpoint.hostsText()
              + " ("
              + endpoint.redactedUrl()
              + ") "
              + missing
              + " - "
              + causeText,
          e);
    }
    return new H5SwmrLockException(
        "Cannot "
            + action
            + ": Redis at "
            + endpoint.hostsText()
            + " ("
            + endpoint.redactedUrl()
            + ") "
            + what
            + " - "
            + causeText
            + tlsHint(endpoint, root),
        e);
  }

  private static final java.util.regex.Pattern SCRIPT_LINE =
      java.util.regex.Pattern.compile("script: ([0-9a-fA-F]{40}), on @user_script:(\\d+)");
  private static final java.util.regex.Pattern NOPERM_COMMAND =
      java.util.regex.Pattern.compile("permissions to run the '([^']+)' command");

  /**
   * What is missing when the server refused for want of a password or of an ACL right: a sentence
   * saying so, or null when the failure is something else.
   */
  private static String missingCredentialsOrRights(RedisEndpoint endpoint, RuntimeException e) {
    String msg = String.valueOf(e.getMessage());
    if ((msg.contains("NOAUTH") || msg.contains("unauthenticated")) && endpoint.password == null) {
      String hp = endpoint.hostsText();
      return "requires a password (requirepass, or an ACL user) but the URL gives none: give it in option "
          + "'redis.url' as redis://:<password>@"
          + hp
          + " (the default user) or redis://<user>:<password>@"
          + hp;
    }
    String command = null;
    java.util.regex.Matcher m = SCRIPT_LINE.matcher(msg);
    if (msg.contains("can't run this command") && m.find()) {
      command = LockScripts.commandAt(m.group(1), Integer.parseInt(m.group(2)));
      command =
          command == null
              ? "a command of lock script " + m.group(1) + " (line " + m.group(2) + ")"
              : "'" + command.toLowerCase(java.util.Locale.ROOT) + "'";
    } else if (msg.contains("NOPERM")) {
      java.util.regex.Matcher c = NOPERM_COMMAND.matcher(msg);
      command =
          c.find()
              ? "'" + c.group(1) + "'"
              : msg.contains("key")
                  ? "a key of the lock (key pattern)"
                  : msg.contains("channel") ? "a channel of the lock (pub/sub pattern)" : null;
    }
    if (command == null) {
      return null;
    }
    return "refused user '"
        + (endpoint.user == null ? "default" : endpoint.user)
        + "' the right to run "
        + command
        + ", which h5swmr's lock service needs; grant the ACL rules listed in docs/lock-service.md "
        + "(section ACL users) to this user";
  }

  /**
   * An acquisition ran out of time: names the lock, the holders and, if it applied, the hold-back.
   */
  static H5SwmrLockTimeoutException timeout(
      RedisEndpoint endpoint,
      String resource,
      LeaseMode mode,
      long waitedNanos,
      String holders,
      String heldBackNote) {
    return new H5SwmrLockTimeoutException(
        "Timed out after "
            + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
            + " ms waiting for a "
            + mode
            + " lease on '"
            + resource
            + "' (Redis "
            + endpoint.hostsText()
            + "); current holders: "
            + holders
            + (heldBackNote.isEmpty() ? "" : "; " + heldBackNote));
  }

  static H5SwmrLockException interrupted(
      String resource, LeaseMode mode, long waitedNanos, InterruptedException e) {
    return new H5SwmrLockException(
        "Interrupted after "
            + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
            + " ms while waiting for a "
            + mode
            + " lease on '"
            + resource
            + "'",
        e);
  }

  static H5SwmrLockException closed(RedisEndpoint endpoint) {
    return new H5SwmrLockException("Lock service on " + endpoint.redactedUrl() + " is closed");
  }

  private static Throwable rootOf(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** Advice for a failed TLS handshake on a rediss:// URL: which side to fix. */
  private static String tlsHint(RedisEndpoint endpoint, Throwable root) {
    if (endpoint.kind != RedisEndpoint.Kind.TLS) {
      return "";
    }
    String cls = root.getClass().getName();
    if (cls.endsWith("SSLHandshakeException")
        || cls.endsWith("CertPathBuilderException")
        || cls.endsWith("CertificateException")
        || cls.endsWith("ValidatorException")) {
      return ". The server's TLS certificate is not trusted by this JVM: add the CA that signed it to the JVM's "
          + "trust store (-Djavax.net.ssl.trustStore=<file> -Djavax.net.ssl.trustStorePassword=<password>) and "
          + "check that the host in the URL is one the certificate names";
    }
    return "";
  }
}
