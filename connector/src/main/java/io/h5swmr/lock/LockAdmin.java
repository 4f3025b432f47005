package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Command-line administration of the locks:
 *
 * <pre>
 * java -cp h5swmr-connector.jar io.h5swmr.lock.LockAdmin list [--url URL] [--prefix P]
 * java -cp h5swmr-connector.jar io.h5swmr.lock.LockAdmin release &lt;resource&gt; &lt;leaseId&gt; [--url URL] [--prefix P]
 * java -cp h5swmr-connector.jar io.h5swmr.lock.LockAdmin release-all &lt;resource&gt; [--url URL] [--prefix P]
 * java -cp h5swmr-connector.jar io.h5swmr.lock.LockAdmin mark-fresh [--url URL] [--prefix P]
 * </pre>
 *
 * The URL defaults to the environment variable {@code H5SWMR_REDIS_URL}, then {@code
 * redis://localhost:6379}. Exit codes: 0 done, 1 nothing to release (or, for mark-fresh, the server
 * holds data), 2 usage error, 3 Redis or configuration error.
 */
public final class LockAdmin {
  static final String ENV_URL = "H5SWMR_REDIS_URL";
  private static final String USAGE =
      String.join(
          "\n",
          "usage: LockAdmin list [--url URL] [--prefix PREFIX]",
          "       LockAdmin release <resource> <leaseId> [--url URL] [--prefix PREFIX]",
          "       LockAdmin release-all <resource> [--url URL] [--prefix PREFIX]",
          "       LockAdmin mark-fresh [--url URL] [--prefix PREFIX]   (a just-started, empty Redis: skip the hold-back)",
          "URL defaults to $"
              + ENV_URL
              + ", then "
              + LockSettings.DEFAULT_REDIS_URL
              + "; PREFIX to "
              + LockSettings.DEFAULT_KEY_PREFIX);

  private LockAdmin() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs one command; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    String url = env.getOrDefault(ENV_URL, LockSettings.DEFAULT_REDIS_URL);
    String prefix = LockSettings.DEFAULT_KEY_PREFIX;
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if ("--url".equals(args[i]) || "--prefix".equals(args[i])) {
        if (i + 1 >= args.length) {
          err.println("missing value after " + args[i] + "\n" + USAGE);
          return 2;
        }
        if ("--url".equals(args[i])) {
          url = args[++i];
        } else {
          prefix = args[++i];
        }
      } else if (args[i].startsWith("--")) {
        err.println("unknown option " + args[i] + "\n" + USAGE);
        return 2;
      } else {
        positional.add(args[i]);
      }
    }
    String cmd = positional.isEmpty() ? "" : positional.get(0);
    int expected =
        "list".equals(cmd) || "mark-fresh".equals(cmd)
            ? 1
            : "release".equals(cmd) ? 3 : "release-all".equals(cmd) ? 2 : -1;
    if (expected < 0 || positional.size() != expected) {
      err.println(
          (expected < 0 ? "unknown command '" + cmd + "'" : "wrong number of arguments for " + cmd)
              + "\n"
              + USAGE);
      return 2;
    }
    try (LockService service =
        LockService.open(LockSettings.builder().redisUrl(url).keyPrefix(prefix).build())) {
      switch (cmd) {
        case "list":
          return list(service, out);
        case "mark-fresh":
          boolean marked = service.declareFreshServer();
          out.println(
              marked
                  ? "marked " + service.settings().redactedRedisUrl() + " as a fresh server"
                  : "not marked: "
                      + service.settings().redactedRedisUrl()
                      + " already holds data (a lease or fencing "
                      + "token of some lock, or keys of another application): it is not a just-started, empty server");
          return marked ? 0 : 1;
        case "release":
          boolean removed = service.forceRelease(positional.get(1), positional.get(2));
          out.println(
              (removed ? "released lease " : "no lease ")
                  + positional.get(2)
                  + " on "
                  + positional.get(1));
          return removed ? 0 : 1;
        default:
          long n = service.forceReleaseAll(positional.get(1));
          out.println("released " + n + " holder(s) and waiter(s) on " + positional.get(1));
          return n > 0 ? 0 : 1;
      }
    } catch (H5SwmrException e) {
      err.println("error: " + e.getMessage());
      return 3;
    }
  }

  private static int list(LockService service, PrintStream out) {
    List<LockState> locks = service.list();
    if (locks.isEmpty()) {
      out.println(
          "no locks held or awaited under prefix '"
              + service.settings().keyPrefix()
              + "' on "
              + service.settings().redactedRedisUrl());
      return 0;
    }
    for (LockState s : locks) {
      out.println(
          "lock "
              + s.resource()
              + "  ("
              + s.holders().size()
              + " holder(s), "
              + s.waiters().size()
              + " waiter(s))");
      for (LockState.Holder h : s.holders()) {
        out.println(
            "  holder "
                + h.mode()
                + " lease="
                + h.leaseId()
                + " host="
                + h.host()
                + " pid="
                + h.pid()
                + " since="
                + Instant.ofEpochMilli(h.sinceEpochMillis())
                + " age="
                + h.ageMillis()
                + "ms ttlLeft="
                + h.ttlLeftMillis()
                + "ms"
                + (h.mode() == LeaseMode.EXCLUSIVE ? " token=" + h.token() : ""));
      }
      for (LockState.Waiter w : s.waiters()) {
        out.println(
            "  waiter "
                + w.mode()
                + " id="
                + w.waiterId()
                + " host="
                + w.host()
                + " pid="
                + w.pid()
                + " ticket="
                + w.ticket()
                + " waiting="
                + w.waitingMillis()
                + "ms");
      }
    }
    return 0;
  }
}
