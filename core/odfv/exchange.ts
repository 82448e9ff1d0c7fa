/**
 * The column exchange with the Python driver (driver.py): Arrow columns to raw buffers and back, without a
 * text step, so values cross exactly (int64 in full, every float bit pattern incl. NaN, -0.0 and infinities,
 * timestamps as integers in their unit, nulls as an explicit validity byte per row). pyarrow is not needed:
 * Debian's python3-pandas comes without it, and numpy reads these buffers directly.
 *
 * A message is a 4-byte little-endian header length, a UTF-8 JSON header, then `bodyBytes` bytes of buffers,
 * each starting at a multiple of 8. A column's header names its kind and where its buffers are in the body.
 */

import * as arrow from 'apache-arrow';
import { formatDecimal } from '../frames/csv-encode';
import type { ValueTypeName } from '../registry/model';

/** Where a buffer is in the body: [byte offset, byte length]. */
export type Span = [number, number];

export type InputKind =
  'int' | 'float' | 'bool' | 'utf8' | 'binary' | 'timestamp' | 'date' | 'decimal' | 'null';

export interface InputColumn {
  name: string;
  kind: InputKind;
  length: number;
  nullCount: number;
  validity?: Span;
  values?: Span;
  offsets?: Span;
  bits?: number;
  signed?: boolean;
  unit?: 's' | 'ms' | 'us' | 'ns';
  tz?: string | null;
}

export type OutputKind = 'int32' | 'int64' | 'float32' | 'float64' | 'bool' | 'utf8' | 'binary' | 'timestamp';

export interface OutputColumn {
  name: string;
  kind: OutputKind;
  length: number;
  nullCount: number;
  validity?: Span;
  values?: Span;
  offsets?: Span;
}

/** The declared value types an on-demand output may have, and the Arrow type the workbench gives the column. */
export const OUTPUT_TYPES: Partial<Record<ValueTypeName, { kind: OutputKind; arrow: () => arrow.DataType }>> =
  {
    INT32: { kind: 'int32', arrow: () => new arrow.Int32() },
    INT64: { kind: 'int64', arrow: () => new arrow.Int64() },
    FLOAT: { kind: 'float32', arrow: () => new arrow.Float32() },
    DOUBLE: { kind: 'float64', arrow: () => new arrow.Float64() },
    BOOL: { kind: 'bool', arrow: () => new arrow.Bool() },
    STRING: { kind: 'utf8', arrow: () => new arrow.Utf8() },
    BYTES: { kind: 'binary', arrow: () => new arrow.Binary() },
    UNIX_TIMESTAMP: { kind: 'timestamp', arrow: () => new arrow.TimestampMicrosecond('UTC') },
  };

/** Collects buffers for a message body, each aligned to 8 bytes. */
export class BodyWriter {
  readonly pieces: Uint8Array[] = [];
  size = 0;

  add(bytes: Uint8Array): Span {
    const pad = (8 - (this.size % 8)) % 8;
    if (pad > 0) {
      this.pieces.push(new Uint8Array(pad));
      this.size += pad;
    }
    const start = this.size;
    this.pieces.push(bytes);
    this.size += bytes.byteLength;
    return [start, bytes.byteLength];
  }
}

function bytesOf(values: ArrayBufferView, start: number, count: number, elementBytes: number): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset + start * elementBytes, count * elementBytes);
}

/** One byte per row, 1 for a value; undefined when rows [start, start + length) hold no null. */
function validityBytes(data: arrow.Data, start: number, length: number): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap) return undefined;
  const out = new Uint8Array(length);
  const bitmap = data.nullBitmap;
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    const bit = data.offset + start + i;
    const valid = (bitmap[bit >> 3]! >> (bit & 7)) & 1;
    out[i] = valid;
    nulls += valid ^ 1;
  }
  return nulls === 0 ? undefined : out;
}

const UNITS = ['s', 'ms', 'us', 'ns'] as const;

