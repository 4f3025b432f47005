package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The hidden {@code _metadata} column, as Spark's file sources offer it: a struct of {@code
 * file_path} (a {@code file:} URI, as Spark's sources give it), {@code file_name}, {@code
 * file_size} (bytes) and {@code file_modification_time} (timestamp), all as planning saw the file.
 * Only queries that name it get it; selecting single fields ({@code _metadata.file_name}) reads
 * only those.
 */
public final class FileMetadata {
  public static final String NAME = "_metadata";
  public static final String FILE_PATH = "file_path";
  public static final String FILE_NAME = "file_name";
  public static final String FILE_SIZE = "file_size";
  public static final String FILE_MODIFICATION_TIME = "file_modification_time";

  static final StructType TYPE =
      new StructType()
          .add(FILE_PATH, DataTypes.StringType, false)
          .add(FILE_NAME, DataTypes.StringType, false)
          .add(FILE_SIZE, DataTypes.LongType, false)
          .add(FILE_MODIFICATION_TIME, DataTypes.TimestampType, false);

  private FileMetadata() {}

  /** What {@code SupportsMetadataColumns#metadataColumns()} reports. */
  public static MetadataColumn[] columns() {
    return new MetadataColumn[] {
      new MetadataColumn() {
        @Override
        public String name() {
          return NAME;
        }

        @Override
        public DataType dataType() {
          return TYPE;
        }

        @Override
        public boolean isNullable() {
          return false;
        }

        @Override
        public String comment() {
          return "file_path, file_name, file_size and file_modification_time of the row's file, at planning";
        }
      }
    };
  }

  /** The read column for {@code requested} (the whole struct, or the fields a query selects). */
  static ReadColumn column(DataType requested) {
    if (!(requested instanceof StructType)) {
      throw new H5SwmrConfigException(
          "Column '"
              + NAME
              + "' is a struct "
              + TYPE.simpleString()
              + ", not "
              + requested.simpleString());
    }
    List<ReadColumn> kids = new ArrayList<>();
    for (StructField f : ((StructType) requested).fields()) {
      if (TYPE.getFieldIndex(f.name()).isEmpty()) {
        throw new H5SwmrConfigException(
            "Column '"
                + NAME
                + "' has no field '"
                + f.name()
                + "'; its fields are "
                + List.of(TYPE.fieldNames()));
      }
      kids.add(ReadColumn.metadata(f.name(), f.dataType(), List.of()));
    }
    return ReadColumn.metadata(NAME, requested, kids);
  }

  /** Spark's internal value of field {@code field} for {@code file}. */
  static Object value(String field, FileSnapshot file) {
    switch (field) {
      case FILE_PATH:
        return UTF8String.fromString(
            io.h5swmr.config.LocalPaths.isRemote(file.file)
                ? new org.apache.hadoop.fs.Path(file.file).toUri().toString()
                : Paths.get(file.file).toUri().toString().replaceFirst("^file:///", "file:/"));
      case FILE_NAME:
        return UTF8String.fromString(
            io.h5swmr.config.LocalPaths.isRemote(file.file)
                ? new org.apache.hadoop.fs.Path(file.file).getName()
                : Paths.get(file.file).getFileName().toString());
      case FILE_SIZE:
        return file.fileSize;
      case FILE_MODIFICATION_TIME:
        return file.modifiedMillis * 1000L; // microseconds since the epoch
      default:
        throw new IllegalArgumentException(field);
    }
  }
}
