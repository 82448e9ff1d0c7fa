/** The planner's checks and resolution: everything decided before any SQL exists. */

import { describe, expect, it } from 'vitest';
import { isWorkbenchError, type EngineError } from '../contract/errors';
import type { EntityColumn } from '../frames/types';
import type { OnDemandFeatureView } from '../registry/model';
import {
  convRatePlus100,
  driverHourlyStats,
  featureService,
  featureView,
  field,
  projection,
  redshiftSource,
  universalRegistry,
} from './__fixtures__/registry';
import { planRetrieval } from './plan';
import type { RetrievalPlan, RetrievalRequest } from './types';

const DRIVER_FRAME: EntityColumn[] = [
  { name: 'driver_id', type: 'int64' },
  { name: 'event_timestamp', type: 'timestamp' },
];

function request(overrides: Partial<RetrievalRequest>): RetrievalRequest {
  return {
    registry: universalRegistry(),
    entityColumns: DRIVER_FRAME,
    entityTable: { name: 'entities' },
    ...overrides,
  };
}

function plan(overrides: Partial<RetrievalRequest>): RetrievalPlan {
  return planRetrieval(request(overrides));
}

function errorOf(overrides: Partial<RetrievalRequest>): EngineError {
  try {
    plan(overrides);
  } catch (error) {
    if (isWorkbenchError(error)) return error.detail;
    throw error;
  }
  throw new Error('expected the planner to refuse the request');
}

function reasonOf(overrides: Partial<RetrievalRequest>): string {
  const error = errorOf(overrides);
  expect(error.kind).toBe('PlanInvalid');
  return (error as { reason: string }).reason;
}

describe('feature references', () => {
  it('reports an unknown feature view with close names', () => {
    expect(errorOf({ features: ['driver_hourly_stat:conv_rate'] })).toEqual({
      kind: 'NotFound',
      what: 'feature view',
      name: 'driver_hourly_stat',
      hint: 'did you mean driver_hourly_stats?',
    });
  });

  it('lists what exists when nothing is close', () => {
    const error = errorOf({ features: ['zzz:conv_rate'] });
    expect(error).toMatchObject({ kind: 'NotFound', what: 'feature view', name: 'zzz' });
    expect((error as { hint: string }).hint).toMatch(
      /^the feature views in project universal are conv_rate_plus_100/,
    );
  });

  it('reports an unknown feature with the view name and close features', () => {
    expect(errorOf({ features: ['driver_hourly_stats:conv'] })).toEqual({
      kind: 'NotFound',
      what: 'feature',
      name: 'driver_hourly_stats:conv',
      hint: 'did you mean conv_rate?',
    });
  });

  it('reports an unknown feature service', () => {
    expect(errorOf({ featureService: 'entity_maping' })).toEqual({
      kind: 'NotFound',
      what: 'feature service',
      name: 'entity_maping',
      hint: 'did you mean entity_mapping?',
    });
  });

  it('refuses malformed and versioned references', () => {
    expect(reasonOf({ features: ['conv_rate'] })).toMatch(/"conv_rate" is not a feature reference/);
    expect(reasonOf({ features: ['driver_hourly_stats:'] })).toMatch(/not a feature reference/);
    expect(reasonOf({ features: ['driver_hourly_stats@v2:conv_rate'] })).toMatch(/versioned references/);
    expect(plan({ features: ['driver_hourly_stats@latest:conv_rate'] }).groups[0]!.name).toBe(
      'driver_hourly_stats',
    );
  });

  it('needs exactly one of references or a feature service, and at least one feature', () => {
    expect(reasonOf({})).toMatch(/either a list of feature references or one feature service/);
    expect(
      reasonOf({ features: ['driver_hourly_stats:conv_rate'], featureService: 'entity_mapping' }),
    ).toMatch(/not both/);
    expect(reasonOf({ features: [] })).toBe('No features were requested.');
  });
});

