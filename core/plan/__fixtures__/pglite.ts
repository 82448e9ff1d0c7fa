/**
 * Test helpers that execute generated plans in PGlite: stage tables, run a plan's statements, and compare the
 * result with the reference implementation row by row.
 */

import { PGlite } from '@electric-sql/pglite';
import { expect } from 'vitest';
import type { EntityColumn } from '../../frames/types';
import {
  referencePointInTime,
  referenceViewsFromPlan,
  timestampOf,
  type ReferenceRow,
  type ReferenceValue,
} from '../../testing/reference-pit';
import { quoteIdent, quoteQualified } from '../sql';
import { ROW_ID_COLUMN, type PlanGroup, type RetrievalPlan } from '../types';

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;
const INT8_OID = 20;
const JSON_OID = 114;

/** A PGlite in UTC (as the sandbox and Redshift sessions are) that returns timestamps and int8 as exact text. */
export async function createDatabase(): Promise<PGlite> {
  const db = await PGlite.create({
    parsers: {
      [TIMESTAMP_OID]: (text: string) => text,
      [TIMESTAMPTZ_OID]: (text: string) => text,
      [INT8_OID]: (text: string) => BigInt(text),
      // JSON stands in for Redshift's SUPER (neither can be ordered); kept as text to compare exactly.
      [JSON_OID]: (text: string) => text,
    },
  });
  await db.exec(`SET TIME ZONE 'UTC'`);
  return db;
}

export interface ColumnSpec {
  name: string;
  /** PostgreSQL type text, e.g. `BIGINT`, `TIMESTAMP`, `REAL`, `JSON`. */
  type: string;
}

/** Creates (replacing) a table and fills it with rows given as objects keyed by column name. */
export async function createTable(
  db: PGlite,
  table: { schema?: string; name: string },
  columns: readonly ColumnSpec[],
  rows: readonly ReferenceRow[],
): Promise<void> {
  const qualified = quoteQualified(table.schema, table.name);
  if (table.schema) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`);
  await db.exec(`DROP TABLE IF EXISTS ${qualified}`);
  await db.exec(
    `CREATE TABLE ${qualified} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
  );
  if (rows.length === 0) return;
  const placeholders: string[] = [];
  const params: unknown[] = [];
  for (const row of rows) {
    placeholders.push(
      `(${columns
        .map((column) => {
          const value = row[column.name] ?? null;
          params.push(
            typeof value === 'bigint'
              ? value.toString()
              : value instanceof Date
                ? value.toISOString()
                : value,
          );
          return `$${params.length}::${column.type}`;
        })
        .join(', ')})`,
    );
  }
  await db.query(`INSERT INTO ${qualified} VALUES ${placeholders.join(', ')}`, params);
}

const ENTITY_SQL_TYPES: Record<EntityColumn['type'], string> = {
  int64: 'BIGINT',
  float64: 'DOUBLE PRECISION',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  string: 'VARCHAR',
};

/** Stages an entity frame as the job does: its columns plus the row id 0..n-1. */
export async function stageEntities(
  db: PGlite,
  table: { schema?: string; name: string },
  columns: readonly EntityColumn[],
  rows: readonly ReferenceRow[],
): Promise<void> {
  await createTable(
    db,
    table,
    [
      ...columns.map((c) => ({ name: c.name, type: ENTITY_SQL_TYPES[c.type] })),
      { name: ROW_ID_COLUMN, type: 'BIGINT' },
    ],
    rows.map((row, i) => ({ ...row, [ROW_ID_COLUMN]: BigInt(i) })),
  );
}

export type ResultRow = Record<string, unknown>;

/** Runs a plan as the job would (staged statements, result query, cleanup) and returns the rows by row id. */
export async function runPlan(
  db: PGlite,
  plan: RetrievalPlan,
): Promise<{ rows: ResultRow[]; fields: string[] }> {
  try {
    for (const statement of plan.statements) await db.exec(statement.sql);
    const result = await db.query<ResultRow>(plan.resultQuery);
    const rows = [...result.rows].sort((a, b) => Number(a[ROW_ID_COLUMN]) - Number(b[ROW_ID_COLUMN]));
    return { rows, fields: result.fields.map((f) => f.name) };
  } finally {
    for (const table of plan.cleanupTables) await db.exec(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** A value in a form both PGlite's and the reference's results compare equal in. */
export function normalize(value: unknown, isTimestamp: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (isTimestamp) return timestampOf(value as ReferenceValue)?.toString() ?? null;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export interface CompareOptions {
  entityRows: readonly ReferenceRow[];
  /** Source rows of a group's feature view. */
  rowsOf: (group: PlanGroup) => readonly ReferenceRow[];
  /** Output columns holding timestamps. */
  timestampColumns?: readonly string[];
}

/**
 * Asserts the result has exactly one row per entity row (1:1 through the row id), the plan's columns in order,
 * and the reference implementation's values. Returns the reference rows for further checks.
 */
export function expectMatchesReference(
  plan: RetrievalPlan,
  result: { rows: ResultRow[]; fields: string[] },
  options: CompareOptions,
): Record<string, ReferenceValue>[] {
  const sqlColumns = plan.outputColumns.filter((c) => c.kind !== 'onDemand').map((c) => c.name);
  expect(result.fields).toEqual([...sqlColumns, ROW_ID_COLUMN]);
  expect(result.rows.map((row) => Number(row[ROW_ID_COLUMN]))).toEqual(options.entityRows.map((_, i) => i));
  const expected = referencePointInTime({
    entityRows: options.entityRows,
    entityColumns: plan.outputColumns.filter((c) => c.kind === 'entity').map((c) => c.name),
    entityTimestampColumn: plan.entityTimestampColumn,
    views: referenceViewsFromPlan(plan, options.rowsOf),
    filterByCreatedTimestamp: plan.filterByCreatedTimestamp,
  });
  const timestampColumns = new Set([plan.entityTimestampColumn, ...(options.timestampColumns ?? [])]);
  const shape = (row: Record<string, unknown>) =>
    Object.fromEntries(sqlColumns.map((name) => [name, normalize(row[name], timestampColumns.has(name))]));
  expect(result.rows.map(shape)).toEqual(expected.map(shape));
  return expected;
}

/** The values of one output column, in entity order. */
export function column(result: { rows: ResultRow[] }, name: string): unknown[] {
  return result.rows.map((row) => normalize(row[name], false));
}
