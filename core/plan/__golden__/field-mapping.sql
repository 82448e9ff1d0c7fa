WITH "driver_activity__keys" AS (
  SELECT DISTINCT
    "driver_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"driver_activity__ranked" AS (
  SELECT
    "k"."driver_id",
    "k"."__fwb_entity_ts",
    "s"."trip_count" AS "trips",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."driver_id", "k"."__fwb_entity_ts"
      ORDER BY "s"."ts" DESC, "s"."loaded_at" DESC NULLS LAST, "s"."trip_count" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "driver_activity__keys" AS "k"
  INNER JOIN "raw"."driver_activity_raw" AS "s"
    ON "s"."id" = "k"."driver_id"
    AND "s"."ts" <= "k"."__fwb_entity_ts"
    AND "s"."ts" >= "k"."__fwb_entity_ts" - INTERVAL '86400 seconds'
  WHERE "s"."ts" >= '2021-04-11 08:00:00'
    AND "s"."ts" <= '2021-04-12 10:59:42.25'
),
"driver_activity__winners" AS (
  SELECT
    "driver_id",
    "__fwb_entity_ts",
    "trips"
  FROM "driver_activity__ranked"
  WHERE "__fwb_rank" = 1
)
SELECT
  "e"."driver_id",
  "e"."event_timestamp",
  "w0"."trips",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "driver_activity__winners" AS "w0"
  ON "w0"."driver_id" = "e"."driver_id"
  AND "w0"."__fwb_entity_ts" = "e"."event_timestamp"