describe('name collisions (Feast rule, then every output name)', () => {
  it('rejects two features of the same name without full names, and accepts them with', () => {
    const features = ['driver_hourly_stats:conv_rate', 'driver_daily_stats:conv_rate'];
    expect(reasonOf({ features })).toBe(
      'Several requested features are named conv_rate (driver_hourly_stats:conv_rate, driver_daily_stats:conv_rate), ' +
        'so the output would have two columns of that name. Use full feature names (view__feature), or request ' +
        'features with different names.',
    );
    const full = plan({ features, fullFeatureNames: true });
    expect(full.outputColumns.map((c) => c.name)).toEqual([
      'driver_id',
      'event_timestamp',
      'driver_hourly_stats__conv_rate',
      'driver_daily_stats__conv_rate',
    ]);
  });

  it('rejects the same reference twice even with full names', () => {
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate', 'driver_hourly_stats:conv_rate'],
        fullFeatureNames: true,
      }),
    ).toMatch(/^driver_hourly_stats:conv_rate is requested more than once.*with_name/);
  });

  it('rejects the entity_mapping service without full names (both aliases give temperature)', () => {
    expect(
      reasonOf({
        featureService: 'entity_mapping',
        entityColumns: [
          { name: 'origin_id', type: 'int64' },
          { name: 'destination_id', type: 'int64' },
          { name: 'event_timestamp', type: 'timestamp' },
        ],
      }),
    ).toMatch(/named temperature \(origin:temperature, destination:temperature\)/);
  });

  it('rejects an entity column that has a feature output name', () => {
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [...DRIVER_FRAME, { name: 'conv_rate', type: 'float64' }],
      }),
    ).toBe(
      'the entity frame column conv_rate and the feature driver_hourly_stats:conv_rate (output name conv_rate) would ' +
        'both be output as conv_rate. Rename the entity frame column, or use full feature names (view__feature).',
    );
  });

  it('compares names as Redshift does, ignoring case', () => {
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [...DRIVER_FRAME, { name: 'Conv_Rate', type: 'float64' }],
      }),
    ).toMatch(/would both be output as conv_rate \(Redshift folds identifiers to lowercase\)/);
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [...DRIVER_FRAME, { name: 'Driver_Id', type: 'int64' }],
      }),
    ).toMatch(/driver_id and Driver_Id differ only in case/);
  });

  it('warns that mixed-case output names may come back in lowercase', () => {
    const result = plan({
      features: ['driver_hourly_stats:conv_rate'],
      entityColumns: [...DRIVER_FRAME, { name: 'Label', type: 'bool' }],
    });
    expect(result.warnings).toContain(
      'Redshift folds identifiers to lowercase unless enable_case_sensitive_identifier is on, so Label may come back ' +
        'in lowercase.',
    );
  });

  it('reserves the __fwb_ prefix', () => {
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [...DRIVER_FRAME, { name: '__FWB_row_id', type: 'int64' }],
      }),
    ).toMatch(/starts with __fwb_, which the workbench reserves/);
  });
});

