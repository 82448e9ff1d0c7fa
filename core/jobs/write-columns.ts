/**
 * Writing Arrow columns into Redshift table columns: which input types each column type accepts, and the
 * conversion of an input column to the one Arrow type its staging Parquet column carries. Every value is
 * checked here (integer ranges, NUMERIC digits, VARCHAR bytes, NULL into NOT NULL, JSON for SUPER), so a write
 * is refused with the column and row of the first bad value instead of failing inside Redshift.
 *
 * Staging types are few and exact (BIGINT, DOUBLE PRECISION, BOOLEAN, VARCHAR(n), DATE, TIMESTAMP[TZ]): COPY
 * then loads the Parquet file into a staging table of exactly those types, and the narrowing to the target's
 * types happens in SQL with explicit casts whose outcome was checked here.
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { quoteIdent } from '../plan/sql';
import type { TableColumn } from '../warehouse/executor';

/** A Redshift column type, as far as writing into it is concerned. */
export type WriteType =
  | { kind: 'int'; bits: 16 | 32 | 64 }
  | { kind: 'float'; bits: 32 | 64 }
  | { kind: 'numeric'; precision: number; scale: number }
  | { kind: 'bool' }
  /** VARCHAR (fixed false) or CHAR (fixed true); maxBytes is the declared length in bytes. */
  | { kind: 'string'; maxBytes: number; fixed: boolean }
  | { kind: 'date' }
  | { kind: 'timestamp'; withTimeZone: boolean }
  /** Loaded from JSON text with JSON_PARSE. */
  | { kind: 'super' };

export interface WriteColumn {
  /** The table's column name. */
  name: string;
  type: WriteType;
  nullable: boolean;
}

/** Redshift's longest VARCHAR, in bytes. */
export const MAX_VARCHAR_BYTES = 65535;

/** Integers that pass through a double exactly: numbers for NUMERIC columns go through DOUBLE PRECISION. */
const MAX_EXACT_DOUBLE = 2n ** 53n;

const INT_LIMITS: Record<16 | 32 | 64, [bigint, bigint]> = {
  16: [-(2n ** 15n), 2n ** 15n - 1n],
  32: [-(2n ** 31n), 2n ** 31n - 1n],
  64: [-(2n ** 63n), 2n ** 63n - 1n],
};

const MICROS_PER_DAY = 86_400_000_000n;

/** The column's type in DDL form: `INTEGER`, `VARCHAR(10)`, `NUMERIC(10,2)`, `TIMESTAMPTZ`... */
export function ddlType(type: WriteType): string {
  switch (type.kind) {
    case 'int':
      return type.bits === 16 ? 'SMALLINT' : type.bits === 32 ? 'INTEGER' : 'BIGINT';
    case 'float':
      return type.bits === 32 ? 'REAL' : 'DOUBLE PRECISION';
    case 'numeric':
      return `NUMERIC(${type.precision},${type.scale})`;
    case 'bool':
      return 'BOOLEAN';
    case 'string':
      return `${type.fixed ? 'CHAR' : 'VARCHAR'}(${type.maxBytes})`;
    case 'date':
      return 'DATE';
    case 'timestamp':
      return type.withTimeZone ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case 'super':
      return 'SUPER';
  }
}

/** The staging table's column type: what the Parquet column converted by {@link convertColumn} loads into. */
export function stagingDdlType(type: WriteType): string {
  switch (type.kind) {
    case 'int':
      return 'BIGINT';
    case 'float':
    case 'numeric':
      return 'DOUBLE PRECISION';
    case 'string':
      return `VARCHAR(${type.maxBytes})`;
    case 'super':
      return `VARCHAR(${MAX_VARCHAR_BYTES})`;
    default:
      return ddlType(type);
  }
}

/** The SELECT item that turns staging column `name` into the target column's type. */
export function insertExpression(column: WriteColumn, name = column.name): string {
  const quoted = quoteIdent(name);
  const type = column.type;
  switch (type.kind) {
    case 'int':
      return type.bits === 64 ? quoted : `CAST(${quoted} AS ${ddlType(type)})`;
    case 'float':
      return type.bits === 64 ? quoted : `CAST(${quoted} AS REAL)`;
    case 'numeric':
      return `CAST(${quoted} AS ${ddlType(type)})`;
    case 'super':
      return `JSON_PARSE(${quoted})`;
    default:
      // Strings are never CAST: a cast to a shorter VARCHAR truncates silently, an insert refuses.
      return quoted;
  }
}

