/**
 * Writing rows into a feature view's batch source table (Feast's offline_write_batch, reached through
 * write_to_offline_store), all or nothing. See table-append.ts for the transaction.
 *
 * Differences from Feast, on purpose:
 * - Columns are matched by name, in any order (Feast insists on the table's exact order, because its COPY is
 *   positional). Missing, unexpected and ambiguous columns are refused by name.
 * - An input column may carry the table's column name or the feature / entity name that the source's
 *   field_mapping gives that column (field_mapping maps source column -> feature name). Feast's
 *   write_to_offline_store checks the input against the source's column names and then renames them forward
 *   through field_mapping before offline_write_batch compares them with the table again, so with a mapping
 *   that renames a column Feast fails whichever names the caller uses.
 * - The table is `"schema"."table"` with every part quoted, exactly what retrieval reads (Feast writes to an
 *   unquoted `db.schema.table` built by splitting the table name on dots, and reads `"schema"."table"`).
 *   A source database other than the configured one is written through a connection to that database, as Feast
 *   does.
 * - Every value is checked against the column's type before anything is uploaded (integer widths, NUMERIC
 *   digits, VARCHAR bytes, NULL into NOT NULL, DATE without time of day), naming the column and first bad row.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame, readCsvHeader } from '../frames/csv';
import { parquetToArrow } from '../frames/parquet';
import { lineColumnAt } from '../frames/text-position';
import type { EntityColumnType } from '../frames/types';
import { quoteQualified } from '../plan/sql';
import type { DataSource, FeatureView, RegistryModel } from '../registry/model';
import type { RedshiftExecutor, TableColumn } from '../warehouse/executor';
import type { Warehouse } from '../warehouse/warehouse';
import { newRunId, type RunId } from './naming';
import { ProgressReporter } from './progress';
import {
  asCancelled,
  checkBindingTypes,
  commitAppend,
  executorFor,
  removeRunObjects,
  runOptionsOf,
  StagedParts,
  stagingSchema,
  toStagingBatch,
  type ColumnBinding,
  type RejectionReporter,
  type WriteJobOptions,
} from './table-append';
import { ddlType, writeColumnOf, type WriteColumn, type WriteType } from './write-columns';

export type WriteInputFormat = 'csv' | 'parquet';

export interface WriteBatchRequest {
  featureView: string;
  /** A .csv or .parquet file. */
  file: string;
  /** The file's bytes, when already read; otherwise the file is read. */
  bytes?: Uint8Array;
  /** By default from the file's extension. */
  format?: WriteInputFormat;
}

export interface WriteBatchResult {
  runId: RunId;
  /** The target, quoted and qualified: `"public"."driver_hourly_stats"`. */
  table: string;
  /** Rows the INSERT wrote. */
  rows: number;
  /** Input column -> table column, in table order. */
  columns: { input: string; table: string }[];
  statementId?: string;
  warnings: string[];
}

/** The Redshift table a feature view's rows are written to. */
export interface WriteTarget {
  view: FeatureView;
  source: DataSource;
  database?: string;
  schema: string;
  table: string;
}

export function inputFormatOf(file: string): WriteInputFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.parquet' || extension === '.pq') return 'parquet';
  throw new WorkbenchError({
    kind: 'InputInvalid',
    file,
    reason: 'the input must be a .csv or .parquet file',
  });
}

/** The view's batch source table (a push source's batch source); query and non-Redshift sources are refused. */
export function resolveWriteTarget(registry: RegistryModel, featureView: string): WriteTarget {
  const view = registry.featureViews.find((v) => v.name === featureView);
  if (!view) {
    const onDemand = registry.onDemandFeatureViews.some((v) => v.name === featureView);
    throw new WorkbenchError({
      kind: 'NotFound',
      what: 'feature view',
      name: featureView,
      hint: onDemand
        ? 'it is an on-demand feature view, which has no table to write to'
        : `the project ${registry.project} has ${registry.featureViews.map((v) => v.name).join(', ') || 'no feature views'}`,
    });
  }
  let source = view.batchSource;
  if (source.kind === 'PUSH_SOURCE' && source.batchSource) source = source.batchSource;
  const location = source.redshift;
  if (source.kind !== 'BATCH_REDSHIFT' || !location) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `feature view ${view.name} reads ${source.name ? `source ${source.name}` : 'no source'} of kind ${source.kind}; only a Redshift table source can be written`,
    });
  }
  if (!location.table) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `feature view ${view.name} reads the query of source ${source.name}; a query source cannot be written (give the source a table)`,
    });
  }
  return {
    view,
    source,
    ...(location.database ? { database: location.database } : {}),
    schema: location.schema || 'public',
    table: location.table,
  };
}

