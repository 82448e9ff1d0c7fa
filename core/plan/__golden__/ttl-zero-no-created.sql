WITH "driver_lifetime__keys" AS (
  SELECT DISTINCT
    "driver_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"driver_lifetime__ranked" AS (
  SELECT
    "k"."driver_id",
    "k"."__fwb_entity_ts",
    "s"."lifetime_rating" AS "lifetime_rating",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."driver_id", "k"."__fwb_entity_ts"
      ORDER BY "s"."event_timestamp" DESC, "s"."lifetime_rating" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "driver_lifetime__keys" AS "k"
  INNER JOIN "public"."driver_lifetime" AS "s"
    ON "s"."driver_id" = "k"."driver_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
  WHERE "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"driver_lifetime__winners" AS (
  SELECT
    "driver_id",
    "__fwb_entity_ts",
    "lifetime_rating"
  FROM "driver_lifetime__ranked"
  WHERE "__fwb_rank" = 1
)
SELECT
  "e"."driver_id",
  "e"."event_timestamp",
  "w0"."lifetime_rating",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "driver_lifetime__winners" AS "w0"
  ON "w0"."driver_id" = "e"."driver_id"
  AND "w0"."__fwb_entity_ts" = "e"."event_timestamp"
