/**
 * Cell text straight from Arrow column vectors: the grid asks for (column, row) and never builds row objects.
 * Timestamps are read from their raw int64 values so microseconds survive, and shown in UTC with the offset;
 * int64 stays exact (bigint); SQL NULL is `null`, distinct from an empty string.
 */
import * as arrow from 'apache-arrow';

export type Align = 'left' | 'right';

export interface CellColumn {
  name: string;
  /** The Arrow type, shortened for the header ("int64", "timestamp[us, UTC]"). */
  typeLabel: string;
  align: Align;
  nullCount: number;
  /** Text of row `row`, or null for SQL NULL. */
  text(row: number): string | null;
  /** Suggested width in pixels. */
  width: number;
}

const MICROS_PER_UNIT: Record<number, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1_000n,
  [arrow.TimeUnit.MICROSECOND]: 1n,
};

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Microseconds since the epoch -> "2026-01-07 03:47:22.105", fraction trimmed to ms or us as needed. */
export function formatMicros(micros: bigint): string {
  const seconds = floorDiv(micros, 1_000_000n);
  const fraction = Number(micros - seconds * 1_000_000n);
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return micros.toString();
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (or ±YYYYYY-...)
  const base = iso.slice(0, iso.indexOf('.')).replace('T', ' ');
  if (fraction === 0) return base;
  const digits = fraction.toString().padStart(6, '0');
  return `${base}.${digits.endsWith('000') ? digits.slice(0, 3) : digits}`;
}

/** The shortest decimal that reads back as the same float32 (what was stored), not the widened double. */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

export function typeLabel(type: arrow.DataType): string {
  if (arrow.DataType.isTimestamp(type)) {
    const unit = ['s', 'ms', 'us', 'ns'][type.unit] ?? '?';
    return `timestamp[${unit}${type.timezone ? `, ${type.timezone}` : ''}]`;
  }
  if (arrow.DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (arrow.DataType.isFloat(type)) return ['float16', 'float32', 'float64'][type.precision] ?? 'float';
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return 'string';
  if (arrow.DataType.isBool(type)) return 'bool';
  if (arrow.DataType.isDate(type)) return 'date';
  if (arrow.DataType.isDictionary(type)) return typeLabel(type.dictionary);
  return String(type).toLowerCase();
}

function jsonText(value: unknown): string {
  const plain =
    typeof (value as { toJSON?: unknown })?.toJSON === 'function'
      ? (value as { toJSON(): unknown }).toJSON()
      : value;
  return (
    JSON.stringify(plain, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)
  );
}

/** Finds the chunk holding a row, for raw reads over multi-batch columns. */
function chunkLocator(vector: arrow.Vector): (row: number) => { data: arrow.Data; index: number } {
  const starts: number[] = [];
  let total = 0;
  for (const data of vector.data) {
    starts.push(total);
    total += data.length;
  }
  return (row) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return { data: vector.data[lo]!, index: row - starts[lo]! };
  };
}

function textFor(vector: arrow.Vector): (row: number) => string | null {
  const type = vector.type as arrow.DataType;
  if (arrow.DataType.isTimestamp(type)) {
    const locate = chunkLocator(vector);
    const unit = type.unit;
    const offset = type.timezone ? '+00:00' : '';
    return (row) => {
      if (!vector.isValid(row)) return null;
      const { data, index } = locate(row);
      const raw = (data.values as BigInt64Array)[data.offset + index]!;
      const micros = unit === arrow.TimeUnit.NANOSECOND ? floorDiv(raw, 1000n) : raw * MICROS_PER_UNIT[unit]!;
      return `${formatMicros(micros)}${offset}`;
    };
  }
  if (arrow.DataType.isDate(type)) {
    return (row) => {
      const value = vector.get(row) as number | Date | null;
      if (value === null || value === undefined) return null;
      const ms = value instanceof Date ? value.getTime() : Number(value);
      return new Date(ms).toISOString().slice(0, 10);
    };
  }
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type)) {
    return (row) => {
      const value = vector.get(row) as Uint8Array | null;
      return value === null ? null : `<${value.byteLength} bytes>`;
    };
  }
  if (arrow.DataType.isFloat(type) && type.precision === arrow.Precision.SINGLE) {
    return (row) => {
      const value = vector.get(row) as number | null;
      return value === null || value === undefined ? null : formatFloat32(value);
    };
  }
  return (row) => {
    const value: unknown = vector.get(row);
    if (value === null || value === undefined) return null;
    switch (typeof value) {
      case 'string':
        return value;
      case 'number':
      case 'bigint':
      case 'boolean':
        return String(value);
      default:
        return jsonText(value);
    }
  };
}

function isNumeric(type: arrow.DataType): boolean {
  const inner = arrow.DataType.isDictionary(type) ? type.dictionary : type;
  return arrow.DataType.isInt(inner) || arrow.DataType.isFloat(inner) || arrow.DataType.isDecimal(inner);
}

export function cellColumns(table: arrow.Table): CellColumn[] {
  return table.schema.fields.map((field, index) => {
    const vector = table.getChildAt(index)!;
    const type = field.type as arrow.DataType;
    const label = typeLabel(type);
    const timestamp = arrow.DataType.isTimestamp(type);
    const width = Math.min(
      320,
      Math.max(90, field.name.length * 8 + 24, label.length * 7 + 24, timestamp ? 230 : 0),
    );
    return {
      name: field.name,
      typeLabel: label,
      align: isNumeric(type) ? 'right' : 'left',
      nullCount: vector.nullCount,
      text: textFor(vector),
      width,
    };
  });
}
