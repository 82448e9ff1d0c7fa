/**
 * CSV entity frames -> typed Apache Arrow.
 *
 * One pass over the UTF-8 bytes finds the fields (RFC 4180: quoted fields with commas, line breaks and doubled
 * quotes; LF, CRLF or lone CR line ends; a UTF-8 BOM; a trailing line break; blank lines at the end). Each column
 * is then typed over all of its values and converted straight from the bytes: no string per value except where
 * the slow paths need one. The rules (inference order, null vs empty string, timestamps, errors) are documented
 * in core/frames/README.md.
 */
import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { firstInvalidUtf8, isWellFormedUtf8, lineColumnAt } from './text-position';
import {
  TIMESTAMP_DATE_ONLY,
  TIMESTAMP_INVALID,
  TIMESTAMP_WITH_OFFSET,
  parseTimestampBytes,
  type ParsedTimestamp,
} from './timestamp';
import type { EntityColumn, EntityColumnType, EntityFrame, TimestampStats } from './types';

export interface ReadCsvOptions {
  /** The file name used in error messages. */
  file: string;
  /** Types that override inference, by column name (e.g. keep an ID column as 'string'). */
  columnTypes?: Record<string, EntityColumnType>;
  /** The event timestamp column, when it is not `event_timestamp` or the only timestamp column. */
  timestampColumn?: string;
}

export const EVENT_TIMESTAMP = 'event_timestamp';

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Field flags. */
const QUOTED = 1;
const ESCAPED = 2;

/** Bytes that end an unquoted field or make it invalid. */
const SPECIAL = new Uint8Array(256);
SPECIAL[COMMA] = 1;
SPECIAL[QUOTE] = 1;
SPECIAL[LF] = 1;
SPECIAL[CR] = 1;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_POW_32 = 4294967296;
const MAX_UTF8_COLUMN_BYTES = 0x7fffffff;

const decoder = new TextDecoder('utf-8');

/** Field boundaries of the data rows, row-major: field `row * columnCount + column`. */
interface Fields {
  starts: Uint32Array;
  ends: Uint32Array;
  flags: Uint8Array;
  rowCount: number;
}

interface Header {
  names: string[];
  /** Byte offset where each header cell starts (its opening quote, if quoted). */
  offsets: number[];
}

/** Everything the steps share: the bytes, where the text starts, and how to report a position. */
class Source {
  constructor(
    readonly bytes: Uint8Array,
    readonly contentStart: number,
    readonly file: string,
  ) {}

  fail(offset: number, reason: string): never {
    const { line, column } = lineColumnAt(this.bytes, offset, this.contentStart);
    throw new WorkbenchError({ kind: 'InputInvalid', file: this.file, line, column, reason });
  }

  line(offset: number): number {
    return lineColumnAt(this.bytes, offset, this.contentStart).line;
  }

  /** The text of a field, quotes removed and doubled quotes undone. */
  text(start: number, end: number, flags: number): string {
    const raw = decoder.decode(this.bytes.subarray(start, end));
    return flags & ESCAPED ? raw.replaceAll('""', '"') : raw;
  }
}

/**
 * The column names of a CSV file's header row, read with the same rules as {@link readCsvEntityFrame} (trimmed,
 * duplicates refused without regard to case), without reading the data rows: for callers that choose
 * `columnTypes` from the names.
 */
export function readCsvHeader(bytes: Uint8Array, options: { file: string }): string[] {
  const contentStart = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // The header ends at the first line break outside quotes (a doubled quote toggles twice).
  let end = contentStart;
  let quoted = false;
  for (; end < bytes.length; end++) {
    const c = bytes[end];
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === LF || c === CR)) break;
  }
  if (bytes[end] === CR && bytes[end + 1] === LF) end++;
  const source = new Source(bytes.subarray(0, Math.min(bytes.length, end + 1)), contentStart, options.file);
  checkUtf8(source);
  if (isBlankText(bytes, contentStart)) {
    source.fail(contentStart, 'the file is empty: a header row naming the columns is required');
  }
  return splitFields(source, []).header.names;
}

