import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readCsvEntityFrame } from '../frames/csv';
import { entityTimestampRange } from './entity-range';

function table(type: arrow.Timestamp, values: bigint[], valid: boolean[]): arrow.Table {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  valid.forEach((ok, i) => {
    if (ok) nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  const data = arrow.makeData({
    type,
    length: values.length,
    nullCount: valid.filter((ok) => !ok).length,
    nullBitmap,
    data: BigInt64Array.from(values),
  });
  return new arrow.Table({ ts: arrow.makeVector(data) });
}

describe('entityTimestampRange', () => {
  it('reads the earliest and latest timestamps of a CSV entity frame, to the microsecond', () => {
    const csv = [
      'driver_id,event_timestamp',
      '1,2021-04-12T10:00:00.000001Z',
      '3,2021-04-12T12:00:00+02:00',
      '4,2021-04-11T23:59:59.5Z',
    ].join('\n');
    const frame = readCsvEntityFrame(new TextEncoder().encode(csv), { file: 'e.csv' });
    expect(entityTimestampRange(frame.table, frame.timestampColumn)).toEqual({
      min: '2021-04-11 23:59:59.5',
      max: '2021-04-12 10:00:00.000001',
    });
    expect(entityTimestampRange(frame.table, 'driver_id')).toBeUndefined();
  });

  it('skips NULLs, rounds nanoseconds outward and gives nothing for an all-NULL column', () => {
    const ns = table(
      new arrow.TimestampNanosecond('UTC'),
      [1_618_221_600_000_000_500n, 0n, 1_618_221_600_000_001_500n],
      [true, false, true],
    );
    expect(entityTimestampRange(ns, 'ts')).toEqual({
      min: '2021-04-12 10:00:00',
      max: '2021-04-12 10:00:00.000002',
    });
    const seconds = table(new arrow.TimestampSecond('UTC'), [1_618_221_600n], [true]);
    expect(entityTimestampRange(seconds, 'ts')).toEqual({
      min: '2021-04-12 10:00:00',
      max: '2021-04-12 10:00:00',
    });
    const empty = table(new arrow.TimestampMicrosecond('UTC'), [0n, 0n], [false, false]);
    expect(entityTimestampRange(empty, 'ts')).toBeUndefined();
  });
});