/** Text of each row (undefined for nulls), for the few types sent as text (decimals, dictionaries). */
function textColumn(
  name: string,
  texts: (string | undefined)[],
  kind: 'utf8' | 'decimal',
  body: BodyWriter,
): InputColumn {
  const encoder = new TextEncoder();
  const encoded = texts.map((t) => (t === undefined ? new Uint8Array(0) : encoder.encode(t)));
  const offsets = new Int32Array(texts.length + 1);
  let total = 0;
  for (let i = 0; i < encoded.length; i++) {
    total += encoded[i]!.byteLength;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < encoded.length; i++) data.set(encoded[i]!, offsets[i]!);
  const validity = texts.some((t) => t === undefined)
    ? Uint8Array.from(texts, (t) => (t === undefined ? 0 : 1))
    : undefined;
  return {
    name,
    kind,
    length: texts.length,
    nullCount: texts.filter((t) => t === undefined).length,
    ...(validity ? { validity: body.add(validity) } : {}),
    offsets: body.add(new Uint8Array(offsets.buffer)),
    values: body.add(data),
  };
}

function decimalText(words: Uint32Array, index: number, stride: number, scale: number): string {
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[index * stride + k]!);
  if (words[index * stride + stride - 1]! & 0x80000000) v -= 1n << BigInt(stride * 32);
  return formatDecimal(v, scale);
}

/**
 * Encodes rows [start, start + length) of one Arrow column. Returns undefined for types the exchange does not
 * carry (lists, structs, maps, intervals...): the Python side then does not see that column.
 */
export function encodeColumn(
  name: string,
  data: arrow.Data,
  start: number,
  length: number,
  body: BodyWriter,
): InputColumn | undefined {
  const type = data.type as arrow.DataType;
  const validity = validityBytes(data, start, length);
  const common = {
    name,
    length,
    nullCount: validity ? validity.reduce((n, v) => n + (v ^ 1), 0) : 0,
    ...(validity ? { validity: body.add(validity) } : {}),
  };
  // Arrow JS keeps `offset` for the bitmaps only: a slice's value and offset arrays start at its row 0.
  const first = start;
  const firstBit = data.offset + start;
  if (arrow.DataType.isInt(type)) {
    const values = data.values as ArrayBufferView;
    const bytes = type.bitWidth / 8;
    return {
      ...common,
      kind: 'int',
      bits: type.bitWidth,
      signed: type.isSigned,
      values: body.add(bytesOf(values, first, length, bytes)),
    };
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.HALF) return undefined;
    const bits = type.precision === arrow.Precision.SINGLE ? 32 : 64;
    return {
      ...common,
      kind: 'float',
      bits,
      values: body.add(bytesOf(data.values as ArrayBufferView, first, length, bits / 8)),
    };
  }
  if (arrow.DataType.isBool(type)) {
    const out = new Uint8Array(length);
    const bits = data.values as Uint8Array;
    for (let i = 0; i < length; i++) out[i] = (bits[(firstBit + i) >> 3]! >> ((firstBit + i) & 7)) & 1;
    return { ...common, kind: 'bool', values: body.add(out) };
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const base = offsets[first]!;
    const rebased = new Int32Array(length + 1);
    for (let i = 0; i <= length; i++) rebased[i] = offsets[first + i]! - base;
    const values = data.values as Uint8Array;
    return {
      ...common,
      kind: arrow.DataType.isUtf8(type) ? 'utf8' : 'binary',
      offsets: body.add(new Uint8Array(rebased.buffer)),
      values: body.add(values.subarray(base, base + rebased[length]!)),
    };
  }
  if (arrow.DataType.isLargeUtf8(type) || arrow.DataType.isLargeBinary(type)) {
    const offsets = data.valueOffsets as unknown as BigInt64Array;
    const base = Number(offsets[first]!);
    const end = Number(offsets[first + length]!);
    if (end - base >= 2 ** 31) return undefined;
    const rebased = new Int32Array(length + 1);
    for (let i = 0; i <= length; i++) rebased[i] = Number(offsets[first + i]!) - base;
    return {
      ...common,
      kind: arrow.DataType.isLargeUtf8(type) ? 'utf8' : 'binary',
      offsets: body.add(new Uint8Array(rebased.buffer)),
      values: body.add((data.values as Uint8Array).subarray(base, end)),
    };
  }
  if (arrow.DataType.isTimestamp(type)) {
    return {
      ...common,
      kind: 'timestamp',
      unit: UNITS[type.unit]!,
      tz: type.timezone ?? null,
      values: body.add(bytesOf(data.values as BigInt64Array, first, length, 8)),
    };
  }
  if (arrow.DataType.isDate(type)) {
    if (type.unit === arrow.DateUnit.DAY) {
      return {
        ...common,
        kind: 'date',
        values: body.add(bytesOf(data.values as Int32Array, first, length, 4)),
      };
    }
    const millis = data.values as BigInt64Array;
    const days = new Int32Array(length);
    for (let i = 0; i < length; i++) days[i] = Math.floor(Number(millis[first + i]!) / 86_400_000);
    return { ...common, kind: 'date', values: body.add(new Uint8Array(days.buffer)) };
  }
  if (arrow.DataType.isNull(type)) return { name, length, nullCount: length, kind: 'null' };
  if (arrow.DataType.isDecimal(type)) {
    const words = data.values as Uint32Array;
    const stride = type.bitWidth / 32;
    const texts = Array.from({ length }, (_, i) =>
      validity && !validity[i] ? undefined : decimalText(words, first + i, stride, type.scale),
    );
    return textColumn(name, texts, 'decimal', body);
  }
  if (arrow.DataType.isDictionary(type) && arrow.DataType.isUtf8(type.dictionary)) {
    const vector = arrow.makeVector(data);
    const texts = Array.from({ length }, (_, i) => (vector.get(start + i) as string | null) ?? undefined);
    return textColumn(name, texts, 'utf8', body);
  }
  return undefined;
}