/** Reads a CSV entity frame. Throws WorkbenchError (InputInvalid) with the line and column of any problem. */
export function readCsvEntityFrame(bytes: Uint8Array, options: ReadCsvOptions): EntityFrame {
  const contentStart = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const source = new Source(bytes, contentStart, options.file);
  checkUtf8(source);
  if (isBlankText(bytes, contentStart)) {
    source.fail(contentStart, 'the file is empty: a header row naming the columns is required');
  }
  const warnings: string[] = [];
  const { header, fields } = splitFields(source, warnings);
  const names = header.names;

  const forced = options.columnTypes ?? {};
  for (const name of Object.keys(forced)) {
    if (!names.includes(name)) {
      source.fail(
        header.offsets[0]!,
        `columnTypes names "${name}", which is not a column of this file (columns: ${names.join(', ')})`,
      );
    }
  }
  let timestampColumn = options.timestampColumn;
  if (timestampColumn !== undefined && !names.includes(timestampColumn)) {
    source.fail(
      header.offsets[0]!,
      `timestampColumn "${timestampColumn}" is not a column of this file (columns: ${names.join(', ')})`,
    );
  }
  if (timestampColumn === undefined && names.includes(EVENT_TIMESTAMP)) timestampColumn = EVENT_TIMESTAMP;
  if (timestampColumn !== undefined) {
    const forcedType = forced[timestampColumn];
    if (forcedType !== undefined && forcedType !== 'timestamp') {
      source.fail(
        header.offsets[names.indexOf(timestampColumn)]!,
        `"${timestampColumn}" is the event timestamp column, but columnTypes makes it ${forcedType}; ` +
          'it must be a timestamp',
      );
    }
  }

  const columnCount = names.length;
  const types: EntityColumnType[] = names.map((name, c) => {
    if (name === timestampColumn) return 'timestamp';
    return forced[name] ?? inferColumnType(source, fields, columnCount, c, name, warnings);
  });

  if (timestampColumn === undefined) {
    const candidates = names.filter((_, c) => types[c] === 'timestamp');
    if (candidates.length === 0) {
      source.fail(
        header.offsets[0]!,
        `no event timestamp column: name a column "${EVENT_TIMESTAMP}" (ISO-8601 values such as ` +
          '2021-04-12T10:59:42Z) or choose one with timestampColumn',
      );
    }
    if (candidates.length > 1) {
      source.fail(
        header.offsets[0]!,
        `several timestamp columns (${candidates.join(', ')}) and none is named "${EVENT_TIMESTAMP}"; ` +
          'choose the event timestamp column with timestampColumn',
      );
    }
    timestampColumn = candidates[0]!;
  }

  const columns: EntityColumn[] = [];
  const vectors: arrow.Data[] = [];
  let timestampStats: TimestampStats = { withOffset: 0, naive: 0, dateOnly: 0 };
  for (let c = 0; c < columnCount; c++) {
    const name = names[c]!;
    const type = types[c]!;
    const column = { source, fields, columnCount, index: c, name, warnings };
    switch (type) {
      case 'int64':
        vectors.push(buildInt64(column));
        columns.push({ name, type });
        break;
      case 'float64':
        vectors.push(buildFloat64(column));
        columns.push({ name, type });
        break;
      case 'bool':
        vectors.push(buildBool(column));
        columns.push({ name, type });
        break;
      case 'timestamp': {
        const isEvent = name === timestampColumn;
        const built = buildTimestamp(column, isEvent);
        if (isEvent) timestampStats = built.stats;
        vectors.push(built.data);
        columns.push({ name, type });
        break;
      }
      case 'string': {
        const built = buildUtf8(column);
        vectors.push(built.data);
        columns.push({ name, type, maxByteLength: built.maxByteLength });
        break;
      }
    }
  }
  if (timestampStats.withOffset > 0 && timestampStats.naive + timestampStats.dateOnly > 0) {
    warnings.push(
      `${timestampColumn}: ${timestampStats.naive + timestampStats.dateOnly} values have no UTC offset and were ` +
        `read as UTC, while ${timestampStats.withOffset} have one; check that the naive ones really are UTC`,
    );
  }

  const schema = new arrow.Schema(vectors.map((data, c) => new arrow.Field(names[c]!, data.type, true)));
  const batch = new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: fields.rowCount,
      nullCount: 0,
      children: vectors,
    }),
  );
  return {
    table: new arrow.Table(schema, batch),
    columns,
    timestampColumn,
    rowCount: fields.rowCount,
    timestampStats,
    warnings,
  };
}

