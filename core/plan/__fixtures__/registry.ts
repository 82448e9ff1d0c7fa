/**
 * A registry shaped like Feast's universal test repo (drivers, customers, locations, orders, a global view, a
 * field-mapped source, an on-demand view and the `entity_mapping` service), for the planner's tests.
 */

import type {
  DataSource,
  FeatureService,
  FeatureView,
  FeatureViewProjection,
  Field,
  OnDemandFeatureView,
  RegistryModel,
  ValueTypeName,
} from '../../registry/model';

export const PROJECT = 'universal';

export function field(name: string, valueType: ValueTypeName): Field {
  return { name, valueType };
}

interface SourceSpec {
  name: string;
  table?: string;
  schema?: string;
  database?: string;
  query?: string;
  timestampField?: string;
  createdTimestampColumn?: string;
  fieldMapping?: Record<string, string>;
}

export function redshiftSource(spec: SourceSpec): DataSource {
  return {
    name: spec.name,
    project: PROJECT,
    kind: 'BATCH_REDSHIFT',
    timestampField: spec.timestampField ?? 'event_timestamp',
    createdTimestampColumn: spec.createdTimestampColumn ?? '',
    fieldMapping: spec.fieldMapping ?? {},
    redshift: {
      table: spec.table ?? '',
      schema: spec.schema ?? '',
      database: spec.database ?? '',
      query: spec.query ?? '',
    },
    description: '',
    tags: {},
    owner: '',
  };
}

interface ViewSpec {
  name: string;
  entityColumns?: Field[];
  features: Field[];
  ttlSeconds: number;
  source: DataSource;
}

export function featureView(spec: ViewSpec): FeatureView {
  const entityColumns = spec.entityColumns ?? [];
  return {
    name: spec.name,
    project: PROJECT,
    entities: entityColumns.map((column) => column.name.replace(/_id$/, '')),
    entityColumns,
    features: spec.features,
    ttlSeconds: spec.ttlSeconds,
    batchSource: spec.source,
    online: true,
    offline: true,
    description: '',
    tags: {},
    owner: '',
  };
}

export function projection(
  view: FeatureView,
  features: string[],
  options: { alias?: string; joinKeyMap?: Record<string, string> } = {},
): FeatureViewProjection {
  return {
    featureViewName: view.name,
    alias: options.alias ?? '',
    features: features.map((name) => view.features.find((f) => f.name === name)!),
    joinKeyMap: options.joinKeyMap ?? {},
  };
}

