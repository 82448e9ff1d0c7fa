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
    "s"."acc_rate" AS "acc_rate",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."driver_id", "k"."__fwb_entity_ts"
      ORDER BY
        "s"."event_timestamp" DESC,
        "s"."created" DESC NULLS LAST,
        "s"."conv_rate" ASC NULLS LAST,
        "s"."acc_rate" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "driver_hourly_stats__keys" AS "k"
  INNER JOIN "public"."driver_stats" AS "s"
    ON "s"."driver_id" = "k"."driver_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '7200 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-12 06:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"driver_hourly_stats__winners" AS (
  SELECT
    "driver_id",
    "__fwb_entity_ts",
    "conv_rate",
    "acc_rate"
  FROM "driver_hourly_stats__ranked"
  WHERE "__fwb_rank" = 1
)
SELECT
  "e"."driver_id",
  "e"."event_timestamp",
  "w0"."conv_rate",
  "w0"."acc_rate",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "driver_hourly_stats__winners" AS "w0"
  ON "w0"."driver_id" = "e"."driver_id"
  AND "w0"."__fwb_entity_ts" = "e"."event_timestamp"