/** field_mapping looked up without regard to case (Redshift folds column names). */
function mappedName(fieldMapping: Record<string, string>, column: string): string | undefined {
  const lower = column.toLowerCase();
  for (const [from, to] of Object.entries(fieldMapping)) if (from.toLowerCase() === lower) return to;
  return undefined;
}

export interface ColumnMatch {
  bindings: ColumnBinding[];
  problems: string[];
}

/**
 * Binds input columns to table columns by name, without regard to case: an input column names a table column
 * by the column's own name or by the name field_mapping gives it. Every table column needs exactly one input
 * column and every input column exactly one table column; the problems say which do not.
 */
export function matchColumns(
  inputNames: readonly string[],
  columns: readonly WriteColumn[],
  fieldMapping: Record<string, string>,
): ColumnMatch {
  const names = columns.map((column) => {
    const mapped = mappedName(fieldMapping, column.name);
    return new Set([column.name.toLowerCase(), ...(mapped ? [mapped.toLowerCase()] : [])]);
  });
  const describe = (c: number) => {
    const mapped = mappedName(fieldMapping, columns[c]!.name);
    return mapped && mapped.toLowerCase() !== columns[c]!.name.toLowerCase()
      ? `${columns[c]!.name} (${mapped} through field_mapping)`
      : columns[c]!.name;
  };
  const problems: string[] = [];
  const extra: string[] = [];
  const byColumn = columns.map(() => [] as number[]);
  inputNames.forEach((name, i) => {
    const candidates = columns.flatMap((_, c) => (names[c]!.has(name.toLowerCase()) ? [c] : []));
    if (candidates.length === 0) extra.push(name);
    else if (candidates.length > 1)
      problems.push(`input column ${name} could be ${candidates.map(describe).join(' or ')}`);
    else byColumn[candidates[0]!]!.push(i);
  });
  const missing: string[] = [];
  const bindings: ColumnBinding[] = [];
  byColumn.forEach((inputs, c) => {
    if (inputs.length === 0) missing.push(describe(c));
    else if (inputs.length > 1)
      problems.push(
        `input columns ${inputs.map((i) => inputNames[i]).join(' and ')} both name ${describe(c)}`,
      );
    else bindings.push({ inputIndex: inputs[0]!, input: inputNames[inputs[0]!]!, target: columns[c]! });
  });
  if (missing.length > 0) problems.unshift(`missing ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`not in the table: ${extra.join(', ')}`);
  return { bindings, problems };
}

/** The CSV reader's type for a column written into `type`. */
function csvTypeFor(type: WriteType): EntityColumnType {
  switch (type.kind) {
    case 'int':
      return 'int64';
    case 'float':
    case 'numeric':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'date':
    case 'timestamp':
      return 'timestamp';
    case 'string':
    case 'super':
      return 'string';
  }
}

/** Bytes of a UTF-8 byte order mark at the start, which CSV positions do not count. */
function bomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Byte offset where field `field` of data row `row` (0-based, after the header) starts, following the CSV
 * reader's record rules: records end at line breaks outside quotes.
 */
export function csvFieldOffset(bytes: Uint8Array, row: number, field: number): number {
  const start = bomLength(bytes);
  const record = row + 1;
  let current = 0;
  let index = 0;
  let quoted = false;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (c === COMMA) {
      index++;
      if (current === record && index === field) return i + 1;
    } else if (c === LF || c === CR) {
      if (c === CR && bytes[i + 1] === LF) i++;
      current++;
      index = 0;
      if (current === record && field === 0) return i + 1;
    }
  }
  return bytes.length;
}

interface ReadInput {
  names: string[];
  match: ColumnMatch;
  table: arrow.Table;
  warnings: string[];
  reject: RejectionReporter;
}

function mismatchError(file: string, csv: boolean, target: string, match: ColumnMatch): WorkbenchError {
  return new WorkbenchError({
    kind: 'InputInvalid',
    file,
    ...(csv ? { line: 1 } : {}),
    reason:
      `the columns do not match table ${target}: ${match.problems.join('; ')}. ` +
      'Give every table column once, by its name or by the feature or entity name field_mapping gives it.',
  });
}

function describeTarget(binding: ColumnBinding): string {
  const sameName = binding.input.toLowerCase() === binding.target.name.toLowerCase();
  return `column ${binding.input}${sameName ? '' : ` (table column ${binding.target.name})`} ${ddlType(binding.target.type)}`;
}

function readCsvInput(
  file: string,
  bytes: Uint8Array,
  columns: WriteColumn[],
  target: WriteTarget,
  qualified: string,
): ReadInput {
  const names = readCsvHeader(bytes, { file });
  const match = matchColumns(names, columns, target.source.fieldMapping);
  if (match.problems.length > 0) throw mismatchError(file, true, qualified, match);
  const columnTypes = Object.fromEntries(match.bindings.map((b) => [b.input, csvTypeFor(b.target.type)]));
  // The reader insists on an event timestamp column: the source's timestamp field, else any time column.
  const timeBindings = match.bindings.filter(
    (b) => b.target.type.kind === 'timestamp' || b.target.type.kind === 'date',
  );
  const timestampField = target.source.timestampField.toLowerCase();
  const event =
    timeBindings.find(
      (b) =>
        b.target.name.toLowerCase() === timestampField ||
        mappedName(target.source.fieldMapping, b.target.name)?.toLowerCase() === timestampField,
    ) ?? timeBindings[0];
  if (!event) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `table ${qualified} has no DATE or TIMESTAMP column; a feature view's source needs its event timestamp`,
    });
  }
  const frame = readCsvEntityFrame(bytes, { file, columnTypes, timestampColumn: event.input });
  const reject: RejectionReporter = (rejected, binding) => {
    if (rejected.row === undefined) {
      return new WorkbenchError({
        kind: 'InputInvalid',
        file,
        line: 1,
        reason: `${describeTarget(binding)}: ${rejected.reason}`,
      });
    }
    const at = lineColumnAt(bytes, csvFieldOffset(bytes, rejected.row, binding.inputIndex), bomLength(bytes));
    return new WorkbenchError({
      kind: 'InputInvalid',
      file,
      line: at.line,
      column: at.column,
      reason: `${describeTarget(binding)}, row ${rejected.row + 1}: ${rejected.reason}`,
    });
  };
  return { names, match, table: frame.table, warnings: frame.warnings, reject };
}