export function featureService(name: string, projections: FeatureViewProjection[]): FeatureService {
  return { name, project: PROJECT, projections, description: '', tags: {}, owner: '' };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

export const driverHourlyStats = featureView({
  name: 'driver_hourly_stats',
  entityColumns: [field('driver_id', 'INT64')],
  features: [
    field('conv_rate', 'FLOAT'),
    field('acc_rate', 'FLOAT'),
    field('avg_daily_trips', 'INT64'),
    field('driver_metadata', 'MAP'),
  ],
  ttlSeconds: 2 * HOUR,
  source: redshiftSource({
    name: 'driver_stats_source',
    table: 'driver_stats',
    createdTimestampColumn: 'created',
  }),
});

/** Same feature name as driver_hourly_stats (conv_rate), for collision checks. */
export const driverDailyStats = featureView({
  name: 'driver_daily_stats',
  entityColumns: [field('driver_id', 'INT64')],
  features: [field('conv_rate', 'FLOAT')],
  ttlSeconds: DAY,
  source: redshiftSource({ name: 'driver_daily_source', table: 'driver_daily', schema: 'features' }),
});

export const customerProfile = featureView({
  name: 'customer_profile',
  entityColumns: [field('customer_id', 'STRING')],
  features: [field('current_balance', 'FLOAT'), field('lifetime_trip_count', 'INT32')],
  ttlSeconds: 2 * DAY,
  source: redshiftSource({
    name: 'customer_source',
    table: 'customer_profile',
    createdTimestampColumn: 'created',
  }),
});

export const globalStats = featureView({
  name: 'global_stats',
  features: [field('num_rides', 'INT32'), field('avg_ride_length', 'FLOAT')],
  ttlSeconds: 2 * DAY,
  source: redshiftSource({ name: 'global_source', table: 'global_stats', createdTimestampColumn: 'created' }),
});

/** Two join keys, a query source, no created column. */
export const orderView = featureView({
  name: 'order',
  entityColumns: [field('customer_id', 'STRING'), field('driver_id', 'INT64')],
  features: [field('order_is_success', 'INT32')],
  ttlSeconds: 2 * DAY,
  source: redshiftSource({
    name: 'orders_source',
    query: 'SELECT customer_id, driver_id, order_is_success, event_timestamp FROM public.orders;',
  }),
});

export const locationStats = featureView({
  name: 'location_stats',
  entityColumns: [field('location_id', 'INT64')],
  features: [field('temperature', 'INT32')],
  ttlSeconds: 2 * DAY,
  source: redshiftSource({
    name: 'location_source',
    table: 'location_stats',
    createdTimestampColumn: 'created',
  }),
});

/** Field mapping on the join key, both timestamps and the feature. */
export const driverActivity = featureView({
  name: 'driver_activity',
  entityColumns: [field('driver_id', 'INT64')],
  features: [field('trips', 'INT64')],
  ttlSeconds: DAY,
  source: redshiftSource({
    name: 'driver_activity_source',
    table: 'driver_activity_raw',
    schema: 'raw',
    timestampField: 'event_timestamp',
    createdTimestampColumn: 'created',
    fieldMapping: { id: 'driver_id', ts: 'event_timestamp', loaded_at: 'created', trip_count: 'trips' },
  }),
});

/** TTL 0: no lower bound. */
export const driverLifetime = featureView({
  name: 'driver_lifetime',
  entityColumns: [field('driver_id', 'INT64')],
  features: [field('lifetime_rating', 'DOUBLE')],
  ttlSeconds: 0,
  source: redshiftSource({ name: 'driver_lifetime_source', table: 'driver_lifetime' }),
});

export const convRatePlus100: OnDemandFeatureView = {
  name: 'conv_rate_plus_100',
  project: PROJECT,
  features: [field('conv_rate_plus_100', 'DOUBLE'), field('conv_rate_plus_val_to_add', 'DOUBLE')],
  sources: [
    {
      kind: 'featureView',
      name: 'driver_hourly_stats',
      projection: projection(driverHourlyStats, ['conv_rate']),
    },
    { kind: 'requestSource', name: 'vals_to_add', schema: [field('val_to_add', 'INT32')] },
  ],
  mode: 'pandas',
  transformation: { kind: 'udf', functionName: 'conv_rate_plus_100', sourceText: '' },
  description: '',
  tags: {},
  owner: '',
};

export const entityMappingService = featureService('entity_mapping', [
  projection(locationStats, ['temperature'], { alias: 'origin', joinKeyMap: { location_id: 'origin_id' } }),
  projection(locationStats, ['temperature'], {
    alias: 'destination',
    joinKeyMap: { location_id: 'destination_id' },
  }),
]);

export const convRateService = featureService('convrate_plus100', [
  projection(driverHourlyStats, ['conv_rate']),
  {
    featureViewName: 'conv_rate_plus_100',
    alias: '',
    features: [field('conv_rate_plus_100', 'DOUBLE')],
    joinKeyMap: {},
  },
]);

export function universalRegistry(overrides: Partial<RegistryModel> = {}): RegistryModel {
  return {
    project: PROJECT,
    projects: [PROJECT],
    entities: [],
    dataSources: [],
    featureViews: [
      driverHourlyStats,
      driverDailyStats,
      customerProfile,
      globalStats,
      orderView,
      locationStats,
      driverActivity,
      driverLifetime,
    ],
    featureServices: [entityMappingService, convRateService],
    onDemandFeatureViews: [convRatePlus100],
    savedDatasets: [],
    ...overrides,
  };
}
