/**
 * Arrow columns -> PostgreSQL CSV input, for COPY from Parquet and for Parquet files in the data folder.
 * Values are written in PostgreSQL's input syntax with exact integers and microsecond timestamps, so the
 * database parses and types them (COPY ... FROM '/dev/blob' is the fast path into PGlite).
 */
import { DataType, Type, type Data, type Field, type RecordBatch, type Vector } from 'apache-arrow';

/** Formats the value at row i of a column as PostgreSQL input text, or null for SQL NULL. */
export type ValueFormatter = (i: number) => string | null;

/** A readable name of an Arrow type for error messages. */
export function describeArrowType(type: DataType): string {
  return String(type);
}

const MICROS_PER_UNIT = [1_000_000n, 1_000n, 1n, 0n]; // SECOND, MILLISECOND, MICROSECOND, NANOSECOND

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` for a count of microseconds since the epoch (UTC). */
export function formatMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const subMs = Number(micros - ms * 1000n);
  const date = new Date(Number(ms));
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 1 || year > 294276)
    throw new RangeError(`timestamp out of range: ${micros} microseconds since 1970`);
  const fraction = date.getUTCMilliseconds() * 1000 + subMs;
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
    (fraction === 0 ? '' : `.${pad(fraction, 6)}`)
  );
}

export function formatDays(days: number): string {
  const date = new Date(days * 86_400_000);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 1) throw new RangeError(`date out of range: day ${days}`);
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

function formatTimeOfDay(micros: bigint): string {
  const total = Number(micros);
  const seconds = Math.floor(total / 1_000_000);
  const fraction = total % 1_000_000;
  return (
    `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}` +
    (fraction === 0 ? '' : `.${pad(fraction, 6)}`)
  );
}

/** An unscaled decimal integer with `scale` digits after the point, as text. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function decimalAt(data: Data, i: number): bigint {
  const words = data.values as Uint32Array;
  const stride = ((data.type as { bitWidth?: number }).bitWidth ?? 128) / 32;
  let value = 0n;
  for (let w = stride - 1; w >= 0; w--) value = (value << 32n) | BigInt(words[i * stride + w]!);
  return BigInt.asIntN(stride * 32, value);
}

/** JSON text of an Arrow value (struct rows, lists, maps), with int64 kept exact. */
export function jsonOf(value: unknown): string {
  return JSON.stringify(toJsonValue(value), (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') {
    const candidate = value as { toJSON?: () => unknown; [Symbol.iterator]?: unknown };
    if (typeof candidate.toJSON === 'function') {
      const json = candidate.toJSON();
      if (Array.isArray(json)) return json.map(toJsonValue);
      if (json && typeof json === 'object')
        return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, toJsonValue(v)]));
      return json;
    }
    if (value instanceof Map)
      return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  }
  return value;
}

/**
 * A formatter for one column of a record batch. `asJson` writes every value as JSON (for SUPER columns
 * loaded with SERIALIZETOJSON: strings become JSON strings, nested values JSON documents).
 */
export function valueFormatter(vector: Vector, asJson: boolean): ValueFormatter {
  const type = vector.type as DataType;
  const data = vector.data[0]!;
  const valid = (i: number) => vector.isValid(i);
  const nullable =
    (format: (i: number) => string): ValueFormatter =>
    (i) =>
      valid(i) ? format(i) : null;
  if (asJson) {
    if (DataType.isTimestamp(type) || DataType.isDate(type) || DataType.isDecimal(type))
      return nullable((i) => JSON.stringify(valueFormatter(vector, false)(i)));
    return nullable((i) => jsonOf(vector.get(i)));
  }
  switch (type.typeId) {
    case Type.Null:
      return () => null;
    case Type.Int:
      return nullable((i) => String(vector.get(i)));
    case Type.Float:
      return nullable((i) => {
        const v = vector.get(i) as number;
        if (Number.isNaN(v)) return 'NaN';
        if (v === Infinity) return 'Infinity';
        if (v === -Infinity) return '-Infinity';
        return String(v);
      });
    case Type.Bool:
      return nullable((i) => (vector.get(i) ? 't' : 'f'));
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary:
      return nullable((i) => String(vector.get(i)));
    case Type.Timestamp: {
      const unit = (type as unknown as { unit: number }).unit;
      const values = data.values as BigInt64Array;
      const suffix = (type as unknown as { timezone?: string | null }).timezone ? '+00' : '';
      return nullable((i) => {
        const raw = values[i]!;
        const micros = unit === 3 ? raw / 1000n - (raw % 1000n < 0n ? 1n : 0n) : raw * MICROS_PER_UNIT[unit]!;
        return formatMicros(micros) + suffix;
      });
    }
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit;
      return nullable((i) => {
        const raw = data.values[i] as number | bigint;
        return formatDays(unit === 0 ? Number(raw) : Math.floor(Number(raw) / 86_400_000));
      });
    }
    case Type.Time: {
      const unit = (type as unknown as { unit: number }).unit;
      return nullable((i) => {
        const raw = BigInt(data.values[i] as number | bigint);
        return formatTimeOfDay(unit === 3 ? raw / 1000n : raw * MICROS_PER_UNIT[unit]!);
      });
    }
    case Type.Decimal: {
      const scale = (type as unknown as { scale: number }).scale;
      return nullable((i) => formatDecimal(decimalAt(data, i), scale));
    }
    default:
      return nullable((i) => jsonOf(vector.get(i)));
  }
}

/** Arrow type families, for Redshift's (strict) compatibility check between a Parquet column and a table column. */
export function arrowFamily(type: DataType): string {
  switch (type.typeId) {
    case Type.Int:
      return 'integer';
    case Type.Float:
      return 'float';
    case Type.Decimal:
      return 'decimal';
    case Type.Bool:
      return 'boolean';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Dictionary:
      return arrowFamily((type as unknown as { dictionary: DataType }).dictionary);
    case Type.Timestamp:
      return 'timestamp';
    case Type.Date:
      return 'date';
    case Type.Time:
      return 'time';
    case Type.Null:
      return 'null';
    case Type.Struct:
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.Map:
      return 'nested';
    default:
      return 'other';
  }
}

/** The Arrow families a PostgreSQL column type (by pg_type.typname) accepts from a Parquet file. */
export function acceptedFamilies(typname: string): string[] {
  switch (typname) {
    case 'int2':
    case 'int4':
    case 'int8':
      return ['integer', 'null'];
    case 'numeric':
      return ['integer', 'decimal', 'null'];
    case 'float4':
    case 'float8':
      return ['float', 'null'];
    case 'bool':
      return ['boolean', 'null'];
    case 'varchar':
    case 'bpchar':
    case 'text':
      return ['string', 'null'];
    case 'date':
      return ['date', 'null'];
    case 'timestamp':
    case 'timestamptz':
      return ['timestamp', 'date', 'null'];
    case 'time':
    case 'timetz':
      return ['time', 'null'];
    case 'super':
      return ['integer', 'float', 'decimal', 'boolean', 'string', 'timestamp', 'date', 'nested', 'null'];
    default:
      return ['string', 'null'];
  }
}

/** CSV text (PostgreSQL's CSV dialect) for the given columns of a record batch, one line per row. */
export function batchToCsv(batch: RecordBatch, columns: { index: number; asJson: boolean }[]): string {
  const formatters = columns.map((c) => valueFormatter(batch.getChildAt(c.index)!, c.asJson));
  const lines: string[] = new Array<string>(batch.numRows);
  const cells: string[] = new Array<string>(formatters.length);
  for (let row = 0; row < batch.numRows; row++) {
    for (let c = 0; c < formatters.length; c++) {
      const value = formatters[c]!(row);
      cells[c] = value === null ? '' : `"${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
    }
    lines[row] = cells.join(',');
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The field's name as Redshift would fold it (lower case). */
export function foldedName(field: Field): string {
  return field.name.toLowerCase();
}
