/**
 * Reads the footer of a Parquet file (its Thrift compact-protocol FileMetaData) to report what a file really
 * holds: physical and logical types per column, row groups, compression, and the writer. parquet-wasm does
 * not expose logical types, and those are what decide whether Redshift COPY accepts a file.
 *
 * Field numbers are those of the Parquet format's public Thrift definition (parquet.thrift).
 */

export type ParquetPhysicalType =
  'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';

const PHYSICAL_TYPES: ParquetPhysicalType[] = [
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
];

export type ParquetTimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';

export type ParquetLogicalType =
  | { type: 'STRING' }
  | { type: 'MAP' }
  | { type: 'LIST' }
  | { type: 'ENUM' }
  | { type: 'DECIMAL'; scale: number; precision: number }
  | { type: 'DATE' }
  | { type: 'TIME'; isAdjustedToUTC: boolean; unit: ParquetTimeUnit }
  | { type: 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: ParquetTimeUnit }
  | { type: 'INTEGER'; bitWidth: number; isSigned: boolean }
  | { type: 'UNKNOWN' }
  | { type: 'JSON' }
  | { type: 'BSON' }
  | { type: 'UUID' }
  | { type: 'FLOAT16' }
  | { type: 'OTHER'; id: number };

const CONVERTED_TYPES = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
];

const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];

export interface ParquetColumnInfo {
  /** Dotted path for nested columns; the plain name for flat ones. */
  name: string;
  physicalType: ParquetPhysicalType;
  repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  logicalType?: ParquetLogicalType;
  /** The legacy annotation older readers (and Redshift's docs) talk about, e.g. UTF8, TIMESTAMP_MICROS. */
  convertedType?: string;
  typeLength?: number;
}

export interface ParquetRowGroupInfo {
  numRows: number;
  totalByteSize: number;
  /** Compression codec of each column chunk, in column order. */
  codecs: string[];
}

export interface ParquetMetadata {
  version: number;
  numRows: number;
  createdBy?: string;
  columns: ParquetColumnInfo[];
  rowGroups: ParquetRowGroupInfo[];
  keyValueMetadata: Record<string, string>;
}

/** Thrown for bytes that are not a readable Parquet footer; callers turn it into a user-facing error. */
export class ParquetFooterError extends Error {}

// Compact protocol type ids.
const T_BOOL_TRUE = 1;
const T_BOOL_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

type ThriftValue =
  boolean | number | bigint | Uint8Array | ThriftValue[] | ThriftStruct | Map<ThriftValue, ThriftValue>;
type ThriftStruct = Map<number, ThriftValue>;

/** A generic compact-protocol decoder: structs become maps from field id to value. */
class CompactReader {
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ParquetFooterError('the footer ends in the middle of a value');
    return this.bytes[this.pos++]!;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ParquetFooterError('a varint in the footer is too long');
    }
  }

  private zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  private smallInt(): number {
    return Number(this.zigzag());
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case T_BOOL_TRUE:
        return true;
      case T_BOOL_FALSE:
        return false;
      case T_BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case T_I16:
      case T_I32:
        return this.smallInt();
      case T_I64: {
        const v = this.zigzag();
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case T_DOUBLE: {
        if (this.pos + 8 > this.end)
          throw new ParquetFooterError('the footer ends in the middle of a double');
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T_BINARY: {
        const length = Number(this.varint());
        if (length < 0 || this.pos + length > this.end) {
          throw new ParquetFooterError('a string in the footer runs past its end');
        }
        const v = this.bytes.subarray(this.pos, this.pos + length);
        this.pos += length;
        return v;
      }
      case T_LIST:
      case T_SET: {
        const header = this.byte();
        let size = header >> 4;
        if (size === 15) size = Number(this.varint());
        const elementType = header & 0x0f;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) {
          // Booleans inside collections are one byte each (1 = true).
          if (elementType === T_BOOL_TRUE || elementType === T_BOOL_FALSE) items.push(this.byte() === 1);
          else items.push(this.value(elementType));
        }
        return items;
      }
      case T_MAP: {
        const size = Number(this.varint());
        const map = new Map<ThriftValue, ThriftValue>();
        if (size === 0) return map;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          const key = this.value(types >> 4);
          map.set(key, this.value(types & 0x0f));
        }
        return map;
      }
      case T_STRUCT:
        return this.struct();
      default:
        throw new ParquetFooterError(`unknown Thrift type ${type} in the footer`);
    }
  }

  struct(): ThriftStruct {
    const fields: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return fields;
      const delta = header >> 4;
      const type = header & 0x0f;
      const id = delta === 0 ? this.smallInt() : lastId + delta;
      lastId = id;
      fields.set(id, this.value(type));
    }
  }
}

const utf8 = new TextDecoder('utf-8');

function str(value: ThriftValue | undefined): string | undefined {
  return value instanceof Uint8Array ? utf8.decode(value) : undefined;
}

