/**
 * Appending rows to a Redshift table all or nothing, shared by write-batch and write-logged-features.
 *
 * Input columns are bound to table columns by name and converted to staging types (write-columns.ts); the
 * staging Parquet files are written in exactly the table's column order, and uploaded under the run's S3
 * folder. One BatchExecuteStatement (one transaction) then runs:
 *
 *   [statements that must share the transaction, e.g. CREATE TABLE IF NOT EXISTS]
 *   CREATE TEMP TABLE "<run>_stage" (<columns in staging types>)
 *   COPY "<run>_stage" (<columns>) FROM 's3://.../<run>/<part>/' ... FORMAT AS PARQUET
 *   INSERT INTO <target> (<columns>) SELECT <casts> FROM "<run>_stage"
 *   DROP TABLE "<run>_stage"
 *
 * Why a staging table rather than COPY straight into the target: COPY from Parquet accepts a file column only
 * into a column of a matching type (an INT64 is refused by an INTEGER column), so the staging table is typed
 * like the file, and the narrowing to the target's types is an explicit CAST whose result was checked
 * beforehand. The target is touched by one INSERT only; any failure or a cancel rolls the whole transaction
 * back (the CREATE TABLE of a missing logging table too), and the TEMP table cannot outlive the session. The
 * S3 objects are removed in every case.
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { arrowToParquet } from '../frames/parquet';
import { quoteIdent, quoteLiteral } from '../plan/sql';
import { RedshiftExecutor, type RunOptions } from '../warehouse/executor';
import { s3Uri, type S3Location } from '../warehouse/s3';
import { stagingLocation, type Warehouse } from '../warehouse/warehouse';
import { runObjectPath, stagingTableName, type RunId } from './naming';
import type { ProgressReporter } from './progress';
import { formatBytes, type ProgressListener } from './progress';
import {
  convertColumn,
  insertExpression,
  stagingArrowType,
  stagingDdlType,
  typeMismatch,
  ValueRejected,
  type WriteColumn,
} from './write-columns';

export interface WriteJobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Deadline per statement. */
  timeoutMs?: number;
}

/** An input column bound to the table column it fills. */
export interface ColumnBinding {
  /** Position of the column in the input. */
  inputIndex: number;
  /** The input's name for it. */
  input: string;
  target: WriteColumn;
}

/** Where a rejected value sits in the input, for the error: a CSV line and column, or just the row. */
export type RejectionReporter = (rejected: ValueRejected, binding: ColumnBinding) => WorkbenchError;

/** The staging schema: the target's columns, in table order, in their staging types. */
export function stagingSchema(columns: readonly WriteColumn[]): arrow.Schema {
  return new arrow.Schema(columns.map((c) => new arrow.Field(c.name, stagingArrowType(c.type), true)));
}

/**
 * Converts one input record batch into a staging batch whose columns are the bindings' targets, in the
 * bindings' order. `rowBase` is the input row of the batch's first row.
 */
export function toStagingBatch(
  batch: arrow.RecordBatch,
  bindings: readonly ColumnBinding[],
  schema: arrow.Schema,
  rowBase: number,
  reject: RejectionReporter,
): arrow.RecordBatch {
  const children = bindings.map((binding) => {
    const data = batch.data.children[binding.inputIndex]!;
    try {
      return convertColumn(data, binding.target, rowBase);
    } catch (error) {
      if (error instanceof ValueRejected) throw reject(error, binding);
      throw error;
    }
  });
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children }),
  );
}

/** Refuses bindings whose input type cannot go into the target column, before any value is read. */
export function checkBindingTypes(
  inputSchema: arrow.Schema,
  bindings: readonly ColumnBinding[],
  reject: RejectionReporter,
): void {
  for (const binding of bindings) {
    const mismatch = typeMismatch(inputSchema.fields[binding.inputIndex]!.type, binding.target.type);
    if (mismatch) throw reject(new ValueRejected(mismatch), binding);
  }
}

/** An executor for `database`: the warehouse's own, or one on the same connection for another database. */
export function executorFor(warehouse: Warehouse, database: string | undefined): RedshiftExecutor {
  if (!database || database === warehouse.executor.database) return warehouse.executor;
  return new RedshiftExecutor({
    client: warehouse.clients.redshiftData,
    database,
    target: warehouse.executor.target,
    region: warehouse.config.offlineStore.region,
  });
}

/** A run's uploads of staging Parquet parts: one S3 folder, removed by {@link removeRunObjects}. */
export class StagedParts {
  readonly folder: S3Location;
  parts = 0;
  rows = 0;
  bytes = 0;

  constructor(
    private readonly warehouse: Warehouse,
    readonly runId: RunId,
    part: string,
    private readonly progress: ProgressReporter,
    private readonly signal?: AbortSignal,
  ) {
    this.folder = stagingLocation(warehouse, runObjectPath(runId, `${part}/`));
  }

