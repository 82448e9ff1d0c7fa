/**
 * Arrow record batches -> CSV bytes, one batch at a time (memory stays bounded by a batch plus a 1 MiB buffer).
 *
 * The text form of every type is documented in core/frames/README.md ("CSV output"). In short: LF line ends,
 * a header of column names, null = empty field, empty string = "", RFC 4180 quoting, int64 exact, floats in
 * shortest round-trip form (".0" added to integral values so they read back as floats), timestamps in UTC
 * ending in Z, dates YYYY-MM-DD, decimals exact, binary as lower-case hex.
 */
import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { civilFromDays, formatDate, formatUtcTimestamp, type CivilDate } from './timestamp';

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const TWO_POW_32 = 4294967296;
const FLUSH_AT = 1 << 20;

const encoder = new TextEncoder();

/** A growable byte buffer that cells are written into. */
export class ByteSink {
  buffer: Uint8Array;
  length = 0;

  constructor(capacity = FLUSH_AT + 65536) {
    this.buffer = new Uint8Array(capacity);
  }

  reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(c: number): void {
    if (this.length === this.buffer.length) this.reserve(1);
    this.buffer[this.length++] = c;
  }

  /** Text known to be ASCII (numbers, dates, hex). */
  ascii(text: string): void {
    this.reserve(text.length);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** UTF-8 bytes of a string field, quoted when needed. */
  utf8Field(source: Uint8Array, start: number, end: number): void {
    if (start === end) {
      this.byte(QUOTE);
      this.byte(QUOTE);
      return;
    }
    let quotes = 0;
    let special = false;
    for (let i = start; i < end; i++) {
      const c = source[i]!;
      if (c === QUOTE) quotes++;
      else if (c === COMMA || c === LF || c === CR) special = true;
    }
    const length = end - start;
    if (!special && quotes === 0) {
      this.reserve(length);
      if (length < 32) {
        const buffer = this.buffer;
        let at = this.length;
        for (let i = start; i < end; i++) buffer[at++] = source[i]!;
        this.length = at;
      } else {
        this.buffer.set(source.subarray(start, end), this.length);
        this.length += length;
      }
      return;
    }
    this.reserve(length + quotes + 2);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = QUOTE;
    for (let i = start; i < end; i++) {
      const c = source[i]!;
      buffer[at++] = c;
      if (c === QUOTE) buffer[at++] = QUOTE;
    }
    buffer[at++] = QUOTE;
    this.length = at;
  }

  /** A non-negative integer below 2^53, as decimal digits. */
  uint(v: number): void {
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    this.digits(v, digits);
  }

  int(v: number): void {
    if (v < 0) {
      this.byte(0x2d);
      v = -v;
    }
    this.uint(v);
  }

  /** Exactly `width` digits of a non-negative integer below 10^width (zero-padded). */
  digits(v: number, width: number): void {
    this.reserve(width);
    const buffer = this.buffer;
    const start = this.length;
    for (let k = start + width - 1; k >= start; k--) {
      const q = Math.floor(v / 10);
      buffer[k] = 0x30 + (v - q * 10);
      v = q;
    }
    this.length = start + width;
  }

  /** Bytes known in advance (e.g. "true"). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  stringField(text: string): void {
    const bytes = encoder.encode(text);
    this.utf8Field(bytes, 0, bytes.length);
  }

  /** The bytes so far, as a copy, and an empty buffer. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** Writes the cell of row `i` (an index into the Data chunk, not the table) or nothing for null. */
type CellWriter = (sink: ByteSink, i: number) => void;

function unsupported(type: arrow.DataType, column: string): never {
  throw new WorkbenchError({
    kind: 'Internal',
    message: `column ${column}: Arrow type ${String(type)} has no CSV form in the workbench`,
  });
}

/** The value at `i` of a little-endian 64-bit array, as a number when exact, else as a bigint. */
function int64At(
  words: Int32Array,
  values: BigInt64Array | BigUint64Array,
  i: number,
  signed: boolean,
): number | bigint {
  const hi = signed ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
  if (hi >= -2097152 && hi < 2097152) return hi * TWO_POW_32 + (words[2 * i]! >>> 0);
  return values[i]!;
}

function wordsOf(values: BigInt64Array | BigUint64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Shortest text that reads back as the same float64; integral values get ".0" so they stay floats. */
export function formatFloat64(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const text = String(v);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** Shortest text that reads back (rounded to float32) as the same float32. */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat64(v);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return formatFloat64(candidate);
  }
  return formatFloat64(v);
}

const POW10 = Array.from({ length: 80 }, (_, k) => 10n ** BigInt(k));

/** Exact decimal text of an unscaled integer and a scale: (12345, 2) -> "123.45". */
export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * (POW10[-scale] ?? 10n ** BigInt(-scale))).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

function decimalAt(words: Uint32Array, i: number, stride: number): bigint {
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[i * stride + k]!);
  const bits = BigInt(stride * 32);
  return words[i * stride + stride - 1]! & 0x80000000 ? v - (1n << bits) : v;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexField(sink: ByteSink, bytes: Uint8Array, start: number, end: number): void {
  sink.reserve((end - start) * 2);
  for (let i = start; i < end; i++) {
    const h = HEX[bytes[i]!]!;
    sink.buffer[sink.length++] = h.charCodeAt(0);
    sink.buffer[sink.length++] = h.charCodeAt(1);
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** HH:MM:SS with a 6- or 9-digit fraction when non-zero, from a count of nanoseconds since midnight. */
function formatTimeOfDay(nanos: bigint): string {
  const seconds = Number(nanos / 1_000_000_000n);
  const fraction = Number(nanos % 1_000_000_000n);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  let text = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  if (fraction !== 0) {
    text +=
      fraction % 1000 === 0
        ? `.${`${fraction / 1000}`.padStart(6, '0')}`
        : `.${`${fraction}`.padStart(9, '0')}`;
  }
  return text;
}

const TIME_UNIT_NANOS: Record<number, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1_000_000n,
  [arrow.TimeUnit.MICROSECOND]: 1000n,
  [arrow.TimeUnit.NANOSECOND]: 1n,
};

const civil: CivilDate = { year: 0, month: 0, day: 0 };

/** YYYY-MM-DD of a day count since 1970, written byte by byte (the common case) or via formatDate. */
function writeDate(sink: ByteSink, days: number): void {
  civilFromDays(days, civil);
  if (civil.year < 0 || civil.year > 9999) {
    sink.ascii(formatDate(days));
    return;
  }
  sink.digits(civil.year, 4);
  sink.byte(0x2d);
  sink.digits(civil.month, 2);
  sink.byte(0x2d);
  sink.digits(civil.day, 2);
}

/** The form of formatUtcTimestamp, written byte by byte. */
function writeUtcTimestamp(sink: ByteSink, epochSeconds: number, nanos: number): void {
  const days = Math.floor(epochSeconds / 86400);
  civilFromDays(days, civil);
  if (civil.year < 0 || civil.year > 9999) {
    sink.ascii(formatUtcTimestamp(epochSeconds, nanos));
    return;
  }
  const secOfDay = epochSeconds - days * 86400;
  const h = Math.floor(secOfDay / 3600);
  const m = Math.floor((secOfDay - h * 3600) / 60);
  writeDate(sink, days);
  sink.byte(0x54);
  sink.digits(h, 2);
  sink.byte(0x3a);
  sink.digits(m, 2);
  sink.byte(0x3a);
  sink.digits(secOfDay - h * 3600 - m * 60, 2);
  if (nanos !== 0) {
    sink.byte(0x2e);
    if (nanos % 1000 === 0) sink.digits(nanos / 1000, 6);
    else sink.digits(nanos, 9);
  }
  sink.byte(0x5a);
}

/** Writes timestamp `v` (in `unit`) as UTC ISO-8601. */
function writeTimestamp(sink: ByteSink, v: number | bigint, unit: arrow.TimeUnit): void {
  if (typeof v === 'number') {
    // Exact: |v| < 2^53, and the divisions split v into whole seconds and a whole remainder.
    if (unit === arrow.TimeUnit.SECOND) return writeUtcTimestamp(sink, v, 0);
    if (unit === arrow.TimeUnit.MILLISECOND) {
      const s = Math.floor(v / 1000);
      return writeUtcTimestamp(sink, s, (v - s * 1000) * 1_000_000);
    }
    if (unit === arrow.TimeUnit.MICROSECOND) {
      const s = Math.floor(v / 1_000_000);
      return writeUtcTimestamp(sink, s, (v - s * 1_000_000) * 1000);
    }
    v = BigInt(v);
  }
  const perSecond = 1_000_000_000n / TIME_UNIT_NANOS[unit]!;
  let s = v / perSecond;
  let rest = v % perSecond;
  if (rest < 0n) {
    rest += perSecond;
    s -= 1n;
  }
  writeUtcTimestamp(sink, Number(s), Number(rest * TIME_UNIT_NANOS[unit]!));
}

/**
 * {@link formatFloat64}, with a fast path for values below 2^31 with at most 6 decimals: there, k / 10^6 is
 * the only decimal of 6 or fewer decimals that rounds to v (the float spacing is below 5e-7), so writing k's
 * digits gives the same shortest text.
 */
export function writeFloat64(sink: ByteSink, v: number): void {
  const magnitude = v < 0 ? -v : v;
  if (magnitude >= 1e-6 && magnitude < 2147483648) {
    const k = Math.round(magnitude * 1e6);
    if (k / 1e6 === magnitude) {
      const whole = Math.floor(k / 1e6);
      let fraction = k - whole * 1e6;
      if (v < 0) sink.byte(0x2d);
      sink.uint(whole);
      sink.byte(0x2e);
      if (fraction === 0) {
        sink.byte(0x30);
        return;
      }
      let width = 6;
      while (fraction % 10 === 0) {
        fraction /= 10;
        width--;
      }
      sink.digits(fraction, width);
      return;
    }
  }
  sink.ascii(formatFloat64(v));
}

const TRUE = encoder.encode('true');
const FALSE = encoder.encode('false');

/** A CellWriter for one Data chunk. `valid` is checked by the caller. */
function valueWriter(data: arrow.Data, column: string): CellWriter {
  const type = data.type;
  if (arrow.DataType.isNull(type)) return () => undefined;
  if (arrow.DataType.isInt(type)) {
    if (type.bitWidth === 64) {
      const values = data.values as BigInt64Array | BigUint64Array;
      const words = wordsOf(values);
      const signed = type.isSigned;
      return (sink, i) => {
        const v = int64At(words, values, i, signed);
        if (typeof v === 'number') sink.int(v);
        else sink.ascii(String(v));
      };
    }
    const values = data.values as
      Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    return (sink, i) => sink.int(values[i]!);
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.DOUBLE) {
      const values = data.values as Float64Array;
      return (sink, i) => writeFloat64(sink, values[i]!);
    }
    if (type.precision === arrow.Precision.SINGLE) {
      const values = data.values as Float32Array;
      return (sink, i) => sink.ascii(formatFloat32(values[i]!));
    }
    return unsupported(type, column);
  }
  if (arrow.DataType.isBool(type)) {
    const bits = data.values as Uint8Array;
    const offset = data.offset;
    return (sink, i) => {
      const j = offset + i;
      sink.raw(bits[j >>> 3]! & (1 << (j & 7)) ? TRUE : FALSE);
    };
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    return arrow.DataType.isUtf8(type)
      ? (sink, i) => sink.utf8Field(bytes, offsets[i]!, offsets[i + 1]!)
      : (sink, i) => hexField(sink, bytes, offsets[i]!, offsets[i + 1]!);
  }
  if (arrow.DataType.isLargeUtf8(type) || arrow.DataType.isLargeBinary(type)) {
    const offsets = data.valueOffsets as unknown as BigInt64Array;
    const bytes = data.values as Uint8Array;
    return arrow.DataType.isLargeUtf8(type)
      ? (sink, i) => sink.utf8Field(bytes, Number(offsets[i]!), Number(offsets[i + 1]!))
      : (sink, i) => hexField(sink, bytes, Number(offsets[i]!), Number(offsets[i + 1]!));
  }
  if (arrow.DataType.isFixedSizeBinary(type)) {
    const bytes = data.values as Uint8Array;
    const width = type.byteWidth;
    return (sink, i) => hexField(sink, bytes, i * width, (i + 1) * width);
  }
  if (arrow.DataType.isUtf8View(type) || arrow.DataType.isBinaryView(type)) {
    const vector = arrow.makeVector(data);
    return arrow.DataType.isUtf8View(type)
      ? (sink, i) => sink.stringField(vector.get(i) as string)
      : (sink, i) => {
          const value = vector.get(i) as Uint8Array;
          hexField(sink, value, 0, value.length);
        };
  }
  if (arrow.DataType.isTimestamp(type)) {
    const values = data.values as BigInt64Array;
    const words = wordsOf(values);
    const unit = type.unit;
    return (sink, i) => writeTimestamp(sink, int64At(words, values, i, true), unit);
  }
  if (arrow.DataType.isDate(type)) {
    if (type.unit === arrow.DateUnit.DAY) {
      const values = data.values as Int32Array;
      return (sink, i) => writeDate(sink, values[i]!);
    }
    const values = data.values as unknown as BigInt64Array;
    const words = wordsOf(values);
    return (sink, i) => {
      const ms = Number(int64At(words, values, i, true));
      writeDate(sink, Math.floor(ms / 86_400_000));
    };
  }
  if (arrow.DataType.isTime(type)) {
    const perUnit = TIME_UNIT_NANOS[type.unit]!;
    const values = data.values as Int32Array | BigInt64Array;
    return (sink, i) => sink.ascii(formatTimeOfDay(BigInt(values[i]!) * perUnit));
  }
  if (arrow.DataType.isDecimal(type)) {
    const words = data.values as Uint32Array;
    const stride = type.bitWidth / 32;
    const scale = type.scale;
    return (sink, i) => sink.ascii(formatDecimal(decimalAt(words, i, stride), scale));
  }
  if (arrow.DataType.isDictionary(type)) {
    const dictionary = data.dictionary;
    if (!dictionary) return unsupported(type, column);
    const indices = data.values as ArrayLike<number | bigint>;
    const rendered = new Map<number, Uint8Array | null>();
    const scratch = new ByteSink(256);
    const render = (index: number): Uint8Array | null => {
      let found = rendered.get(index);
      if (found !== undefined) return found;
      found = null;
      let local = index;
      for (const chunk of dictionary.data) {
        if (local < chunk.length) {
          if (isValid(chunk, local)) {
            valueWriter(chunk, column)(scratch, local);
            found = scratch.take();
          }
          break;
        }
        local -= chunk.length;
      }
      rendered.set(index, found);
      return found;
    };
    return (sink, i) => {
      const text = render(Number(indices[i]!));
      if (text === null) return;
      sink.reserve(text.length);
      sink.buffer.set(text, sink.length);
      sink.length += text.length;
    };
  }
  return unsupported(type, column);
}

function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) {
    return !arrow.DataType.isNull(data.type);
  }
  const j = data.offset + i;
  return (data.nullBitmap[j >>> 3]! & (1 << (j & 7))) !== 0;
}

