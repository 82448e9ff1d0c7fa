/**
 * PostgreSQL text rows -> Arrow record batches, for UNLOAD ... FORMAT AS PARQUET. Integers stay exact (int8 as
 * Int64), timestamps become Timestamp(MICROSECOND) with tz 'UTC' for timestamptz and none for timestamp,
 * numerics Decimal128; columns are built by hand (offsets + bytes) because Arrow's builders are slow.
 */
import type { DataType } from 'apache-arrow';
import {
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  TimeMicrosecond,
  TimestampMicrosecond,
  Utf8,
  makeData,
  type Data,
} from 'apache-arrow';
import { OID } from './pg-types';
import type { FieldInfo } from './pg-session';

export interface UnloadColumn {
  name: string;
  type: DataType;
  build(values: (string | null)[]): Data;
}

function nullBitmap(values: (string | null)[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { bitmap, nullCount };
}

function fixedWidth<T extends DataType>(
  type: T,
  make: (n: number) => { [index: number]: number | bigint },
  parse: (text: string) => number | bigint,
): (values: (string | null)[]) => Data {
  return (values) => {
    const data = make(values.length);
    for (let i = 0; i < values.length; i++) {
      const text = values[i];
      if (text !== null && text !== undefined) data[i] = parse(text);
    }
    const { bitmap, nullCount } = nullBitmap(values);
    return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data } as never);
  };
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

function year(text: string, bc: string | undefined): number {
  const y = Number(text);
  return bc ? 1 - y : y;
}

/** Days since 1970-01-01 for PostgreSQL's date text. */
export function parseDateText(text: string): number {
  const m = DATE.exec(text);
  if (!m) throw new RangeError(`cannot unload the date value "${text}"`);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  const d = new Date(0);
  d.setUTCFullYear(year(m[1]!, m[4]), Number(m[2]) - 1, Number(m[3]));
  return Math.round(d.getTime() / 86_400_000);
}

/** Microseconds since the epoch for PostgreSQL's timestamp / timestamptz text. */
export function parseTimestampText(text: string): bigint {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new RangeError(`cannot unload the timestamp value "${text}"`);
  const d = new Date(0);
  d.setUTCFullYear(year(m[1]!, m[12]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let micros = BigInt(d.getTime()) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1_000_000;
    micros -= BigInt(m[8] === '-' ? -offset : offset);
  }
  return micros;
}

function parseTimeText(text: string): bigint {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new RangeError(`cannot unload the time value "${text}"`);
  return (
    BigInt((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1_000_000) +
    BigInt((m[4] ?? '').padEnd(6, '0') || '0')
  );
}

/** The unscaled integer of a numeric's text at `scale` digits, rounded half away from zero. */
export function parseDecimalText(text: string, scale: number): bigint {
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === ''))
    throw new RangeError(`cannot unload the numeric value "${text}"`);
  const fraction = m[3] ?? '';
  let unscaled = BigInt((m[2] || '0') + fraction.slice(0, scale).padEnd(scale, '0'));
  if (fraction.length > scale && Number(fraction[scale]) >= 5) unscaled += 1n;
  return m[1] === '-' ? -unscaled : unscaled;
}

function decimalColumn(precision: number, scale: number): (values: (string | null)[]) => Data {
  const type = new Decimal(scale, precision, 128);
  return (values) => {
    const words = new Uint32Array(values.length * 4);
    for (let i = 0; i < values.length; i++) {
      const text = values[i];
      if (text === null || text === undefined) continue;
      let v = BigInt.asUintN(128, parseDecimalText(text, scale));
      for (let w = 0; w < 4; w++) {
        words[i * 4 + w] = Number(v & 0xffffffffn);
        v >>= 32n;
      }
    }
    const { bitmap, nullCount } = nullBitmap(values);
    return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: words });
  };
}

function boolColumn(values: (string | null)[]): Data {
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v === 't') bits[i >> 3]! |= 1 << (i & 7);
  });
  const { bitmap, nullCount } = nullBitmap(values);
  return makeData({ type: new Bool(), length: values.length, nullCount, nullBitmap: bitmap, data: bits });
}

