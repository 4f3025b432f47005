package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.types.TypeMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;

/** The read columns of a dataset, typed by {@link TypeMapping}, and their field metadata. */
final class DatasetColumns {
  private DatasetColumns() {}

  /**
   * The columns a dataset contributes: one per top-level member for 0-D/1-D compound datasets, else
   * one column named {@code columnName}. Field metadata carries the dataset path, its HDF5 type and
   * its attributes.
   */
  static List<ReadColumn> of(int datasetIndex, H5DatasetInfo meta, String columnName, String file) {
    long[] inner = meta.trailingDims();
    H5Type t = meta.type();
    List<ReadColumn> out = new ArrayList<>();
    if (t.kind() == H5Type.Kind.COMPOUND) {
      if (inner.length > 0) {
        throw new H5SwmrDataException(
            "Dataset '"
                + meta.path()
                + "' in file "
                + file
                + " is a compound dataset of "
                + "rank "
                + meta.dims().length
                + "; h5swmr reads compound datasets of rank 0 or 1 only (type "
                + t
                + ")");
      }
      for (H5Type.Member m : t.members()) {
        out.add(member(datasetIndex, List.of(m.name()), m.type(), file, meta.path()));
      }
    } else {
      DataType st = TypeMapping.nest(TypeMapping.sparkType(t, file, meta.path()), inner.length);
      out.add(ReadColumn.data(columnName, datasetIndex, List.of(), t, inner, st, List.of()));
    }
    return out;
  }

  private static ReadColumn member(
      int ds, List<String> path, H5Type t, String file, String dataset) {
    String name = path.get(path.size() - 1);
    if (t.kind() == H5Type.Kind.COMPOUND) {
      List<ReadColumn> kids = new ArrayList<>();
      for (H5Type.Member m : t.members()) {
        List<String> p = new ArrayList<>(path);
        p.add(m.name());
        kids.add(member(ds, p, m.type(), file, dataset));
      }
      return ReadColumn.data(
              name, ds, path, t, new long[0], TypeMapping.sparkType(t, file, dataset), List.of())
          .withChildren(kids);
    }
    return ReadColumn.data(
        name, ds, path, t, new long[0], TypeMapping.sparkType(t, file, dataset), List.of());
  }

  /**
   * Field metadata of a dataset's columns: {@code h5swmr.dataset}, {@code h5swmr.type}, {@code
   * h5swmr.attr.*}.
   */
  static Metadata metadata(H5DatasetInfo meta) {
    MetadataBuilder b =
        new MetadataBuilder()
            .putString("h5swmr.dataset", meta.path())
            .putString("h5swmr.type", meta.type().toString());
    for (Map.Entry<String, Object> e : meta.attributes().entrySet()) {
      b.putString("h5swmr.attr." + e.getKey(), Attributes.text(e.getValue()));
    }
    return b.build();
  }
}