function checkUtf8(source: Source): void {
  const { bytes } = source;
  if (isWellFormedUtf8(bytes)) return;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    source.fail(0, 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8');
  }
  const bad = firstInvalidUtf8(bytes, source.contentStart);
  const at = bad < 0 ? source.contentStart : bad;
  const hex = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  source.fail(at, `invalid UTF-8 (byte 0x${hex}); save the file as UTF-8`);
}

function isBlankText(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) {
    const c = bytes[i];
    if (c !== LF && c !== CR) return false;
  }
  return true;
}

/** Growable field boundary arrays. */
class FieldBuffer {
  starts: Uint32Array;
  ends: Uint32Array;
  flags: Uint8Array;
  count = 0;

  constructor(capacity: number) {
    this.starts = new Uint32Array(capacity);
    this.ends = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  grow(): void {
    const capacity = this.starts.length * 2;
    const starts = new Uint32Array(capacity);
    starts.set(this.starts);
    const ends = new Uint32Array(capacity);
    ends.set(this.ends);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }
}

/**
 * Fields in the file, extrapolated from the first 256 KiB (a little over, so growing is rare), and capped so a
 * sample full of quoted commas cannot reserve gigabytes up front; past the cap the buffer grows as needed.
 */
function estimateFieldCount(b: Uint8Array, from: number): number {
  const sampleEnd = Math.min(b.length, from + 262144);
  let delimiters = 1;
  for (let i = from; i < sampleEnd; i++) {
    const c = b[i];
    if (c === COMMA || c === LF) delimiters++;
  }
  const sampled = sampleEnd - from;
  if (sampled <= 0) return 1024;
  return Math.min(1 << 25, Math.max(1024, Math.ceil(((delimiters * (b.length - from)) / sampled) * 1.05)));
}

/**
 * Splits the text into fields. The first record is the header. Data records must have as many fields as the
 * header; blank lines at the end are ignored (in a one-column file a blank line before the end is a null).
 */
function splitFields(source: Source, warnings: string[]): { header: Header; fields: Fields } {
  const b = source.bytes;
  const n = b.length;
  if (n >= 0xffffffff) source.fail(0, 'the file is too large (4 GiB or more)');
  const buffer = new FieldBuffer(estimateFieldCount(b, source.contentStart));
  let pos = source.contentStart;
  let columnCount = -1;
  let header: Header | undefined;
  let rowCount = 0;
  let blankStart = -1;
  let trailingBlankRows = 0;

  while (pos < n) {
    const recordStart = pos;
    const first = buffer.count;
    for (;;) {
      let start: number;
      let end: number;
      let flags = 0;
      if (pos < n && b[pos] === QUOTE) {
        const open = pos;
        start = pos + 1;
        let p = start;
        for (;;) {
          const q = b.indexOf(QUOTE, p);
          if (q < 0) {
            source.fail(open, 'unterminated quoted field: this opening quote has no closing quote');
          }
          if (b[q + 1] === QUOTE) {
            flags = ESCAPED;
            p = q + 2;
            continue;
          }
          end = q;
          pos = q + 1;
          break;
        }
        flags |= QUOTED;
      } else {
        start = pos;
        while (pos < n && SPECIAL[b[pos]!] === 0) pos++;
        if (pos < n && b[pos] === QUOTE) {
          source.fail(
            pos,
            'stray quote in an unquoted field; quote the whole field and double the quotes inside it ("a""b")',
          );
        }
        end = pos;
      }
      if (buffer.count === buffer.starts.length) buffer.grow();
      buffer.starts[buffer.count] = start;
      buffer.ends[buffer.count] = end;
      buffer.flags[buffer.count] = flags;
      buffer.count++;
      if (pos >= n) break;
      const c = b[pos];
      if (c === COMMA) {
        pos++;
        continue;
      }
      if (c === LF) {
        pos++;
        break;
      }
      if (c === CR) {
        pos++;
        if (b[pos] === LF) pos++;
        break;
      }
      source.fail(
        pos,
        `unexpected character after the closing quote of a quoted field; a quote inside a quoted field must ` +
          'be doubled ("")',
      );
    }

    const found = buffer.count - first;
    const blank = found === 1 && buffer.flags[first] === 0 && buffer.starts[first] === buffer.ends[first];
    if (header === undefined) {
      if (blank) source.fail(recordStart, 'the header row is empty: the first line must name the columns');
      header = readHeader(source, buffer, first, found, warnings);
      columnCount = found;
      buffer.count = first;
      continue;
    }
    if (blank) {
      if (columnCount > 1) {
        if (blankStart < 0) blankStart = recordStart;
        buffer.count = first;
        continue;
      }
      trailingBlankRows++;
      rowCount++;
      continue;
    }
    if (blankStart >= 0) {
      source.fail(blankStart, `blank line: expected ${columnCount} fields, as in the header`);
    }
    trailingBlankRows = 0;
    if (found !== columnCount) {
      if (found > columnCount) {
        const extra = first + columnCount;
        const at = buffer.starts[extra]! - (buffer.flags[extra]! & QUOTED);
        source.fail(at, `expected ${columnCount} fields, as in the header, but found ${found}`);
      }
      const last = first + found - 1;
      const at = buffer.ends[last]! + (buffer.flags[last]! & QUOTED);
      source.fail(at, `expected ${columnCount} fields, as in the header, but found ${found}`);
    }
    rowCount++;
  }
  if (header === undefined) source.fail(source.contentStart, 'the file is empty: a header row is required');
  rowCount -= trailingBlankRows;
  const count = rowCount * columnCount;
  return {
    header,
    fields: {
      starts: buffer.starts.subarray(0, count),
      ends: buffer.ends.subarray(0, count),
      flags: buffer.flags.subarray(0, count),
      rowCount,
    },
  };
}

function readHeader(
  source: Source,
  buffer: FieldBuffer,
  first: number,
  count: number,
  warnings: string[],
): Header {
  const names: string[] = [];
  const offsets: number[] = [];
  const seen = new Map<string, number>();
  for (let k = 0; k < count; k++) {
    const f = first + k;
    const flags = buffer.flags[f]!;
    const offset = buffer.starts[f]! - (flags & QUOTED);
    const raw = source.text(buffer.starts[f]!, buffer.ends[f]!, flags);
    const name = raw.trim();
    if (name === '') source.fail(offset, `column ${k + 1} has an empty name in the header`);
    if (name !== raw) warnings.push(`header: column name "${raw}" was trimmed to "${name}"`);
    const key = name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const same = names[earlier] === name;
      source.fail(
        offset,
        same
          ? `duplicate column name "${name}" (also column ${earlier + 1})`
          : `duplicate column name "${name}": column ${earlier + 1} is "${names[earlier]}", and Redshift ` +
              'does not tell column names apart by case',
      );
    }
    seen.set(key, k);
    names.push(name);
    offsets.push(offset);
  }
  return { names, offsets };
}

