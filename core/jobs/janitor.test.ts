import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatJanitorReport,
  isRunId,
  parseDuration,
  runIdOfStagingKey,
  runIdOfStagingTable,
  type JanitorReport,
} from './janitor';
import { newRunId } from './naming';

describe('what the janitor recognises as the workbench’s', () => {
  it('accepts run ids the workbench makes, and only real timestamps', () => {
    expect(isRunId(newRunId(new Date('2026-02-28T23:59:59Z')))).toBe(true);
    expect(isRunId('fwb_20260101t000000_0123abcd')).toBe(true);
    for (const name of [
      'fwb_20260230t000000_0123abcd', // 30 February
      'fwb_20260101t250000_0123abcd', // 25 o'clock
      'fwb_20260101t000060_0123abcd',
      'fwb_20260101t000000_0123abcz', // not hex
      'fwb_20260101t000000_0123ABCD', // upper case: not what newRunId writes
      'fwb_20260101t000000_0123abc', // 7 hex digits
      'fwb_20260101t000000_0123abcde',
      'FWB_20260101t000000_0123abcd',
      'fwb_20260101T000000_0123abcd',
      'fwb_2026010t1000000_0123abcd',
      ' fwb_20260101t000000_0123abcd',
      'fwb_20260101t000000_0123abcd ',
      'fwb_something',
      '',
    ]) {
      expect(isRunId(name), name).toBe(false);
    }
  });

  it('takes a table only when its name is exactly <run id>_<part>', () => {
    expect(runIdOfStagingTable('fwb_20260101t000000_0123abcd_entities')).toBe('fwb_20260101t000000_0123abcd');
    expect(runIdOfStagingTable('fwb_20260101t000000_0123abcd_winners_3')).toBe(
      'fwb_20260101t000000_0123abcd',
    );
    for (const name of [
      'fwb_20260101t000000_0123abcd', // a run id alone is no staging table
      'fwb_20260101t000000_0123abcd_',
      'fwb_20260101t000000_zz',
      'fwb_20260101t000000_zz_entities',
      'fwb_20260230t000000_0123abcd_entities',
      'fwb_20260101t000000_0123abcd_Entities',
      'fwb_20260101t000000_0123abcd_ent-ities',
      'fwb_20260101t000000_0123abcd_entities ',
      'xfwb_20260101t000000_0123abcd_entities',
      'fwb_something',
      'orders',
    ]) {
      expect(runIdOfStagingTable(name), name).toBeUndefined();
    }
  });

  it('takes an object only inside a folder named by a run id', () => {
    expect(runIdOfStagingKey('fwb_20260101t000000_0123abcd/entities.parquet')).toBe(
      'fwb_20260101t000000_0123abcd',
    );
    expect(runIdOfStagingKey('fwb_20260101t000000_0123abcd/unload/0000_part_00.parquet')).toBe(
      'fwb_20260101t000000_0123abcd',
    );
    expect(runIdOfStagingKey('fwb_20260101t000000_0123abcd/')).toBe('fwb_20260101t000000_0123abcd');
    for (const key of [
      'fwb_20260101t000000_0123abcd', // an object named like a run, not a folder
      'fwb_20260101t000000_0123abcdx/a',
      'fwb_20260101t000000_zz/a',
      'notes/fwb_20260101t000000_0123abcd/a',
      '/fwb_20260101t000000_0123abcd/a',
      'readme.txt',
      '',
    ]) {
      expect(runIdOfStagingKey(key), key).toBeUndefined();
    }
  });
});

describe('durations', () => {
  it('reads 90m, 6h, 2d, combinations and 0', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('6h')).toBe(6 * 3_600_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('1.5h')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
    expect(parseDuration(' 2D ')).toBe(2 * 86_400_000);
    expect(parseDuration('0')).toBe(0);
    for (const text of ['', '24', 'h', '-1h', '1 h', '1y', '1h 30m', 'abc', '1.h']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
  });

  it('prints the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(90 * 60_000)).toBe('1h 30m');
    expect(formatDuration(2 * 86_400_000 + 3_600_000 + 59_000)).toBe('2d 1h');
    expect(formatDuration(86_400_000 + 59_000)).toBe('1d');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('formatJanitorReport', () => {
  const run = {
    runId: 'fwb_20260220t080000_0123abcd',
    startedAt: new Date('2026-02-20T08:00:00Z'),
    lastActivity: new Date('2026-02-20T08:01:00Z'),
    ageMs: 2 * 86_400_000 + 3 * 3_600_000,
    tables: [],
  };
  const young = { ...run, runId: 'fwb_20260222t100000_89abcdef', ageMs: 25 * 60_000 };
  const base = {
    olderThanMs: 86_400_000,
    schema: 'public',
    folder: { bucket: 'b', key: 'staging/fwb/' },
    kept: [young],
  };

  it('says what was removed, what failed and what was kept', () => {
    const report: JanitorReport = {
      ...base,
      dryRun: false,
      failures: 1,
      cleaned: [
        {
          run,
          tables: [
            { target: '"public"."fwb_20260220t080000_0123abcd_entities"', removed: true },
            {
              target: '"public"."fwb_20260220t080000_0123abcd_winners_0"',
              removed: false,
              error: 'must be owner of relation',
            },
          ],
          objects: {
            target: 's3://b/staging/fwb/fwb_20260220t080000_0123abcd/',
            removed: true,
            objects: 2,
            bytes: 2048,
          },
        },
      ],
    };
    expect(formatJanitorReport(report)).toEqual([
      'Staging leftovers older than 1d in schema "public" and s3://b/staging/fwb/:',
      'fwb_20260220t080000_0123abcd  started 2026-02-20 08:00:00 UTC, last activity 2d 3h ago',
      '  removed       table "public"."fwb_20260220t080000_0123abcd_entities"',
      '  FAILED        table "public"."fwb_20260220t080000_0123abcd_winners_0": must be owner of relation',
      '  removed       s3://b/staging/fwb/fwb_20260220t080000_0123abcd/ (2 objects, 2.0 KB)',
      'Kept 1 run active less than 1d ago: fwb_20260222t100000_89abcdef (25m)',
      'Removed 1 table and 2 objects of 1 run; 1 removal(s) failed.',
    ]);
  });

  it('words a dry run and an empty one', () => {
    const objects = { target: 's3://b/staging/fwb/x/', removed: false, objects: 1, bytes: 10 };
    expect(
      formatJanitorReport({ ...base, dryRun: true, failures: 0, cleaned: [{ run, tables: [], objects }] }),
    ).toEqual([
      'Staging leftovers older than 1d in schema "public" and s3://b/staging/fwb/:',
      'fwb_20260220t080000_0123abcd  started 2026-02-20 08:00:00 UTC, last activity 2d 3h ago',
      '  would remove  s3://b/staging/fwb/x/ (1 object, 10 B)',
      'Kept 1 run active less than 1d ago: fwb_20260222t100000_89abcdef (25m)',
      'Dry run: would remove 0 tables and 1 object of 1 run; run without --dry-run to remove them.',
    ]);
    const { schema: _, ...everySchema } = base;
    expect(
      formatJanitorReport({ ...everySchema, kept: [], dryRun: false, failures: 0, cleaned: [] }),
    ).toEqual(['No staging leftovers older than 1d in every schema and s3://b/staging/fwb/.']);
  });
});
