/**
 * What every job that reads a bulk result shares: a run (run id, progress, statement options) whose staging
 * tables and S3 objects are removed whatever happens, and the result path through UNLOAD to Parquet parts in the
 * run's S3 prefix, read back whole or as a stream of record batches. A zero-row result keeps its schema.
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import type { RunOptions } from '../warehouse/executor';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import type { S3Location, S3ObjectInfo } from '../warehouse/s3';
import { readUnloadedBatches, unloadedParts, unloadToS3 } from '../warehouse/unload';
import { stagingLocation, type Warehouse } from '../warehouse/warehouse';
import { dropTablesQuietly } from './entities';
import { newRunId, runObjectPath, type RunId } from './naming';
import { formatBytes, ProgressReporter, type ProgressListener } from './progress';

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Deadline per statement. */
  timeoutMs?: number;
}

export interface Run {
  runId: RunId;
  progress: ProgressReporter;
  runOptions: RunOptions;
  /** Tables (quoted) and S3 prefixes removed when the run ends, whatever happened. */
  cleanup: { tables: string[]; prefixes: S3Location[] };
}

export function runOptionsOf(options: JobOptions, progress?: ProgressReporter): RunOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(progress ? { onStatus: (event) => progress.statementStatus(event.statementId, event.status) } : {}),
  };
}

/**
 * A new run. Its S3 prefix (and any `tables` given) are registered for cleanup before anything is created, so a
 * cancel at any point still removes them.
 */
export function beginRun(warehouse: Warehouse, options: JobOptions, tables: string[] = []): Run {
  const runId = newRunId();
  const progress = new ProgressReporter(options.onProgress);
  return {
    runId,
    progress,
    runOptions: runOptionsOf(options, progress),
    cleanup: { tables: [...tables], prefixes: [stagingLocation(warehouse, runObjectPath(runId))] },
  };
}

