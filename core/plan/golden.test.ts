/**
 * Golden SQL: the exact text for each main plan shape, kept in __golden__/<name>.sql so reviews see real SQL.
 * After a deliberate change, regenerate with `FWB_UPDATE_GOLDEN=1 npx vitest run core/plan/golden.test.ts` and
 * read the diff.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EntityColumn } from '../frames/types';
import { universalRegistry } from './__fixtures__/registry';
import { planRetrieval } from './plan';
import type { RetrievalPlan, RetrievalRequest } from './types';

const GOLDEN_DIR = join(import.meta.dirname, '__golden__');
const UPDATE = process.env.FWB_UPDATE_GOLDEN === '1';

function expectGolden(name: string, plan: RetrievalPlan): void {
  const file = join(GOLDEN_DIR, `${name}.sql`);
  const text = `${plan.sql}\n`;
  if (UPDATE) writeFileSync(file, text);
  expect(existsSync(file), `${file} is missing; run with FWB_UPDATE_GOLDEN=1 to create it`).toBe(true);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const ENTITY_TABLE = { schema: 'fwb_stage', name: 'fwb_20210412t110000_1a2b3c4d_entities' };
const RANGE = { min: '2021-04-12T08:00:00Z', max: '2021-04-12T10:59:42.25Z' };

const DRIVER_FRAME: EntityColumn[] = [
  { name: 'driver_id', type: 'int64' },
  { name: 'event_timestamp', type: 'timestamp' },
];

function plan(request: Partial<RetrievalRequest>): RetrievalPlan {
  return planRetrieval({
    registry: universalRegistry(),
    entityColumns: DRIVER_FRAME,
    entityTable: ENTITY_TABLE,
    timestampRange: RANGE,
    ...request,
  });
}

describe('golden SQL', () => {
  it('one feature view with a TTL and a created timestamp', () => {
    const result = plan({ features: ['driver_hourly_stats:conv_rate', 'driver_hourly_stats:acc_rate'] });
    expect(result.split).toBe(false);
    expect(result.statements).toEqual([]);
    expect(result.resultQuery).toBe(result.sql);
    expectGolden('one-view', result);
  });

  it('several feature views, one of them a query source with two join keys', () => {
    expectGolden(
      'several-views',
      plan({
        entityColumns: [
          { name: 'customer_id', type: 'string' },
          { name: 'driver_id', type: 'int64' },
          { name: 'event_timestamp', type: 'timestamp' },
        ],
        features: [
          'driver_hourly_stats:conv_rate',
          'customer_profile:current_balance',
          'order:order_is_success',
          'driver_hourly_stats:avg_daily_trips',
        ],
      }),
    );
  });

  it('TTL 0 and no created timestamp', () => {
    expectGolden('ttl-zero-no-created', plan({ features: ['driver_lifetime:lifetime_rating'] }));
  });

  it('entityless feature view', () => {
    expectGolden(
      'entityless',
      plan({ features: ['global_stats:num_rides', 'global_stats:avg_ride_length'] }),
    );
  });

  it('field mapping on the join key, both timestamps and the feature', () => {
    expectGolden('field-mapping', plan({ features: ['driver_activity:trips'] }));
  });

  it('feature service with aliases and join_key_map, full feature names', () => {
    expectGolden(
      'feature-service-join-key-map',
      plan({
        featureService: 'entity_mapping',
        fullFeatureNames: true,
        entityColumns: [
          { name: 'origin_id', type: 'int64' },
          { name: 'destination_id', type: 'int64' },
          { name: 'event_timestamp', type: 'timestamp' },
        ],
      }),
    );
  });

  it('full feature names with filter_by_created_timestamp and a SUPER-typed feature', () => {
    expectGolden(
      'full-names-filter-created',
      plan({
        features: ['driver_hourly_stats:conv_rate', 'driver_hourly_stats:driver_metadata'],
        fullFeatureNames: true,
        filterByCreatedTimestamp: true,
      }),
    );
  });

  it('without a known timestamp range the pre-filter reads the entity table', () => {
    const { timestampRange: _unused, ...request } = {
      registry: universalRegistry(),
      entityColumns: DRIVER_FRAME,
      entityTable: ENTITY_TABLE,
      timestampRange: RANGE,
      features: ['driver_hourly_stats:conv_rate', 'driver_lifetime:lifetime_rating'],
    };
    expectGolden('no-timestamp-range', planRetrieval(request));
  });

  it('split into staged statements under a small statement limit', () => {
    const result = plan({
      features: ['driver_hourly_stats:conv_rate', 'global_stats:num_rides'],
      runId: 'fwb_20210412t110000_1a2b3c4d',
      stagingSchema: 'fwb_stage',
      maxStatementBytes: 1800,
    });
    expect(result.split).toBe(true);
    expect(result.sqlBytes).toBeGreaterThan(1800);
    expect(result.statements.map((s) => s.purpose)).toEqual([
      'Stage the point-in-time winners of driver_hourly_stats',
      'Stage the point-in-time winners of global_stats',
    ]);
    expect(result.cleanupTables).toEqual([
      '"fwb_stage"."fwb_20210412t110000_1a2b3c4d_winners_0"',
      '"fwb_stage"."fwb_20210412t110000_1a2b3c4d_winners_1"',
    ]);
    expect(result.sql).toBe([...result.statements.map((s) => s.sql), result.resultQuery].join(';\n\n') + ';');
    expectGolden('split', result);
  });
});
