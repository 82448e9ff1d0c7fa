/**
 * Staging an entity frame in Redshift: a CSV frame goes up as Parquet and is COPYed into a table with an
 * explicit column list; an SQL entity frame becomes a table with CREATE TABLE AS. Both get `__fwb_row_id`
 * (0..n-1) so results can be put back in the frame's row order and matched 1:1.
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { arrowToParquet } from '../frames/parquet';
import { formatTimestampMicros } from '../frames/timestamp';
import type { EntityColumn, EntityColumnType, EntityFrame } from '../frames/types';
import { entityTimestampRange } from '../plan/entity-range';
import { quoteIdent, quoteLiteral, quoteQualified } from '../plan/sql';
import { RESERVED_PREFIX, ROW_ID_COLUMN, type TableName } from '../plan/types';
import type { RunOptions } from '../warehouse/executor';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import { s3Uri } from '../warehouse/s3';
import { stagingLocation, type Warehouse } from '../warehouse/warehouse';
import { runObjectPath, stagingTableName, type RunId } from './naming';
import { formatBytes, type ProgressReporter } from './progress';

export type EntitySource =
  | { kind: 'frame'; frame: EntityFrame; /** For messages. */ name: string }
  | { kind: 'sql'; sql: string }
  /**
   * No entity frame: the rows are built from the requested views' sources between start and end (inclusive;
   * ISO-8601 text without an offset is UTC). The retrieval job derives their SELECT (date-range.ts).
   */
  | { kind: 'range'; start: string | Date; end: string | Date };

/** The rows of a 'range' source: a SELECT of the entity columns, and the order that numbers them. */
export interface RangeRows {
  select: string;
  /** ORDER BY items (quoted columns with direction) giving each row its row id; must order rows totally. */
  orderBy: string[];
  /** For progress messages, e.g. "2026-01-07T00:00:00Z to 2026-01-08T00:00:00Z". */
  description: string;
}

export interface StagedEntities {
  table: TableName;
  /** The frame's columns in order (without the row id). */
  columns: EntityColumn[];
  timestampColumn: string;
  /** Earliest and latest entity timestamps, ISO-8601 UTC; undefined when the frame has no rows. */
  timestampRange: { min: string; max: string } | undefined;
  rowCount: number;
}

/** Redshift's longest VARCHAR, in bytes. */
const MAX_VARCHAR_BYTES = 65535;

export function columnDdlType(column: EntityColumn): string {
  switch (column.type) {
    case 'int64':
      return 'BIGINT';
    case 'float64':
      return 'DOUBLE PRECISION';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      // Naive CSV timestamps were read as UTC; TIMESTAMPTZ keeps that meaning in Redshift (as Feast does).
      return 'TIMESTAMPTZ';
    case 'string': {
      const bytes = Math.max(1, column.maxByteLength ?? 256);
      if (bytes > MAX_VARCHAR_BYTES) {
        throw new WorkbenchError({
          kind: 'PlanInvalid',
          reason: `entity column ${column.name} holds a value of ${bytes} bytes; Redshift's VARCHAR holds at most ${MAX_VARCHAR_BYTES}`,
        });
      }
      return `VARCHAR(${bytes})`;
    }
  }
}

function checkColumnNames(columns: readonly { name: string }[]): void {
  for (const column of columns) {
    if (column.name.toLowerCase().startsWith(RESERVED_PREFIX)) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: `entity column "${column.name}" starts with ${RESERVED_PREFIX}, which the workbench reserves for its own columns; rename it`,
      });
    }
  }
}

/** The frame's table plus the row id column, as it is written to Parquet. */
export function withRowIds(table: arrow.Table): arrow.Table {
  const ids = new BigInt64Array(table.numRows);
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(i);
  return table.assign(new arrow.Table({ [ROW_ID_COLUMN]: arrow.makeVector(ids) }));
}

export function createEntityTableSql(table: TableName, columns: EntityColumn[]): string {
  const definitions = [
    ...columns.map((c) => `${quoteIdent(c.name)} ${columnDdlType(c)}`),
    `${quoteIdent(ROW_ID_COLUMN)} BIGINT`,
  ];
  return `CREATE TABLE ${quoteQualified(table.schema, table.name)} (\n  ${definitions.join(',\n  ')}\n)`;
}

export function copyParquetSql(table: TableName, columns: string[], source: string, iamRole: string): string {
  return [
    `COPY ${quoteQualified(table.schema, table.name)} (${columns.map(quoteIdent).join(', ')})`,
    `FROM ${quoteLiteral(source)}`,
    `IAM_ROLE ${quoteLiteral(iamRole)}`,
    'FORMAT AS PARQUET',
  ].join('\n');
}