/** The Arrow type of the converted column (and so of the staging Parquet column). */
export function stagingArrowType(type: WriteType): arrow.DataType {
  switch (type.kind) {
    case 'int':
      return new arrow.Int64();
    case 'float':
    case 'numeric':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
    case 'string':
    case 'super':
      return new arrow.Utf8();
    case 'date':
      return new arrow.DateDay();
    case 'timestamp':
      return new arrow.TimestampMicrosecond(type.withTimeZone ? 'UTC' : null);
  }
}

function unsupported(table: string, column: TableColumn): WorkbenchError {
  return new WorkbenchError({
    kind: 'PlanInvalid',
    reason:
      `column "${column.name}" of ${table} is ${column.typeName.toUpperCase()}, which the workbench cannot write ` +
      '(it writes integer, REAL/DOUBLE PRECISION, NUMERIC, BOOLEAN, VARCHAR/CHAR, DATE, TIMESTAMP[TZ] and SUPER columns)',
  });
}

/** A DescribeTable column as a write target; other column types are refused, naming the column. */
export function writeColumnOf(column: TableColumn, table: string): WriteColumn {
  const typeName = column.typeName.toLowerCase().trim();
  const of = (type: WriteType): WriteColumn => ({ name: column.name, type, nullable: column.nullable });
  switch (typeName) {
    case 'int2':
    case 'smallint':
      return of({ kind: 'int', bits: 16 });
    case 'int4':
    case 'int':
    case 'integer':
      return of({ kind: 'int', bits: 32 });
    case 'int8':
    case 'bigint':
      return of({ kind: 'int', bits: 64 });
    case 'float4':
    case 'real':
      return of({ kind: 'float', bits: 32 });
    case 'float8':
    case 'float':
    case 'double precision':
      return of({ kind: 'float', bits: 64 });
    case 'numeric':
    case 'decimal': {
      // Redshift's default NUMERIC is (18,0).
      const precision = column.precision || 18;
      return of({ kind: 'numeric', precision, scale: column.scale ?? 0 });
    }
    case 'bool':
    case 'boolean':
      return of({ kind: 'bool' });
    case 'varchar':
    case 'character varying':
    case 'text':
    case 'bpchar':
    case 'char':
    case 'character':
    case 'nchar':
    case 'nvarchar': {
      const fixed =
        typeName === 'bpchar' || typeName === 'char' || typeName === 'character' || typeName === 'nchar';
      // DescribeTable reports the declared length; without one, Redshift's default (256 bytes, 1 for CHAR).
      const maxBytes = column.length && column.length > 0 ? column.length : fixed ? 1 : 256;
      return of({ kind: 'string', maxBytes: Math.min(maxBytes, MAX_VARCHAR_BYTES), fixed });
    }
    case 'date':
      return of({ kind: 'date' });
    case 'timestamp':
    case 'timestamp without time zone':
      return of({ kind: 'timestamp', withTimeZone: false });
    case 'timestamptz':
    case 'timestamp with time zone':
      return of({ kind: 'timestamp', withTimeZone: true });
    case 'super':
      return of({ kind: 'super' });
    default:
      throw unsupported(table, column);
  }
}

/** A value, or a whole input column, that cannot go into the target column. */
export class ValueRejected extends Error {
  constructor(
    readonly reason: string,
    /** 0-based input row of the first bad value; undefined when the column's type does not fit at all. */
    readonly row?: number,
  ) {
    super(reason);
    this.name = 'ValueRejected';
  }
}

function isStringType(type: arrow.DataType): boolean {
  if (arrow.DataType.isDictionary(type)) return isStringType(type.dictionary);
  return arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isUtf8View(type);
}

function isListType(type: arrow.DataType): type is arrow.List | arrow.FixedSizeList | arrow.LargeList {
  return (
    arrow.DataType.isList(type) || arrow.DataType.isFixedSizeList(type) || arrow.DataType.isLargeList(type)
  );
}

function isJsonListItem(type: arrow.DataType): boolean {
  return (
    arrow.DataType.isInt(type) ||
    arrow.DataType.isFloat(type) ||
    arrow.DataType.isBool(type) ||
    arrow.DataType.isUtf8(type) ||
    arrow.DataType.isLargeUtf8(type)
  );
}