/** A copy of `length` bytes at `span` in `body`, so typed arrays over it are aligned and own their memory. */
function copySpan(body: Uint8Array, span: Span): ArrayBuffer {
  const out = new ArrayBuffer(span[1]);
  new Uint8Array(out).set(body.subarray(span[0], span[0] + span[1]));
  return out;
}

function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 8));
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function requireSpan(column: OutputColumn, key: 'values' | 'offsets', body: Uint8Array): Span {
  const span = column[key];
  if (!span || span[0] < 0 || span[0] + span[1] > body.byteLength) {
    throw new Error(`output column ${column.name}: ${key} buffer missing or outside the message body`);
  }
  return span;
}

const ELEMENT_BYTES: Record<OutputKind, number> = {
  int32: 4,
  int64: 8,
  float32: 4,
  float64: 8,
  bool: 1,
  timestamp: 8,
  utf8: 0,
  binary: 0,
};

/** An output column of the driver's answer as Arrow data of the declared type. Throws on a malformed answer. */
export function decodeOutput(column: OutputColumn, body: Uint8Array, type: arrow.DataType): arrow.Data {
  const length = column.length;
  let nullBitmap: Uint8Array | undefined;
  if (column.validity) {
    const validity = new Uint8Array(copySpan(body, column.validity));
    if (validity.length !== length)
      throw new Error(`output column ${column.name}: validity has the wrong length`);
    nullBitmap = packBits(validity);
  }
  const common = { type, length, nullCount: nullBitmap ? column.nullCount : 0, nullBitmap } as const;
  const span = requireSpan(column, 'values', body);
  const elementBytes = ELEMENT_BYTES[column.kind];
  if (elementBytes > 0 && span[1] !== length * elementBytes) {
    throw new Error(
      `output column ${column.name}: ${span[1]} value bytes for ${length} rows of ${column.kind}`,
    );
  }
  switch (column.kind) {
    case 'int32':
      return arrow.makeData({
        ...common,
        type: type as arrow.Int32,
        data: new Int32Array(copySpan(body, span)),
      });
    case 'int64':
      return arrow.makeData({
        ...common,
        type: type as arrow.Int64,
        data: new BigInt64Array(copySpan(body, span)),
      });
    case 'float32':
      return arrow.makeData({
        ...common,
        type: type as arrow.Float32,
        data: new Float32Array(copySpan(body, span)),
      });
    case 'float64':
      return arrow.makeData({
        ...common,
        type: type as arrow.Float64,
        data: new Float64Array(copySpan(body, span)),
      });
    case 'bool':
      return arrow.makeData({
        ...common,
        type: type as arrow.Bool,
        data: packBits(new Uint8Array(copySpan(body, span))),
      });
    case 'timestamp':
      return arrow.makeData({
        ...common,
        type: type as arrow.Timestamp,
        data: new BigInt64Array(copySpan(body, span)),
      });
    case 'utf8':
    case 'binary': {
      const offsets = new Int32Array(copySpan(body, requireSpan(column, 'offsets', body)));
      if (offsets.length !== length + 1 || offsets[length] !== span[1]) {
        throw new Error(`output column ${column.name}: offsets do not match the values`);
      }
      const data = new Uint8Array(copySpan(body, span));
      return column.kind === 'utf8'
        ? arrow.makeData({ ...common, type: type as arrow.Utf8, valueOffsets: offsets, data })
        : arrow.makeData({ ...common, type: type as arrow.Binary, valueOffsets: offsets, data });
    }
  }
}