function readParquetInput(
  file: string,
  bytes: Uint8Array,
  columns: WriteColumn[],
  target: WriteTarget,
  qualified: string,
): ReadInput {
  const table = parquetToArrow(bytes, { file });
  const names = table.schema.names.map(String);
  const seen = new Map<string, string>();
  for (const name of names) {
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file,
        reason: `columns ${earlier} and ${name} differ only in case; Redshift does not tell column names apart by case`,
      });
    }
    seen.set(name.toLowerCase(), name);
  }
  const match = matchColumns(names, columns, target.source.fieldMapping);
  if (match.problems.length > 0) throw mismatchError(file, false, qualified, match);
  const reject: RejectionReporter = (rejected, binding) =>
    new WorkbenchError({
      kind: 'InputInvalid',
      file,
      reason: `${describeTarget(binding)}${rejected.row === undefined ? '' : `, row ${rejected.row + 1}`}: ${rejected.reason}`,
    });
  return { names, match, table, warnings: [], reject };
}

/**
 * The columns of a table (empty when it does not exist). The name is tried as given, then folded to lower case,
 * which is how Redshift stores a quoted name unless case-sensitive identifiers are on.
 */
export async function describeTableFolded(
  executor: RedshiftExecutor,
  schema: string,
  table: string,
  signal: AbortSignal | undefined,
): Promise<TableColumn[]> {
  const columns = await executor.describeTable(schema, table, signal);
  if (columns.length > 0 || (schema === schema.toLowerCase() && table === table.toLowerCase()))
    return columns;
  return executor.describeTable(schema.toLowerCase(), table.toLowerCase(), signal);
}

