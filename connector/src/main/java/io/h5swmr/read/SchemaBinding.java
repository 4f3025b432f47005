package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Binds a table schema (inferred, or given by the user with {@code .schema(..)} / {@code CREATE
 * TABLE t (..)}) to the columns the files offer: by name (case-insensitive) to select, or, when the
 * names do not all match and the column counts are equal, by position to rename. Struct fields
 * select compound members the same way.
 */
final class SchemaBinding {
  private SchemaBinding() {}

  static List<ReadColumn> bind(StructType schema, List<ReadColumn> available) {
    StructField[] fields = schema.fields();
    List<ReadColumn> out = new ArrayList<>();
    boolean allNamed = true;
    for (StructField f : fields) {
      allNamed &= find(available, f.name()) != null;
    }
    if (!allNamed && fields.length != available.size()) {
      List<String> missing = new ArrayList<>();
      for (StructField f : fields) {
        if (find(available, f.name()) == null) {
          missing.add(f.name());
        }
      }
      throw new H5SwmrConfigException(
          "The given schema names columns "
              + missing
              + " that the data does not have; "
              + "available columns: "
              + TableInspector.names(available)
              + " (a schema with exactly "
              + available.size()
              + " columns renames them by position)");
    }
    for (int i = 0; i < fields.length; i++) {
      StructField f = fields[i];
      ReadColumn c = allNamed ? find(available, f.name()) : available.get(i);
      out.add(bindType(c, f.dataType(), f.name()));
    }
    return out;
  }

  /** {@code c} named {@code name}, narrowed to the requested type (a struct may select members). */
  static ReadColumn bindType(ReadColumn c, DataType requested, String name) {
    ReadColumn r = c.name.equals(name) ? c : c.renamed(name);
    if (r.sparkType.equals(requested)) {
      return r;
    }
    if (r.isStruct() && requested instanceof StructType) {
      List<ReadColumn> kids = new ArrayList<>();
      for (StructField f : ((StructType) requested).fields()) {
        ReadColumn k = find(r.children, f.name());
        if (k == null) {
          throw new H5SwmrConfigException(
              "Column '"
                  + name
                  + "' has no field '"
                  + f.name()
                  + "'; its fields are "
                  + TableInspector.names(r.children));
        }
        kids.add(bindType(k, f.dataType(), f.name()));
      }
      return r.withChildren(kids);
    }
    throw new H5SwmrConfigException(
        "Column '"
            + name
            + "' is declared as "
            + requested.simpleString()
            + " in the given schema, but the data maps to "
            + r.sparkType.simpleString()
            + " (see the type mapping table); declare it as "
            + r.sparkType.simpleString());
  }

  static ReadColumn find(List<ReadColumn> cols, String name) {
    for (ReadColumn c : cols) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    for (ReadColumn c : cols) {
      if (c.name.equalsIgnoreCase(name)) {
        return c;
      }
    }
    return null;
  }
}
