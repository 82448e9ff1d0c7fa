"""Feature definitions of the Feature Workbench demo repo (project driver_ranking).

The workbench reads data/registry.db, which scripts/build-demo.ts writes to match these definitions
exactly. With Feast installed (pip install 'feast[aws]') and the tables loaded into Redshift,
`feast apply` in this folder registers the same objects.
"""

from datetime import timedelta

import pandas as pd

from feast import (
    Entity,
    FeatureService,
    FeatureView,
    Field,
    PushSource,
    RedshiftSource,
    RequestSource,
    ValueType,
)
from feast.feature_logging import LoggingConfig
from feast.infra.offline_stores.redshift_source import RedshiftLoggingDestination
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float32, Float64, Int32, Int64

OWNER = "ml-platform@example.com"

driver = Entity(
    name="driver",
    join_keys=["driver_id"],
    value_type=ValueType.INT64,
    description="A driver who accepts rides",
)

customer = Entity(
    name="customer",
    join_keys=["customer_id"],
    value_type=ValueType.INT64,
    description="A customer who orders rides",
)

driver_hourly_stats_source = RedshiftSource(
    name="driver_hourly_stats_source",
    table="driver_hourly_stats",
    schema="public",
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
    description="Hourly driver statistics",
)

customer_profile_source = RedshiftSource(
    name="customer_profile_source",
    table="customer_profile",
    schema="public",
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
    description="Daily customer profile",
)

global_daily_stats_source = RedshiftSource(
    name="global_daily_stats_source",
    table="global_daily_stats",
    schema="public",
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
    description="Daily statistics over all rides",
)

orders_source = RedshiftSource(
    name="orders_source",
    table="orders",
    schema="public",
    timestamp_field="event_timestamp",
    description="Orders and their outcome",
)

# The table's columns are id and column_name; field_mapping renames them to the
# join key driver_id and the feature trips_today.
driver_trips_source = RedshiftSource(
    name="driver_trips_source",
    table="driver_trips",
    schema="public",
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
    field_mapping={"id": "driver_id", "column_name": "trips_today"},
    description="Trips per driver; its column names differ from the feature names",
)

# Values the caller supplies at retrieval time, as columns of the entity frame.
vals_to_add = RequestSource(
    name="vals_to_add",
    schema=[Field(name="val_to_add", dtype=Int64)],
)

driver_stats_push_source = PushSource(
    name="driver_stats_push_source",
    batch_source=driver_hourly_stats_source,
)

driver_hourly_stats = FeatureView(
    name="driver_hourly_stats",
    entities=[driver],
    ttl=timedelta(hours=2),
    schema=[
        Field(name="conv_rate", dtype=Float32),
        Field(name="acc_rate", dtype=Float32),
        Field(name="avg_daily_trips", dtype=Int64),
    ],
    online=True,
    source=driver_hourly_stats_source,
    description="Hourly conversion and acceptance rates per driver",
    tags={"team": "driver_performance"},
    owner=OWNER,
)

customer_profile = FeatureView(
    name="customer_profile",
    entities=[customer],
    ttl=timedelta(days=2),
    schema=[
        Field(name="current_balance", dtype=Float32),
        Field(name="avg_passenger_count", dtype=Float32),
        Field(name="lifetime_trip_count", dtype=Int32),
    ],
    online=True,
    source=customer_profile_source,
    description="Daily customer profile",
    owner=OWNER,
)

# No entities: Feast stores it with its placeholder entity __dummy (join key __dummy_id).
global_stats = FeatureView(
    name="global_stats",
    entities=[],
    ttl=timedelta(days=2),
    schema=[
        Field(name="num_rides", dtype=Int32),
        Field(name="avg_ride_length", dtype=Float32),
    ],
    online=True,
    source=global_daily_stats_source,
    description="Daily statistics over all rides (no entity)",
    owner=OWNER,
)

order_outcomes = FeatureView(
    name="order_outcomes",
    entities=[driver, customer],
    ttl=timedelta(days=2),
    schema=[Field(name="order_is_success", dtype=Int32)],
    online=True,
    source=orders_source,
    description="Whether the last order of a driver and customer pair succeeded",
    owner=OWNER,
)

driver_trips = FeatureView(
    name="driver_trips",
    entities=[driver],
    ttl=timedelta(days=1),
    schema=[
        Field(
            name="trips_today",
            dtype=Int32,
            description="Trips so far today (source column column_name)",
        ),
    ],
    online=True,
    source=driver_trips_source,
    description="Reads a source whose columns are renamed by field_mapping (id -> driver_id)",
    owner=OWNER,
)


@on_demand_feature_view(
    sources=[driver_hourly_stats[["conv_rate"]], vals_to_add],
    schema=[
        Field(name="conv_rate_plus_100", dtype=Float64),
        Field(name="conv_rate_plus_val_to_add", dtype=Float64),
        Field(name="conv_rate_plus_100_rounded", dtype=Int32),
    ],
    mode="pandas",
    description="Conversion rate plus a request-time value",
)
def transformed_conv_rate(inputs: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame()
    out["conv_rate_plus_100"] = inputs["conv_rate"] + 100
    out["conv_rate_plus_val_to_add"] = inputs["conv_rate"] + inputs["val_to_add"]
    # Nullable Int32, as in Feast's conv_rate_plus_100: conv_rate is null outside the TTL window.
    out["conv_rate_plus_100_rounded"] = out["conv_rate_plus_100"].round().astype(pd.Int32Dtype())
    return out

driver_activity = FeatureService(
    name="driver_activity",
    features=[
        driver_hourly_stats,
        customer_profile[["current_balance", "lifetime_trip_count"]],
        global_stats,
        # The same driver_trips view, looked up for another column of the entity frame.
        driver_trips.with_name("previous_driver_trips").with_join_key_map(
            {"driver_id": "previous_driver_id"}
        ),
        transformed_conv_rate,
    ],
    description="Features for ranking drivers for a customer",
)

driver_ranking_logged = FeatureService(
    name="driver_ranking_logged",
    features=[
        driver_hourly_stats[["conv_rate", "avg_daily_trips"]],
        transformed_conv_rate[["conv_rate_plus_val_to_add"]],
    ],
    logging_config=LoggingConfig(
        destination=RedshiftLoggingDestination(table_name="driver_ranking_feature_log"),
        sample_rate=1.0,
    ),
    description="The online ranking model; served features are logged to Redshift",
)