function cellWriter(data: arrow.Data, column: string): CellWriter {
  if (arrow.DataType.isNull(data.type)) return () => undefined;
  const write = valueWriter(data, column);
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return write;
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  return (sink, i) => {
    const j = offset + i;
    if (bitmap[j >>> 3]! & (1 << (j & 7))) write(sink, i);
  };
}

/** Streams CSV for a schema: the header first, then batch after batch. */
export class CsvEncoder {
  private readonly sink = new ByteSink();
  private readonly names: string[];

  constructor(readonly schema: arrow.Schema) {
    this.names = schema.fields.map((f) => f.name);
    for (const field of schema.fields) valueWriterCheck(field);
  }

  /** The header line. */
  header(): Uint8Array {
    this.names.forEach((name, c) => {
      if (c > 0) this.sink.byte(COMMA);
      this.sink.stringField(name);
    });
    this.sink.byte(LF);
    return this.sink.take();
  }

  /** The lines of one batch, in chunks of about 1 MiB. */
  *batch(batch: arrow.RecordBatch): Generator<Uint8Array> {
    const sink = this.sink;
    const writers = batch.data.children.map((data, c) => cellWriter(data, this.names[c] ?? `#${c + 1}`));
    const columns = writers.length;
    const rows = batch.numRows;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        if (c > 0) sink.byte(COMMA);
        writers[c]!(sink, r);
      }
      sink.byte(LF);
      if (sink.length >= FLUSH_AT) yield sink.take();
    }
    if (sink.length > 0) yield sink.take();
  }
}

