/**
 * Timestamps as whole microseconds since the Unix epoch (UTC): the precision of Redshift's TIMESTAMP and
 * TIMESTAMPTZ. Kept as bigint so no value is rounded on the way to an SQL literal.
 */

import { parseTimestampBytes, TIMESTAMP_INVALID, type ParsedTimestamp } from '../frames/timestamp';

const encoder = new TextEncoder();

/**
 * Parses an ISO-8601 date or date-time (the forms entity frames accept, see core/frames/timestamp.ts). A value
 * without `Z` or an offset is read as UTC, as Feast does for naive timestamps. Digits below the microsecond are
 * truncated (`round: 'floor'`) or rounded up (`round: 'ceil'`), so a range built from them never leaves out a value
 * it should contain. Returns undefined when `text` is not one.
 */
export function parseTimestampMicros(text: string, round: 'floor' | 'ceil' = 'floor'): bigint | undefined {
  const bytes = encoder.encode(text.trim());
  const parsed: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
  if (parseTimestampBytes(bytes, 0, bytes.length, parsed) === TIMESTAMP_INVALID) return undefined;
  const micros = BigInt(parsed.seconds) * 1_000_000n + BigInt(parsed.micros);
  return round === 'ceil' && parsed.truncated ? micros + 1n : micros;
}

/** Microseconds of a JavaScript Date (whole milliseconds). */
export function dateToMicros(date: Date): bigint {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  return BigInt(ms) * 1000n;
}

/**
 * `2021-04-12 10:59:42` or `2021-04-12 10:59:42.0005`: naive UTC, the form Redshift and PostgreSQL read for both
 * TIMESTAMP and TIMESTAMPTZ (the latter in the session time zone, UTC).
 */
export function formatSqlTimestamp(micros: bigint): string {
  const floorMs = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const subMs = Number(micros - floorMs * 1000n);
  const iso = new Date(Number(floorMs)).toISOString(); // 2021-04-12T10:59:42.123Z
  const whole = iso.slice(0, 19).replace('T', ' ');
  const fraction = `${iso.slice(20, 23)}${String(subMs).padStart(3, '0')}`;
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed === '' ? whole : `${whole}.${trimmed}`;
}

/** `2 h`, `1 day 6 h`, `90 s`: a TTL as a feature engineer says it. */
export function describeDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return '0 s';
  const parts: string[] = [];
  let rest = totalSeconds;
  const units: [number, (n: number) => string][] = [
    [86_400, (n) => `${n} ${n === 1 ? 'day' : 'days'}`],
    [3_600, (n) => `${n} h`],
    [60, (n) => `${n} min`],
    [1, (n) => `${n} s`],
  ];
  for (const [size, label] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(label(count));
      rest -= count * size;
    }
  }
  return parts.join(' ');
}