describe('entity frame checks', () => {
  it('needs the join keys, after join_key_map', () => {
    expect(reasonOf({ features: ['customer_profile:current_balance'] })).toBe(
      'customer_profile joins on customer_id, but the entity frame has no column of that name. Add a customer_id ' +
        'column to the entity frame.',
    );
    expect(reasonOf({ featureService: 'entity_mapping', fullFeatureNames: true })).toBe(
      'origin joins on origin_id (the projection maps location_id to it), but the entity frame has no column of ' +
        'that name. Add a origin_id column to the entity frame.',
    );
  });

  it('refuses entity columns whose type cannot match the join key', () => {
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [
          { name: 'driver_id', type: 'timestamp' },
          { name: 'event_timestamp', type: 'timestamp' },
        ],
      }),
    ).toBe(
      'The entity frame column driver_id holds timestamps, but driver_hourly_stats joins on driver_id, which holds ' +
        'INT64 values; they cannot be compared. Check that driver_id is the right column and that its values are ' +
        'written as whole numbers.',
    );
    expect(
      reasonOf({
        features: ['customer_profile:current_balance'],
        entityColumns: [
          { name: 'customer_id', type: 'int64' },
          { name: 'event_timestamp', type: 'timestamp' },
        ],
      }),
    ).toMatch(
      /customer_id holds whole numbers, but customer_profile joins on customer_id, which holds STRING/,
    );
  });

  it('finds the event timestamp as Feast does', () => {
    const single = plan({
      features: ['driver_hourly_stats:conv_rate'],
      entityColumns: [
        { name: 'driver_id', type: 'int64' },
        { name: 'ts', type: 'timestamp' },
      ],
    });
    expect(single.entityTimestampColumn).toBe('ts');
    const named = plan({
      features: ['driver_hourly_stats:conv_rate'],
      entityColumns: [
        { name: 'signup', type: 'timestamp' },
        { name: 'driver_id', type: 'int64' },
        { name: 'event_timestamp', type: 'timestamp' },
      ],
    });
    expect(named.entityTimestampColumn).toBe('event_timestamp');
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [{ name: 'driver_id', type: 'int64' }],
      }),
    ).toMatch(/no timestamp column/);
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [
          { name: 'driver_id', type: 'int64' },
          { name: 'a', type: 'timestamp' },
          { name: 'b', type: 'timestamp' },
        ],
      }),
    ).toBe(
      'The entity frame has several timestamp columns (a, b), so the event timestamp is ambiguous. Name the one to ' +
        'use event_timestamp.',
    );
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        entityColumns: [
          { name: 'driver_id', type: 'int64' },
          { name: 'event_timestamp', type: 'string' },
        ],
      }),
    ).toMatch(/event_timestamp holds text, not timestamps/);
  });

  it('accepts an explicit event timestamp column', () => {
    const result = plan({
      features: ['driver_hourly_stats:conv_rate'],
      entityColumns: [
        { name: 'driver_id', type: 'int64' },
        { name: 'a', type: 'timestamp' },
        { name: 'b', type: 'timestamp' },
      ],
      entityTimestampColumn: 'b',
    });
    expect(result.entityTimestampColumn).toBe('b');
    expect(result.resultQuery).toContain('"w0"."__fwb_entity_ts" = "e"."b"');
    expect(
      errorOf({ features: ['driver_hourly_stats:conv_rate'], entityTimestampColumn: 'event_ts' }),
    ).toMatchObject({ kind: 'NotFound', what: 'entity frame column', name: 'event_ts' });
  });
});

