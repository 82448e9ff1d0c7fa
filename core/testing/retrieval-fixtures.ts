/**
 * Fixtures for the end-to-end retrieval tests (SDK -> sandbox): the demo datasets plus a few tables built for
 * one edge each (key-collision pairs, int8 keys above 2^53, long multi-byte strings), the registry views over
 * them, a data folder to start the sandbox from, and the comparison of an Arrow result with the row-by-row
 * reference (core/testing/reference-pit.ts).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import { exactColumnValues } from '../frames/frame-values';
import type { PlanGroup, RetrievalPlan } from '../plan/types';
import type { DataSource, FeatureView, Field, RegistryModel, ValueTypeName } from '../registry/model';
import { csvField, datasetToCsv, formatTimestamp } from './csv';
import {
  demoTables,
  DAY_MS,
  HOUR_MS,
  DATASET_END_MS,
  type Dataset,
  type TimestampNotation,
} from './datasets';
import {
  referencePointInTime,
  referenceViewsFromPlan,
  type ReferenceRow,
  type ReferenceValue,
} from './reference-pit';

/** A source table: its CSV for the sandbox's data folder and its rows for the reference. */
export interface SourceTable {
  name: string;
  csv: string;
  /** Timestamps as bigint microseconds, keys and values as numbers, bigints or strings. */
  rows: ReferenceRow[];
}

/** Epoch milliseconds (plus optional extra microseconds) as bigint microseconds. */
export function micros(epochMs: number, extraMicros = 0): bigint {
  return BigInt(epochMs) * 1000n + BigInt(extraMicros);
}

/** Reference rows of a generated dataset (timestamps as bigint microseconds). */
export function datasetRows(dataset: Dataset): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  for (let i = 0; i < dataset.rowCount; i++) {
    const row: Record<string, ReferenceValue> = {};
    for (const column of dataset.columns) {
      const value = column.values[i] ?? null;
      row[column.name] = column.type === 'timestamp' && value !== null ? micros(value as number) : value;
    }
    rows.push(row);
  }
  return rows;
}

export function datasetTable(dataset: Dataset): SourceTable {
  return { name: dataset.name, csv: datasetToCsv(dataset), rows: datasetRows(dataset) };
}

/** 2026-01-09T00:00:00Z: the event time of the tables below. */
export const EDGE_TIME_MS = DATASET_END_MS - DAY_MS;

/**
 * pair_stats: two integer keys whose values, concatenated without a separator, collide ((1, 12) and (11, 2) both
 * give "112"), as do the text keys of code_pairs ("a" + "bc" and "ab" + "c"). Feast's entity row id is that
 * concatenation, so it mixes the pairs' candidates; each pair must get its own value here.
 */
export function pairStats(): SourceTable {
  const data = [
    { k1: 1, k2: 12, eventMs: EDGE_TIME_MS, score: 112 },
    { k1: 11, k2: 2, eventMs: EDGE_TIME_MS, score: 1102 },
    // An older row of (11, 2): Feast's shared partition would rank it with (1, 12)'s rows.
    { k1: 11, k2: 2, eventMs: EDGE_TIME_MS - HOUR_MS, score: 1101 },
  ];
  const csv = ['k1,k2,event_timestamp,score']
    .concat(data.map((r) => `${r.k1},${r.k2},${formatTimestamp(r.eventMs)},${r.score}`))
    .join('\n');
  const rows = data.map(({ eventMs, ...r }) => ({ ...r, event_timestamp: micros(eventMs) }));
  return { name: 'pair_stats', csv: `${csv}\n`, rows };
}

export function codePairs(): SourceTable {
  const rows = [
    { c1: 'a', c2: 'bc', event_timestamp: micros(EDGE_TIME_MS), label: 'a|bc' },
    { c1: 'ab', c2: 'c', event_timestamp: micros(EDGE_TIME_MS), label: 'ab|c' },
  ];
  const csv = ['c1,c2,event_timestamp,label']
    .concat(rows.map((r) => `${r.c1},${r.c2},${formatTimestamp(EDGE_TIME_MS, 'Z')},${csvField(r.label)}`))
    .join('\n');
  return { name: 'code_pairs', csv: `${csv}\n`, rows };
}

/** Integers a double cannot hold: 2^53 + 1 and its neighbours, and the int64 extremes. */
export const BIG_KEYS = [
  9007199254740993n,
  9007199254740992n,
  9007199254740994n,
  9223372036854775807n,
] as const;

/**
 * account_stats: int8 keys above 2^53 that differ only below a double's precision, with int8 values of the same
 * kind, so a key or value that goes through a JS number on the way picks the wrong row or changes.
 */
export function accountStats(): SourceTable {
  const rows = BIG_KEYS.map((account, i) => ({
    account_id: account,
    event_timestamp: micros(EDGE_TIME_MS),
    balance: -9223372036854775807n + BigInt(i),
  }));
  const csv = ['account_id,event_timestamp,balance']
    .concat(rows.map((r) => `${r.account_id},${formatTimestamp(EDGE_TIME_MS, 'Z')},${r.balance}`))
    .join('\n');
  return { name: 'account_stats', csv: `${csv}\n`, rows };
}

