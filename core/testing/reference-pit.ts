/**
 * A row-by-row reference implementation of the workbench's point-in-time semantics, used as the test oracle for
 * the SQL the planner generates. It is written for clarity, not speed: for every entity row and every feature
 * view it scans all source rows.
 *
 * Semantics (Feast's, with the workbench's deliberate improvements):
 * - a source row is a candidate when its join keys equal the entity row's, its event timestamp is at or before
 *   the entity timestamp and, with a TTL, at most TTL seconds older (both bounds inclusive; TTL 0 = unbounded);
 *   with filterByCreatedTimestamp its created timestamp must not be after the entity timestamp (a missing created
 *   timestamp is kept);
 * - the winner has the latest event timestamp, then the latest created timestamp (missing ranks last), then the
 *   smallest tie-break feature values in request order (NULL last; text compared by UTF-8 bytes), so exact
 *   duplicates give one row and nothing depends on row order;
 * - every entity row gives exactly one output row, in entity order; a NULL key or timestamp, or no candidate,
 *   gives NULL features.
 */

import { dateToMicros, parseTimestampMicros } from '../plan/time';
import type { PlanGroup, RetrievalPlan } from '../plan/types';

export type ReferenceValue = string | number | bigint | boolean | Date | null;
export type ReferenceRow = Readonly<Record<string, ReferenceValue>>;

export interface ReferenceView {
  /** For messages only. */
  name: string;
  joinKeys: readonly { entityColumn: string; sourceColumn: string }[];
  timestampColumn: string;
  createdTimestampColumn?: string;
  ttlSeconds: number;
  features: readonly { sourceColumn: string; outputName: string; tieBreak: boolean }[];
  rows: readonly ReferenceRow[];
}

export interface ReferenceInput {
  entityRows: readonly ReferenceRow[];
  /** Output order of the entity columns. */
  entityColumns: readonly string[];
  entityTimestampColumn: string;
  views: readonly ReferenceView[];
  filterByCreatedTimestamp: boolean;
}

/** Microseconds since the epoch of a timestamp given as a Date or ISO-8601 text (naive = UTC). */
export function timestampOf(value: ReferenceValue): bigint | null {
  if (value === null) return null;
  if (value instanceof Date) return dateToMicros(value);
  if (typeof value === 'string') {
    const micros = parseTimestampMicros(value);
    if (micros === undefined) throw new Error(`not a timestamp: ${value}`);
    return micros;
  }
  if (typeof value === 'bigint') return value;
  throw new Error(`not a timestamp: ${String(value)}`);
}

function numeric(value: ReferenceValue): number | bigint | undefined {
  return typeof value === 'number' || typeof value === 'bigint' ? value : undefined;
}

/** Join-key equality as SQL sees it: NULL never equals anything; numbers compare by value. */
function keyEquals(a: ReferenceValue, b: ReferenceValue): boolean {
  if (a === null || b === null) return false;
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) {
    return typeof x === 'bigint' || typeof y === 'bigint' ? BigInt(x) === BigInt(y) : x === y;
  }
  if (a instanceof Date || b instanceof Date) return timestampOf(a) === timestampOf(b);
  return a === b;
}

const utf8 = new TextEncoder();

/** Ascending order of two non-NULL values of one column. */
function compareValues(a: ReferenceValue, b: ReferenceValue): number {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Date || b instanceof Date) {
    const tx = timestampOf(a)!;
    const ty = timestampOf(b)!;
    return tx < ty ? -1 : tx > ty ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    // Byte order of UTF-8, which is how Redshift and a C-collation PostgreSQL order text.
    return Buffer.compare(utf8.encode(a), utf8.encode(b));
  }
  throw new Error(`cannot compare ${String(a)} with ${String(b)}`);
}

