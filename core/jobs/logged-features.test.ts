import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepoConfig } from '../config/load';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { loadRegistry } from '../registry/load';
import { createLoggingTableSql, loggingSchema, parseTableName } from './logged-features';
import { ddlType } from './write-columns';
import { writeTestRegistry } from './write-test-registry';

function detail(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkbenchError) return error.detail;
    throw error;
  }
  throw new Error('expected a WorkbenchError');
}

const shape = (schema: ReturnType<typeof loggingSchema>) =>
  schema.columns.map((c) => `${c.name} ${ddlType(c.type)}`);

describe('loggingSchema', () => {
  const registry = writeTestRegistry();

  it("follows Feast's order: per projection join keys (after join_key_map) or request fields, then features", () => {
    const schema = loggingSchema(registry, 'ranking');
    expect(schema.destination).toEqual({ schema: 'analytics', table: 'ranking_log' });
    expect(shape(schema)).toEqual([
      'driver_id BIGINT',
      'driver_stats__conv_rate REAL',
      'driver_stats__conv_rate__timestamp TIMESTAMPTZ',
      'driver_stats__conv_rate__status INTEGER',
      'driver_stats__avg_daily_trips INTEGER',
      'driver_stats__avg_daily_trips__timestamp TIMESTAMPTZ',
      'driver_stats__avg_daily_trips__status INTEGER',
      'previous_driver_id BIGINT',
      'previous__trips_today INTEGER',
      'previous__trips_today__timestamp TIMESTAMPTZ',
      'previous__trips_today__status INTEGER',
      // The on-demand view contributes its request source's fields, not its source views' join keys.
      'val_to_add BIGINT',
      'note VARCHAR(65535)',
      'adjusted__score DOUBLE PRECISION',
      'adjusted__score__timestamp TIMESTAMPTZ',
      'adjusted__score__status INTEGER',
      // An entityless view has no join key (Feast's __dummy_id is not logged).
      'global__num_rides INTEGER',
      'global__num_rides__timestamp TIMESTAMPTZ',
      'global__num_rides__status INTEGER',
      '__log_timestamp TIMESTAMPTZ',
      '__log_date DATE',
      '__request_id VARCHAR(65535)',
    ]);
  });

  it('logs a join key shared by two projections once, at its first position', () => {
    expect(shape(loggingSchema(registry, 'shared_keys')).slice(0, 5)).toEqual([
      'driver_id BIGINT',
      'driver_stats__city VARCHAR(65535)',
      'driver_stats__city__timestamp TIMESTAMPTZ',
      'driver_stats__city__status INTEGER',
      'trips__trips_today INTEGER',
    ]);
  });

  it('logs lists as SUPER and UNIX_TIMESTAMP as a naive TIMESTAMP, and refuses BYTES', () => {
    const schema = loggingSchema(registry, 'lists');
    expect(schema.destination).toEqual({ schema: 'public', table: 'Tag_Log' });
    expect(shape(schema).filter((c) => !c.includes('__timestamp ') && !c.includes('__status'))).toEqual([
      'driver_id BIGINT',
      'tags__tags SUPER',
      'tags__ratings SUPER',
      'tags__seen_at TIMESTAMP',
      'tags__active BOOLEAN',
      '__log_timestamp TIMESTAMPTZ',
      '__log_date DATE',
      '__request_id VARCHAR(65535)',
    ]);
    expect(detail(() => loggingSchema(registry, 'bytes'))).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringMatching(/^feature blobs:photo is BYTES, which has no column type/),
    });
  });

  it('refuses services without a Redshift destination, unknown services and unknown views', () => {
    expect(detail(() => loggingSchema(registry, 'unlogged'))).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('feature service unlogged has no Redshift logging destination'),
    });
    expect(detail(() => loggingSchema(registry, 'nope'))).toMatchObject({
      kind: 'NotFound',
      what: 'feature service',
    });
    expect(detail(() => loggingSchema(registry, 'broken'))).toEqual({
      kind: 'NotFound',
      what: 'feature view',
      name: 'nope',
      hint: 'feature service broken uses it',
    });
  });

  it("matches the demo repo's logged service", async () => {
    const config = await loadRepoConfig(path.resolve(import.meta.dirname, '../../assets/demo'));
    const schema = loggingSchema(await loadRegistry(config), 'driver_ranking_logged');
    expect(schema.destination).toEqual({ schema: 'public', table: 'driver_ranking_feature_log' });
    expect(schema.columns.map((c) => c.name)).toEqual([
      'driver_id',
      'driver_hourly_stats__conv_rate',
      'driver_hourly_stats__conv_rate__timestamp',
      'driver_hourly_stats__conv_rate__status',
      'driver_hourly_stats__avg_daily_trips',
      'driver_hourly_stats__avg_daily_trips__timestamp',
      'driver_hourly_stats__avg_daily_trips__status',
      'val_to_add',
      'transformed_conv_rate__conv_rate_plus_val_to_add',
      'transformed_conv_rate__conv_rate_plus_val_to_add__timestamp',
      'transformed_conv_rate__conv_rate_plus_val_to_add__status',
      '__log_timestamp',
      '__log_date',
      '__request_id',
    ]);
  });
});

describe('parseTableName', () => {
  it('reads the name as Redshift reads it unquoted: parts split on dots, folded unless quoted', () => {
    expect(parseTableName('Feature_Log')).toEqual({ schema: 'public', table: 'feature_log' });
    expect(parseTableName('Logs.Feature_Log')).toEqual({ schema: 'logs', table: 'feature_log' });
    expect(parseTableName('dev.logs.t')).toEqual({ database: 'dev', schema: 'logs', table: 't' });
    expect(parseTableName('"My.Schema"."Log ""x"""')).toEqual({ schema: 'My.Schema', table: 'Log "x"' });
    expect(parseTableName(' logs . t ')).toEqual({ schema: 'logs', table: 't' });
  });

  it('refuses empty parts, more than three parts and broken quotes', () => {
    for (const bad of ['', 'a..b', 'a.b.c.d', '"a', 'a"b"', '"a"b']) {
      expect(detail(() => parseTableName(bad))).toMatchObject({ kind: 'PlanInvalid' });
    }
  });
});

describe('createLoggingTableSql', () => {
  it('quotes every name, folds column names to lower case, creates only when missing', () => {
    const schema = loggingSchema(writeTestRegistry(), 'lists');
    const sql = createLoggingTableSql({
      ...schema,
      columns: [
        { name: 'Driver_ID', type: { kind: 'int', bits: 64 }, role: 'join key' },
        ...schema.columns.slice(1),
      ],
    });
    expect(sql.split('\n').slice(0, 3)).toEqual([
      'CREATE TABLE IF NOT EXISTS "public"."Tag_Log" (',
      '  "driver_id" BIGINT,',
      '  "tags__tags" SUPER,',
    ]);
    expect(sql.endsWith('  "__request_id" VARCHAR(65535)\n)')).toBe(true);
  });
});
