/** Small formatters for the UI: sizes, durations, counts and sentences about entity frames. */
import type { TimestampStats } from '../../../core/contract/types';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integer.format(n);
}

export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Decimal kilobytes, as AWS states the Data API's 100 KB statement limit (100,000 bytes). */
export function formatKilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} KB`;
}

/** 1500 -> "1.5 s", 61_000 -> "1 min 1 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/**
 * How the frame's timestamps were read, in one sentence: "2,310 rows had offsets, 14 were naive: read as UTC".
 * Dates without a time are named separately, since they mean midnight UTC.
 */
export function timezoneSentence(stats: TimestampStats): string {
  const parts = [
    `${plural(stats.withOffset, 'row', 'rows')} ${stats.withOffset === 1 ? 'had an offset' : 'had offsets'}`,
    `${formatCount(stats.naive)} ${stats.naive === 1 ? 'was' : 'were'} naive: read as UTC`,
  ];
  if (stats.dateOnly > 0) {
    parts.push(
      `${formatCount(stats.dateOnly)} ${stats.dateOnly === 1 ? 'was a date' : 'were dates'} only: midnight UTC`,
    );
  }
  return parts.join(', ');
}

/** "12%" of the statement limit, for the plan's size gauge. */
export function percentOf(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.round((part / whole) * 1000) / 10;
}