  /** Writes the batches as one Parquet file (columns in the staging schema's order) and uploads it. */
  async add(schema: arrow.Schema, batches: arrow.RecordBatch[], label: string): Promise<void> {
    const table = new arrow.Table(schema, batches);
    if (table.numRows === 0) return;
    const parquet = arrowToParquet(table);
    const object: S3Location = {
      bucket: this.folder.bucket,
      key: `${this.folder.key}part-${String(this.parts).padStart(5, '0')}.parquet`,
    };
    await this.progress.phase(
      'upload',
      `uploading ${label} (${table.numRows} rows, ${formatBytes(parquet.byteLength)}) to ${s3Uri(object)}`,
      () => this.warehouse.s3.put(object, parquet, this.signal),
      () => ({ bytes: parquet.byteLength, rows: table.numRows }),
    );
    this.parts++;
    this.rows += table.numRows;
    this.bytes += parquet.byteLength;
  }
}

export interface AppendRequest {
  runId: RunId;
  executor: RedshiftExecutor;
  /** The target table, quoted and qualified. */
  table: string;
  /** The target's columns, in the staged files' column order. */
  columns: readonly WriteColumn[];
  /** Statements that run first, inside the same transaction. */
  before?: string[];
  /** The uploaded parts; when there are none only `before` runs. */
  parts: StagedParts;
  iamRole: string;
}

export function appendStatements(request: Omit<AppendRequest, 'executor'>): string[] {
  const stage = quoteIdent(stagingTableName(request.runId, 'stage'));
  const names = request.columns.map((c) => quoteIdent(c.name)).join(', ');
  if (request.parts.parts === 0) return [...(request.before ?? [])];
  return [
    ...(request.before ?? []),
    `CREATE TEMP TABLE ${stage} (\n  ${request.columns.map((c) => `${quoteIdent(c.name)} ${stagingDdlType(c.type)}`).join(',\n  ')}\n)`,
    [
      `COPY ${stage} (${names})`,
      `FROM ${quoteLiteral(s3Uri(request.parts.folder))}`,
      `IAM_ROLE ${quoteLiteral(request.iamRole)}`,
      'FORMAT AS PARQUET',
    ].join('\n'),
    `INSERT INTO ${request.table} (${names})\nSELECT ${request.columns.map((c) => insertExpression(c)).join(', ')}\nFROM ${stage}`,
    `DROP TABLE ${stage}`,
  ];
}

/** Runs the append transaction; returns the rows the INSERT wrote. */
export async function commitAppend(
  request: AppendRequest,
  progress: ProgressReporter,
  runOptions: RunOptions,
): Promise<{ rows: number; statementId?: string }> {
  const statements = appendStatements(request);
  if (statements.length === 0) return { rows: 0 };
  const insertIndex = request.parts.parts === 0 ? -1 : (request.before?.length ?? 0) + 2;
  const outcome = await progress.phase(
    'copy',
    request.parts.parts === 0
      ? `creating ${request.table}`
      : `loading ${request.parts.rows} rows into ${request.table} in one transaction`,
    () => request.executor.executeBatch(statements, { ...runOptions, label: `${request.runId} append` }),
    (result) => ({ statementId: result.id }),
  );
  const rows = insertIndex < 0 ? 0 : (outcome.subStatements[insertIndex]?.resultRows ?? 0);
  return { rows, statementId: outcome.id };
}

/** Removes every S3 object of the run; never throws (used in `finally`, where the original error must win). */
export async function removeRunObjects(
  warehouse: Warehouse,
  runId: RunId,
  progress: ProgressReporter,
): Promise<void> {
  const prefix = stagingLocation(warehouse, runObjectPath(runId));
  progress.emit({ phase: 'cleanup', state: 'started', message: `removing the S3 objects of ${runId}` });
  let message = `removed the staging objects of ${runId}`;
  try {
    await warehouse.s3.deletePrefix(prefix);
  } catch (error) {
    message =
      `could not remove ${s3Uri(prefix)} (run \`fwb janitor\` later): ` +
      `${error instanceof Error ? error.message : String(error)}`;
  }
  progress.emit({ phase: 'cleanup', state: 'finished', message });
}

export function runOptionsOf(options: WriteJobOptions, progress: ProgressReporter): RunOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    onStatus: (event) => progress.statementStatus(event.statementId, event.status),
  };
}

/** A cancel that surfaced as some other error (an aborted S3 upload) is reported as the cancel it is. */
export function asCancelled(error: unknown, signal: AbortSignal | undefined, phase: string): unknown {
  if (!signal?.aborted) return error;
  if (error instanceof WorkbenchError && error.detail.kind === 'Cancelled') return error;
  return new WorkbenchError({ kind: 'Cancelled', phase }, { cause: error });
}