/** Why an input column of this Arrow type cannot go into the target type, or undefined when it can. */
export function typeMismatch(input: arrow.DataType, target: WriteType): string | undefined {
  if (arrow.DataType.isNull(input)) return undefined;
  const ok = (() => {
    switch (target.kind) {
      case 'int':
        return arrow.DataType.isInt(input);
      case 'float':
      case 'numeric':
        return arrow.DataType.isInt(input) || arrow.DataType.isFloat(input);
      case 'bool':
        return arrow.DataType.isBool(input);
      case 'string':
        return isStringType(input);
      case 'date':
      case 'timestamp':
        return arrow.DataType.isDate(input) || arrow.DataType.isTimestamp(input);
      case 'super':
        return isStringType(input) || (isListType(input) && isJsonListItem(input.children[0]!.type));
    }
  })();
  if (ok) return undefined;
  const hint =
    target.kind === 'int' && arrow.DataType.isFloat(input)
      ? ' (write integers: a float column may hold fractions)'
      : target.kind === 'super'
        ? ' (SUPER takes JSON text or lists of numbers, booleans or strings)'
        : '';
  return `the input column is ${describeArrowType(input)}, which cannot be written into ${ddlType(target)}${hint}`;
}

export function describeArrowType(type: arrow.DataType): string {
  if (arrow.DataType.isTimestamp(type)) {
    const unit = ['s', 'ms', 'us', 'ns'][type.unit] ?? '?';
    return `timestamp[${unit}${type.timezone ? `, ${type.timezone}` : ''}]`;
  }
  if (arrow.DataType.isDictionary(type)) return `dictionary<${describeArrowType(type.dictionary)}>`;
  return String(type).toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion

class Validity {
  readonly bitmap: Uint8Array;
  nullCount = 0;

  constructor(length: number) {
    this.bitmap = new Uint8Array((length + 7) >>> 3);
  }

  set(index: number): void {
    this.bitmap[index >>> 3]! |= 1 << (index & 7);
  }
}

interface Context {
  data: arrow.Data;
  target: WriteColumn;
  /** Input row of `data`'s first row, for messages. */
  rowBase: number;
}

/** Runs `value(i)` for every valid row; refuses NULL rows of a NOT NULL column. */
function eachRow(context: Context, validity: Validity, value: (i: number) => void): void {
  const { data, target, rowBase } = context;
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) {
      if (!target.nullable)
        throw new ValueRejected('the value is NULL, and the column is NOT NULL', rowBase + i);
      validity.nullCount++;
      continue;
    }
    validity.set(i);
    value(i);
  }
}

function built(
  type: arrow.DataType,
  length: number,
  validity: Validity,
  buffers: { data?: ArrayLike<unknown>; valueOffsets?: Int32Array },
): arrow.Data {
  return arrow.makeData({
    type,
    length,
    nullCount: validity.nullCount,
    ...(validity.nullCount > 0 ? { nullBitmap: validity.bitmap } : {}),
    ...buffers,
  } as never);
}

/** Reads integers of any width and signedness as bigints. */
function intReader(data: arrow.Data): (i: number) => bigint {
  const values = data.values as ArrayLike<number | bigint>;
  return (i) => {
    const v = values[i]!;
    return typeof v === 'bigint' ? v : BigInt(v);
  };
}

function floatReader(data: arrow.Data): (i: number) => number {
  const type = data.type as arrow.Float;
  const values = data.values as ArrayLike<number>;
  if (type.precision === arrow.Precision.HALF) return (i) => arrow.util.uint16ToFloat64(values[i]!);
  return (i) => values[i]!;
}

function numberReader(data: arrow.Data): (i: number) => number {
  if (arrow.DataType.isFloat(data.type)) return floatReader(data);
  const read = intReader(data);
  return (i) => Number(read(i));
}

/** Timestamps and dates as microseconds since the epoch (nanoseconds floored, as Redshift keeps microseconds). */
function microsReader(data: arrow.Data): (i: number) => bigint {
  const type = data.type;
  if (arrow.DataType.isDate(type)) {
    if (type.unit === arrow.DateUnit.DAY) {
      const days = data.values as Int32Array;
      return (i) => BigInt(days[i]!) * MICROS_PER_DAY;
    }
    const millis = data.values as unknown as BigInt64Array;
    return (i) => BigInt(millis[i]!) * 1000n;
  }
  const values = data.values as BigInt64Array;
  const unit = (type as arrow.Timestamp).unit;
  const floorDiv = (v: bigint, d: bigint) => (v % d < 0n ? v / d - 1n : v / d);
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return (i) => values[i]! * 1_000_000n;
    case arrow.TimeUnit.MILLISECOND:
      return (i) => values[i]! * 1000n;
    case arrow.TimeUnit.MICROSECOND:
      return (i) => values[i]!;
    default:
      return (i) => floorDiv(values[i]!, 1000n);
  }
}

const encoder = new TextEncoder();