/** Negative when `a` should win over `b`. */
function compareCandidates(view: ReferenceView, a: ReferenceRow, b: ReferenceRow): number {
  const tsA = timestampOf(a[view.timestampColumn] ?? null)!;
  const tsB = timestampOf(b[view.timestampColumn] ?? null)!;
  if (tsA !== tsB) return tsA > tsB ? -1 : 1;
  if (view.createdTimestampColumn !== undefined) {
    const cA = timestampOf(a[view.createdTimestampColumn] ?? null);
    const cB = timestampOf(b[view.createdTimestampColumn] ?? null);
    if (cA !== cB) {
      if (cA === null) return 1;
      if (cB === null) return -1;
      return cA > cB ? -1 : 1;
    }
  }
  for (const feature of view.features) {
    if (!feature.tieBreak) continue;
    const vA = a[feature.sourceColumn] ?? null;
    const vB = b[feature.sourceColumn] ?? null;
    if (vA === null && vB === null) continue;
    if (vA === null) return 1;
    if (vB === null) return -1;
    const order = compareValues(vA, vB);
    if (order !== 0) return order;
  }
  return 0;
}

/** The winning source row of `view` for one entity row, or undefined. */
export function referenceWinner(
  view: ReferenceView,
  entityRow: ReferenceRow,
  entityTimestampColumn: string,
  filterByCreatedTimestamp: boolean,
): ReferenceRow | undefined {
  const entityTs = timestampOf(entityRow[entityTimestampColumn] ?? null);
  if (entityTs === null) return undefined;
  const lower = view.ttlSeconds > 0 ? entityTs - BigInt(view.ttlSeconds) * 1_000_000n : undefined;
  let best: ReferenceRow | undefined;
  for (const row of view.rows) {
    const matches = view.joinKeys.every((key) =>
      keyEquals(entityRow[key.entityColumn] ?? null, row[key.sourceColumn] ?? null),
    );
    if (!matches) continue;
    const ts = timestampOf(row[view.timestampColumn] ?? null);
    if (ts === null || ts > entityTs || (lower !== undefined && ts < lower)) continue;
    if (filterByCreatedTimestamp && view.createdTimestampColumn !== undefined) {
      const created = timestampOf(row[view.createdTimestampColumn] ?? null);
      if (created !== null && created > entityTs) continue;
    }
    if (best === undefined || compareCandidates(view, row, best) < 0) best = row;
  }
  return best;
}

/** One output row per entity row, in entity order: entity columns, then each view's features. */
export function referencePointInTime(input: ReferenceInput): Record<string, ReferenceValue>[] {
  return input.entityRows.map((entityRow) => {
    const out: Record<string, ReferenceValue> = {};
    for (const column of input.entityColumns) out[column] = entityRow[column] ?? null;
    for (const view of input.views) {
      const winner = referenceWinner(
        view,
        entityRow,
        input.entityTimestampColumn,
        input.filterByCreatedTimestamp,
      );
      for (const feature of view.features) {
        out[feature.outputName] = winner ? (winner[feature.sourceColumn] ?? null) : null;
      }
    }
    return out;
  });
}

/** Reference views for a plan's groups; `rowsOf` gives the source rows of a group's feature view. */
export function referenceViewsFromPlan(
  plan: Pick<RetrievalPlan, 'groups'>,
  rowsOf: (group: PlanGroup) => readonly ReferenceRow[],
): ReferenceView[] {
  return plan.groups.map((group) => ({
    name: group.name,
    joinKeys: group.joinKeys.map(({ entityColumn, sourceColumn }) => ({ entityColumn, sourceColumn })),
    timestampColumn: group.timestampColumn,
    ...(group.createdTimestampColumn === undefined
      ? {}
      : { createdTimestampColumn: group.createdTimestampColumn }),
    ttlSeconds: group.ttlSeconds,
    features: group.features.map(({ sourceColumn, outputName, tieBreak }) => ({
      sourceColumn,
      outputName,
      tieBreak,
    })),
    rows: rowsOf(group),
  }));
}