/** Drops the run's tables and deletes its S3 prefixes; never throws (failures are reported as progress). */
export async function endRun(
  warehouse: Warehouse,
  { runId, cleanup, progress }: Pick<Run, 'runId' | 'cleanup' | 'progress'>,
): Promise<void> {
  progress.emit({
    phase: 'cleanup',
    state: 'started',
    message: `removing staging tables and S3 objects of ${runId}`,
  });
  const failures = await dropTablesQuietly(warehouse, cleanup.tables, runId);
  for (const prefix of cleanup.prefixes) {
    try {
      await warehouse.s3.deletePrefix(prefix);
    } catch (error) {
      failures.push(
        `s3://${prefix.bucket}/${prefix.key}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  progress.emit({
    phase: 'cleanup',
    state: 'finished',
    message:
      failures.length === 0
        ? `removed the staging objects of ${runId}`
        : `could not remove everything (run \`fwb janitor\` later): ${failures.join('; ')}`,
  });
}

/** Runs `body` in a fresh run and cleans up afterwards, whatever happened. */
export async function withRun<T>(
  warehouse: Warehouse,
  options: JobOptions,
  body: (run: Run) => Promise<T>,
): Promise<T> {
  const run = beginRun(warehouse, options);
  try {
    return await body(run);
  } finally {
    await endRun(warehouse, run);
  }
}

export interface UnloadedResult {
  target: S3Location;
  /** The Parquet parts, in key order; none for a zero-row result (Redshift writes no file then). */
  parts: S3ObjectInfo[];
}

/** Runs `query` through UNLOAD into the run's `unload/` prefix. */
export async function unloadResult(
  warehouse: Warehouse,
  run: Run,
  query: string,
  message: string,
): Promise<UnloadedResult> {
  const target = stagingLocation(warehouse, runObjectPath(run.runId, 'unload/'));
  await run.progress.phase(
    'unload',
    message,
    () => unloadToS3(warehouse, query, target, { ...run.runOptions, label: `${run.runId} unload` }),
    (outcome) => ({ statementId: outcome.id }),
  );
  const parts = await unloadedParts(warehouse, target, run.runOptions.signal);
  return { target, parts };
}

/** The columns `query` returns, with no rows (a `LIMIT 0` probe): the schema of a zero-row result. */
export async function emptyResult(warehouse: Warehouse, run: Run, query: string): Promise<arrow.Table> {
  const probe = await warehouse.executor.execute(`SELECT * FROM (\n${query}\n) AS "r" LIMIT 0`, {
    ...run.runOptions,
    label: `${run.runId} result schema`,
  });
  return resultPagesToArrow(warehouse.executor.resultPages(probe.id, run.runOptions.signal));
}

/** The record batches of the unloaded parts, one part at a time, reporting download progress. */
async function* partBatches(
  warehouse: Warehouse,
  run: Run,
  { target, parts }: UnloadedResult,
): AsyncGenerator<arrow.RecordBatch> {
  const totalBytes = parts.reduce((sum, part) => sum + part.size, 0);
  run.progress.emit({
    phase: 'download',
    state: 'started',
    message: `downloading ${parts.length} Parquet part(s), ${formatBytes(totalBytes)}`,
  });
  yield* readUnloadedBatches(warehouse, target.bucket, parts, {
    signal: run.runOptions.signal,
    onPart: ({ index, count, part }) =>
      run.progress.emit({
        phase: 'download',
        state: 'running',
        message: `part ${index + 1} of ${count}`,
        bytes: part.size,
      }),
  });
  run.progress.emit({
    phase: 'download',
    state: 'finished',
    message: `downloaded ${formatBytes(totalBytes)}`,
    bytes: totalBytes,
  });
}

/** Every record batch of the unloaded parts, reporting download progress. */
export async function downloadBatches(
  warehouse: Warehouse,
  run: Run,
  unloaded: UnloadedResult,
): Promise<arrow.RecordBatch[]> {
  const batches: arrow.RecordBatch[] = [];
  for await (const batch of partBatches(warehouse, run, unloaded)) batches.push(batch);
  return batches;
}

/**
 * UNLOADs `query` and returns the whole result with the columns named `names` (by position: the query fixes the
 * order, Redshift folds the names' case). A zero-row result has the query's columns and no rows.
 */
export async function unloadToTable(
  warehouse: Warehouse,
  run: Run,
  query: string,
  names: string[],
  message: string,
): Promise<arrow.Table> {
  const unloaded = await unloadResult(warehouse, run, query, message);
  if (unloaded.parts.length === 0) return renameColumns(await emptyResult(warehouse, run, query), names);
  return renameColumns(new arrow.Table(await downloadBatches(warehouse, run, unloaded)), names);
}

/**
 * UNLOADs `query` and yields its record batches one part at a time, so memory stays bounded by one part
 * however large the result; a zero-row result yields one empty batch carrying the schema.
 */
export async function* unloadToBatches(
  warehouse: Warehouse,
  run: Run,
  query: string,
  names: string[],
  message: string,
): AsyncGenerator<arrow.RecordBatch> {
  const unloaded = await unloadResult(warehouse, run, query, message);
  if (unloaded.parts.length === 0) {
    yield emptyBatch(renameColumns(await emptyResult(warehouse, run, query), names).schema);
    return;
  }
  for await (const batch of partBatches(warehouse, run, unloaded)) yield renameBatch(batch, names);
}

function renamedSchema(schema: arrow.Schema, names: string[]): arrow.Schema {
  const fields = schema.fields;
  if (fields.length !== names.length) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: `the result has ${fields.length} columns (${fields.map((f) => f.name).join(', ')}); ${names.length} were expected (${names.join(', ')})`,
    });
  }
  if (fields.every((field, i) => field.name === names[i])) return schema;
  return new arrow.Schema(
    fields.map((field, i) => field.clone({ name: names[i]! })),
    schema.metadata,
  );
}

function renameBatch(batch: arrow.RecordBatch, names: string[]): arrow.RecordBatch {
  const schema = renamedSchema(batch.schema, names);
  if (schema === batch.schema) return batch;
  return new arrow.RecordBatch(schema, batch.data.clone(new arrow.Struct(schema.fields)));
}

/** Gives the columns the names a job promises, by position (the query fixes the order). */
export function renameColumns(table: arrow.Table, names: string[]): arrow.Table {
  const schema = renamedSchema(table.schema, names);
  if (schema === table.schema) return table;
  return new arrow.Table(
    schema,
    table.batches.map(
      (batch) => new arrow.RecordBatch(schema, batch.data.clone(new arrow.Struct(schema.fields))),
    ),
  );
}

/** A zero-row batch of `schema`. */
export function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((field) =>
        arrow.makeData({ type: field.type, length: 0, nullCount: 0 } as never),
      ),
    }),
  );
}

/** Runs `query` in a run of its own and returns the whole result (see {@link unloadToTable}). */
export async function readQueryResult(
  warehouse: Warehouse,
  query: string,
  names: string[],
  message: string,
  options: JobOptions = {},
): Promise<arrow.Table> {
  return withRun(warehouse, options, (run) => unloadToTable(warehouse, run, query, names, message));
}

/**
 * Runs `query` in a run of its own and yields its batches (see {@link unloadToBatches}); the run is cleaned up
 * when the iteration ends, also when the consumer stops early.
 */
export async function* streamQueryResult(
  warehouse: Warehouse,
  query: string,
  names: string[],
  message: string,
  options: JobOptions = {},
): AsyncGenerator<arrow.RecordBatch> {
  const run = beginRun(warehouse, options);
  try {
    yield* unloadToBatches(warehouse, run, query, names, message);
  } finally {
    await endRun(warehouse, run);
  }
}
