CREATE TABLE "fwb_stage"."fwb_20210412t110000_1a2b3c4d_winners_0" AS
WITH "driver_hourly_stats__keys" AS (
  SELECT DISTINCT
    "driver_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"driver_hourly_stats__ranked" AS (
  SELECT
    "k"."driver_id",
    "k"."__fwb_entity_ts",
    "s"."conv_rate" AS "conv_rate",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."driver_id", "k"."__fwb_entity_ts"
      ORDER BY "s"."event_timestamp" DESC, "s"."created" DESC NULLS LAST, "s"."conv_rate" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "driver_hourly_stats__keys" AS "k"
  INNER JOIN "public"."driver_stats" AS "s"
    ON "s"."driver_id" = "k"."driver_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '7200 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-12 06:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
)
SELECT
  "driver_id",
  "__fwb_entity_ts",
  "conv_rate"
FROM "driver_hourly_stats__ranked"
WHERE "__fwb_rank" = 1;

CREATE TABLE "fwb_stage"."fwb_20210412t110000_1a2b3c4d_winners_1" AS
WITH "global_stats__keys" AS (
  SELECT DISTINCT
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"global_stats__ranked" AS (
  SELECT
    "k"."__fwb_entity_ts",
    "s"."num_rides" AS "num_rides",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."__fwb_entity_ts"
      ORDER BY "s"."event_timestamp" DESC, "s"."created" DESC NULLS LAST, "s"."num_rides" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "global_stats__keys" AS "k"
  INNER JOIN "public"."global_stats" AS "s"
    ON "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '172800 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-10 08:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
)
SELECT
  "__fwb_entity_ts",
  "num_rides"
FROM "global_stats__ranked"
WHERE "__fwb_rank" = 1;

SELECT
  "e"."driver_id",
  "e"."event_timestamp",
  "w0"."conv_rate",
  "w1"."num_rides",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "fwb_stage"."fwb_20210412t110000_1a2b3c4d_winners_0" AS "w0"
  ON "w0"."driver_id" = "e"."driver_id"
  AND "w0"."__fwb_entity_ts" = "e"."event_timestamp"
LEFT JOIN "fwb_stage"."fwb_20210412t110000_1a2b3c4d_winners_1" AS "w1"
  ON "w1"."__fwb_entity_ts" = "e"."event_timestamp";