// ---------------------------------------------------------------------------------------------------------------
// Type inference

const NUM_INT = 1; // canonical integer within int64 (no leading zeros)
const NUM_FLOAT = 2; // a float64 literal (including integers, NaN and infinities), no leading zeros
const NUM_FINITE = 4; // a real number, not NaN or an infinity
const NUM_DIGITS = 8; // an optional sign and digits, leading zeros allowed
const NUM_WIDE_INT = 16; // an integer with more than 15 digits (float64 cannot hold every such value)

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/** Case-insensitive match of b[s, e) against a lower-case ASCII word. */
function isWord(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((b[s + i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

function isSpecialFloat(b: Uint8Array, s: number, e: number): boolean {
  const c = b[s];
  if (c === 0x2b || c === 0x2d) s++;
  return isWord(b, s, e, 'nan') || isWord(b, s, e, 'inf') || isWord(b, s, e, 'infinity');
}

/** Compares a run of digits with the digits of a bound of the same length. */
function digitsAtMost(b: Uint8Array, s: number, bound: string): boolean {
  for (let i = 0; i < bound.length; i++) {
    const d = b[s + i]!;
    const limit = bound.charCodeAt(i);
    if (d !== limit) return d < limit;
  }
  return true;
}

/** What numeric forms b[s, e) takes (NUM_* flags). */
function classifyNumber(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let negative = false;
  const sign = b[i];
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    i++;
  }
  const intStart = i;
  while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  const intDigits = i - intStart;
  const leadingZero = intDigits > 1 && b[intStart] === 0x30;
  if (i === e) {
    if (intDigits === 0) return 0;
    if (leadingZero) return NUM_DIGITS;
    let flags = NUM_DIGITS | NUM_FLOAT | NUM_FINITE;
    if (intDigits > 15) flags |= NUM_WIDE_INT;
    if (
      intDigits < 19 ||
      (intDigits === 19 && digitsAtMost(b, intStart, negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS))
    ) {
      flags |= NUM_INT;
    }
    return flags;
  }
  let fracDigits = 0;
  if (b[i] === 0x2e) {
    i++;
    const fracStart = i;
    while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    fracDigits = i - fracStart;
  }
  if (intDigits + fracDigits === 0) return isSpecialFloat(b, s, e) ? NUM_FLOAT : 0;
  if (i < e && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    const expStart = i;
    while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    if (i === expStart) return 0;
  }
  if (i !== e || leadingZero) return 0;
  return NUM_FLOAT | NUM_FINITE;
}

function isBoolWord(b: Uint8Array, s: number, e: number): boolean {
  return isWord(b, s, e, 'true') || isWord(b, s, e, 'false');
}

interface ColumnContext {
  source: Source;
  fields: Fields;
  columnCount: number;
  index: number;
  name: string;
  warnings: string[];
}

const CAN_INT = 1;
const CAN_FLOAT = 2;
const CAN_BOOL = 4;
const CAN_TIMESTAMP = 8;
const CAN_DIGITS = 16;

/**
 * int64 when every value is an integer in range without leading zeros; else float64 when every value is a
 * number (and at least one is finite); else bool; else timestamp; else string. Empty fields are nulls and do
 * not vote; a column of nulls is a string column.
 */
function inferColumnType(
  source: Source,
  fields: Fields,
  columnCount: number,
  c: number,
  name: string,
  warnings: string[],
): EntityColumnType {
  const b = source.bytes;
  const { starts, ends, flags, rowCount } = fields;
  const scratch: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
  let can = CAN_INT | CAN_FLOAT | CAN_BOOL | CAN_TIMESTAMP | CAN_DIGITS;
  let anyValue = false;
  let finite = false;
  let wideInt = -1;
  let leadingZeroValue = -1;
  for (let r = 0, f = c; r < rowCount; r++, f += columnCount) {
    const s = starts[f]!;
    const e = ends[f]!;
    if (s === e) continue;
    anyValue = true;
    if (flags[f]! & ESCAPED) {
      can = 0;
      break;
    }
    if (can & (CAN_INT | CAN_FLOAT | CAN_DIGITS)) {
      const num = classifyNumber(b, s, e);
      if (!(num & NUM_INT)) can &= ~CAN_INT;
      if (!(num & NUM_FLOAT)) can &= ~CAN_FLOAT;
      if (!(num & NUM_DIGITS)) can &= ~CAN_DIGITS;
      if (num & NUM_FINITE) finite = true;
      if (num & NUM_WIDE_INT && wideInt < 0) wideInt = f;
      if (num & NUM_DIGITS && !(num & NUM_INT) && leadingZeroValue < 0) leadingZeroValue = f;
    }
    if (can & CAN_BOOL && !isBoolWord(b, s, e)) can &= ~CAN_BOOL;
    if (can & CAN_TIMESTAMP && parseTimestampBytes(b, s, e, scratch) === TIMESTAMP_INVALID)
      can &= ~CAN_TIMESTAMP;
    if (can === 0) break;
  }
  if (!anyValue) return 'string';
  if (can & CAN_INT) return 'int64';
  if (can & CAN_FLOAT && finite) {
    if (wideInt >= 0) {
      warnings.push(
        `${name}: read as float64 because some values are decimals, but it also holds integers with more than ` +
          `15 digits (line ${source.line(starts[wideInt]!)}) that float64 cannot always hold exactly; ` +
          `force it with columnTypes: { "${name}": "string" } to keep them`,
      );
    }
    return 'float64';
  }
  if (can & CAN_BOOL) return 'bool';
  if (can & CAN_TIMESTAMP) return 'timestamp';
  if (can & CAN_DIGITS && leadingZeroValue >= 0) {
    const f = leadingZeroValue;
    warnings.push(
      `${name}: kept as string because values such as "${source.text(starts[f]!, ends[f]!, flags[f]!)}" ` +
        `(line ${source.line(starts[f]!)}) have leading zeros, which an integer would lose`,
    );
  }
  return 'string';
}

// ---------------------------------------------------------------------------------------------------------------
// Column builders

/** A validity bitmap created at the first null. */
class Validity {
  bitmap: Uint8Array | undefined;
  nullCount = 0;

  constructor(private readonly length: number) {}

  setNull(row: number): void {
    if (this.bitmap === undefined) this.bitmap = new Uint8Array((this.length + 7) >>> 3).fill(0xff);
    this.bitmap[row >>> 3]! &= ~(1 << (row & 7));
    this.nullCount++;
  }
}

function quotedValue(context: ColumnContext, f: number): string {
  const { source, fields } = context;
  const text = source.text(fields.starts[f]!, fields.ends[f]!, fields.flags[f]!);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function failValue(context: ColumnContext, f: number, what: string): never {
  const { fields } = context;
  const at = fields.starts[f]! - (fields.flags[f]! & QUOTED);
  context.source.fail(at, `${context.name} value ${quotedValue(context, f)} is not ${what}`);
}

function latin1(b: Uint8Array, s: number, e: number): string {
  let text = '';
  for (let i = s; i < e; i++) text += String.fromCharCode(b[i]!);
  return text;
}

/** Writes a safe integer into slot `index` of a little-endian BigInt64Array seen as Int32 words. */
function writeSafeInt64(words: Int32Array, index: number, value: number): void {
  const hi = Math.floor(value / TWO_POW_32);
  words[2 * index] = value - hi * TWO_POW_32;
  words[2 * index + 1] = hi;
}

function buildInt64(context: ColumnContext): arrow.Data {
  const { source, fields, columnCount, index } = context;
  const b = source.bytes;
  const { starts, ends, flags, rowCount } = fields;
  const values = new BigInt64Array(rowCount);
  const words = new Int32Array(values.buffer);
  const validity = new Validity(rowCount);
  for (let r = 0, f = index; r < rowCount; r++, f += columnCount) {
    const s = starts[f]!;
    const e = ends[f]!;
    if (s === e) {
      validity.setNull(r);
      continue;
    }
    if (flags[f]! & ESCAPED) failValue(context, f, 'an integer');
    let i = s;
    const sign = b[i];
    if (sign === 0x2b || sign === 0x2d) i++;
    while (i < e - 1 && b[i] === 0x30) i++; // leading zeros are accepted when the type was forced
    const digits = e - i;
    if (digits === 0) failValue(context, f, 'an integer');
    if (digits <= 15 && LITTLE_ENDIAN) {
      let v = 0;
      for (; i < e; i++) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) failValue(context, f, 'an integer');
        v = v * 10 + d;
      }
      writeSafeInt64(words, r, sign === 0x2d ? -v : v);
      continue;
    }
    for (let k = i; k < e; k++) {
      if (b[k]! < 0x30 || b[k]! > 0x39) failValue(context, f, 'an integer');
    }
    const negative = sign === 0x2d;
    if (
      digits > 19 ||
      (digits === 19 && !digitsAtMost(b, i, negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS))
    ) {
      failValue(context, f, 'an integer within the int64 range');
    }
    const magnitude = BigInt(latin1(b, i, e));
    values[r] = negative ? -magnitude : magnitude;
  }
  return arrow.makeData({
    type: new arrow.Int64(),
    length: rowCount,
    nullCount: validity.nullCount,
    nullBitmap: validity.bitmap,
    data: values,
  });
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * float64 of b[s, e), or undefined when it is not a number. Up to 15 significant digits with a small exponent
 * take the exact fast path (one correctly rounded multiplication or division); the rest go through Number().
 */
function parseFloat64(b: Uint8Array, s: number, e: number): number | undefined {
  let i = s;
  const sign = b[i];
  const negative = sign === 0x2d;
  if (sign === 0x2b || negative) i++;
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let exponent = 0;
  while (i < e) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) break;
    if (significant > 0 || d !== 0) significant++;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < e && b[i] === 0x2e) {
    i++;
    while (i < e) {
      const d = b[i]! - 0x30;
      if (d < 0 || d > 9) break;
      if (significant > 0 || d !== 0) significant++;
      mantissa = mantissa * 10 + d;
      exponent--;
      digits++;
      i++;
    }
  }
  if (digits === 0) {
    if (!isSpecialFloat(b, s, e)) return undefined;
    const c = b[i]! | 0x20;
    if (c === 0x6e) return NaN;
    return negative ? -Infinity : Infinity;
  }
  if (i < e) {
    if (b[i] !== 0x65 && b[i] !== 0x45) return undefined;
    i++;
    let expNegative = false;
    if (b[i] === 0x2b || b[i] === 0x2d) {
      expNegative = b[i] === 0x2d;
      i++;
    }
    const expStart = i;
    let exp = 0;
    while (i < e) {
      const d = b[i]! - 0x30;
      if (d < 0 || d > 9) return undefined;
      if (exp < 100000) exp = exp * 10 + d;
      i++;
    }
    if (i === expStart) return undefined;
    exponent += expNegative ? -exp : exp;
  }
  if (significant <= 15 && exponent >= -22 && exponent <= 22) {
    const magnitude =
      exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent]! : mantissa * POWERS_OF_TEN[exponent]!;
    return negative ? -magnitude : magnitude;
  }
  return Number(latin1(b, s, e));
}

