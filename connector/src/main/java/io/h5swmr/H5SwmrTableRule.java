package io.h5swmr;

import io.h5swmr.write.H5SwmrV1Relation;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;

/**
 * Reads of h5swmr tables go through the DSv2 scan on every Spark version. Spark 3.5's session
 * catalog resolves {@code CREATE TABLE ... USING h5swmr} tables (and {@code CREATE TEMPORARY VIEW
 * ... USING h5swmr}) to a V1 {@link LogicalRelation} over {@link H5SwmrV1Relation}; this analyzer
 * rule replaces that relation by a {@link DataSourceV2Relation} of the same {@link H5SwmrTable}, so
 * column pruning, index pushdown, limits, statistics, metrics and columnar batches are those of
 * {@code spark.read}. It runs right after Spark's {@code FindDataSourceTable} in the same analyzer
 * pass, before any parent resolves attributes against the relation. {@code INSERT} targets are not
 * children of the insert plan, so writes keep their V1 path. Registered through {@link
 * H5SwmrExtensions} (Java's ServiceLoader; nothing to configure).
 */
final class H5SwmrTableRule extends Rule<LogicalPlan> {
  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return convert(plan);
  }

  private static LogicalPlan convert(LogicalPlan p) {
    if (p instanceof LogicalRelation
        && ((LogicalRelation) p).relation() instanceof H5SwmrV1Relation) {
      H5SwmrV1Relation v1 = (H5SwmrV1Relation) ((LogicalRelation) p).relation();
      H5SwmrTable table = new H5SwmrTable(v1.schema(), QueryOptions.of(v1.tableOptions()));
      // The table holds its OPTIONS; the scan gets none of its own (so write options of the table
      // pass).
      return DataSourceV2Relation.create(
          table, scala.Option.<CatalogPlugin>empty(), scala.Option.<Identifier>empty());
    }
    if (p instanceof LogicalRelation
        && ((LogicalRelation) p).relation() instanceof CatalogV1Relation) {
      CatalogV1Relation v1 = (CatalogV1Relation) ((LogicalRelation) p).relation();
      H5SwmrTable table = new H5SwmrTable(v1.schema(), QueryOptions.of(v1.tableOptions()));
      return DataSourceV2Relation.create(
          table, scala.Option.<CatalogPlugin>empty(), scala.Option.<Identifier>empty());
    }
    List<LogicalPlan> kids = new ArrayList<>();
    boolean changed = false;
    scala.collection.Iterator<LogicalPlan> it = p.children().iterator();
    while (it.hasNext()) {
      LogicalPlan c = it.next();
      LogicalPlan n = convert(c);
      changed |= n != c;
      kids.add(n);
    }
    return changed
        ? p.withNewChildren(scala.collection.JavaConverters.asScalaBuffer(kids).toSeq())
        : p;
  }
}