describe('on-demand feature views', () => {
  const frame: EntityColumn[] = [
    { name: 'customer_id', type: 'string' },
    { name: 'driver_id', type: 'int64' },
    { name: 'val_to_add', type: 'int64' },
    { name: 'event_timestamp', type: 'timestamp' },
  ];

  it('adds source features after the requested ones and lists the on-demand outputs', () => {
    const result = plan({
      entityColumns: frame,
      features: [
        'customer_profile:current_balance',
        'conv_rate_plus_100:conv_rate_plus_val_to_add',
        'driver_hourly_stats:acc_rate',
      ],
    });
    expect(result.groups.map((g) => [g.name, g.features.map((f) => f.feature)])).toEqual([
      ['customer_profile', ['current_balance']],
      ['driver_hourly_stats', ['acc_rate', 'conv_rate']],
    ]);
    expect(result.outputColumns.slice(4)).toEqual([
      {
        name: 'current_balance',
        kind: 'feature',
        valueType: 'FLOAT',
        featureView: 'customer_profile',
        feature: 'current_balance',
      },
      {
        name: 'acc_rate',
        kind: 'feature',
        valueType: 'FLOAT',
        featureView: 'driver_hourly_stats',
        feature: 'acc_rate',
      },
      {
        name: 'conv_rate',
        kind: 'feature',
        valueType: 'FLOAT',
        featureView: 'driver_hourly_stats',
        feature: 'conv_rate',
      },
      {
        name: 'conv_rate_plus_val_to_add',
        kind: 'onDemand',
        valueType: 'DOUBLE',
        featureView: 'conv_rate_plus_100',
        feature: 'conv_rate_plus_val_to_add',
      },
    ]);
    expect(result.onDemand).toEqual([
      {
        name: 'conv_rate_plus_100',
        onDemandFeatureView: 'conv_rate_plus_100',
        mode: 'pandas',
        inputs: {
          featureViews: [
            { name: 'driver_hourly_stats', features: [{ feature: 'conv_rate', column: 'conv_rate' }] },
          ],
          requestFields: [{ name: 'val_to_add', valueType: 'INT32' }],
        },
        outputs: [
          {
            feature: 'conv_rate_plus_val_to_add',
            outputName: 'conv_rate_plus_val_to_add',
            valueType: 'DOUBLE',
          },
        ],
      },
    ]);
    expect(result.resultQuery).not.toContain('conv_rate_plus');
  });

  it('resolves a feature service holding an on-demand projection, with full names', () => {
    const result = plan({ entityColumns: frame, featureService: 'convrate_plus100', fullFeatureNames: true });
    expect(result.outputColumns.slice(4).map((c) => c.name)).toEqual([
      'driver_hourly_stats__conv_rate',
      'conv_rate_plus_100__conv_rate_plus_100',
    ]);
    expect(result.onDemand[0]!.inputs.featureViews[0]!.features).toEqual([
      { feature: 'conv_rate', column: 'driver_hourly_stats__conv_rate' },
    ]);
  });

  it('catches a dependency colliding with a requested feature, which Feast lets through', () => {
    expect(
      reasonOf({
        entityColumns: frame,
        features: ['driver_daily_stats:conv_rate', 'conv_rate_plus_100:conv_rate_plus_100'],
      }),
    ).toBe(
      'the feature driver_daily_stats:conv_rate (output name conv_rate) and the feature driver_hourly_stats:conv_rate ' +
        '(output name conv_rate) would both be output as conv_rate. Use full feature names (view__feature), or ' +
        'request features with different names.',
    );
  });

  it('needs no SQL join for an on-demand view fed by request data only', () => {
    const requestOnly: OnDemandFeatureView = {
      ...convRatePlus100,
      name: 'doubled',
      features: [field('val_doubled', 'INT64')],
      sources: convRatePlus100.sources.filter((source) => source.kind === 'requestSource'),
    };
    const result = plan({
      registry: universalRegistry({ onDemandFeatureViews: [requestOnly] }),
      entityColumns: frame,
      features: ['doubled:val_doubled'],
    });
    expect(result.groups).toEqual([]);
    expect(result.resultQuery).toBe(
      [
        'SELECT',
        '  "e"."customer_id",',
        '  "e"."driver_id",',
        '  "e"."val_to_add",',
        '  "e"."event_timestamp",',
        '  "e"."__fwb_row_id"',
        'FROM "entities" AS "e"',
      ].join('\n'),
    );
    expect(result.outputColumns.at(-1)).toMatchObject({ name: 'val_doubled', kind: 'onDemand' });
  });

  it('needs the request fields in the entity frame', () => {
    expect(reasonOf({ features: ['conv_rate_plus_100:conv_rate_plus_100'] })).toBe(
      'The on-demand feature view conv_rate_plus_100 needs the request field val_to_add (from vals_to_add), but the ' +
        'entity frame has no column of that name. Add val_to_add to the entity frame.',
    );
  });

  it('reports an unknown on-demand feature', () => {
    expect(
      errorOf({ entityColumns: frame, features: ['conv_rate_plus_100:conv_rate_plus_1000'] }),
    ).toMatchObject({
      kind: 'NotFound',
      what: 'feature',
      name: 'conv_rate_plus_100:conv_rate_plus_1000',
    });
  });
});

