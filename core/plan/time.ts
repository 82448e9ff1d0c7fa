/**
 * Timestamps as whole microseconds since the Unix epoch (UTC): the precision of Redshift's TIMESTAMP and
 * TIMESTAMPTZ. Kept as bigint so no value is rounded on the way to an SQL literal.
 */

const MICROS_PER_SECOND = 1_000_000n;

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO-8601 date or date-time. A value without `Z` or an offset is read as UTC, as Feast does for naive
 * timestamps. Digits below the microsecond are truncated (`round: 'floor'`) or rounded up (`round: 'ceil'`), so a
 * range built from them never leaves out a value it should contain. Returns undefined when `text` is not one.
 */
export function parseTimestampMicros(text: string, round: 'floor' | 'ceil' = 'floor'): bigint | undefined {
  const match = ISO_TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(epochMs);
  // Date.UTC rolls 2021-02-30 over into March; a real calendar date survives the round trip.
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  let micros = BigInt(epochMs) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  if (round === 'ceil' && /[1-9]/.test(fraction.slice(6))) micros += 1n;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    micros -= sign * offsetMinutes * 60n * MICROS_PER_SECOND;
  }
  return micros;
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
export function formatTimestampMicros(micros: bigint): string {
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
