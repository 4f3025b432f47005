package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5FilterCheck;
import io.h5swmr.hdf5.H5ObjectKind;
import io.h5swmr.hdf5.H5Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Driver-side metadata reads: expands the paths, and for each file, under a shared lease, opens it
 * read-only, resolves the dataset(s), checks types and records extents, chunking and object
 * identities.
 */
final class TableInspector {
  private TableInspector() {}

  /** One file's resolved datasets and attributes. */
  private static final class FileMeta {
    final List<H5DatasetInfo> infos;
    final Map<String, Object> fileAttributes;

    /**
     * Rows to read when a native SWMR writer has the file open: the shortest flushed length of the
     * datasets (they grow one after the other), else -1 (the datasets must have equal lengths).
     */
    final long swmrRows;

    final long size;
    final long modifiedMillis;
    final String identity;

    FileMeta(
        List<H5DatasetInfo> infos,
        Map<String, Object> fileAttributes,
        long swmrRows,
        long size,
        long modifiedMillis,
        String identity) {
      this.identity = identity;
      this.infos = infos;
      this.fileAttributes = fileAttributes;
      this.swmrRows = swmrRows;
      this.size = size;
      this.modifiedMillis = modifiedMillis;
    }
  }

  static TableSnapshot inspect(H5SwmrOptions o) {
    return inspect(o, false);
  }

  /**
   * As {@link #inspect(H5SwmrOptions)}, but with {@code firstOnly} the schema and properties come
   * from the first file alone (what schema inference needs; like Spark's file sources it does not
   * open every file: the scan checks them all before any task runs).
   */
  static TableSnapshot inspect(H5SwmrOptions o, boolean firstOnly) {
    HadoopConf hadoop = PathExpansion.anyRemote(o.paths()) ? HadoopConf.forQuery(o) : null;
    List<String> files = PathExpansion.expand(o.paths(), () -> hadoop.get());
    List<String> read = firstOnly ? files.subList(0, 1) : files;
    List<String> resources = new ArrayList<>(read.size());
    for (String file : read) {
      resources.add(o.lockResource(file));
    }
    List<FileMeta> metas = SharedLeases.map(read, o, file -> readMeta(file, o, hadoop));
    List<FileSnapshot> snaps = new ArrayList<>();
    List<ReadColumn> columns = null;
    String firstFile = null;
    List<H5DatasetInfo> firstInfos = null;
    Map<String, String> properties = new LinkedHashMap<>();
    for (int f = 0; f < read.size(); f++) {
      String file = read.get(f);
      String resource = resources.get(f);
      FileMeta meta = metas.get(f);
      List<ReadColumn> cols = dataColumns(meta.infos, o, file);
      if (columns == null) {
        columns = cols;
        firstFile = file;
        firstInfos = meta.infos;
        properties = properties(meta, files.size());
      } else {
        checkCompatible(columns, firstFile, cols, file, meta.infos);
      }
      H5DatasetInfo first = meta.infos.get(0);
      List<String> paths = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      long chunk = 1;
      for (H5DatasetInfo i : meta.infos) {
        paths.add(i.path());
        ids.add(i.identity());
        chunk = Math.max(chunk, i.chunkRows());
        if (meta.swmrRows < 0 && i.rows() != first.rows()) {
          throw new H5SwmrDataException(
              "Column datasets of option '"
                  + H5SwmrOptions.DATASETS
                  + "' must have equal "
                  + "lengths, but in file "
                  + file
                  + " '"
                  + first.path()
                  + "' has "
                  + first.rows()
                  + " rows and '"
                  + i.path()
                  + "' has "
                  + i.rows());
        }
      }
      long rows = meta.swmrRows >= 0 ? meta.swmrRows : first.rows();
      snaps.add(
          new FileSnapshot(
              file,
              resource,
              paths,
              ids,
              rows,
              chunk,
              first.rank(),
              meta.swmrRows >= 0,
              meta.size,
              meta.modifiedMillis,
              meta.identity));
    }
    List<ReadColumn> all = new ArrayList<>();
    if (o.indexColumn() != null) {
      all.add(ReadColumn.index(o.indexColumn()));
    }
    all.addAll(columns);
    if (o.fileColumn() != null) {
      all.add(ReadColumn.file(o.fileColumn()));
    }
    all =
        ColumnNames.unique(
            all, org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis(), o);
    return new TableSnapshot(snaps, all, schemaOf(all, firstInfos), properties, hadoop);
  }