async function stageFrame(
  warehouse: Warehouse,
  runId: RunId,
  source: Extract<EntitySource, { kind: 'frame' }>,
  progress: ProgressReporter,
  options: RunOptions,
): Promise<StagedEntities> {
  const { frame } = source;
  checkColumnNames(frame.columns);
  const table: TableName = { schema: warehouse.stagingSchema, name: stagingTableName(runId, 'entities') };
  const object = stagingLocation(warehouse, runObjectPath(runId, 'entities.parquet'));
  // Built first: it refuses values too long for a VARCHAR before anything is uploaded.
  const createSql = createEntityTableSql(table, frame.columns);
  const parquet = arrowToParquet(withRowIds(frame.table));
  await progress.phase(
    'upload',
    `uploading ${source.name} as Parquet (${formatBytes(parquet.byteLength)}) to ${s3Uri(object)}`,
    () => warehouse.s3.put(object, parquet, options.signal),
    () => ({ bytes: parquet.byteLength, rows: frame.rowCount }),
  );
  try {
    // Parquet COPY maps columns by position; the file was written in exactly this column order.
    const columnNames = [...frame.columns.map((c) => c.name), ROW_ID_COLUMN];
    await progress.phase(
      'copy',
      `copying ${frame.rowCount} entity rows into ${quoteQualified(table.schema, table.name)}`,
      () =>
        warehouse.executor.executeBatch(
          [createSql, copyParquetSql(table, columnNames, s3Uri(object), warehouse.iamRole)],
          { ...options, label: `${runId} stage entities` },
        ),
      (outcome) => ({ statementId: outcome.id, rows: frame.rowCount }),
    );
  } finally {
    // The object is only needed by COPY; it goes whatever happened.
    await warehouse.s3.deleteKeys(object.bucket, [object.key]).catch(() => undefined);
  }
  return {
    table,
    columns: frame.columns,
    timestampColumn: frame.timestampColumn,
    timestampRange: entityTimestampRange(frame.table, frame.timestampColumn),
    rowCount: frame.rowCount,
  };
}

/** Maps a Redshift column type (DescribeTable's typeName) to the entity column types the planner knows. */
export function entityTypeOfRedshift(typeName: string): EntityColumnType {
  const type = typeName.toLowerCase();
  if (/^(int2|int4|int8|smallint|integer|bigint)$/.test(type)) return 'int64';
  if (/^(float4|float8|real|double precision|numeric|decimal)/.test(type)) return 'float64';
  if (type === 'bool' || type === 'boolean') return 'bool';
  if (type.startsWith('timestamp') || type === 'date') return 'timestamp';
  return 'string';
}

/** Strips what cannot stand inside `FROM ( ... )`: trailing semicolons and whitespace. */
export function entityQueryBody(sql: string): string {
  const body = sql.trim().replace(/;\s*$/, '').trim();
  if (body === '') throw new WorkbenchError({ kind: 'PlanInvalid', reason: 'the entity SQL query is empty' });
  return body;
}

function pickTimestampColumn(columns: EntityColumn[], typeNames: Map<string, string>): string {
  if (columns.some((c) => c.name === 'event_timestamp')) return 'event_timestamp';
  const timestamps = columns.filter((c) =>
    (typeNames.get(c.name) ?? '').toLowerCase().startsWith('timestamp'),
  );
  if (timestamps.length === 1) return timestamps[0]!.name;
  throw new WorkbenchError({
    kind: 'PlanInvalid',
    reason:
      timestamps.length === 0
        ? 'the entity query returns no timestamp column; name one event_timestamp'
        : `the entity query returns several timestamp columns (${timestamps.map((c) => c.name).join(', ')}); name the event time column event_timestamp`,
  });
}

async function stageSql(
  warehouse: Warehouse,
  runId: RunId,
  source: Extract<EntitySource, { kind: 'sql' }>,
  progress: ProgressReporter,
  options: RunOptions,
): Promise<StagedEntities> {
  const table: TableName = { schema: warehouse.stagingSchema, name: stagingTableName(runId, 'entities') };
  const qualified = quoteQualified(table.schema, table.name);
  await progress.phase(
    'copy',
    `materialising the entity query into ${qualified}`,
    () =>
      warehouse.executor.execute(
        `CREATE TABLE ${qualified} AS\nSELECT "q".*, ROW_NUMBER() OVER () - 1 AS ${quoteIdent(ROW_ID_COLUMN)}\nFROM (\n${entityQueryBody(source.sql)}\n) AS "q"`,
        { ...options, label: `${runId} stage entity query` },
      ),
    (outcome) => ({ statementId: outcome.id }),
  );
  return describeStagedEntities(warehouse, runId, table, options);
}

