/** The earliest and latest entity timestamps of an Arrow entity frame, for the plan's source pre-filter. */

import * as arrow from 'apache-arrow';
import { formatSqlTimestamp } from './time';

/** Microseconds per unit of arrow.TimeUnit (SECOND, MILLISECOND, MICROSECOND); NANOSECOND divides instead. */
const MICROS_PER_UNIT: Record<number, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1_000n,
  [arrow.TimeUnit.MICROSECOND]: 1n,
};

function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const j = data.offset + i;
  return (data.nullBitmap[j >>> 3]! & (1 << (j & 7))) !== 0;
}

/**
 * Reads the typed values directly (no row objects). Returns undefined when the column has no non-null value, or is
 * not a timestamp column; the plan then reads the range from the staged table instead.
 */
export function entityTimestampRange(
  table: arrow.Table,
  column: string,
): { min: string; max: string } | undefined {
  const vector = table.getChild(column);
  if (!vector || !arrow.DataType.isTimestamp(vector.type)) return undefined;
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const data of vector.data) {
    const values = data.values as BigInt64Array;
    for (let i = 0; i < data.length; i++) {
      if (!isValid(data, i)) continue;
      const value = values[data.offset + i]!;
      if (min === undefined || value < min) min = value;
      if (max === undefined || value > max) max = value;
    }
  }
  if (min === undefined || max === undefined) return undefined;
  const unit = (vector.type as arrow.Timestamp).unit;
  const toMicros = (value: bigint, round: 'floor' | 'ceil') => {
    if (unit !== arrow.TimeUnit.NANOSECOND) return value * MICROS_PER_UNIT[unit]!;
    const floor = value >= 0n ? value / 1000n : -((-value + 999n) / 1000n);
    return round === 'ceil' && floor * 1000n !== value ? floor + 1n : floor;
  };
  return {
    min: formatSqlTimestamp(toMicros(min, 'floor')),
    max: formatSqlTimestamp(toMicros(max, 'ceil')),
  };
}
