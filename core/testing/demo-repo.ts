/**
 * The demo feature repo's generated content (assets/demo/): the registry as Feast would store it after
 * `feast apply` of assets/demo/features.py, the source tables and the entity frame. scripts/build-demo.ts
 * writes it; everything is fixed (no clock, seeded data), so rebuilding gives identical bytes.
 */

import { encodeRegistry } from '../registry/codec';
import {
  completeDocument,
  type DeepPartial,
  type RegistryDocument,
  type TimestampDoc,
} from '../registry/document';
import { VALUE_TYPE_NUMBERS, SOURCE_TYPE_NUMBERS } from '../registry/value-types';
import type { ValueTypeName } from '../registry/model';
import { datasetToCsv } from './csv';
import { columnByName, DATASET_END_MS, demoEntityFrame, demoTables } from './datasets';

export const DEMO_PROJECT = 'driver_ranking';

/** When the demo registry was "applied": 30 minutes after the datasets' end. */
const APPLIED: TimestampDoc = { seconds: DATASET_END_MS / 1000 + 1800, nanos: 0 };
const META = { createdTimestamp: APPLIED, lastUpdatedTimestamp: APPLIED };

/**
 * The ODFV's source text exactly as Feast stores it in `body_text` (inspect.getsource of the decorated
 * function, decorator included); assets/demo/features.py holds the same text.
 */
export const TRANSFORMED_CONV_RATE_SOURCE = `@on_demand_feature_view(
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
`;

type FeatureSpec = { name: string; valueType: number; description?: string };

function f(name: string, type: ValueTypeName, description?: string): FeatureSpec {
  return description
    ? { name, valueType: VALUE_TYPE_NUMBERS[type], description }
    : { name, valueType: VALUE_TYPE_NUMBERS[type] };
}

const REDSHIFT_CLASS = 'feast.infra.offline_stores.redshift_source.RedshiftSource';

interface RedshiftSourceSpec {
  name: string;
  table: string;
  created?: string;
  fieldMapping?: Record<string, string>;
  description?: string;
}

/** A RedshiftSource as its to_proto writes it (schema "public" filled in by the constructor). */
function redshiftSource(spec: RedshiftSourceSpec) {
  return {
    type: SOURCE_TYPE_NUMBERS.BATCH_REDSHIFT,
    name: spec.name,
    timestampField: 'event_timestamp',
    createdTimestampColumn: spec.created ?? '',
    fieldMapping: spec.fieldMapping ?? {},
    description: spec.description ?? '',
    redshiftOptions: { table: spec.table, schema: 'public' },
    dataSourceClassType: REDSHIFT_CLASS,
  };
}

const sources = {
  driverHourly: redshiftSource({
    name: 'driver_hourly_stats_source',
    table: 'driver_hourly_stats',
    created: 'created',
    description: 'Hourly driver statistics',
  }),
  customerProfile: redshiftSource({
    name: 'customer_profile_source',
    table: 'customer_profile',
    created: 'created',
    description: 'Daily customer profile',
  }),
  globalDaily: redshiftSource({
    name: 'global_daily_stats_source',
    table: 'global_daily_stats',
    created: 'created',
    description: 'Daily statistics over all rides',
  }),
  orders: redshiftSource({ name: 'orders_source', table: 'orders', description: 'Orders and their outcome' }),
  driverTrips: redshiftSource({
    name: 'driver_trips_source',
    table: 'driver_trips',
    created: 'created',
    fieldMapping: { id: 'driver_id', column_name: 'trips_today' },
    description: 'Trips per driver; its column names differ from the feature names',
  }),
};

const valsToAdd = {
  type: SOURCE_TYPE_NUMBERS.REQUEST_SOURCE,
  name: 'vals_to_add',
  requestDataOptions: { schema: [f('val_to_add', 'INT64')] },
  dataSourceClassType: 'feast.data_source.RequestSource',
};

const pushSource = {
  type: SOURCE_TYPE_NUMBERS.PUSH_SOURCE,
  name: 'driver_stats_push_source',
  // A push source without its own columns copies its batch source's, as Feast's PushSource does.
  timestampField: 'event_timestamp',
  createdTimestampColumn: 'created',
  batchSource: sources.driverHourly,
  dataSourceClassType: 'feast.data_source.PushSource',
};

