import { describe, expect, it } from 'vitest';
import { planRetrieval } from '../plan/plan';
import { toRegistryModel } from '../registry/convert';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import type { RedshiftWriteResult, RetrievalJob } from './retrieval';
import { featureColumnName, savedDatasetDoc } from './saved-dataset';

const demo = toRegistryModel(demoRegistryDocument(), DEMO_PROJECT);

describe('featureColumnName', () => {
  it('names a recorded reference as the retrieval named its column', () => {
    expect(featureColumnName('driver_hourly_stats:conv_rate', false)).toBe('conv_rate');
    expect(featureColumnName('driver_hourly_stats:conv_rate', true)).toBe('driver_hourly_stats__conv_rate');
    expect(featureColumnName('driver_hourly_stats@v2:conv_rate', true)).toBe(
      'driver_hourly_stats__conv_rate',
    );
    expect(featureColumnName('conv_rate', true)).toBe('conv_rate');
  });
});

describe('savedDatasetDoc', () => {
  it('records the features (on-demand outputs included), the joined keys in frame order and the time range', () => {
    const plan = planRetrieval({
      registry: demo,
      featureService: 'driver_activity',
      fullFeatureNames: true,
      entityColumns: [
        { name: 'val_to_add', type: 'int64' },
        { name: 'customer_id', type: 'int64' },
        { name: 'event_timestamp', type: 'timestamp' },
        { name: 'previous_driver_id', type: 'int64' },
        { name: 'driver_id', type: 'int64' },
      ],
      entityTable: { name: 'entities' },
    });
    const write: RedshiftWriteResult = {
      table: '"analytics"."training"',
      rows: 3,
      plan,
      timestampRange: { min: '2026-01-06 21:00:00.25', max: '2026-01-10T06:00:00Z' },
    };
    const job = { spec: { featureService: 'driver_activity' } } as RetrievalJob;
    const doc = savedDatasetDoc(DEMO_PROJECT, job, write, {
      name: 'training',
      table: { schema: 'analytics', name: 'training' },
      now: new Date(Date.UTC(2026, 1, 1)),
    });
    expect(doc).toEqual({
      spec: {
        name: 'training',
        project: DEMO_PROJECT,
        features: [
          'driver_hourly_stats:conv_rate',
          'driver_hourly_stats:acc_rate',
          'driver_hourly_stats:avg_daily_trips',
          'customer_profile:current_balance',
          'customer_profile:lifetime_trip_count',
          'global_stats:num_rides',
          'global_stats:avg_ride_length',
          'previous_driver_trips:trips_today',
          'transformed_conv_rate:conv_rate_plus_100',
          'transformed_conv_rate:conv_rate_plus_val_to_add',
          'transformed_conv_rate:conv_rate_plus_100_rounded',
        ],
        joinKeys: ['customer_id', 'previous_driver_id', 'driver_id'],
        fullFeatureNames: true,
        storage: { redshiftStorage: { table: 'training', schema: 'analytics', database: '', query: '' } },
        tags: {},
        featureServiceName: 'driver_activity',
      },
      meta: {
        createdTimestamp: { seconds: Date.UTC(2026, 1, 1) / 1000, nanos: 0 },
        lastUpdatedTimestamp: { seconds: Date.UTC(2026, 1, 1) / 1000, nanos: 0 },
        minEventTimestamp: { seconds: Date.UTC(2026, 0, 6, 21) / 1000, nanos: 250_000_000 },
        maxEventTimestamp: { seconds: Date.UTC(2026, 0, 10, 6) / 1000, nanos: 0 },
      },
    });
  });
});
