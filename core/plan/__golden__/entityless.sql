WITH "global_stats__keys" AS (
  SELECT DISTINCT
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"global_stats__ranked" AS (
  SELECT
    "k"."__fwb_entity_ts",
    "s"."num_rides" AS "num_rides",
    "s"."avg_ride_length" AS "avg_ride_length",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."__fwb_entity_ts"
      ORDER BY
        "s"."event_timestamp" DESC,
        "s"."created" DESC NULLS LAST,
        "s"."num_rides" ASC NULLS LAST,
        "s"."avg_ride_length" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "global_stats__keys" AS "k"
  INNER JOIN "public"."global_stats" AS "s"
    ON "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '172800 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-10 08:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"global_stats__winners" AS (
  SELECT
    "__fwb_entity_ts",
    "num_rides",
    "avg_ride_length"
  FROM "global_stats__ranked"
  WHERE "__fwb_rank" = 1
)
SELECT
  "e"."driver_id",
  "e"."event_timestamp",
  "w0"."num_rides",
  "w0"."avg_ride_length",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "global_stats__winners" AS "w0"
  ON "w0"."__fwb_entity_ts" = "e"."event_timestamp"
