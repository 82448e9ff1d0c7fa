/** Datasets as CSV text (RFC 4180, header row, LF line ends), with no dependencies. */

import type { Column, Dataset, TimestampNotation } from './datasets';

const OFFSET_MINUTES: Record<Exclude<TimestampNotation, 'naive'>, number> = {
  Z: 0,
  '+01:00': 60,
  '-08:00': -480,
};

/**
 * An instant written in the given notation: `2026-01-07T00:00:00Z`, `2026-01-07T01:00:00+01:00`,
 * `2026-01-06T16:00:00-08:00`, or naive UTC wall-clock time `2026-01-07 00:00:00`. Milliseconds appear only
 * when non-zero.
 */
export function formatTimestamp(epochMs: number, notation: TimestampNotation = 'Z'): string {
  const shift = notation === 'naive' ? 0 : OFFSET_MINUTES[notation] * 60_000;
  const iso = new Date(epochMs + shift).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const millis = iso.slice(20, 23);
  const clock = `${iso.slice(0, 10)}${notation === 'naive' ? ' ' : 'T'}${iso.slice(11, 19)}${millis === '000' ? '' : `.${millis}`}`;
  return notation === 'naive' ? clock : `${clock}${notation}`;
}

/** Quotes a field when it holds a delimiter, quote, line break, or leading/trailing space. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cell(column: Column, row: number): string {
  const value = column.values[row];
  if (value === null || value === undefined) return '';
  switch (column.type) {
    case 'timestamp':
      return formatTimestamp(value as number, column.notations?.[row] ?? 'Z');
    case 'bool':
      return value ? 'true' : 'false';
    case 'string':
      return csvField(value as string);
    default:
      return String(value);
  }
}

/** The whole dataset as CSV; nulls are empty fields. */
export function datasetToCsv(dataset: Dataset): string {
  const lines = [dataset.columns.map((c) => csvField(c.name)).join(',')];
  for (let row = 0; row < dataset.rowCount; row++) {
    lines.push(dataset.columns.map((c) => cell(c, row)).join(','));
  }
  return `${lines.join('\n')}\n`;
}