/** Zero rows of a declared output type (a zero-row batch is not sent to Python). */
export function emptyOutput(type: arrow.DataType): arrow.Data {
  return arrow.vectorFromArray([], type).data[0]!;
}

/**
 * Concatenates same-typed Data pieces into one (the pieces of a batch that was sent in several slices). As in
 * Arrow JS, a piece's `offset` applies to its bitmaps only.
 */
export function concatData(pieces: arrow.Data[], type: arrow.DataType): arrow.Data {
  if (pieces.length === 1) return pieces[0]!;
  const length = pieces.reduce((n, p) => n + p.length, 0);
  const nullCount = pieces.reduce((n, p) => n + p.nullCount, 0);
  let nullBitmap: Uint8Array | undefined;
  if (nullCount > 0) {
    nullBitmap = new Uint8Array(Math.ceil(length / 8));
    let row = 0;
    for (const piece of pieces) {
      for (let i = 0; i < piece.length; i++, row++)
        if (piece.getValid(i)) nullBitmap[row >> 3]! |= 1 << (row & 7);
    }
  }
  const common = { type, length, nullCount, nullBitmap } as const;
  if (arrow.DataType.isBool(type)) {
    const bits = new Uint8Array(Math.ceil(length / 8));
    let row = 0;
    for (const piece of pieces) {
      const source = piece.values as Uint8Array;
      for (let i = 0; i < piece.length; i++, row++) {
        const bit = piece.offset + i;
        if ((source[bit >> 3]! >> (bit & 7)) & 1) bits[row >> 3]! |= 1 << (row & 7);
      }
    }
    return arrow.makeData({ ...common, type, data: bits });
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = new Int32Array(length + 1);
    const total = pieces.reduce((n, p) => n + p.valueOffsets[p.length]! - p.valueOffsets[0]!, 0);
    const data = new Uint8Array(total);
    let row = 0;
    let at = 0;
    for (const piece of pieces) {
      const source = piece.valueOffsets as Int32Array;
      const base = source[0]!;
      for (let i = 0; i < piece.length; i++) offsets[++row] = at + source[i + 1]! - base;
      const end = source[piece.length]!;
      data.set((piece.values as Uint8Array).subarray(base, end), at);
      at += end - base;
    }
    return arrow.makeData({ ...common, type: type as arrow.Utf8, valueOffsets: offsets, data });
  }
  const first = pieces[0]!.values as Int32Array | BigInt64Array | Float32Array | Float64Array;
  const Constructor = first.constructor as new (n: number) => typeof first;
  const values = new Constructor(length);
  let row = 0;
  for (const piece of pieces) {
    const source = piece.values as typeof first;
    (values as Int32Array).set(source.subarray(0, piece.length) as Int32Array, row);
    row += piece.length;
  }
  return arrow.makeData({ ...common, type, data: values } as never);
}
