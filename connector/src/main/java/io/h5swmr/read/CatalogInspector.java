package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.ReadOptions.Catalog;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Filter;
import io.h5swmr.hdf5.H5FilterCheck;
import io.h5swmr.types.TypeMapping;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Driver-side reads of a catalog view: expands the paths as a scan does, then opens each file
 * read-only under its shared lease (its committed state: the journal's committed view, a native
 * SWMR writer's flushed rows) and turns its metadata into rows of Spark values, in the column order
 * of {@link CatalogSchemas}.
 */
final class CatalogInspector {
  private CatalogInspector() {}

  /** The rows of view {@code c} over the files of the options' paths, file after file. */
  static List<Object[]> rows(H5SwmrOptions o, Catalog c) {
    HadoopConf hadoop = PathExpansion.anyRemote(o.paths()) ? HadoopConf.forQuery(o) : null;
    List<String> files = PathExpansion.expand(o.paths(), () -> hadoop.get());
    List<List<Object[]>> perFile =
        SharedLeases.map(
            files,
            o,
            file -> {
              try (H5File h = ReadFiles.open(file, hadoop)) {
                switch (c) {
                  case FILES:
                    return List.<Object[]>of(fileRow(h, file));
                  case DATASETS:
                    return datasetRows(h, file);
                  default:
                    return attributeRows(h, file);
                }
              }
            });
    List<Object[]> out = new ArrayList<>();
    perFile.forEach(out::addAll);
    return out;
  }

  private static Object[] fileRow(H5File h, String file) {
    FileStats stats = FileStats.of(h, file);
    return new Object[] {
      text(file),
      stats.size,
      stats.modifiedMillis * 1000L,
      h.listDatasets().size(),
      textMap(h.attributes("/")),
      h.isSwmrRead()
    };
  }

  private static List<Object[]> datasetRows(H5File h, String file) {
    List<Object[]> out = new ArrayList<>();
    for (String p : h.listDatasets()) {
      H5DatasetInfo info;
      long rows;
      try (H5Dataset d = h.openDataset(p, 0)) { // metadata only: no chunk cache
        info = d.info();
        rows = info.isNullSpace() ? 0 : h.isSwmrRead() ? d.flushedRows() : info.rows();
      }
      List<H5Filter> filters = info.filters();
      Object[] names = new Object[filters.size()];
      for (int i = 0; i < names.length; i++) {
        names[i] = text(H5FilterCheck.name(filters.get(i)));
      }
      out.add(
          new Object[] {
            text(file),
            text(p),
            text(info.type().toString()),
            text(sparkType(info, file)),
            longs(info.dims()),
            longs(info.maxDims()),
            info.chunkDims().length == 0 ? null : longs(info.chunkDims()),
            text(info.layout().name().toLowerCase(java.util.Locale.ROOT)),
            new GenericArrayData(names),
            info.storageSize(),
            rows,
            textMap(info.attributes())
          });
    }
    return out;
  }

  /**
   * The Spark type of the dataset's column(s) as a read maps it ({@link TypeMapping}): a compound
   * dataset's struct, arrays for trailing dimensions; null when h5swmr cannot read the type.
   */
  private static String sparkType(H5DatasetInfo info, String file) {
    try {
      DataType t = TypeMapping.sparkType(info.type(), file, info.path());
      return TypeMapping.nest(t, info.trailingDims().length).simpleString();
    } catch (H5SwmrDataException e) {
      return null;
    }
  }

  /**
   * One row per attribute: the root group's, then for each dataset in listing order its groups not
   * yet listed and the dataset itself. Groups that hold no dataset (at any depth) are not visited.
   */
  private static List<Object[]> attributeRows(H5File h, String file) {
    Set<String> objects = new LinkedHashSet<>();
    objects.add("/");
    for (String d : h.listDatasets()) {
      for (int k = d.indexOf('/', 1); k > 0; k = d.indexOf('/', k + 1)) {
        objects.add(d.substring(0, k));
      }
      objects.add(d);
    }
    List<Object[]> out = new ArrayList<>();
    UTF8String f = text(file);
    for (String obj : objects) {
      UTF8String op = text(obj);
      for (Map.Entry<String, Object> e : h.attributes(obj).entrySet()) {
        out.add(
            new Object[] {
              f,
              op,
              text(e.getKey()),
              text(CatalogValues.text(e.getValue())),
              text(CatalogValues.type(e.getValue()))
            });
      }
    }
    return out;
  }

  private static UTF8String text(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }

  private static ArrayData longs(long[] v) {
    Object[] o = new Object[v.length];
    for (int i = 0; i < v.length; i++) {
      o[i] = v[i];
    }
    return new GenericArrayData(o);
  }

  private static ArrayBasedMapData textMap(Map<String, Object> attrs) {
    Object[] keys = new Object[attrs.size()];
    Object[] values = new Object[attrs.size()];
    int i = 0;
    for (Map.Entry<String, Object> e : attrs.entrySet()) {
      keys[i] = text(e.getKey());
      values[i] = text(CatalogValues.text(e.getValue()));
      i++;
    }
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
  }
}