const driverHourlyFeatures = [f('conv_rate', 'FLOAT'), f('acc_rate', 'FLOAT'), f('avg_daily_trips', 'INT64')];
const customerFeatures = [
  f('current_balance', 'FLOAT'),
  f('avg_passenger_count', 'FLOAT'),
  f('lifetime_trip_count', 'INT32'),
];
const globalFeatures = [f('num_rides', 'INT32'), f('avg_ride_length', 'FLOAT')];
const odfvFeatures = [
  f('conv_rate_plus_100', 'DOUBLE'),
  f('conv_rate_plus_val_to_add', 'DOUBLE'),
  f('conv_rate_plus_100_rounded', 'INT32'),
];

function featureView(spec: {
  name: string;
  entities: string[];
  entityColumns: FeatureSpec[];
  features: FeatureSpec[];
  ttlSeconds: number;
  source: object;
  description: string;
  tags?: Record<string, string>;
}) {
  return {
    spec: {
      name: spec.name,
      project: DEMO_PROJECT,
      entities: spec.entities,
      features: spec.features,
      tags: spec.tags ?? {},
      ttl: { seconds: spec.ttlSeconds, nanos: 0 },
      batchSource: spec.source,
      online: true,
      description: spec.description,
      owner: 'ml-platform@example.com',
      entityColumns: spec.entityColumns,
      offline: false,
    },
    meta: META,
  };
}