/**
 * A merchant id longer than VARCHAR(256) in characters and more so in bytes (two-byte é): Redshift counts a
 * VARCHAR's length in bytes, the sandbox (PostgreSQL) in characters, so only the characters catch a VARCHAR(256).
 */
export function longMerchantId(index: number): string {
  return `m${index}-${'é'.repeat(150)}-${'x'.repeat(120)}`;
}

/** merchant_stats: text keys longer than 256 bytes and a long text feature. */
export function merchantStats(): SourceTable {
  const rows = [0, 1, 2].map((i) => ({
    merchant_id: longMerchantId(i),
    event_timestamp: micros(EDGE_TIME_MS),
    description: `${'shop, "quoted"; '.repeat(30)}${i}`,
  }));
  const csv = ['merchant_id,event_timestamp,description']
    .concat(
      rows.map(
        (r) => `${csvField(r.merchant_id)},${formatTimestamp(EDGE_TIME_MS, 'Z')},${csvField(r.description)}`,
      ),
    )
    .join('\n');
  return { name: 'merchant_stats', csv: `${csv}\n`, rows };
}

/** Every table of the retrieval tests: the demo's generated tables and the edge tables above. */
export function retrievalTables(): SourceTable[] {
  return [...demoTables().map(datasetTable), pairStats(), codePairs(), accountStats(), merchantStats()];
}

