/**
 * ISO-8601 timestamps for entity frames: parsed straight from UTF-8 bytes (no string per value) into epoch
 * seconds plus microseconds, and formatted back as UTC text.
 *
 * Accepted forms (the T may be a space; letters may be lower case):
 *   2021-04-12                      a date: midnight UTC
 *   2021-04-12T10:59 / T10:59:42    a naive date-time: read as UTC, as Feast does
 *   ...:42.1 to ...:42.123456789    1 to 9 fractional digits; digits below a microsecond are truncated
 *   ...Z  ...+01:00  ...+0100  ...+01  ...-08:00
 * Years run from 0001 to 9999; days are checked against the month (leap years included); hours 00-23,
 * minutes and seconds 00-59 (no leap seconds); offsets up to 23:59.
 */

export const TIMESTAMP_INVALID = 0;
export const TIMESTAMP_DATE_ONLY = 1;
export const TIMESTAMP_NAIVE = 2;
export const TIMESTAMP_WITH_OFFSET = 3;
export type TimestampForm =
  | typeof TIMESTAMP_INVALID
  | typeof TIMESTAMP_DATE_ONLY
  | typeof TIMESTAMP_NAIVE
  | typeof TIMESTAMP_WITH_OFFSET;

/** Where {@link parseTimestampBytes} puts its result, so the hot loop allocates nothing. */
export interface ParsedTimestamp {
  /** Whole seconds since 1970-01-01T00:00:00Z (an exact integer). */
  seconds: number;
  /** 0..999999 */
  micros: number;
  /** True when non-zero digits below a microsecond were dropped. */
  truncated: boolean;
}

const D0 = 0x30;

function digit(b: Uint8Array, i: number): number {
  const d = b[i]! - D0;
  return d >= 0 && d <= 9 ? d : -1;
}

function two(b: Uint8Array, i: number): number {
  const a = digit(b, i);
  const c = digit(b, i + 1);
  return a < 0 || c < 0 ? -1 : a * 10 + c;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Parses `b[start, end)` as an ISO-8601 date or date-time. Returns the form found, or TIMESTAMP_INVALID; on
 * success `out` holds the instant.
 */
export function parseTimestampBytes(
  b: Uint8Array,
  start: number,
  end: number,
  out: ParsedTimestamp,
): TimestampForm {
  const len = end - start;
  if (len < 10) return TIMESTAMP_INVALID;
  const y1 = two(b, start);
  const y2 = two(b, start + 2);
  if (y1 < 0 || y2 < 0 || b[start + 4] !== 0x2d || b[start + 7] !== 0x2d) return TIMESTAMP_INVALID;
  const year = y1 * 100 + y2;
  const month = two(b, start + 5);
  const day = two(b, start + 8);
  if (year < 1 || month < 1 || month > 12 || day < 1) return TIMESTAMP_INVALID;
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > dim) return TIMESTAMP_INVALID;
  const days = daysFromCivil(year, month, day);
  if (len === 10) {
    out.seconds = days * 86400;
    out.micros = 0;
    out.truncated = false;
    return TIMESTAMP_DATE_ONLY;
  }
  const sep = b[start + 10];
  if (sep !== 0x54 && sep !== 0x74 && sep !== 0x20) return TIMESTAMP_INVALID;
  let i = start + 11;
  if (end - i < 5 || b[i + 2] !== 0x3a) return TIMESTAMP_INVALID;
  const hour = two(b, i);
  const minute = two(b, i + 3);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return TIMESTAMP_INVALID;
  i += 5;
  let second = 0;
  let micros = 0;
  let truncated = false;
  if (i < end && b[i] === 0x3a) {
    if (end - i < 3) return TIMESTAMP_INVALID;
    second = two(b, i + 1);
    if (second < 0 || second > 59) return TIMESTAMP_INVALID;
    i += 3;
    if (i < end && b[i] === 0x2e) {
      i++;
      let n = 0;
      while (i < end) {
        const d = digit(b, i);
        if (d < 0) break;
        if (n < 6) micros = micros * 10 + d;
        else if (d !== 0) truncated = true;
        n++;
        i++;
      }
      if (n === 0 || n > 9) return TIMESTAMP_INVALID;
      for (let k = n; k < 6; k++) micros *= 10;
    }
  }
  let offsetSeconds = 0;
  let form: TimestampForm = TIMESTAMP_NAIVE;
  if (i < end) {
    const c = b[i];
    if (c === 0x5a || c === 0x7a) {
      i++;
    } else if (c === 0x2b || c === 0x2d) {
      const sign = c === 0x2d ? -1 : 1;
      i++;
      if (end - i < 2) return TIMESTAMP_INVALID;
      const oh = two(b, i);
      if (oh < 0 || oh > 23) return TIMESTAMP_INVALID;
      i += 2;
      let om = 0;
      if (i < end) {
        if (b[i] === 0x3a) i++;
        if (end - i < 2) return TIMESTAMP_INVALID;
        om = two(b, i);
        if (om < 0 || om > 59) return TIMESTAMP_INVALID;
        i += 2;
      }
      offsetSeconds = sign * (oh * 3600 + om * 60);
    } else return TIMESTAMP_INVALID;
    if (i !== end) return TIMESTAMP_INVALID;
    form = TIMESTAMP_WITH_OFFSET;
  }
  out.seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  out.micros = micros;
  out.truncated = truncated;
  return form;
}