/** Reads strings as UTF-8 bytes: Utf8 straight from its buffers, other string types through the vector. */
function utf8Reader(data: arrow.Data): (i: number) => Uint8Array {
  if (arrow.DataType.isUtf8(data.type)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    return (i) => bytes.subarray(offsets[i]!, offsets[i + 1]!);
  }
  const vector = arrow.makeVector(data);
  return (i) => encoder.encode(String(vector.get(i)));
}

function convertInt(context: Context, bits: 16 | 32 | 64): arrow.Data {
  const { data } = context;
  const read = intReader(data);
  const [min, max] = INT_LIMITS[bits];
  const out = new BigInt64Array(data.length);
  const validity = new Validity(data.length);
  eachRow(context, validity, (i) => {
    const v = read(i);
    if (v < min || v > max) {
      throw new ValueRejected(
        `${v} does not fit ${ddlType({ kind: 'int', bits })} (${min} to ${max})`,
        context.rowBase + i,
      );
    }
    out[i] = v;
  });
  return built(new arrow.Int64(), data.length, validity, { data: out });
}

function convertFloat(context: Context): arrow.Data {
  const { data } = context;
  const read = numberReader(data);
  const out = new Float64Array(data.length);
  const validity = new Validity(data.length);
  eachRow(context, validity, (i) => {
    out[i] = read(i);
  });
  return built(new arrow.Float64(), data.length, validity, { data: out });
}

function convertNumeric(context: Context, precision: number, scale: number): arrow.Data {
  const { data } = context;
  const type = ddlType({ kind: 'numeric', precision, scale });
  const limit = 10 ** (precision - scale);
  const half = 0.5 * 10 ** -scale;
  const out = new Float64Array(data.length);
  const validity = new Validity(data.length);
  if (arrow.DataType.isInt(data.type)) {
    const read = intReader(data);
    eachRow(context, validity, (i) => {
      const v = read(i);
      if (v > MAX_EXACT_DOUBLE || v < -MAX_EXACT_DOUBLE) {
        throw new ValueRejected(
          `${v} is beyond ±2^53, which the workbench cannot pass into a ${type} column exactly`,
          context.rowBase + i,
        );
      }
      const n = Number(v);
      if (Math.abs(n) >= limit) throw new ValueRejected(`${v} does not fit ${type}`, context.rowBase + i);
      out[i] = n;
    });
  } else {
    const read = floatReader(data);
    eachRow(context, validity, (i) => {
      const v = read(i);
      if (!Number.isFinite(v))
        throw new ValueRejected(`${v} cannot be stored in ${type}`, context.rowBase + i);
      // Rounded to the scale on the way in, so 99.996 does not fit NUMERIC(4,2).
      if (Math.abs(v) + half >= limit)
        throw new ValueRejected(`${v} does not fit ${type}`, context.rowBase + i);
      out[i] = v;
    });
  }
  return built(new arrow.Float64(), data.length, validity, { data: out });
}

function convertBool(context: Context): arrow.Data {
  const { data } = context;
  const bits = data.values as Uint8Array;
  const out = new Uint8Array((data.length + 7) >>> 3);
  const validity = new Validity(data.length);
  eachRow(context, validity, (i) => {
    const j = data.offset + i;
    if (bits[j >>> 3]! & (1 << (j & 7))) out[i >>> 3]! |= 1 << (i & 7);
  });
  return built(new arrow.Bool(), data.length, validity, { data: out });
}

/** Builds a Utf8 column from byte strings produced row by row. */
function buildUtf8(
  context: Context,
  value: (i: number) => Uint8Array,
  check: (bytes: Uint8Array, row: number) => void,
): arrow.Data {
  const { data } = context;
  const offsets = new Int32Array(data.length + 1);
  const pieces: Uint8Array[] = new Array(data.length);
  let total = 0;
  const validity = new Validity(data.length);
  eachRow(context, validity, (i) => {
    const bytes = value(i);
    check(bytes, context.rowBase + i);
    pieces[i] = bytes;
    total += bytes.length;
    if (total > 0x7fffffff) {
      throw new ValueRejected('the column holds more than 2 GiB of text in one batch', context.rowBase + i);
    }
  });
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < data.length; i++) {
    const bytes = pieces[i];
    if (bytes) {
      out.set(bytes, at);
      at += bytes.length;
    }
    offsets[i + 1] = at;
  }
  return built(new arrow.Utf8(), data.length, validity, { data: out, valueOffsets: offsets });
}

function convertString(context: Context, maxBytes: number, fixed: boolean): arrow.Data {
  const type = ddlType({ kind: 'string', maxBytes, fixed });
  return buildUtf8(context, utf8Reader(context.data), (bytes, row) => {
    if (bytes.length > maxBytes) {
      throw new ValueRejected(`the value is ${bytes.length} bytes long (UTF-8); the column is ${type}`, row);
    }
  });
}

