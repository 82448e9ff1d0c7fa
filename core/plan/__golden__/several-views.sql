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
    "s"."avg_daily_trips" AS "avg_daily_trips",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."driver_id", "k"."__fwb_entity_ts"
      ORDER BY
        "s"."event_timestamp" DESC,
        "s"."created" DESC NULLS LAST,
        "s"."conv_rate" ASC NULLS LAST,
        "s"."avg_daily_trips" ASC NULLS LAST
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
    "avg_daily_trips"
  FROM "driver_hourly_stats__ranked"
  WHERE "__fwb_rank" = 1
),
"customer_profile__keys" AS (
  SELECT DISTINCT
    "customer_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"customer_profile__ranked" AS (
  SELECT
    "k"."customer_id",
    "k"."__fwb_entity_ts",
    "s"."current_balance" AS "current_balance",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."customer_id", "k"."__fwb_entity_ts"
      ORDER BY
        "s"."event_timestamp" DESC,
        "s"."created" DESC NULLS LAST,
        "s"."current_balance" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "customer_profile__keys" AS "k"
  INNER JOIN "public"."customer_profile" AS "s"
    ON "s"."customer_id" = "k"."customer_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '172800 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-10 08:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"customer_profile__winners" AS (
  SELECT
    "customer_id",
    "__fwb_entity_ts",
    "current_balance"
  FROM "customer_profile__ranked"
  WHERE "__fwb_rank" = 1
),
"order__keys" AS (
  SELECT DISTINCT
    "customer_id",
    "driver_id",
    "event_timestamp" AS "__fwb_entity_ts"
  FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities"
),
"order__ranked" AS (
  SELECT
    "k"."customer_id",
    "k"."driver_id",
    "k"."__fwb_entity_ts",
    "s"."order_is_success" AS "order_is_success",
    ROW_NUMBER() OVER (
      PARTITION BY "k"."customer_id", "k"."driver_id", "k"."__fwb_entity_ts"
      ORDER BY "s"."event_timestamp" DESC, "s"."order_is_success" ASC NULLS LAST
    ) AS "__fwb_rank"
  FROM "order__keys" AS "k"
  INNER JOIN (SELECT customer_id, driver_id, order_is_success, event_timestamp FROM public.orders) AS "s"
    ON "s"."customer_id" = "k"."customer_id"
    AND "s"."driver_id" = "k"."driver_id"
    AND "s"."event_timestamp" <= "k"."__fwb_entity_ts"
    AND "s"."event_timestamp" >= "k"."__fwb_entity_ts" - INTERVAL '172800 seconds'
  WHERE "s"."event_timestamp" >= '2021-04-10 08:00:00'
    AND "s"."event_timestamp" <= '2021-04-12 10:59:42.25'
),
"order__winners" AS (
  SELECT
    "customer_id",
    "driver_id",
    "__fwb_entity_ts",
    "order_is_success"
  FROM "order__ranked"
  WHERE "__fwb_rank" = 1
)
SELECT
  "e"."customer_id",
  "e"."driver_id",
  "e"."event_timestamp",
  "w0"."conv_rate",
  "w0"."avg_daily_trips",
  "w1"."current_balance",
  "w2"."order_is_success",
  "e"."__fwb_row_id"
FROM "fwb_stage"."fwb_20210412t110000_1a2b3c4d_entities" AS "e"
LEFT JOIN "driver_hourly_stats__winners" AS "w0"
  ON "w0"."driver_id" = "e"."driver_id"
  AND "w0"."__fwb_entity_ts" = "e"."event_timestamp"
LEFT JOIN "customer_profile__winners" AS "w1"
  ON "w1"."customer_id" = "e"."customer_id"
  AND "w1"."__fwb_entity_ts" = "e"."event_timestamp"
LEFT JOIN "order__winners" AS "w2"
  ON "w2"."customer_id" = "e"."customer_id"
  AND "w2"."driver_id" = "e"."driver_id"
  AND "w2"."__fwb_entity_ts" = "e"."event_timestamp"