/** Fails early, before any bytes are written, for types that have no CSV form. */
function valueWriterCheck(field: arrow.Field): void {
  const t = field.type;
  const ok =
    arrow.DataType.isNull(t) ||
    arrow.DataType.isInt(t) ||
    (arrow.DataType.isFloat(t) && t.precision !== arrow.Precision.HALF) ||
    arrow.DataType.isBool(t) ||
    arrow.DataType.isUtf8(t) ||
    arrow.DataType.isLargeUtf8(t) ||
    arrow.DataType.isUtf8View(t) ||
    arrow.DataType.isBinary(t) ||
    arrow.DataType.isLargeBinary(t) ||
    arrow.DataType.isBinaryView(t) ||
    arrow.DataType.isFixedSizeBinary(t) ||
    arrow.DataType.isTimestamp(t) ||
    arrow.DataType.isDate(t) ||
    arrow.DataType.isTime(t) ||
    arrow.DataType.isDecimal(t) ||
    arrow.DataType.isDictionary(t);
  if (!ok) unsupported(t, field.name);
}

/** A whole table as CSV bytes (for small tables; use {@link CsvEncoder} to stream). */
export function tableToCsv(table: arrow.Table): Uint8Array {
  const encoder = new CsvEncoder(table.schema);
  const chunks = [encoder.header()];
  for (const batch of table.batches) chunks.push(...encoder.batch(batch));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