function num(value: ThriftValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function struct(value: ThriftValue | undefined): ThriftStruct | undefined {
  return value instanceof Map ? (value as ThriftStruct) : undefined;
}

function list(value: ThriftValue | undefined): ThriftValue[] {
  return Array.isArray(value) ? value : [];
}

function timeUnit(value: ThriftValue | undefined): ParquetTimeUnit {
  const unit = struct(value);
  if (unit?.has(1)) return 'MILLIS';
  if (unit?.has(2)) return 'MICROS';
  return 'NANOS';
}

function logicalType(value: ThriftValue | undefined): ParquetLogicalType | undefined {
  const union = struct(value);
  if (union === undefined || union.size === 0) return undefined;
  const [id, inner] = union.entries().next().value as [number, ThriftValue];
  const fields = struct(inner) ?? new Map<number, ThriftValue>();
  switch (id) {
    case 1:
      return { type: 'STRING' };
    case 2:
      return { type: 'MAP' };
    case 3:
      return { type: 'LIST' };
    case 4:
      return { type: 'ENUM' };
    case 5:
      return { type: 'DECIMAL', scale: num(fields.get(1)) ?? 0, precision: num(fields.get(2)) ?? 0 };
    case 6:
      return { type: 'DATE' };
    case 7:
      return { type: 'TIME', isAdjustedToUTC: fields.get(1) === true, unit: timeUnit(fields.get(2)) };
    case 8:
      return { type: 'TIMESTAMP', isAdjustedToUTC: fields.get(1) === true, unit: timeUnit(fields.get(2)) };
    case 10:
      return { type: 'INTEGER', bitWidth: num(fields.get(1)) ?? 0, isSigned: fields.get(2) === true };
    case 11:
      return { type: 'UNKNOWN' };
    case 12:
      return { type: 'JSON' };
    case 13:
      return { type: 'BSON' };
    case 14:
      return { type: 'UUID' };
    case 15:
      return { type: 'FLOAT16' };
    default:
      return { type: 'OTHER', id };
  }
}

const REPETITIONS = ['REQUIRED', 'OPTIONAL', 'REPEATED'] as const;

/** Decodes the footer of a Parquet file. Throws ParquetFooterError when the bytes are not Parquet. */
export function readParquetFooter(bytes: Uint8Array): ParquetMetadata {
  const n = bytes.length;
  const magic = (at: number) =>
    bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
  if (n < 12 || !magic(0)) throw new ParquetFooterError('not a Parquet file (it does not start with PAR1)');
  if (bytes[n - 1] === 0x45 && bytes[n - 2] === 0x52 && bytes[n - 3] === 0x41 && bytes[n - 4] === 0x50) {
    throw new ParquetFooterError('the Parquet footer is encrypted');
  }
  if (!magic(n - 4))
    throw new ParquetFooterError('the Parquet file is truncated (it does not end with PAR1)');
  const length = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  const start = n - 8 - length;
  if (start < 4) throw new ParquetFooterError('the Parquet footer length is larger than the file');
  const meta = new CompactReader(bytes, start, n - 8).struct();

  const schema = list(meta.get(2)).map((v) => struct(v) ?? new Map<number, ThriftValue>());
  const columns: ParquetColumnInfo[] = [];
  // The schema is a depth-first list; element 0 is the root. Leaves (no children) are the columns.
  let index = 1;
  const walk = (prefix: string, count: number): void => {
    for (let k = 0; k < count && index < schema.length; k++) {
      const element = schema[index++]!;
      const name = str(element.get(4)) ?? '';
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const children = num(element.get(5)) ?? 0;
      if (children > 0) {
        walk(path, children);
        continue;
      }
      const physical = num(element.get(1));
      const column: ParquetColumnInfo = {
        name: path,
        physicalType: PHYSICAL_TYPES[physical ?? -1] ?? 'BYTE_ARRAY',
        repetition: REPETITIONS[num(element.get(3)) ?? 0] ?? 'REQUIRED',
      };
      const logical = logicalType(element.get(10));
      if (logical !== undefined) column.logicalType = logical;
      const converted = num(element.get(6));
      if (converted !== undefined && CONVERTED_TYPES[converted] !== undefined) {
        column.convertedType = CONVERTED_TYPES[converted];
      }
      const typeLength = num(element.get(2));
      if (typeLength !== undefined) column.typeLength = typeLength;
      columns.push(column);
    }
  };
  walk('', num(schema[0]?.get(5)) ?? 0);

  const rowGroups: ParquetRowGroupInfo[] = list(meta.get(4)).map((v) => {
    const group = struct(v) ?? new Map<number, ThriftValue>();
    const codecs = list(group.get(1)).map((chunk) => {
      const codec = num(struct(struct(chunk)?.get(3))?.get(4));
      return CODECS[codec ?? -1] ?? `codec ${codec}`;
    });
    return { numRows: num(group.get(3)) ?? 0, totalByteSize: num(group.get(2)) ?? 0, codecs };
  });

  const keyValueMetadata: Record<string, string> = {};
  for (const v of list(meta.get(5))) {
    const kv = struct(v);
    const key = str(kv?.get(1));
    if (key !== undefined) keyValueMetadata[key] = str(kv?.get(2)) ?? '';
  }

  const result: ParquetMetadata = {
    version: num(meta.get(1)) ?? 0,
    numRows: num(meta.get(3)) ?? 0,
    columns,
    rowGroups,
    keyValueMetadata,
  };
  const createdBy = str(meta.get(6));
  if (createdBy !== undefined) result.createdBy = createdBy;
  return result;
}