describe('sources', () => {
  it('refuses views that do not read from Redshift', () => {
    const fileView = featureView({
      name: 'file_view',
      entityColumns: [field('driver_id', 'INT64')],
      features: [field('x', 'INT64')],
      ttlSeconds: 0,
      source: { ...redshiftSource({ name: 'file_source', table: 't' }), kind: 'BATCH_FILE' },
    });
    expect(
      reasonOf({ registry: universalRegistry({ featureViews: [fileView] }), features: ['file_view:x'] }),
    ).toBe(
      'The feature view file_view reads from a BATCH_FILE source (file_source); the workbench retrieves historical ' +
        'features from Redshift sources only.',
    );
  });

  it("reads a push source's Redshift batch source", () => {
    const batch = redshiftSource({ name: 'pushed_batch', table: 'pushed' });
    const pushView = featureView({
      name: 'push_view',
      entityColumns: [field('driver_id', 'INT64')],
      features: [field('x', 'INT64')],
      ttlSeconds: 0,
      source: {
        ...redshiftSource({ name: 'push', table: '' }),
        kind: 'PUSH_SOURCE',
        redshift: undefined,
        batchSource: batch,
      },
    });
    const result = plan({
      registry: universalRegistry({ featureViews: [pushView] }),
      features: ['push_view:x'],
    });
    expect(result.groups[0]!.source).toEqual({
      kind: 'table',
      schema: 'public',
      table: 'pushed',
      sql: '"public"."pushed"',
    });
  });

  it('qualifies a table of another database and says so', () => {
    const remote = featureView({
      name: 'remote_view',
      entityColumns: [field('driver_id', 'INT64')],
      features: [field('x', 'INT64')],
      ttlSeconds: 0,
      source: redshiftSource({ name: 'remote', table: 'events', schema: 'ext', database: 'lake' }),
    });
    const registry = universalRegistry({ featureViews: [remote] });
    const elsewhere = plan({ registry, features: ['remote_view:x'], database: 'dev' });
    expect(elsewhere.resultQuery).toContain('INNER JOIN "lake"."ext"."events" AS "s"');
    expect(elsewhere.warnings).toContain(
      'remote_view reads events from database lake while the statements run in dev; cross-database queries need ' +
        'an RA3 cluster or Redshift Serverless.',
    );
    const same = plan({ registry, features: ['remote_view:x'], database: 'lake' });
    expect(same.resultQuery).toContain('INNER JOIN "ext"."events" AS "s"');
    expect(same.warnings).toEqual([]);
  });

  it('quotes every part of a table name, whatever it holds', () => {
    const odd = featureView({
      name: 'odd',
      entityColumns: [field('driver id', 'INT64')],
      features: [field('select', 'INT64')],
      ttlSeconds: 60,
      source: redshiftSource({ name: 'odd_source', table: 'we"ird.table', schema: 'My Schema' }),
    });
    const result = plan({
      registry: universalRegistry({ featureViews: [odd] }),
      features: ['odd:select'],
      entityColumns: [
        { name: 'driver id', type: 'int64' },
        { name: 'event_timestamp', type: 'timestamp' },
      ],
    });
    expect(result.resultQuery).toContain('INNER JOIN "My Schema"."we""ird.table" AS "s"');
    expect(result.resultQuery).toContain('ON "s"."driver id" = "k"."driver id"');
    expect(result.resultQuery).toContain('"s"."select" AS "select"');
  });

  it('refuses a source with neither table nor query', () => {
    const empty = featureView({
      name: 'empty',
      features: [field('x', 'INT64')],
      ttlSeconds: 0,
      source: redshiftSource({ name: 'nothing' }),
    });
    expect(reasonOf({ registry: universalRegistry({ featureViews: [empty] }), features: ['empty:x'] })).toBe(
      'The source nothing of feature view empty names neither a table nor a query.',
    );
  });

  it('drops a trailing semicolon of a query source', () => {
    const result = plan({
      features: ['order:order_is_success'],
      entityColumns: [{ name: 'customer_id', type: 'string' }, ...DRIVER_FRAME],
    });
    expect(result.groups[0]!.source).toMatchObject({
      kind: 'query',
      sql: '(SELECT customer_id, driver_id, order_is_success, event_timestamp FROM public.orders)',
    });
  });
});

