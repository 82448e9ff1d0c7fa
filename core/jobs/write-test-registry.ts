/**
 * A small registry for the write-batch and logged-features tests: table, query, file and push sources, a
 * field_mapping, a mixed-case schema, an on-demand view with a request source, and feature services with and
 * without a logging destination.
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
} from '../registry/model';

export const TEST_PROJECT = 'write_tests';

const field = (name: string, valueType: ValueTypeName): Field => ({ name, valueType });

function source(name: string, spec: Partial<DataSource> & Pick<DataSource, 'kind'>): DataSource {
  return {
    name,
    project: TEST_PROJECT,
    timestampField: 'event_timestamp',
    createdTimestampColumn: '',
    fieldMapping: {},
    description: '',
    tags: {},
    owner: '',
    ...spec,
  };
}

export function redshiftTable(
  name: string,
  table: string,
  schema = 'public',
  extra: Partial<DataSource> = {},
) {
  return source(name, {
    kind: 'BATCH_REDSHIFT',
    redshift: { table, schema, database: '', query: '' },
    ...extra,
  });
}

function view(name: string, batchSource: DataSource, entityColumns: Field[], features: Field[]): FeatureView {
  return {
    name,
    project: TEST_PROJECT,
    entities: entityColumns.map((c) => c.name.replace(/_id$/, '')),
    entityColumns,
    features,
    ttlSeconds: 86_400,
    batchSource,
    online: true,
    offline: true,
    description: '',
    tags: {},
    owner: '',
  };
}

function projection(
  featureViewName: string,
  features: Field[],
  extra: Partial<FeatureViewProjection> = {},
): FeatureViewProjection {
  return { featureViewName, alias: '', features, joinKeyMap: {}, ...extra };
}

function service(name: string, projections: FeatureViewProjection[], loggingTable?: string): FeatureService {
  return {
    name,
    project: TEST_PROJECT,
    projections,
    ...(loggingTable !== undefined ? { loggingTable } : {}),
    description: '',
    tags: {},
    owner: '',
  };
}

const DRIVER_ID = field('driver_id', 'INT64');
const CONV_RATE = field('conv_rate', 'FLOAT');
const AVG_DAILY_TRIPS = field('avg_daily_trips', 'INT32');
const CITY = field('city', 'STRING');
const TRIPS_TODAY = field('trips_today', 'INT32');
const SCORE = field('score', 'DOUBLE');

export const DRIVER_STATS_SOURCE = redshiftTable('driver_stats_source', 'driver_stats', 'public', {
  createdTimestampColumn: 'created',
});

/** The table `"analytics"."trip_log"`, registered as Analytics.Trip_Log; columns `id` and `column_name`. */
export const TRIPS_SOURCE = redshiftTable('trips_source', 'Trip_Log', 'Analytics', {
  fieldMapping: { id: 'driver_id', column_name: 'trips_today' },
});

const ADJUSTED: OnDemandFeatureView = {
  name: 'adjusted',
  project: TEST_PROJECT,
  features: [SCORE, field('label', 'STRING')],
  sources: [
    {
      kind: 'featureView',
      name: 'driver_stats',
      projection: projection('driver_stats', [CONV_RATE]),
    },
    { kind: 'requestSource', name: 'vals', schema: [field('val_to_add', 'INT64'), field('note', 'STRING')] },
  ],
  mode: 'python',
  transformation: { kind: 'udf', functionName: 'adjusted', sourceText: '' },
  description: '',
  tags: {},
  owner: '',
};

export function writeTestRegistry(): RegistryModel {
  const featureViews = [
    view('driver_stats', DRIVER_STATS_SOURCE, [DRIVER_ID], [CONV_RATE, AVG_DAILY_TRIPS, CITY]),
    view('trips', TRIPS_SOURCE, [DRIVER_ID], [TRIPS_TODAY]),
    view(
      'orders_query',
      source('orders_query_source', {
        kind: 'BATCH_REDSHIFT',
        redshift: { table: '', schema: '', database: '', query: 'SELECT * FROM orders' },
      }),
      [DRIVER_ID],
      [field('amount', 'DOUBLE')],
    ),
    view('files', source('file_source', { kind: 'BATCH_FILE' }), [DRIVER_ID], [field('x', 'INT64')]),
    view(
      'pushed',
      source('pushed_source', {
        kind: 'PUSH_SOURCE',
        batchSource: redshiftTable('pushed_batch', 'pushed_rows'),
      }),
      [DRIVER_ID],
      [field('x', 'INT64')],
    ),
    view(
      'other_db',
      redshiftTable('other_db_source', 'driver_stats', 'public', {
        redshift: { table: 'driver_stats', schema: 'public', database: 'analytics_db', query: '' },
      }),
      [DRIVER_ID],
      [CONV_RATE],
    ),
    view(
      'tags',
      redshiftTable('tags_source', 'driver_tags'),
      [DRIVER_ID],
      [
        field('tags', 'STRING_LIST'),
        field('ratings', 'DOUBLE_LIST'),
        field('seen_at', 'UNIX_TIMESTAMP'),
        field('active', 'BOOL'),
      ],
    ),
    view('blobs', redshiftTable('blobs_source', 'driver_blobs'), [DRIVER_ID], [field('photo', 'BYTES')]),
    view('global', redshiftTable('global_source', 'global_stats'), [], [field('num_rides', 'INT32')]),
  ];
  return {
    project: TEST_PROJECT,
    projects: [TEST_PROJECT],
    entities: [],
    dataSources: [],
    featureViews,
    onDemandFeatureViews: [ADJUSTED],
    featureServices: [
      service(
        'ranking',
        [
          projection('driver_stats', [CONV_RATE, AVG_DAILY_TRIPS]),
          projection('trips', [TRIPS_TODAY], {
            alias: 'previous',
            joinKeyMap: { driver_id: 'previous_driver_id' },
          }),
          projection('adjusted', [SCORE]),
          projection('global', [field('num_rides', 'INT32')]),
        ],
        'analytics.Ranking_Log',
      ),
      // driver_stats and trips share the join key driver_id: it is logged once, at its first position.
      service(
        'shared_keys',
        [projection('driver_stats', [CITY]), projection('trips', [TRIPS_TODAY])],
        'shared_log',
      ),
      service('lists', [projection('tags', featureViews[6]!.features)], '"Tag_Log"'),
      service('bytes', [projection('blobs', [field('photo', 'BYTES')])], 'blob_log'),
      service('unlogged', [projection('driver_stats', [CONV_RATE])]),
      service('broken', [projection('nope', [CONV_RATE])], 'broken_log'),
    ],
    savedDatasets: [],
  };
}