const encoder = new TextEncoder();

/** Epoch microseconds (UTC) of an ISO-8601 text in the accepted forms, or undefined. */
export function parseTimestampMicros(text: string): bigint | undefined {
  const bytes = encoder.encode(text);
  const out: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
  if (parseTimestampBytes(bytes, 0, bytes.length, out) === TIMESTAMP_INVALID) return undefined;
  return BigInt(out.seconds) * 1_000_000n + BigInt(out.micros);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The proleptic Gregorian date of a day count since 1970-01-01, into `out` (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number, out: CivilDate): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

const civil: CivilDate = { year: 0, month: 0, day: 0 };

/** Years 0000-9999 as four digits, others in ISO 8601's expanded form (+YYYYYY / -YYYYYY). */
export function formatYear(y: number): string {
  if (y >= 0 && y <= 9999) return `${y}`.padStart(4, '0');
  return `${y < 0 ? '-' : '+'}${`${Math.abs(y)}`.padStart(6, '0')}`;
}

/** `YYYY-MM-DD` of a day count since 1970-01-01. */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days, civil);
  return `${formatYear(year)}-${pad2(month)}-${pad2(day)}`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.ffffff|.fffffffff]Z`. `nanos` is the fraction of the second (0..999999999); it is
 * written with 6 digits when it is a whole number of microseconds and not zero, with 9 when it is not, and
 * left out when zero.
 */
export function formatUtcTimestamp(epochSeconds: number, nanos: number): string {
  const days = Math.floor(epochSeconds / 86400);
  const secOfDay = epochSeconds - days * 86400;
  const h = Math.floor(secOfDay / 3600);
  const m = Math.floor((secOfDay - h * 3600) / 60);
  const s = secOfDay - h * 3600 - m * 60;
  let fraction = '';
  if (nanos !== 0) {
    fraction =
      nanos % 1000 === 0 ? `.${`${nanos / 1000}`.padStart(6, '0')}` : `.${`${nanos}`.padStart(9, '0')}`;
  }
  return `${formatDate(days)}T${pad2(h)}:${pad2(m)}:${pad2(s)}${fraction}Z`;
}

/** {@link formatUtcTimestamp} of epoch microseconds. */
export function formatTimestampMicros(micros: bigint): string {
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  return formatUtcTimestamp(Number(seconds), Number(fraction) * 1000);
}