  private static FileMeta readMeta(String file, H5SwmrOptions o, HadoopConf hadoop) {
    try (H5File h = ReadFiles.open(file, hadoop)) {
      List<String> paths = resolveDatasets(h, file, o);
      List<H5DatasetInfo> infos = new ArrayList<>();
      long swmrRows = h.isSwmrRead() ? Long.MAX_VALUE : -1;
      for (String p : paths) {
        try (H5Dataset d = h.openDataset(p)) {
          H5DatasetInfo info = d.info();
          if (info.isNullSpace()) {
            throw new H5SwmrDataException(
                "Dataset '"
                    + p
                    + "' in file "
                    + file
                    + " has a NULL dataspace (type "
                    + info.type()
                    + ", no elements, e.g. h5py.Empty): there is nothing to read as rows; h5swmr reads "
                    + "datasets with a simple (rank >= 1) or scalar dataspace; choose another with option '"
                    + H5SwmrOptions.DATASET
                    + "'");
          }
          H5FilterCheck.requireReadable(info, o.directRead());
          infos.add(info);
          if (h.isSwmrRead()) {
            swmrRows = Math.min(swmrRows, d.flushedRows());
          }
        }
      }
      if (!o.datasets().isEmpty()) {
        for (H5DatasetInfo i : infos) {
          if (i.rank() != 1 || i.type().kind() == H5Type.Kind.COMPOUND) {
            throw new H5SwmrDataException(
                "Option '"
                    + H5SwmrOptions.DATASETS
                    + "' takes 1-D datasets of scalar "
                    + "types, but '"
                    + i.path()
                    + "' in file "
                    + file
                    + " has dims "
                    + Arrays.toString(i.dims())
                    + " and type "
                    + i.type()
                    + "; read it with option '"
                    + H5SwmrOptions.DATASET
                    + "' instead");
          }
        }
      }
      FileStats stats = FileStats.of(h, file);
      return new FileMeta(
          infos,
          h.attributes("/"),
          swmrRows,
          stats.size,
          stats.modifiedMillis,
          FileIdentity.of(h, file));
    }
  }

  private static List<String> resolveDatasets(H5File h, String file, H5SwmrOptions o) {
    if (o.dataset() != null) {
      String p = absolute(o.dataset());
      checkDataset(h, file, p, H5SwmrOptions.DATASET);
      return List.of(p);
    }
    if (!o.datasets().isEmpty()) {
      List<String> out = new ArrayList<>();
      for (String d : o.datasets()) {
        String p = absolute(d);
        if (h.kind(p) == H5ObjectKind.GROUP) {
          List<String> in = new ArrayList<>();
          for (String c : children(h, p)) {
            if (h.datasetInfo(c).rank() == 1) {
              in.add(c);
            }
          }
          if (in.isEmpty()) {
            throw new H5SwmrNotFoundException(
                "Group '"
                    + p
                    + "' in file "
                    + file
                    + " (option '"
                    + H5SwmrOptions.DATASETS
                    + "') holds no 1-D dataset; datasets in the file: "
                    + h.listDatasets());
          }
          out.addAll(in);
        } else {
          checkDataset(h, file, p, H5SwmrOptions.DATASETS);
          out.add(p);
        }
      }
      return out;
    }
    List<String> all = h.listDatasets();
    if (all.size() == 1) {
      return all;
    }
    if (all.isEmpty()) {
      throw new H5SwmrNotFoundException("File " + file + " holds no dataset to read");
    }
    throw new H5SwmrConfigException(
        "File "
            + file
            + " holds "
            + all.size()
            + " datasets; choose one with option '"
            + H5SwmrOptions.DATASET
            + "' (or several 1-D ones with '"
            + H5SwmrOptions.DATASETS
            + "'): "
            + all);
  }

  private static void checkDataset(H5File h, String file, String p, String option) {
    H5ObjectKind k = h.kind(p);
    if (k == H5ObjectKind.DATASET) {
      return;
    }
    if (k == H5ObjectKind.GROUP) {
      throw new H5SwmrDataException(
          "'"
              + p
              + "' in file "
              + file
              + " (option '"
              + option
              + "') is a group, not a "
              + "dataset; datasets in it: "
              + children(h, p)
              + (H5SwmrOptions.DATASET.equals(option)
                  ? "; to read its 1-D datasets as columns use option '"
                      + H5SwmrOptions.DATASETS
                      + "'"
                  : ""));
    }
    throw new H5SwmrNotFoundException(
        "Dataset '"
            + p
            + "' (option '"
            + option
            + "') not found in file "
            + file
            + "; datasets in the file: "
            + h.listDatasets());
  }

