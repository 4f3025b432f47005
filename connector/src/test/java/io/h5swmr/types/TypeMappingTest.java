package io.h5swmr.types;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5Type;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * The two directions of the type mapping agree: what a write creates reads back as the Spark type
 * written.
 */
class TypeMappingTest {
  @Test
  void everyWritableScalarReadsBackAsItself() {
    List<DataType> writable =
        List.of(
            DataTypes.ByteType,
            DataTypes.ShortType,
            DataTypes.IntegerType,
            DataTypes.LongType,
            DataTypes.createDecimalType(20, 0),
            DataTypes.FloatType,
            DataTypes.DoubleType,
            DataTypes.BooleanType,
            DataTypes.StringType);
    for (DataType t : writable) {
      H5Type stored = TypeMapping.storedType(t);
      assertThat(stored).as("stored type of %s", t).isNotNull();
      assertThat(TypeMapping.sparkType(stored, "f.h5", "/d")).as("read of %s", stored).isEqualTo(t);
    }
  }

  @Test
  void typesWithoutAnHdf5EquivalentHaveNoStoredType() {
    assertThat(TypeMapping.storedType(DataTypes.createDecimalType(10, 2))).isNull();
    assertThat(TypeMapping.storedType(DataTypes.DateType)).isNull();
    assertThat(TypeMapping.storedType(DataTypes.BinaryType)).isNull();
  }
}
