package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import hdf.hdf5lib.callbacks.H5E_walk_t;
import hdf.hdf5lib.exceptions.HDF5Exception;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs native sequences under {@link H5Native#call} and turns every failure into an {@link
 * H5SwmrDataException} whose message says where (file, object) and what was being done, followed by
 * the HDF5 error stack text when the library left one.
 */
final class H5Calls {
  /**
   * H5P_DEFAULT. Reading any {@code HDF5Constants} field initialises {@code hdf.hdf5lib.H5}, which
   * only finds its native library after {@link H5Native#ensureLoaded()}; so load first, here, once.
   */
  static final long DEFAULT;

  static {
    H5Native.ensureLoaded();
    DEFAULT = HDF5Constants.H5P_DEFAULT;
  }

  private static final int MAX_STACK_CHARS = 800;

  /** The JNI walk rejects a null client-data object. */
  private static final H5E_walk_t NO_CLIENT_DATA = new H5E_walk_t() {};

  private H5Calls() {}

  /**
   * Failure of a JavaCPP C-API call that returned a negative status; message holds the HDF5 stack
   * text.
   */
  static final class NativeFailure extends Exception {
    private static final long serialVersionUID = 1L;

    NativeFailure(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code action} under the guard; failures become data exceptions prefixed with {@code
   * what}.
   */
  static <T> T run(String what, H5Native.NativeAction<T> action) {
    long failuresBefore = io.h5swmr.hdf5.driver.H5StorageDriver.failures();
    try {
      return H5Native.call(action);
    } catch (H5SwmrException e) {
      if (e.getClass() == H5SwmrDataException.class && !e.getMessage().startsWith("HDF5 file")) {
        // Raised below the level that knows file and object: say where and what was being done.
        throw new H5SwmrDataException(what + ": " + e.getMessage(), e);
      }
      throw e;
    } catch (Exception e) {
      throw new H5SwmrDataException(what + ": " + detail(e, failuresBefore), e);
    }
  }

  /**
   * Like {@link #run} for a file/object location: message starts "HDF5 file '<file>', object
   * '<path>': ".
   */
  static <T> T run(String file, String object, String what, H5Native.NativeAction<T> action) {
    return run(where(file, object) + what, action);
  }

  /** The prefix naming file and object used in every message of this package. */
  static String where(String file, String object) {
    StringBuilder b = new StringBuilder("HDF5 file '").append(file).append('\'');
    if (object != null) {
      b.append(", object '").append(object).append('\'');
    }
    return b.append(": ").toString();
  }

  /**
   * Checks a C-API status or id: negative values raise {@link NativeFailure} with the HDF5 error
   * stack text.
   */
  static long check(long status, String function) throws NativeFailure {
    if (status < 0) {
      String stack = stackText();
      throw new NativeFailure(
          function + " failed" + (stack.isEmpty() ? "" : " (HDF5: " + stack + ")"));
    }
    return status;
  }

  private static String detail(Exception e, long failuresBefore) {
    // What the h5swmr storage driver's callbacks caught during this call (e.g. "No space left on
    // device"): HDF5 only saw -1.
    String storage =
        io.h5swmr.hdf5.driver.H5StorageDriver.failures() > failuresBefore
            ? io.h5swmr.hdf5.driver.H5StorageDriver.peekFailure()
            : null;
    String d = detailOf(e);
    return storage == null || d.contains(storage) ? d : d + " (storage: " + storage + ")";
  }

  private static String detailOf(Exception e) {
    if (e instanceof NativeFailure) {
      return e.getMessage();
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof HDF5Exception) {
      String stack = stackText();
      if (!stack.isEmpty() && !stack.equals(msg)) {
        return msg + " (HDF5: " + stack + ")";
      }
    }
    return msg;
  }

  /**
   * The current HDF5 error stack, API function first, as "function: description; ..." and clears
   * it.
   */
  static String stackText() {
    List<String> lines = new ArrayList<>();
    try {
      H5Native.call(
          () -> {
            long stack = H5.H5Eget_current_stack();
            try {
              if (H5.H5Eget_num(stack) > 0) {
                H5.H5Ewalk2(
                    stack,
                    HDF5Constants.H5E_WALK_DOWNWARD,
                    (n, err, data) -> {
                      String desc = err.desc == null ? "" : err.desc.trim();
                      lines.add(err.func_name + (desc.isEmpty() ? "" : ": " + desc));
                      return 0;
                    },
                    NO_CLIENT_DATA);
              }
            } finally {
              H5.H5Eclose_stack(stack);
            }
            return null;
          });
    } catch (Exception ignored) {
      // Best effort: the primary failure is reported by the caller.
    }
    // API function first, then the innermost two frames: where it failed and why.
    List<String> kept =
        lines.size() <= 3
            ? lines
            : List.of(
                lines.get(0), "...", lines.get(lines.size() - 2), lines.get(lines.size() - 1));
    String text = String.join("; ", kept);
    return text.length() <= MAX_STACK_CHARS ? text : text.substring(0, MAX_STACK_CHARS) + " ...";
  }
}