function buildFloat64(context: ColumnContext): arrow.Data {
  const { source, fields, columnCount, index } = context;
  const b = source.bytes;
  const { starts, ends, flags, rowCount } = fields;
  const values = new Float64Array(rowCount);
  const validity = new Validity(rowCount);
  for (let r = 0, f = index; r < rowCount; r++, f += columnCount) {
    const s = starts[f]!;
    const e = ends[f]!;
    if (s === e) {
      validity.setNull(r);
      continue;
    }
    const value = flags[f]! & ESCAPED ? undefined : parseFloat64(b, s, e);
    if (value === undefined) failValue(context, f, 'a number');
    values[r] = value;
  }
  return arrow.makeData({
    type: new arrow.Float64(),
    length: rowCount,
    nullCount: validity.nullCount,
    nullBitmap: validity.bitmap,
    data: values,
  });
}

function buildBool(context: ColumnContext): arrow.Data {
  const { source, fields, columnCount, index } = context;
  const b = source.bytes;
  const { starts, ends, flags, rowCount } = fields;
  const values = new Uint8Array((rowCount + 7) >>> 3);
  const validity = new Validity(rowCount);
  for (let r = 0, f = index; r < rowCount; r++, f += columnCount) {
    const s = starts[f]!;
    const e = ends[f]!;
    if (s === e) {
      validity.setNull(r);
      continue;
    }
    if (flags[f]! & ESCAPED) failValue(context, f, 'true or false');
    if (isWord(b, s, e, 'true')) values[r >>> 3]! |= 1 << (r & 7);
    else if (!isWord(b, s, e, 'false')) failValue(context, f, 'true or false');
  }
  return arrow.makeData({
    type: new arrow.Bool(),
    length: rowCount,
    nullCount: validity.nullCount,
    nullBitmap: validity.bitmap,
    data: values,
  });
}