const decoder = new TextDecoder();

function jsonScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(String(value));
}

function convertSuper(context: Context): arrow.Data {
  const { data } = context;
  const check = (bytes: Uint8Array, row: number) => {
    if (bytes.length > MAX_VARCHAR_BYTES) {
      throw new ValueRejected(
        `the JSON text is ${bytes.length} bytes long; the workbench loads SUPER values of up to ${MAX_VARCHAR_BYTES} bytes`,
        row,
      );
    }
  };
  if (isListType(data.type)) {
    const vector = arrow.makeVector(data);
    return buildUtf8(
      context,
      (i) => {
        const items = vector.get(i) as Iterable<unknown>;
        try {
          return encoder.encode(`[${Array.from(items, jsonScalar).join(',')}]`);
        } catch (error) {
          throw new ValueRejected(`a list item ${(error as Error).message}`, context.rowBase + i);
        }
      },
      check,
    );
  }
  const read = utf8Reader(data);
  return buildUtf8(
    context,
    (i) => {
      const bytes = read(i);
      try {
        JSON.parse(decoder.decode(bytes));
      } catch {
        throw new ValueRejected(
          'the value is not JSON text, which a SUPER column needs',
          context.rowBase + i,
        );
      }
      return bytes;
    },
    check,
  );
}

function convertDate(context: Context): arrow.Data {
  const { data } = context;
  const read = microsReader(data);
  const out = new Int32Array(data.length);
  const validity = new Validity(data.length);
  eachRow(context, validity, (i) => {
    const micros = read(i);
    if (micros % MICROS_PER_DAY !== 0n) {
      throw new ValueRejected('the value has a time of day, and the column is DATE', context.rowBase + i);
    }
    out[i] = Number(micros / MICROS_PER_DAY);
  });
  return built(new arrow.DateDay(), data.length, validity, { data: out });
}

function convertTimestamp(context: Context, withTimeZone: boolean): arrow.Data {
  const { data } = context;
  const read = microsReader(data);
  const out = new BigInt64Array(data.length);
  const validity = new Validity(data.length);
  // Instants are kept: a zoned input is written as its UTC wall clock into TIMESTAMP, and a naive input (UTC by
  // the workbench's rule) as that instant into TIMESTAMPTZ.
  eachRow(context, validity, (i) => {
    out[i] = read(i);
  });
  return built(new arrow.TimestampMicrosecond(withTimeZone ? 'UTC' : null), data.length, validity, {
    data: out,
  });
}

function convertNulls(context: Context): arrow.Data {
  const { data, target } = context;
  if (!target.nullable && data.length > 0) {
    throw new ValueRejected('the value is NULL, and the column is NOT NULL', context.rowBase);
  }
  const type = stagingArrowType(target.type);
  const validity = new Validity(data.length);
  validity.nullCount = data.length;
  if (arrow.DataType.isUtf8(type)) {
    return built(type, data.length, validity, {
      data: new Uint8Array(0),
      valueOffsets: new Int32Array(data.length + 1),
    });
  }
  if (arrow.DataType.isBool(type))
    return built(type, data.length, validity, { data: new Uint8Array((data.length + 7) >>> 3) });
  const ArrayType = (type as arrow.DataType & { ArrayType: new (n: number) => ArrayLike<unknown> }).ArrayType;
  return built(type, data.length, validity, { data: new ArrayType(data.length) });
}

/**
 * One chunk of an input column as its staging Arrow type ({@link stagingArrowType}). `rowBase` is the input row
 * of the chunk's first row. Throws {@link ValueRejected} at the first value the target column cannot take.
 */
export function convertColumn(data: arrow.Data, target: WriteColumn, rowBase = 0): arrow.Data {
  const mismatch = typeMismatch(data.type, target.type);
  if (mismatch) throw new ValueRejected(mismatch);
  const context: Context = { data, target, rowBase };
  if (arrow.DataType.isNull(data.type)) return convertNulls(context);
  const type = target.type;
  switch (type.kind) {
    case 'int':
      return convertInt(context, type.bits);
    case 'float':
      return convertFloat(context);
    case 'numeric':
      return convertNumeric(context, type.precision, type.scale);
    case 'bool':
      return convertBool(context);
    case 'string':
      return convertString(context, type.maxBytes, type.fixed);
    case 'super':
      return convertSuper(context);
    case 'date':
      return convertDate(context);
    case 'timestamp':
      return convertTimestamp(context, type.withTimeZone);
  }
}