  /** Datasets directly in group {@code g}. */
  private static List<String> children(H5File h, String g) {
    String prefix = g.endsWith("/") ? g : g + "/";
    List<String> out = new ArrayList<>();
    for (String d : h.listDatasets(g)) {
      if (d.indexOf('/', prefix.length()) < 0) {
        out.add(d);
      }
    }
    return out;
  }

  private static String absolute(String p) {
    return p.startsWith("/") ? p : "/" + p;
  }

  private static List<ReadColumn> dataColumns(
      List<H5DatasetInfo> infos, H5SwmrOptions o, String file) {
    List<ReadColumn> out = new ArrayList<>();
    for (int i = 0; i < infos.size(); i++) {
      H5DatasetInfo info = infos.get(i);
      String name = info.path().substring(info.path().lastIndexOf('/') + 1);
      out.addAll(DatasetColumns.of(i, info, name, file));
    }
    return out;
  }

  private static void checkCompatible(
      List<ReadColumn> first,
      String firstFile,
      List<ReadColumn> other,
      String file,
      List<H5DatasetInfo> infos) {
    boolean same = first.size() == other.size();
    for (int i = 0; same && i < first.size(); i++) {
      ReadColumn a = first.get(i);
      ReadColumn b = other.get(i);
      same =
          a.name.equals(b.name)
              && a.sparkType.equals(b.sparkType)
              && Arrays.equals(a.innerDims, b.innerDims);
    }
    if (!same) {
      StringBuilder types = new StringBuilder();
      for (H5DatasetInfo i : infos) {
        types
            .append(types.length() == 0 ? "" : "; ")
            .append(i.path())
            .append(": ")
            .append(i.type())
            .append(" dims ")
            .append(Arrays.toString(i.dims()));
      }
      throw new H5SwmrDataException(
          "Incompatible types across files: "
              + file
              + " has "
              + types
              + " giving columns "
              + describe(other)
              + ", but "
              + firstFile
              + " gives "
              + describe(first)
              + "; every file must hold the dataset with the same Spark mapping and trailing dimensions");
    }
  }

  private static String describe(List<ReadColumn> cols) {
    List<String> s = new ArrayList<>();
    for (ReadColumn c : cols) {
      s.add(
          c.name
              + " "
              + c.sparkType.simpleString()
              + (c.innerDims.length == 0 ? "" : " x" + Arrays.toString(c.innerDims)));
    }
    return s.toString();
  }

  static List<String> names(List<ReadColumn> cols) {
    List<String> n = new ArrayList<>();
    cols.forEach(c -> n.add(c.name));
    return n;
  }

  /**
   * The Spark schema of {@code all}; data columns carry their dataset's path, type and attributes.
   */
  static StructType schemaOf(List<ReadColumn> all, List<H5DatasetInfo> infos) {
    List<StructField> fields = new ArrayList<>();
    for (ReadColumn c : all) {
      Metadata md =
          c.source == ReadColumn.Source.DATA
              ? DatasetColumns.metadata(infos.get(c.dataset))
              : Metadata.empty();
      fields.add(new StructField(c.name, c.sparkType, c.source == ReadColumn.Source.DATA, md));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  private static Map<String, String> properties(FileMeta meta, int fileCount) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("h5swmr.files", String.valueOf(fileCount));
    for (Map.Entry<String, Object> e : meta.fileAttributes.entrySet()) {
      p.put("h5swmr.file.attr." + e.getKey(), Attributes.text(e.getValue()));
    }
    boolean one = meta.infos.size() == 1;
    for (H5DatasetInfo i : meta.infos) {
      String prefix = one ? "h5swmr.dataset" : "h5swmr.dataset." + i.path();
      p.put(prefix + (one ? "" : ".path"), i.path());
      p.put(prefix + ".type", i.type().toString());
      p.put(prefix + ".dims", Arrays.toString(i.dims()));
      if (i.chunkDims().length > 0) {
        p.put(prefix + ".chunk", Arrays.toString(i.chunkDims()));
      }
      for (Map.Entry<String, Object> e : i.attributes().entrySet()) {
        p.put(prefix + ".attr." + e.getKey(), Attributes.text(e.getValue()));
      }
    }
    return p;
  }
}
