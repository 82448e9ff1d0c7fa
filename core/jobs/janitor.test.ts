import { describe, expect, it } from 'vitest';
import { formatDuration, isRunId, parseDuration, runIdOfStagingKey, runIdOfStagingTable } from './janitor';
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