const TIMESTAMP_TYPE = new arrow.TimestampMicrosecond('UTC');

function buildTimestamp(
  context: ColumnContext,
  isEvent: boolean,
): { data: arrow.Data; stats: TimestampStats } {
  const { source, fields, columnCount, index, name } = context;
  const b = source.bytes;
  const { starts, ends, flags, rowCount } = fields;
  const values = new BigInt64Array(rowCount);
  const words = new Int32Array(values.buffer);
  const validity = new Validity(rowCount);
  const parsed: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
  const stats: TimestampStats = { withOffset: 0, naive: 0, dateOnly: 0 };
  let truncated = 0;
  let firstTruncated = -1;
  for (let r = 0, f = index; r < rowCount; r++, f += columnCount) {
    const s = starts[f]!;
    const e = ends[f]!;
    if (s === e) {
      if (isEvent) {
        source.fail(
          s - (flags[f]! & QUOTED),
          `${name} is empty on this row; every entity row needs an event timestamp`,
        );
      }
      validity.setNull(r);
      continue;
    }
    const form = flags[f]! & ESCAPED ? TIMESTAMP_INVALID : parseTimestampBytes(b, s, e, parsed);
    if (form === TIMESTAMP_INVALID) failValue(context, f, 'an ISO-8601 timestamp');
    if (form === TIMESTAMP_WITH_OFFSET) stats.withOffset++;
    else if (form === TIMESTAMP_DATE_ONLY) stats.dateOnly++;
    else stats.naive++;
    if (parsed.truncated) {
      truncated++;
      if (firstTruncated < 0) firstTruncated = f;
    }
    const seconds = parsed.seconds;
    // |seconds| < 9e9 keeps seconds * 1e6 + micros below 2^53, so plain arithmetic is exact.
    if (LITTLE_ENDIAN && seconds > -9e9 && seconds < 9e9) {
      writeSafeInt64(words, r, seconds * 1_000_000 + parsed.micros);
    } else {
      values[r] = BigInt(seconds) * 1_000_000n + BigInt(parsed.micros);
    }
  }
  if (truncated > 0) {
    context.warnings.push(
      `${name}: ${truncated} value${truncated === 1 ? '' : 's'} had digits below a microsecond, truncated to ` +
        `microseconds (first at line ${source.line(starts[firstTruncated]!)})`,
    );
  }
  const data = arrow.makeData({
    type: TIMESTAMP_TYPE,
    length: rowCount,
    nullCount: validity.nullCount,
    nullBitmap: validity.bitmap,
    data: values,
  });
  return { data, stats };
}

