// A zone far from UTC, so reading naive dates in local time (as Feast's pull_latest does) would show.
process.env.TZ = 'America/Los_Angeles';

import { describe, expect, it } from 'vitest';
import type { WorkbenchError } from '../contract/errors';
import { planRetrieval } from '../plan/plan';
import { toRegistryModel } from '../registry/convert';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import {
  dateRangeEntityColumns,
  dateRangeRows,
  describeWindow,
  parseTimeWindow,
  parseWindowBound,
  windowConditions,
} from './date-range';
import { testRegistry } from './test-fixtures';

const micros = (ms: number) => BigInt(ms) * 1000n;
const demo = toRegistryModel(demoRegistryDocument(), DEMO_PROJECT);

function detail(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return (error as WorkbenchError).detail;
  }
  throw new Error('expected a failure');
}

describe('window bounds', () => {
  it('reads naive dates and date-times as UTC, whatever the local zone', () => {
    expect(new Date('2026-01-02T00:00:00').getTime()).not.toBe(Date.UTC(2026, 0, 2)); // the zone is in effect
    expect(parseWindowBound('2026-01-02T00:00:00', 'start')).toBe(micros(Date.UTC(2026, 0, 2)));
    expect(parseWindowBound('2026-01-02 00:00', 'end')).toBe(micros(Date.UTC(2026, 0, 2)));
    expect(parseWindowBound('2026-01-02', 'start')).toBe(micros(Date.UTC(2026, 0, 2)));
  });

  it('applies offsets and takes Dates as they are', () => {
    expect(parseWindowBound('2026-01-02T01:00:00+01:00', 'start')).toBe(micros(Date.UTC(2026, 0, 2)));
    expect(parseWindowBound('2026-01-01T16:00:00-08:00', 'end')).toBe(micros(Date.UTC(2026, 0, 2)));
    expect(parseWindowBound(new Date(Date.UTC(2026, 0, 2, 3)), 'start')).toBe(
      micros(Date.UTC(2026, 0, 2, 3)),
    );
  });

  it('rounds digits below the microsecond inwards, so the window names exactly the values it holds', () => {
    const second = micros(Date.UTC(2026, 0, 2));
    expect(parseWindowBound('2026-01-02T00:00:00.0000001Z', 'start')).toBe(second + 1n);
    expect(parseWindowBound('2026-01-02T00:00:00.0000019Z', 'end')).toBe(second + 1n);
    expect(parseWindowBound('2026-01-02T00:00:00.000001Z', 'start')).toBe(second + 1n);
  });

  it('refuses what is not a date, an invalid Date, and a start after the end', () => {
    expect(detail(() => parseWindowBound('2026-02-30', 'start'))).toEqual({
      kind: 'PlanInvalid',
      reason:
        'The start "2026-02-30" is not an ISO-8601 date or date-time; write it like 2026-01-07 or ' +
        '2026-01-07T06:00:00Z (without an offset it is UTC).',
    });
    expect(detail(() => parseWindowBound('1767225600', 'end'))).toMatchObject({ kind: 'PlanInvalid' });
    expect(detail(() => parseWindowBound(new Date(Number.NaN), 'end'))).toEqual({
      kind: 'PlanInvalid',
      reason: 'The end date is not a valid date.',
    });
    expect(
      detail(() => parseTimeWindow({ start: '2026-01-03', end: '2026-01-02T23:59:59.999999Z' })),
    ).toEqual({
      kind: 'PlanInvalid',
      reason: 'The start 2026-01-03T00:00:00Z is after the end 2026-01-02T23:59:59.999999Z.',
    });
    // A window of one instant is fine.
    expect(parseTimeWindow({ start: '2026-01-03', end: '2026-01-03T00:00:00Z' })).toEqual({
      start: micros(Date.UTC(2026, 0, 3)),
      end: micros(Date.UTC(2026, 0, 3)),
    });
  });

  it('writes inclusive conditions with naive UTC literals, only for the ends given', () => {
    const window = parseTimeWindow({ start: '2026-01-02T01:00:00+01:00', end: '2026-01-03T00:00:00.5Z' });
    expect(windowConditions('"s"."ts"', window)).toEqual([
      `"s"."ts" >= '2026-01-02 00:00:00'`,
      `"s"."ts" <= '2026-01-03 00:00:00.5'`,
    ]);
    expect(windowConditions('"ts"', { end: window.end! })).toEqual([`"ts" <= '2026-01-03 00:00:00.5'`]);
    expect(windowConditions('"ts"', {})).toEqual([]);
    expect(describeWindow(window)).toBe('from 2026-01-02T00:00:00Z to 2026-01-03T00:00:00.500000Z');
    expect(describeWindow({ start: window.start! })).toBe('from 2026-01-02T00:00:00Z on');
    expect(describeWindow({})).toBe('all rows');
  });
});

