"""h5swmr from PySpark: read a growing HDF5 dataset, aggregate it, write the result back.

Run with the runtime jar on the classpath, e.g.

    spark-submit --jars h5swmr-spark-runtime-4.1_2.13-<version>.jar \
        --conf spark.h5swmr.redis.url=redis://redis.internal:6379 h5swmr_example.py /shared/run42.h5

On Databricks: install the runtime jar as a cluster library and put
``spark.h5swmr.redis.url redis://...`` in the cluster's Spark config; then run the body of main() in a notebook.
"""
import sys

from pyspark.sql import SparkSession, functions as F


def main(path: str) -> None:
    spark = SparkSession.builder.appName("h5swmr-pyspark-example").getOrCreate()

    # An instrument-like first block of events (append creates the file and the dataset).
    events = (spark.range(0, 100_000)
              .select(F.lit(0).alias("block"), F.col("id").alias("event"),
                      (F.col("id") % 16).cast("int").alias("channel"),
                      (100.0 + (F.col("id") * 7919 % 1000) / 10.0).alias("energy")))
    events.write.format("h5swmr").option("dataset", "/detector/events").mode("append").save(path)

    # Read: one consistent snapshot, partitions read under shared Redis leases.
    df = spark.read.format("h5swmr").option("dataset", "/detector/events").load(path)
    df.printSchema()
    print("events:", df.count())

    # ETL: aggregate and write back as a new dataset of the same file, all-or-nothing.
    summary = df.groupBy("channel").agg(F.count("*").alias("events"), F.avg("energy").alias("mean_energy"))
    summary.write.format("h5swmr").option("dataset", "/summary/by_channel").mode("overwrite").save(path)
    spark.read.format("h5swmr").option("dataset", "/summary/by_channel").load(path).orderBy("channel").show()

    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/h5swmr-pyspark-example.h5")