function utf8Column(values: (string | null)[]): Data {
  const encoded: Buffer[] = [];
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const text = values[i];
    if (text !== null && text !== undefined) {
      const bytes = Buffer.from(text, 'utf8');
      encoded.push(bytes);
      total += bytes.length;
    }
    offsets[i + 1] = total;
  }
  const { bitmap, nullCount } = nullBitmap(values);
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    data: new Uint8Array(Buffer.concat(encoded, total)),
  });
}

/** Largest number of fraction digits among numeric texts (for numerics declared without a scale). */
export function observedScale(values: readonly (string | null)[]): number {
  let scale = 0;
  for (const v of values) {
    if (v === null) continue;
    const dot = v.indexOf('.');
    if (dot >= 0) scale = Math.max(scale, v.length - dot - 1);
  }
  return scale;
}

/**
 * How each result column is unloaded. `sample` is the first rows fetched; it fixes the scale of numerics
 * declared without one (Redshift always knows a numeric's scale; PostgreSQL expressions may not).
 */
export function planUnloadColumns(fields: FieldInfo[], sample: (string | null)[][]): UnloadColumn[] {
  return fields.map((field, index) => {
    const name = field.name;
    const typmod = field.dataTypeModifier;
    switch (field.dataTypeID) {
      case OID.int2:
        return { name, type: new Int16(), build: fixedWidth(new Int16(), (n) => new Int16Array(n), Number) };
      case OID.int4:
        return { name, type: new Int32(), build: fixedWidth(new Int32(), (n) => new Int32Array(n), Number) };
      case OID.int8:
        return {
          name,
          type: new Int64(),
          build: fixedWidth(new Int64(), (n) => new BigInt64Array(n), BigInt),
        };
      case OID.float4:
        return {
          name,
          type: new Float32(),
          build: fixedWidth(new Float32(), (n) => new Float32Array(n), Number),
        };
      case OID.float8:
        return {
          name,
          type: new Float64(),
          build: fixedWidth(new Float64(), (n) => new Float64Array(n), Number),
        };
      case OID.bool:
        return { name, type: new Bool(), build: boolColumn };
      case OID.numeric: {
        let precision = 38;
        let scale: number;
        if (typmod >= 4) {
          precision = ((typmod - 4) >> 16) & 0xffff;
          scale = (typmod - 4) & 0xffff;
        } else scale = Math.min(observedScale(sample.map((row) => row[index] ?? null)), 37);
        return { name, type: new Decimal(scale, precision, 128), build: decimalColumn(precision, scale) };
      }
      case OID.date:
        return {
          name,
          type: new DateDay(),
          build: fixedWidth(new DateDay(), (n) => new Int32Array(n), parseDateText),
        };
      case OID.timestamp:
        return {
          name,
          type: new TimestampMicrosecond(),
          build: fixedWidth(new TimestampMicrosecond(), (n) => new BigInt64Array(n), parseTimestampText),
        };
      case OID.timestamptz:
        return {
          name,
          type: new TimestampMicrosecond('UTC'),
          build: fixedWidth(new TimestampMicrosecond('UTC'), (n) => new BigInt64Array(n), parseTimestampText),
        };
      case OID.time:
        return {
          name,
          type: new TimeMicrosecond(),
          build: fixedWidth(new TimeMicrosecond(), (n) => new BigInt64Array(n), parseTimeText),
        };
      default:
        return { name, type: new Utf8(), build: utf8Column };
    }
  });
}

/** One record batch from text rows, following the plan. */
export function rowsToBatch(plan: UnloadColumn[], rows: (string | null)[][]): RecordBatch {
  const fields = plan.map((c) => new Field(c.name, c.type, true));
  const children = plan.map((column, index) => column.build(rows.map((row) => row[index] ?? null)));
  const struct = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(new Schema(fields), struct);
}