function buildUtf8(context: ColumnContext): { data: arrow.Data; maxByteLength: number } {
  const { source, fields, columnCount, index, name } = context;
  const b = source.bytes;
  const { starts, ends, flags, rowCount } = fields;
  const offsets = new Int32Array(rowCount + 1);
  const validity = new Validity(rowCount);
  let total = 0;
  for (let r = 0, f = index; r < rowCount; r++, f += columnCount) {
    let length = ends[f]! - starts[f]!;
    if (flags[f]! & ESCAPED) {
      for (let i = starts[f]!; i < ends[f]!; i++) {
        if (b[i] === QUOTE) {
          i++;
          length--;
        }
      }
    }
    total += length;
  }
  if (total > MAX_UTF8_COLUMN_BYTES) {
    source.fail(
      starts[index] ?? 0,
      `column ${name} holds more than 2 GiB of text, more than one Arrow column can`,
    );
  }
  const data = new Uint8Array(total);
  let offset = 0;
  let maxByteLength = 0;
  for (let r = 0, f = index; r < rowCount; r++, f += columnCount) {
    const s = starts[f]!;
    const e = ends[f]!;
    const fieldFlags = flags[f]!;
    if (s === e && fieldFlags === 0) validity.setNull(r);
    const from = offset;
    if (fieldFlags & ESCAPED) {
      for (let i = s; i < e; i++) {
        const c = b[i]!;
        data[offset++] = c;
        if (c === QUOTE) i++;
      }
    } else if (e - s < 24) {
      for (let i = s; i < e; i++) data[offset++] = b[i]!;
    } else {
      data.set(b.subarray(s, e), offset);
      offset += e - s;
    }
    if (offset - from > maxByteLength) maxByteLength = offset - from;
    offsets[r + 1] = offset;
  }
  return {
    data: arrow.makeData({
      type: new arrow.Utf8(),
      length: rowCount,
      nullCount: validity.nullCount,
      nullBitmap: validity.bitmap,
      valueOffsets: offsets,
      data,
    }),
    maxByteLength,
  };
}