/**
 * Appends the rows of a CSV or Parquet file to the feature view's source table in one transaction: all rows or,
 * on any failure or a cancel, none. Returns the rows written.
 */
export async function writeBatch(
  warehouse: Warehouse,
  registry: RegistryModel,
  request: WriteBatchRequest,
  options: WriteJobOptions = {},
): Promise<WriteBatchResult> {
  const target = resolveWriteTarget(registry, request.featureView);
  const qualified = quoteQualified(target.schema, target.table);
  const format = request.format ?? inputFormatOf(request.file);
  const runId = newRunId();
  const progress = new ProgressReporter(options.onProgress);
  const runOptions = runOptionsOf(options, progress);
  const executor = executorFor(warehouse, target.database);
  const parts = new StagedParts(warehouse, runId, 'write-batch', progress, options.signal);
  try {
    const described = await progress.phase('plan', `reading the columns of ${qualified}`, () =>
      describeTableFolded(executor, target.schema, target.table, options.signal),
    );
    if (described.length === 0) {
      throw new WorkbenchError({
        kind: 'NotFound',
        what: 'table',
        name: `${target.database ? `${target.database}.` : ''}${target.schema}.${target.table}`,
        hint: `the batch source of feature view ${target.view.name} (database ${executor.database})`,
      });
    }
    const columns = described.map((column) => writeColumnOf(column, qualified));
    const bytes =
      request.bytes ??
      new Uint8Array(
        await readFile(request.file).catch((error: NodeJS.ErrnoException) => {
          throw new WorkbenchError(
            { kind: 'InputInvalid', file: request.file, reason: `cannot read the file: ${error.message}` },
            { cause: error },
          );
        }),
      );
    const input = await progress.phase(
      'decode',
      `reading ${path.basename(request.file)} and checking it against ${qualified}`,
      async () => {
        const read =
          format === 'csv'
            ? readCsvInput(request.file, bytes, columns, target, qualified)
            : readParquetInput(request.file, bytes, columns, target, qualified);
        checkBindingTypes(read.table.schema, read.match.bindings, read.reject);
        // Bindings in table order: the staging file's columns are the table's.
        const schema = stagingSchema(read.match.bindings.map((b) => b.target));
        const batches: arrow.RecordBatch[] = [];
        let rowBase = 0;
        for (const batch of read.table.batches) {
          batches.push(toStagingBatch(batch, read.match.bindings, schema, rowBase, read.reject));
          rowBase += batch.numRows;
        }
        return { read, schema, batches, rows: rowBase };
      },
      (result) => ({ rows: result.rows }),
    );
    await parts.add(input.schema, input.batches, path.basename(request.file));
    const outcome = await commitAppend(
      {
        runId,
        executor,
        table: qualified,
        columns: input.read.match.bindings.map((b) => b.target),
        parts,
        iamRole: warehouse.iamRole,
      },
      progress,
      runOptions,
    );
    return {
      runId,
      table: qualified,
      rows: outcome.rows,
      columns: input.read.match.bindings.map((b) => ({ input: b.input, table: b.target.name })),
      ...(outcome.statementId ? { statementId: outcome.statementId } : {}),
      warnings: input.read.warnings,
    };
  } catch (error) {
    throw asCancelled(error, options.signal, 'write-batch');
  } finally {
    await removeRunObjects(warehouse, runId, progress);
  }
}
