WITH "origin__keys" AS (
  SELECT DISTINCT
    "origin_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"origin__ranked" AS (
  SELECT
    "k"."origin_id",
    "k"."__fwb_entity_ts",
    "s"."temperature" AS "origin__temperature",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."origin_id", "k"."__fwb_entity_ts"
      ORDER BY "s"."event_timestamp" DESC, "s"."created" DESC NULLS LAST, "s"."temperature" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "origin__keys" AS "k"
  INNER JOIN "public"."location_stats" AS "s"
    ON "s"."location_id" = "k"."origin_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '172800 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-10 08:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"origin__winners" AS (
  SELECT
    "origin_id",
    "__fwb_entity_ts",
    "origin__temperature"
  FROM "origin__ranked"
  WHERE "__fwb_rank" = 1
),
"destination__keys" AS (
  SELECT DISTINCT
    "destination_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"destination__ranked" AS (
  SELECT
    "k"."destination_id",
    "k"."__fwb_entity_ts",
    "s"."temperature" AS "destination__temperature",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."destination_id", "k"."__fwb_entity_ts"
      ORDER BY "s"."event_timestamp" DESC, "s"."created" DESC NULLS LAST, "s"."temperature" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "destination__keys" AS "k"
  INNER JOIN "public"."location_stats" AS "s"
    ON "s"."location_id" = "k"."destination_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '172800 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-10 08:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"destination__winners" AS (
  SELECT
    "destination_id",
    "__fwb_entity_ts",
    "destination__temperature"
  FROM "destination__ranked"
  WHERE "__fwb_rank" = 1
)
SELECT
  "e"."origin_id",
  "e"."destination_id",
  "e"."event_timestamp",
  "w0"."origin__temperature",
  "w1"."destination__temperature",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "origin__winners" AS "w0"
  ON "w0"."origin_id" = "e"."origin_id"
  AND "w0"."__fwb_entity_ts" = "e"."event_timestamp"
LEFT JOIN "destination__winners" AS "w1"
  ON "w1"."destination_id" = "e"."destination_id"
  AND "w1"."__fwb_entity_ts" = "e"."event_timestamp"
