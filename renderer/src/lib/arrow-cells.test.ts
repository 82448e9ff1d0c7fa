import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cellColumns, formatFloat32, formatMicros } from './arrow-cells';

describe('grid cells from Arrow vectors', () => {
  it('formats timestamps from the raw int64 values, in UTC with the offset, microseconds kept', () => {
    expect(formatMicros(0n)).toBe('1970-01-01 00:00:00');
    expect(formatMicros(1_767_744_442_105_000n)).toBe('2026-01-07 00:07:22.105');
    expect(formatMicros(1_767_744_442_105_123n)).toBe('2026-01-07 00:07:22.105123');
    expect(formatMicros(-1n)).toBe('1969-12-31 23:59:59.999999');
    const raw = (type: arrow.Timestamp, values: bigint[], valid: number[] = values.map(() => 1)) =>
      arrow.makeVector(
        arrow.makeData({
          type,
          length: values.length,
          data: BigInt64Array.from(values),
          nullBitmap: Uint8Array.from([valid.reduce((bits, v, i) => bits | (v << i), 0)]),
        }),
      );
    const table = new arrow.Table({
      ts: raw(new arrow.TimestampMicrosecond('UTC'), [1_767_744_442_105_123n, 0n], [1, 0]),
      naive: raw(new arrow.TimestampMillisecond(), [0n, 0n]),
    });
    const [ts, naive] = cellColumns(table);
    expect(ts!.text(0)).toBe('2026-01-07 00:07:22.105123+00:00');
    expect(ts!.text(1)).toBeNull();
    expect(ts!.typeLabel).toBe('timestamp[us, UTC]');
    expect(naive!.text(0)).toBe('1970-01-01 00:00:00');
  });

  it('keeps int64 exact, right-aligns numbers, and tells NULL from an empty string', () => {
    const table = new arrow.Table({
      id: arrow.vectorFromArray([9007199254740993n, null], new arrow.Int64()),
      name: arrow.vectorFromArray(['', null, 'x'], new arrow.Utf8()).slice(0, 2),
    });
    const [id, name] = cellColumns(table);
    expect(id!.text(0)).toBe('9007199254740993');
    expect(id!.align).toBe('right');
    expect(id!.nullCount).toBe(1);
    expect(name!.text(0)).toBe('');
    expect(name!.text(1)).toBeNull();
    expect(name!.align).toBe('left');
  });

  it('shows float32 values as stored, not widened', () => {
    expect(formatFloat32(Math.fround(0.4857))).toBe('0.4857');
    expect(formatFloat32(Math.fround(1e-7))).toBe('1e-7');
    expect(formatFloat32(Number.NaN)).toBe('NaN');
    const table = new arrow.Table({ f: arrow.vectorFromArray([0.4857, null], new arrow.Float32()) });
    expect(cellColumns(table)[0]!.text(0)).toBe('0.4857');
  });

  it('reads rows across record batches', () => {
    const a = arrow.tableFromArrays({ ts: new BigInt64Array([1_000_000n]) });
    const b = arrow.tableFromArrays({ ts: new BigInt64Array([2_000_000n, 3_000_000n]) });
    const table = a.concat(b);
    const [column] = cellColumns(table);
    expect([0, 1, 2].map((row) => column!.text(row))).toEqual(['1000000', '2000000', '3000000']);
  });
});
