import { describe, expect, it } from 'vitest';
import type { WorkbenchError } from '../contract/errors';
import { toRegistryModel } from '../registry/convert';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import { planPull } from './pull';
import { testRegistry } from './test-fixtures';

const demo = toRegistryModel(demoRegistryDocument(), DEMO_PROJECT);

function detail(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return (error as WorkbenchError).detail;
  }
  throw new Error('expected a failure');
}

describe('planPull', () => {
  it('reads the source columns behind field_mapping and names outputs after join keys and features', () => {
    const plan = planPull(demo, 'latest', {
      featureView: 'driver_trips',
      start: '2026-01-08',
      end: '2026-01-09',
    });
    expect(plan.query).toBe(
      [
        'SELECT "l"."driver_id", "l"."trips_today", "l"."event_timestamp", "l"."created_timestamp"',
        'FROM (',
        '  SELECT',
        '    "s"."id" AS "driver_id",',
        '    "s"."column_name" AS "trips_today",',
        '    CAST("s"."event_timestamp" AS TIMESTAMPTZ) AS "event_timestamp",',
        '    CAST("s"."created" AS TIMESTAMPTZ) AS "created_timestamp",',
        '    ROW_NUMBER() OVER (PARTITION BY "s"."id" ORDER BY "s"."event_timestamp" DESC, "s"."created" DESC NULLS LAST, "s"."column_name" ASC NULLS LAST) AS "__fwb_rank"',
        '  FROM "public"."driver_trips" AS "s"',
        `  WHERE "s"."event_timestamp" >= '2026-01-08 00:00:00'`,
        `    AND "s"."event_timestamp" <= '2026-01-09 00:00:00'`,
        ') AS "l"',
        'WHERE "l"."__fwb_rank" = 1',
      ].join('\n'),
    );
    expect(plan.columns).toEqual([
      { name: 'driver_id', role: 'joinKey', sourceColumn: 'id', valueType: 'INT64' },
      { name: 'trips_today', role: 'feature', sourceColumn: 'column_name', valueType: 'INT32' },
      { name: 'event_timestamp', role: 'eventTimestamp', sourceColumn: 'event_timestamp' },
      { name: 'created_timestamp', role: 'createdTimestamp', sourceColumn: 'created' },
    ]);
    expect(plan.ranking).toEqual([
      'latest event_timestamp',
      'then latest created (a row without one ranks last)',
      'then the smallest trips_today (NULL last)',
    ]);
    expect(plan.window).toEqual({ start: '2026-01-08T00:00:00Z', end: '2026-01-09T00:00:00Z' });
  });

  it('pulls every row without a WHERE clause when no date is given, and an entityless view without a key', () => {
    const all = planPull(demo, 'all', { featureView: 'global_stats' });
    expect(all.query).toBe(
      [
        'SELECT',
        '  "s"."num_rides" AS "num_rides",',
        '  "s"."avg_ride_length" AS "avg_ride_length",',
        '  CAST("s"."event_timestamp" AS TIMESTAMPTZ) AS "event_timestamp",',
        '  CAST("s"."created" AS TIMESTAMPTZ) AS "created_timestamp"',
        'FROM "public"."global_daily_stats" AS "s"',
      ].join('\n'),
    );
    const latest = planPull(demo, 'latest', {
      featureView: 'global_stats',
      start: '2026-01-01',
      end: '2026-01-02',
    });
    expect(latest.query).toContain('ROW_NUMBER() OVER (ORDER BY "s"."event_timestamp" DESC');
    expect(latest.query).not.toContain('PARTITION BY');
    expect(latest.query).not.toContain('__dummy');
    // A source without a created timestamp has no created_timestamp column.
    expect(planPull(demo, 'all', { featureView: 'order_outcomes' }).columns.map((c) => c.name)).toEqual([
      'driver_id',
      'customer_id',
      'order_is_success',
      'event_timestamp',
    ]);
  });

  it('reads a push source through its batch source and a query source as a subquery', () => {
    const { model } = testRegistry([
      {
        name: 'q',
        query: 'SELECT * FROM t WHERE x > 0;',
        keys: [['k', 'STRING']],
        features: [['x', 'DOUBLE']],
        ttlSeconds: 0,
      },
    ]);
    const document = demoRegistryDocument();
    const push = document.dataSources.find((source) => source.name === 'driver_stats_push_source')!;
    document.featureViews[0]!.spec!.batchSource = push;
    const pushed = planPull(toRegistryModel(document, DEMO_PROJECT), 'all', {
      featureView: 'driver_hourly_stats',
    });
    expect(pushed.query).toContain('FROM "public"."driver_hourly_stats" AS "s"');
    expect(planPull(model, 'all', { featureView: 'q', end: '2026-01-01' }).query).toBe(
      [
        'SELECT',
        '  "s"."k" AS "k",',
        '  "s"."x" AS "x",',
        '  CAST("s"."event_timestamp" AS TIMESTAMPTZ) AS "event_timestamp"',
        'FROM (SELECT * FROM t WHERE x > 0) AS "s"',
        `WHERE "s"."event_timestamp" <= '2026-01-01 00:00:00'`,
      ].join('\n'),
    );
  });

  it('leaves SUPER-typed features out of the tie-break, and says so only where ties are broken', () => {
    const { model } = testRegistry([
      {
        name: 'v',
        table: 't',
        keys: [['k', 'INT64']],
        features: [
          ['tags', 'MAP'],
          ['x', 'DOUBLE'],
        ],
        ttlSeconds: 0,
      },
    ]);
    const latest = planPull(model, 'latest', { featureView: 'v', start: '2026-01-01', end: '2026-01-02' });
    expect(latest.query).toContain('ORDER BY "s"."event_timestamp" DESC, "s"."x" ASC NULLS LAST)');
    expect(latest.warnings).toEqual([expect.stringContaining('tags (MAP) cannot be ordered in Redshift')]);
    expect(planPull(model, 'all', { featureView: 'v' }).warnings).toEqual([]);
  });

  it('refuses what it cannot pull', () => {
    expect(detail(() => planPull(demo, 'all', { featureView: 'transformed_conv_rate' }))).toEqual({
      kind: 'PlanInvalid',
      reason:
        'transformed_conv_rate is an on-demand feature view: it is computed from other views and has no source to pull from.',
    });
    expect(detail(() => planPull(demo, 'all', { featureView: 'nope' }))).toMatchObject({
      kind: 'NotFound',
      what: 'feature view',
      hint: expect.stringContaining('the feature views in project driver_ranking are customer_profile'),
    });
    const { model } = testRegistry([
      {
        name: 'clash',
        table: 't',
        keys: [['k', 'INT64']],
        features: [['Created_Timestamp', 'DOUBLE']],
        ttlSeconds: 0,
      },
      { name: 'empty', table: 't', keys: [['k', 'INT64']], features: [], ttlSeconds: 0 },
    ]);
    expect(detail(() => planPull(model, 'all', { featureView: 'clash' }))).toEqual({
      kind: 'PlanInvalid',
      reason:
        "clash has a join key or feature named Created_Timestamp, which the pulled rows use for the source's " +
        'timestamps; the two columns would clash.',
    });
    expect(detail(() => planPull(model, 'all', { featureView: 'empty' }))).toEqual({
      kind: 'PlanInvalid',
      reason: 'The feature view empty has no features.',
    });
  });
});