describe('date-range entity columns', () => {
  it('lists the join keys of the requested views in order of first appearance, then event_timestamp', () => {
    expect(
      dateRangeEntityColumns(demo, {
        features: [
          'global_stats:num_rides',
          'order_outcomes:order_is_success',
          'driver_trips@latest:trips_today',
        ],
      }),
    ).toEqual([
      { name: 'driver_id', type: 'int64' },
      { name: 'customer_id', type: 'int64' },
      { name: 'event_timestamp', type: 'timestamp' },
    ]);
    expect(dateRangeEntityColumns(demo, { features: ['global_stats:num_rides'] })).toEqual([
      { name: 'event_timestamp', type: 'timestamp' },
    ]);
  });

  it("follows a feature service projection's join_key_map", () => {
    const { model } = testRegistry(
      [{ name: 'a', table: 't', keys: [['user_id', 'STRING']], features: [['x', 'DOUBLE']], ttlSeconds: 0 }],
      {
        featureServices: [
          {
            spec: {
              name: 's',
              project: 'jobs_test',
              features: [
                {
                  featureViewName: 'a',
                  joinKeyMap: { user_id: 'buyer' },
                  featureColumns: [{ name: 'x', valueType: 5 }],
                },
                {
                  featureViewName: 'a',
                  featureViewNameAlias: 'seller',
                  joinKeyMap: { user_id: 'seller' },
                  featureColumns: [{ name: 'x', valueType: 5 }],
                },
              ],
            },
          },
        ],
      },
    );
    expect(dateRangeEntityColumns(model, { featureService: 's' })).toEqual([
      { name: 'buyer', type: 'string' },
      { name: 'seller', type: 'string' },
      { name: 'event_timestamp', type: 'timestamp' },
    ]);
  });

  it('refuses request data, a key named event_timestamp, and one key with two types', () => {
    expect(
      detail(() => dateRangeEntityColumns(demo, { features: ['transformed_conv_rate:conv_rate_plus_100'] })),
    ).toEqual({
      kind: 'PlanInvalid',
      reason:
        'A date-range retrieval builds its entity rows from the feature sources, which hold no request data, but ' +
        'on-demand features need request fields (transformed_conv_rate needs val_to_add). Retrieve them with an ' +
        'entity frame, or leave the on-demand features out.',
    });
    const { model } = testRegistry([
      {
        name: 'a',
        table: 't',
        keys: [['event_timestamp', 'INT64']],
        features: [['x', 'DOUBLE']],
        ttlSeconds: 0,
      },
      { name: 'b', table: 't', keys: [['k', 'INT64']], features: [['x', 'DOUBLE']], ttlSeconds: 0 },
      { name: 'c', table: 't', keys: [['k', 'BOOL']], features: [['x', 'DOUBLE']], ttlSeconds: 0 },
    ]);
    expect(detail(() => dateRangeEntityColumns(model, { features: ['a:x'] }))).toEqual({
      kind: 'PlanInvalid',
      reason:
        'a joins on a column named event_timestamp, which a date-range retrieval needs for the event time.',
    });
    expect(detail(() => dateRangeEntityColumns(model, { features: ['b:x', 'c:x'] }))).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('The join key k holds int64 values in b but bool values in c'),
    });
  });
});

describe('date-range entity rows', () => {
  it('selects distinct keyed tuples per view in the window, NULL for the keys a view lacks, ordered totally', () => {
    const spec = {
      features: ['order_outcomes:order_is_success', 'driver_trips:trips_today', 'global_stats:num_rides'],
    };
    const columns = dateRangeEntityColumns(demo, spec);
    const plan = planRetrieval({
      registry: demo,
      ...spec,
      entityColumns: columns,
      entityTable: { schema: 'public', name: 'placeholder' },
    });
    const window = parseTimeWindow({ start: '2026-01-09', end: '2026-01-09T12:00:00Z' }) as Required<
      ReturnType<typeof parseTimeWindow>
    >;
    const rows = dateRangeRows(plan.groups, columns, window);
    expect(rows.select).toBe(
      [
        'SELECT DISTINCT',
        '  "s"."driver_id" AS "driver_id",',
        '  "s"."customer_id" AS "customer_id",',
        '  CAST("s"."event_timestamp" AS TIMESTAMPTZ) AS "event_timestamp"',
        'FROM "public"."orders" AS "s"',
        `WHERE "s"."event_timestamp" >= '2026-01-09 00:00:00'`,
        `  AND "s"."event_timestamp" <= '2026-01-09 12:00:00'`,
        '  AND "s"."driver_id" IS NOT NULL',
        '  AND "s"."customer_id" IS NOT NULL',
        'UNION',
        'SELECT DISTINCT',
        '  "s"."id" AS "driver_id",',
        '  CAST(NULL AS BIGINT) AS "customer_id",',
        '  CAST("s"."event_timestamp" AS TIMESTAMPTZ) AS "event_timestamp"',
        'FROM "public"."driver_trips" AS "s"',
        `WHERE "s"."event_timestamp" >= '2026-01-09 00:00:00'`,
        `  AND "s"."event_timestamp" <= '2026-01-09 12:00:00'`,
        '  AND "s"."id" IS NOT NULL',
      ].join('\n'),
    );
    expect(rows.orderBy).toEqual([
      '"event_timestamp" ASC',
      '"driver_id" ASC NULLS LAST',
      '"customer_id" ASC NULLS LAST',
    ]);
    expect(rows.description).toBe('from 2026-01-09T00:00:00Z to 2026-01-09T12:00:00Z');
  });
});
