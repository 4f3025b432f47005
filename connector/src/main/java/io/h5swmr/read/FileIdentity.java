package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Which file a path names: a file written elsewhere and renamed over the path (h5py writing {@code
 * x.h5.tmp}, then {@code mv}; {@code cp backup x.h5} onto a new inode) can have the same layout, so
 * the same dataset object ids, as the file it replaced. A scan must not mix rows of both, nor a
 * stream read the new file as if the old grew.
 *
 * <p>Local files: device and inode ({@code fileKey}) of the path, looked up after HDF5 opened it.
 * Remote files: the object's ETag where the file system offers one ({@code EtagSource}: S3A, ABFS);
 * their length and modification time are compared as well (PieceReader). "" when nothing is known
 * (then only those checks apply). A scan compares the identity seen at planning with the one every
 * task sees when it opens the file; a stream carries it in the object ids of its offsets, so a
 * replaced file is handled as a replaced dataset (the query fails, or with {@code
 * onDatasetChange=restart} reads the new file from row 0; docs/streaming.md).
 */
public final class FileIdentity {
  /** Separates a dataset's object id from the file identity in a stream offset's ids. */
  static final String TAG = "|file=";

  private FileIdentity() {}

  /** The identity of the file {@code h} is open on (path {@code file}). */
  static String of(H5File h, String file) {
    if (h.remoteLength() >= 0) {
      String etag = h.remoteEtag();
      return etag == null ? "" : "etag:" + etag;
    }
    return local(file);
  }

  /**
   * Device and inode of the local file {@code file} and the host that saw them, as "(dev=..,ino=..)
   * on host"; "" when the system gives none. The device number of a network mount (NFS) differs
   * between hosts, so only a look-up on the same host compares it; the inode is compared
   * everywhere.
   */
  static String local(String file) {
    try {
      Object key = Files.readAttributes(Paths.get(file), BasicFileAttributes.class).fileKey();
      return key == null ? "" : key + " on " + HOST;
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static final String HOST = host();

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  private static final java.util.regex.Pattern INODE =
      java.util.regex.Pattern.compile("ino=([0-9a-fA-Fx]+)");

  /** "ino=N" of a local identity, or null (remote, or unknown). */
  static String inode(String identity) {
    java.util.regex.Matcher m = INODE.matcher(identity);
    return m.find() ? "ino=" + m.group(1) : null;
  }

  /** Whether identity {@code now} (looked up at a task) names another file than {@code planned}. */
  static boolean differs(String planned, String now) {
    if (planned.isEmpty() || now.isEmpty() || planned.equals(now)) {
      return false;
    }
    String a = inode(planned);
    String b = inode(now);
    if (a == null || b == null) {
      return true; // remote ETags, or one side local and the other not
    }
    if (!a.equals(b)) {
      return true;
    }
    // Same inode: the device counts only when both were seen on the same host.
    boolean sameHost =
        planned.contains(" on ")
            && now.contains(" on ")
            && planned
                .substring(planned.indexOf(" on "))
                .equals(now.substring(now.indexOf(" on ")));
    return sameHost;
  }

  /** Fails when the file a task opened is not the one planning saw. */
  static void requireSame(H5File h, FileSnapshot f) {
    if (f.fileIdentity.isEmpty()) {
      return;
    }
    String now = of(h, f.file);
    if (differs(f.fileIdentity, now)) {
      throw new H5SwmrDataException(
          "File "
              + f.file
              + " was replaced during the scan: it was "
              + f.fileIdentity
              + " when the scan was planned with "
              + f.extent
              + " rows of "
              + f.datasets
              + " and is now "
              + now
              + " (a different file renamed or copied over the path); its rows are not read mixed with the old "
              + "file's. Rerun the query to read the new file; writers that replace files while they are read "
              + "should write through h5swmr (which changes files in place under its lease) or append instead");
    }
  }

  /**
   * The ids of a stream offset: each dataset id with the file identity appended (unchanged when
   * unknown). Local files are tagged with their inode only: a driver restarted on another host sees
   * another device number.
   */
  static List<String> tag(List<String> ids, String fileIdentity) {
    if (fileIdentity == null || fileIdentity.isEmpty()) {
      return ids;
    }
    String ino = inode(fileIdentity);
    if (ino != null) {
      fileIdentity = ino;
    }
    List<String> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      out.add(id + TAG + fileIdentity);
    }
    return out;
  }

  /** The dataset object ids without the file identity. */
  static List<String> untag(List<String> ids) {
    List<String> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      int at = id.indexOf(TAG);
      out.add(at < 0 ? id : id.substring(0, at));
    }
    return out;
  }

  /** The file identity in tagged ids ("" when absent). */
  static String fileOf(List<String> ids) {
    for (String id : ids) {
      int at = id.indexOf(TAG);
      if (at >= 0) {
        return id.substring(at + TAG.length());
      }
    }
    return "";
  }

  /**
   * Whether two offsets' ids name the same datasets of the same file. Ids of a checkpoint written
   * before file identities were recorded carry none: those compare by the dataset ids alone.
   */
  static boolean sameIds(List<String> a, List<String> b) {
    if (a.equals(b)) {
      return true;
    }
    if (!untag(a).equals(untag(b))) {
      return false;
    }
    String fa = fileOf(a);
    String fb = fileOf(b);
    return !differs(fa, fb);
  }

  /** Why a stream's file no longer continues: its dataset or the file itself was replaced. */
  public static String describeChange(List<String> was, List<String> now) {
    if (untag(was).equals(untag(now))) {
      return "the file was replaced (it was "
          + fileOf(was)
          + " and is now "
          + fileOf(now)
          + ": a different file "
          + "renamed or copied over the path, though its dataset has the same layout)";
    }
    return "it was replaced (object " + untag(was) + " is now " + untag(now) + ")";
  }
}