/** Writes the tables as CSV files into a fresh temporary folder, for `startSandbox({ dataDir })`. */
export async function writeDataFolder(
  tables: readonly SourceTable[],
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fwb-retrieval-'));
  for (const table of tables) await writeFile(path.join(dir, `${table.name}.csv`), table.csv);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

function field(name: string, valueType: ValueTypeName): Field {
  return { name, valueType };
}

function tableSource(project: string, name: string, table: string, created = ''): DataSource {
  return {
    name,
    project,
    kind: 'BATCH_REDSHIFT',
    timestampField: 'event_timestamp',
    createdTimestampColumn: created,
    fieldMapping: {},
    redshift: { table, schema: 'public', database: '', query: '' },
    description: '',
    tags: {},
    owner: '',
  };
}

function view(
  project: string,
  spec: { name: string; keys: Field[]; features: Field[]; ttlSeconds: number; source: DataSource },
): FeatureView {
  return {
    name: spec.name,
    project,
    entities: spec.keys.map((k) => k.name),
    entityColumns: spec.keys,
    features: spec.features,
    ttlSeconds: spec.ttlSeconds,
    batchSource: spec.source,
    online: true,
    offline: true,
    description: '',
    tags: {},
    owner: '',
  };
}

const NO_TABLE = { table: '', schema: '', database: '', query: '' };

/**
 * The source query of `code_labels`: code_pairs through SQL with a quote, a backslash (Redshift literal rules:
 * `\\` is one backslash; a lost or doubled one filters every row out) and a trailing semicolon, all of which
 * must survive being nested in UNLOAD ('...').
 */
export const CODE_LABELS_QUERY =
  "SELECT c1, c2, event_timestamp, label FROM public.code_pairs WHERE label <> 'it''s' AND 'x\\\\y' = 'x' || CHR(92) || 'y';";

/**
 * The demo registry plus views for the edge tables, `driver_all_time` (the hourly driver stats without a TTL:
 * 0 = no lower bound), and the demo's feature service without its on-demand view.
 */
export function withEdgeViews(demo: RegistryModel): RegistryModel {
  const p = demo.project;
  const driverHourly = demo.featureViews.find((v) => v.name === 'driver_hourly_stats');
  if (!driverHourly) throw new Error('the demo registry has no driver_hourly_stats');
  const extra: FeatureView[] = [
    { ...driverHourly, name: 'driver_all_time', ttlSeconds: 0 },
    view(p, {
      name: 'pair_stats',
      keys: [field('k1', 'INT64'), field('k2', 'INT64')],
      features: [field('score', 'INT64')],
      ttlSeconds: 86_400,
      source: tableSource(p, 'pair_stats_source', 'pair_stats'),
    }),
    view(p, {
      name: 'code_pairs',
      keys: [field('c1', 'STRING'), field('c2', 'STRING')],
      features: [field('label', 'STRING')],
      ttlSeconds: 86_400,
      source: tableSource(p, 'code_pairs_source', 'code_pairs'),
    }),
    view(p, {
      name: 'code_labels',
      keys: [field('c1', 'STRING'), field('c2', 'STRING')],
      features: [field('label', 'STRING')],
      ttlSeconds: 86_400,
      source: {
        ...tableSource(p, 'code_labels_source', ''),
        redshift: { ...NO_TABLE, query: CODE_LABELS_QUERY },
      },
    }),
    view(p, {
      name: 'account_stats',
      keys: [field('account_id', 'INT64')],
      features: [field('balance', 'INT64')],
      ttlSeconds: 0,
      source: tableSource(p, 'account_stats_source', 'account_stats'),
    }),
    view(p, {
      name: 'merchant_stats',
      keys: [field('merchant_id', 'STRING')],
      features: [field('description', 'STRING')],
      ttlSeconds: 0,
      source: tableSource(p, 'merchant_stats_source', 'merchant_stats'),
    }),
  ];
  // The demo's driver_activity without its on-demand view, which needs Python (core/odfv has its own tests).
  const service = demo.featureServices.find((s) => s.name === 'driver_activity');
  if (!service) throw new Error('the demo registry has no driver_activity service');
  const viewNames = new Set(demo.featureViews.map((v) => v.name));
  const sqlOnly = {
    ...service,
    name: DEMO_SERVICE_WITHOUT_ODFV,
    projections: service.projections.filter((p) => viewNames.has(p.featureViewName)),
  };
  return {
    ...demo,
    featureViews: [...demo.featureViews, ...extra],
    featureServices: [...demo.featureServices, sqlOnly],
  };
}

/** The demo's driver_activity service minus its on-demand feature view (see withEdgeViews). */
export const DEMO_SERVICE_WITHOUT_ODFV = 'driver_activity_sql';

/** An instant in the given notation, with microseconds when `extraMicros` is set (naive = UTC wall clock). */
export function timestampText(epochMs: number, notation: TimestampNotation = 'Z', extraMicros = 0): string {
  const text = formatTimestamp(epochMs, notation);
  if (extraMicros === 0) return text;
  if (epochMs % 1000 !== 0) throw new Error('extra microseconds need a whole-second time');
  const fraction = `.${String(extraMicros).padStart(6, '0')}`;
  // The clock part ends at the 19th character in every notation; an offset or nothing follows.
  return `${text.slice(0, 19)}${fraction}${text.slice(19)}`;
}

/** Builds entity CSV text from rows of values (null -> empty field; bigint, number, string as written). */
export function entityCsv(
  columns: readonly string[],
  rows: readonly (readonly (string | number | bigint | null)[])[],
): string {
  const lines = [columns.join(',')];
  for (const row of rows) {
    lines.push(row.map((v) => (v === null ? '' : typeof v === 'string' ? csvField(v) : String(v))).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** A value in one comparable form: bigint, integer numbers and timestamps as decimal text, other numbers kept. */
export function comparable(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return value;
}

/** The rows of a result table as objects of comparable values, in table order. */
export function resultRows(table: arrow.Table): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((name) => exactColumnValues(table, name));
  return Array.from({ length: table.numRows }, (_, i) =>
    Object.fromEntries(names.map((name, c) => [name, comparable(columns[c]![i])])),
  );
}

/** Rows of the reference for `plan`: one per entity row, in entity order. */
export function referenceRows(
  plan: RetrievalPlan,
  entityRows: readonly ReferenceRow[],
  rowsOf: (group: PlanGroup) => readonly ReferenceRow[],
): Record<string, unknown>[] {
  const expected = referencePointInTime({
    entityRows,
    entityColumns: plan.outputColumns.filter((c) => c.kind === 'entity').map((c) => c.name),
    entityTimestampColumn: plan.entityTimestampColumn,
    views: referenceViewsFromPlan(plan, rowsOf),
    filterByCreatedTimestamp: plan.filterByCreatedTimestamp,
  });
  const names = plan.outputColumns.filter((c) => c.kind !== 'onDemand').map((c) => c.name);
  return expected.map((row) =>
    Object.fromEntries(names.map((name) => [name, comparable(row[name] ?? null)])),
  );
}

/** Source rows by the table a plan group reads. */
export function rowsByTable(tables: readonly SourceTable[]): (group: PlanGroup) => readonly ReferenceRow[] {
  const byName = new Map(tables.map((t) => [t.name, t.rows]));
  return (group) => {
    if (group.source.kind !== 'table') throw new Error(`group ${group.name} reads a query, not a table`);
    const rows = byName.get(group.source.table);
    if (!rows) throw new Error(`no test table ${group.source.table}`);
    return rows;
  };
}

/**
 * Asserts that `result` is exactly the reference: the plan's output columns in order, one row per entity row in
 * entity order, every value equal (int64 and timestamps exactly).
 */
export function expectMatchesReference(
  result: arrow.Table,
  plan: RetrievalPlan,
  entityRows: readonly ReferenceRow[],
  rowsOf: (group: PlanGroup) => readonly ReferenceRow[],
): Record<string, unknown>[] {
  const names = plan.outputColumns.filter((c) => c.kind !== 'onDemand').map((c) => c.name);
  expect(result.schema.fields.map((f) => f.name)).toEqual(names);
  expect(result.numRows).toBe(entityRows.length);
  const expected = referenceRows(plan, entityRows, rowsOf);
  expect(resultRows(result)).toEqual(expected);
  return expected;
}

/** The Arrow type of each result column, for type checks: e.g. `Int64`, `Float64`, `Timestamp<MICROSECOND, UTC>`. */
export function typeNames(table: arrow.Table): Record<string, string> {
  return Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
}