function timeRange(epochMs: number[]): { min: TimestampDoc; max: TimestampDoc } {
  const at = (ms: number): TimestampDoc => ({
    seconds: Math.floor(ms / 1000),
    nanos: (ms % 1000) * 1_000_000,
  });
  return { min: at(Math.min(...epochMs)), max: at(Math.max(...epochMs)) };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The demo registry: one project, as Feast stores it (with its __dummy entity for the entityless view). */
export function demoRegistryDocument(): RegistryDocument {
  const entityTimes = timeRange(columnByName(demoEntityFrame(), 'event_timestamp').values as number[]);
  const partial: DeepPartial<RegistryDocument> = {
    registrySchemaVersion: '1',
    versionId: '3f6d7c1e-2b4a-4e8f-9a0d-7c5b1e2f4a60',
    lastUpdated: APPLIED,
    projects: [
      {
        spec: { name: DEMO_PROJECT, description: 'Feature Workbench demo: driver ranking on Redshift' },
        meta: META,
      },
    ],
    projectMetadata: [{ project: DEMO_PROJECT, projectUuid: '8b1d6c0a-4e2f-4a7b-9c3d-5e6f7a8b9c0d' }],
    entities: [
      {
        spec: {
          name: 'driver',
          project: DEMO_PROJECT,
          joinKey: 'driver_id',
          valueType: VALUE_TYPE_NUMBERS.INT64,
          description: 'A driver who accepts rides',
        },
        meta: META,
      },
      {
        spec: {
          name: 'customer',
          project: DEMO_PROJECT,
          joinKey: 'customer_id',
          valueType: VALUE_TYPE_NUMBERS.INT64,
          description: 'A customer who orders rides',
        },
        meta: META,
      },
      // Feast registers this placeholder once any feature view has no entities.
      { spec: { name: '__dummy', project: DEMO_PROJECT, joinKey: '__dummy_id' }, meta: META },
    ],
    dataSources: [...Object.values(sources), valsToAdd, pushSource].map((source) => ({
      ...source,
      project: DEMO_PROJECT,
      meta: META,
    })),
    featureViews: [
      featureView({
        name: 'driver_hourly_stats',
        entities: ['driver'],
        entityColumns: [f('driver_id', 'INT64')],
        features: driverHourlyFeatures,
        ttlSeconds: 2 * HOUR,
        source: sources.driverHourly,
        description: 'Hourly conversion and acceptance rates per driver',
        tags: { team: 'driver_performance' },
      }),
      featureView({
        name: 'customer_profile',
        entities: ['customer'],
        entityColumns: [f('customer_id', 'INT64')],
        features: customerFeatures,
        ttlSeconds: 2 * DAY,
        source: sources.customerProfile,
        description: 'Daily customer profile',
      }),
      featureView({
        name: 'global_stats',
        entities: ['__dummy'],
        entityColumns: [f('__dummy_id', 'STRING')],
        features: globalFeatures,
        ttlSeconds: 2 * DAY,
        source: sources.globalDaily,
        description: 'Daily statistics over all rides (no entity)',
      }),
      featureView({
        name: 'order_outcomes',
        entities: ['driver', 'customer'],
        entityColumns: [f('driver_id', 'INT64'), f('customer_id', 'INT64')],
        features: [f('order_is_success', 'INT32')],
        ttlSeconds: 2 * DAY,
        source: sources.orders,
        description: 'Whether the last order of a driver and customer pair succeeded',
      }),
      featureView({
        name: 'driver_trips',
        entities: ['driver'],
        entityColumns: [f('driver_id', 'INT64')],
        features: [f('trips_today', 'INT32', 'Trips so far today (source column column_name)')],
        ttlSeconds: DAY,
        source: sources.driverTrips,
        description: 'Reads a source whose columns are renamed by field_mapping (id -> driver_id)',
      }),
    ],
    onDemandFeatureViews: [
      {
        spec: {
          name: 'transformed_conv_rate',
          project: DEMO_PROJECT,
          features: odfvFeatures,
          sources: {
            driver_hourly_stats: {
              featureViewProjection: {
                featureViewName: 'driver_hourly_stats',
                featureColumns: [f('conv_rate', 'FLOAT')],
              },
            },
            vals_to_add: { requestDataSource: valsToAdd },
          },
          featureTransformation: {
            userDefinedFunction: {
              name: 'transformed_conv_rate',
              // Feast also stores the dill-pickled function here; the workbench runs body_text instead.
              body: new Uint8Array(0),
              bodyText: TRANSFORMED_CONV_RATE_SOURCE,
              mode: 'pandas',
            },
          },
          mode: 'pandas',
          description: 'Conversion rate plus a request-time value',
        },
        meta: META,
      },
    ],
    featureServices: [
      {
        spec: {
          name: 'driver_activity',
          project: DEMO_PROJECT,
          description: 'Features for ranking drivers for a customer',
          features: [
            { featureViewName: 'driver_hourly_stats', featureColumns: driverHourlyFeatures },
            {
              featureViewName: 'customer_profile',
              featureColumns: [f('current_balance', 'FLOAT'), f('lifetime_trip_count', 'INT32')],
            },
            { featureViewName: 'global_stats', featureColumns: globalFeatures },
            {
              featureViewName: 'driver_trips',
              featureViewNameAlias: 'previous_driver_trips',
              featureColumns: [f('trips_today', 'INT32', 'Trips so far today (source column column_name)')],
              joinKeyMap: { driver_id: 'previous_driver_id' },
            },
            { featureViewName: 'transformed_conv_rate', featureColumns: odfvFeatures },
          ],
        },
        meta: META,
      },
      {
        spec: {
          name: 'driver_ranking_logged',
          project: DEMO_PROJECT,
          description: 'The online ranking model; served features are logged to Redshift',
          features: [
            {
              featureViewName: 'driver_hourly_stats',
              featureColumns: [f('conv_rate', 'FLOAT'), f('avg_daily_trips', 'INT64')],
            },
            {
              featureViewName: 'transformed_conv_rate',
              featureColumns: [f('conv_rate_plus_val_to_add', 'DOUBLE')],
            },
          ],
          loggingConfig: { sampleRate: 1, redshiftDestination: { tableName: 'driver_ranking_feature_log' } },
        },
        meta: META,
      },
    ],
    savedDatasets: [
      {
        spec: {
          name: 'driver_training_2026_01',
          project: DEMO_PROJECT,
          features: [
            'driver_hourly_stats:conv_rate',
            'driver_hourly_stats:acc_rate',
            'customer_profile:current_balance',
            'transformed_conv_rate:conv_rate_plus_val_to_add',
          ],
          joinKeys: ['customer_id', 'driver_id', 'previous_driver_id', 'val_to_add'],
          fullFeatureNames: false,
          storage: { redshiftStorage: { table: 'driver_training_2026_01' } },
          featureServiceName: 'driver_activity',
          tags: { purpose: 'training' },
        },
        // As create_saved_dataset records them: the entity frame's time range.
        meta: { ...META, minEventTimestamp: entityTimes.min, maxEventTimestamp: entityTimes.max },
      },
    ],
  };
  return completeDocument(partial);
}

export interface DemoFile {
  /** Relative to assets/demo. */
  path: string;
  content: string | Uint8Array;
}

/** Every generated file of the demo repo (the hand-written ones, like feature_store.yaml, are committed as is). */
export function demoGeneratedFiles(): DemoFile[] {
  return [
    ...demoTables().map((table) => ({ path: `data/${table.name}.csv`, content: datasetToCsv(table) })),
    { path: 'entities.csv', content: datasetToCsv(demoEntityFrame()) },
    { path: 'data/registry.db', content: encodeRegistry(demoRegistryDocument()) },
  ];
}