describe('the plan', () => {
  it('describes each step in words', () => {
    const result = plan({
      features: ['driver_hourly_stats:conv_rate'],
      timestampRange: { min: '2021-04-12T10:00:00Z', max: '2021-04-12T11:00:00+01:00' },
    });
    expect(result.groups[0]!.steps).toEqual([
      {
        id: 'g0.entity-keys',
        kind: 'entity-keys',
        description:
          'driver_hourly_stats: take the distinct (driver_id, event_timestamp) pairs of the entity frame.',
      },
      {
        id: 'g0.source-scan',
        kind: 'source-scan',
        description:
          'driver_hourly_stats: read "public"."driver_stats", rows with event_timestamp from 2021-04-12 08:00:00 to ' +
          "2021-04-12 10:00:00 (the entity frame's range, widened by the 2 h TTL).",
      },
      {
        id: 'g0.window-join',
        kind: 'window-join',
        description:
          'driver_hourly_stats: source rows of the same driver_id with event_timestamp at or before the entity ' +
          'timestamp and at most 2 h older are candidates.',
      },
      {
        id: 'g0.pick-latest',
        kind: 'pick-latest',
        description:
          'driver_hourly_stats: for each (driver_id, entity timestamp) the row with the latest event_timestamp wins, ' +
          'a later created breaks ties (rows without one rank last); rows still tied give the smallest conv_rate, ' +
          'so the winner never depends on row order.',
      },
      {
        id: 'g0.attach',
        kind: 'attach',
        description:
          'driver_hourly_stats: attach conv_rate to every entity row with the same driver_id and event_timestamp: ' +
          'one match at most, no match gives NULL.',
      },
    ]);
  });

  it('describes TTL 0, field mapping, the created filter and join_key_map', () => {
    const lifetime = plan({ features: ['driver_lifetime:lifetime_rating'] }).groups[0]!.steps;
    expect(lifetime[1]!.description).toBe(
      'driver_lifetime: read "public"."driver_lifetime", rows with event_timestamp up to the latest entity timestamp ' +
        '(TTL 0, so no lower bound).',
    );
    expect(lifetime[2]!.description).toMatch(/at or before the entity timestamp however old \(TTL 0\)/);
    const mapped = plan({ features: ['driver_activity:trips'], filterByCreatedTimestamp: true }).groups[0]!
      .steps;
    expect(mapped[1]!.description).toMatch(
      /The field mapping reads driver_id from id and trips from trip_count\.$/,
    );
    expect(mapped[2]!.description).toMatch(
      /; rows whose loaded_at is after the entity timestamp are left out \(rows without one are kept\)\.$/,
    );
    const aliased = plan({
      featureService: 'entity_mapping',
      fullFeatureNames: true,
      entityColumns: [
        { name: 'origin_id', type: 'int64' },
        { name: 'destination_id', type: 'int64' },
        { name: 'event_timestamp', type: 'timestamp' },
      ],
    });
    expect(aliased.groups[1]!.steps[0]!.description).toBe(
      'destination: take the distinct (destination_id, event_timestamp) pairs of the entity frame; destination_id ' +
        "stands for the view's join key location_id.",
    );
  });

  it('is frozen plain data that survives JSON', () => {
    const result = plan({ features: ['driver_hourly_stats:conv_rate', 'global_stats:num_rides'] });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.groups[0]!.features)).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(result.rowIdColumn).toBe('__fwb_row_id');
    expect(result.outputColumns.map((c) => c.name)).not.toContain('__fwb_row_id');
  });

  it('checks the timestamp range and the size limit', () => {
    expect(
      reasonOf({ features: ['driver_hourly_stats:conv_rate'], timestampRange: { min: 'yesterday', max: T } }),
    ).toBe('The earliest entity timestamp "yesterday" is not an ISO-8601 date-time.');
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate'],
        timestampRange: { min: '2021-04-13T00:00:00Z', max: '2021-04-12T00:00:00Z' },
      }),
    ).toBe('The earliest entity timestamp is later than the latest one.');
    expect(reasonOf({ features: ['driver_hourly_stats:conv_rate'], maxStatementBytes: 0 })).toMatch(
      /must be a positive number of bytes/,
    );
  });

  it('takes Date values for the range and rounds sub-microsecond text outward', () => {
    const result = plan({
      features: ['driver_hourly_stats:conv_rate'],
      timestampRange: { min: new Date('2021-04-12T10:00:00.123Z'), max: '2021-04-12T10:00:00.1234561Z' },
    });
    expect(result.resultQuery).toContain(`>= '2021-04-12 08:00:00.123'`);
    expect(result.resultQuery).toContain(`<= '2021-04-12 10:00:00.123457'`);
  });

  it('refuses a plan whose single feature view is too large even on its own', () => {
    expect(
      reasonOf({
        features: ['driver_hourly_stats:conv_rate', 'global_stats:num_rides'],
        maxStatementBytes: 300,
      }),
    ).toMatch(/^The statement for driver_hourly_stats is \d+ bytes of SQL, more than the 300 bytes/);
  });

  it('stays one statement under the default limit for a wide request, and splits a very wide one', () => {
    const features = Array.from({ length: 40 }, (_, i) => field(`feature_${i}`, 'DOUBLE'));
    const views = Array.from({ length: 60 }, (_, i) =>
      featureView({
        name: `view_${i}`,
        entityColumns: [field('driver_id', 'INT64')],
        features,
        ttlSeconds: 3600,
        source: redshiftSource({
          name: `source_${i}`,
          table: `table_${i}`,
          createdTimestampColumn: 'created',
        }),
      }),
    );
    const registry = universalRegistry({ featureViews: views });
    const narrow = plan({
      registry,
      fullFeatureNames: true,
      features: views.slice(0, 5).flatMap((v) => features.slice(0, 10).map((f) => `${v.name}:${f.name}`)),
    });
    expect(narrow.split).toBe(false);
    const wide = plan({
      registry,
      fullFeatureNames: true,
      features: views.flatMap((v) => features.map((f) => `${v.name}:${f.name}`)),
      runId: 'fwb_20210412t110000_1a2b3c4d',
    });
    expect(wide.split).toBe(true);
    expect(wide.sqlBytes).toBeGreaterThan(100_000);
    expect(wide.statements).toHaveLength(60);
    expect(
      Math.max(...wide.statements.map((s) => s.bytes), Buffer.byteLength(wide.resultQuery)),
    ).toBeLessThanOrEqual(100_000);
    expect(wide.warnings.at(-1)).toMatch(/runs as 60 staged statements and a final join/);
  });

  it('keeps CTE names from clashing with an unqualified entity table or growing past 127 bytes', () => {
    const longName = 'v'.repeat(120);
    const long = featureView({
      name: longName,
      entityColumns: [field('driver_id', 'INT64')],
      features: [field('x', 'INT64')],
      ttlSeconds: 0,
      source: redshiftSource({ name: 's', table: 't' }),
    });
    const result = plan({
      registry: universalRegistry({ featureViews: [long, driverHourlyStats] }),
      features: [`${longName}:x`, 'driver_hourly_stats:conv_rate'],
      entityTable: { name: 'driver_hourly_stats__keys' },
    });
    expect(result.resultQuery).toContain('WITH "__fwb_g0__keys" AS (');
    expect(result.resultQuery).toContain('"__fwb_g1__keys" AS (');
  });

  it('uses the alias of a feature service projection for output names', () => {
    const registry = universalRegistry({
      featureServices: [
        featureService('aliased', [projection(driverHourlyStats, ['conv_rate'], { alias: 'drv' })]),
      ],
    });
    const result = plan({ registry, featureService: 'aliased', fullFeatureNames: true });
    expect(result.groups[0]).toMatchObject({ name: 'drv', featureView: 'driver_hourly_stats', alias: 'drv' });
    expect(result.outputColumns.at(-1)).toMatchObject({ name: 'drv__conv_rate', featureView: 'drv' });
  });
});

const T = '2021-04-12T10:00:00Z';
