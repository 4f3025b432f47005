-- h5swmr from Spark SQL: create an HDF5-backed table, fill it, aggregate it into a second dataset of the same file.
--
--   spark-sql --jars h5swmr-spark-runtime-4.1_2.13-<version>.jar \
--     --conf spark.h5swmr.redis.url=redis://redis.internal:6379 \
--     --conf h5swmr_file=/shared/run42.h5 -f h5swmr_example.sql
--
-- ${h5swmr_file} is Spark SQL variable substitution: any conf key (SET h5swmr_file=...; or --conf) works.

CREATE TABLE events (block INT, event BIGINT, channel INT, energy DOUBLE)
  USING h5swmr OPTIONS (path '${h5swmr_file}', dataset '/detector/events');

INSERT INTO events
  SELECT 0, id, CAST(id % 16 AS INT), 100.0 + (id * 7919 % 1000) / 10.0 FROM range(0, 100000);

SELECT count(*) AS events, count(DISTINCT channel) AS channels, max(energy) AS max_energy FROM events;

CREATE TABLE summary (channel INT, events BIGINT, mean_energy DOUBLE)
  USING h5swmr OPTIONS (path '${h5swmr_file}', dataset '/summary/by_channel');

INSERT OVERWRITE summary
  SELECT channel, count(*), avg(energy) FROM events GROUP BY channel;

SELECT * FROM summary ORDER BY channel;