/** CREATE TABLE AS for a 'range' source's rows, numbered in their order. */
export function rangeEntityTableSql(table: TableName, rows: RangeRows): string {
  return [
    `CREATE TABLE ${quoteQualified(table.schema, table.name)} AS`,
    `SELECT "q".*, ROW_NUMBER() OVER (ORDER BY ${rows.orderBy.join(', ')}) - 1 AS ${quoteIdent(ROW_ID_COLUMN)}`,
    'FROM (',
    rows.select,
    ') AS "q"',
  ].join('\n');
}

async function stageRange(
  warehouse: Warehouse,
  runId: RunId,
  rows: RangeRows,
  progress: ProgressReporter,
  options: RunOptions,
): Promise<StagedEntities> {
  const table: TableName = { schema: warehouse.stagingSchema, name: stagingTableName(runId, 'entities') };
  const qualified = quoteQualified(table.schema, table.name);
  await progress.phase(
    'copy',
    `building the entity rows (${rows.description}) from the sources into ${qualified}`,
    () =>
      warehouse.executor.execute(rangeEntityTableSql(table, rows), {
        ...options,
        label: `${runId} stage date-range entities`,
      }),
    (outcome) => ({ statementId: outcome.id }),
  );
  return describeStagedEntities(warehouse, runId, table, options);
}

/** Columns, event timestamp column, row count and time range of an entity table staged from SQL. */
async function describeStagedEntities(
  warehouse: Warehouse,
  runId: RunId,
  table: TableName,
  options: RunOptions,
): Promise<StagedEntities> {
  const qualified = quoteQualified(table.schema, table.name);
  const described = (
    await warehouse.executor.describeTable(table.schema ?? 'public', table.name, options.signal)
  ).filter((column) => column.name !== ROW_ID_COLUMN);
  const typeNames = new Map(described.map((column) => [column.name, column.typeName]));
  const columns: EntityColumn[] = described.map((column) => ({
    name: column.name,
    type: entityTypeOfRedshift(column.typeName),
    ...(column.length ? { maxByteLength: column.length } : {}),
  }));
  checkColumnNames(columns);
  const timestampColumn = pickTimestampColumn(columns, typeNames);
  const ts = quoteIdent(timestampColumn);
  const statement = await warehouse.executor.execute(
    `SELECT COUNT(*) AS "rows", MIN(${ts}) AS "min_ts", MAX(${ts}) AS "max_ts", COUNT(${ts}) AS "with_ts" FROM ${qualified}`,
    { ...options, label: `${runId} entity range` },
  );
  const stats = await resultPagesToArrow(warehouse.executor.resultPages(statement.id, options.signal));
  const rows = Number(stats.getChild('rows')?.get(0) ?? 0);
  const withTs = Number(stats.getChild('with_ts')?.get(0) ?? 0);
  if (withTs !== rows) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `${rows - withTs} of the entity query's ${rows} rows have no ${timestampColumn}; every entity row needs an event time`,
    });
  }
  const range = rows > 0 ? timestampRangeOf(stats) : undefined;
  return { table, columns, timestampColumn, timestampRange: range, rowCount: rows };
}

function timestampRangeOf(stats: arrow.Table): { min: string; max: string } | undefined {
  const micros = (name: string) => {
    const data = stats.getChild(name)?.data[0];
    if (!data || data.nullCount > 0 || !arrow.DataType.isTimestamp(data.type)) return undefined;
    return (data.values as BigInt64Array)[data.offset];
  };
  const min = micros('min_ts');
  const max = micros('max_ts');
  if (min === undefined || max === undefined) return undefined;
  return { min: formatTimestampMicros(min), max: formatTimestampMicros(max) };
}

export async function stageEntities(
  warehouse: Warehouse,
  runId: RunId,
  source: EntitySource,
  progress: ProgressReporter,
  options: RunOptions = {},
  rangeRows?: RangeRows,
): Promise<StagedEntities> {
  switch (source.kind) {
    case 'frame':
      return stageFrame(warehouse, runId, source, progress, options);
    case 'sql':
      return stageSql(warehouse, runId, source, progress, options);
    case 'range':
      if (!rangeRows) {
        throw new WorkbenchError({ kind: 'Internal', message: 'a date-range entity source needs its rows' });
      }
      return stageRange(warehouse, runId, rangeRows, progress, options);
  }
}

/** Drops tables, never throwing: used in `finally` blocks, where the original error must win. */
export async function dropTablesQuietly(
  warehouse: Warehouse,
  tables: string[],
  label: string,
): Promise<string[]> {
  const failures: string[] = [];
  for (const table of tables) {
    try {
      await warehouse.executor.execute(`DROP TABLE IF EXISTS ${table}`, { label: `${label} cleanup` });
    } catch (error) {
      failures.push(`${table}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}
