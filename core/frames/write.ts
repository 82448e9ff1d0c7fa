/**
 * Output writers: a table or a stream of record batches -> a .csv, .parquet or .arrow (IPC file) on disk.
 *
 * Every writer works batch by batch, so memory stays bounded by a batch (plus a Parquet row group) whatever the
 * size of the result. The file appears only when complete: bytes go to a temporary file next to the target,
 * renamed into place at the end and removed on failure or cancellation.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as arrow from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { WorkbenchError } from '../contract/errors';
import { CsvEncoder } from './csv-encode';
import {
  arrowToParquet,
  parquetReadyBatch,
  parquetReadySchema,
  readParquetFileMetadata,
  toWasmTable,
  writerProperties,
  type ParquetCompression,
} from './parquet';

export type OutputFormat = 'csv' | 'parquet' | 'arrow';

export interface WriteOptions {
  /** The schema to write when the batches turn out to be empty (a Table carries its own). */
  schema?: arrow.Schema;
  /** Parquet only; default 'snappy'. */
  compression?: ParquetCompression;
  /** Parquet only; rows per row group. */
  rowGroupSize?: number;
  /** Stops between batches; the partial file is removed. */
  signal?: AbortSignal;
}

export interface WriteResult {
  path: string;
  format: OutputFormat;
  rows: number;
  bytes: number;
}

const EXTENSIONS: Record<string, OutputFormat> = { '.csv': 'csv', '.parquet': 'parquet', '.arrow': 'arrow' };

/** The output format for a path, from its extension (case-insensitive). */
export function outputFormatFor(path: string): OutputFormat {
  const extension = extname(path).toLowerCase();
  const format = EXTENSIONS[extension];
  if (format === undefined) {
    throw new WorkbenchError({
      kind: 'InputInvalid',
      file: path,
      reason:
        extension === ''
          ? 'the output file needs an extension: .csv, .parquet or .arrow'
          : `cannot write "${extension}" files; use .csv, .parquet or .arrow`,
    });
  }
  return format;
}

type BatchSource = arrow.Table | AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>;

async function* batchesOf(source: BatchSource): AsyncGenerator<arrow.RecordBatch> {
  if (source instanceof arrow.Table) {
    yield* source.batches;
    return;
  }
  yield* source;
}

function schemaKey(schema: arrow.Schema): string {
  return schema.fields.map((f) => `${JSON.stringify(f.name)}:${String(f.type)}`).join(',');
}

/**
 * Checks that every batch has the schema of the first (names and types; nullability may differ), and returns
 * the batch re-labelled with the first schema so the writers see one schema throughout.
 */
class SchemaGuard {
  private key: string | undefined;
  schema: arrow.Schema | undefined;

  constructor(initial: arrow.Schema | undefined) {
    if (initial) this.adopt(initial);
  }

  private adopt(schema: arrow.Schema): void {
    this.schema = schema;
    this.key = schemaKey(schema);
  }

  accept(batch: arrow.RecordBatch): arrow.RecordBatch {
    if (this.schema === undefined) {
      this.adopt(batch.schema);
      return batch;
    }
    if (batch.schema === this.schema) return batch;
    if (schemaKey(batch.schema) !== this.key) {
      throw new WorkbenchError({
        kind: 'Internal',
        message: `record batches disagree on their schema: [${schemaKey(batch.schema)}] after [${this.key}]`,
      });
    }
    return new arrow.RecordBatch(this.schema, batch.data);
  }
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new WorkbenchError({ kind: 'Cancelled', phase: 'writing the output file' });
}

/** Raised by the writers (which see only the temporary path) and reported with the real one. */
class MissingSchema extends Error {}

function noSchema(): MissingSchema {
  return new MissingSchema('no record batches arrived and no schema was given');
}

/**
 * Writes a table, or record batches as they arrive, to `path`. The format comes from the extension (.csv,
 * .parquet, .arrow) unless given. Zero rows still write the header (CSV) or the schema (Parquet, Arrow).
 */
export async function writeTableToFile(
  path: string,
  tableOrBatches: BatchSource,
  format: OutputFormat = outputFormatFor(path),
  options: WriteOptions = {},
): Promise<WriteResult> {
  const initialSchema = tableOrBatches instanceof arrow.Table ? tableOrBatches.schema : options.schema;
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.partial`);
  try {
    checkSignal(options.signal);
    const guard = new SchemaGuard(initialSchema);
    let counts: { rows: number; bytes: number };
    if (format === 'csv')
      counts = await writeCsv(temporary, batchesOf(tableOrBatches), guard, options.signal);
    else if (format === 'parquet')
      counts = await writeParquet(temporary, batchesOf(tableOrBatches), guard, options);
    else counts = await writeArrowIpc(temporary, batchesOf(tableOrBatches), guard, options.signal);
    await rename(temporary, path);
    return { path, format, ...counts };
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof MissingSchema) {
      throw new WorkbenchError({ kind: 'Internal', message: `cannot write ${path}: ${error.message}` });
    }
    throw error;
  }
}

async function writeCsv(
  path: string,
  batches: AsyncGenerator<arrow.RecordBatch>,
  guard: SchemaGuard,
  signal: AbortSignal | undefined,
): Promise<{ rows: number; bytes: number }> {
  const handle = await open(path, 'w');
  try {
    let encoder: CsvEncoder | undefined;
    let rows = 0;
    let bytes = 0;
    const write = async (chunk: Uint8Array) => {
      await handle.write(chunk);
      bytes += chunk.length;
    };
    const start = async (schema: arrow.Schema) => {
      encoder = new CsvEncoder(schema);
      await write(encoder.header());
    };
    if (guard.schema) await start(guard.schema);
    for await (const raw of batches) {
      checkSignal(signal);
      const batch = guard.accept(raw);
      if (!encoder) await start(batch.schema);
      for (const chunk of encoder!.batch(batch)) await write(chunk);
      rows += batch.numRows;
    }
    if (!encoder) throw noSchema();
    return { rows, bytes };
  } finally {
    await handle.close();
  }
}

async function writeArrowIpc(
  path: string,
  batches: AsyncGenerator<arrow.RecordBatch>,
  guard: SchemaGuard,
  signal: AbortSignal | undefined,
): Promise<{ rows: number; bytes: number }> {
  const writer = new arrow.RecordBatchFileWriter();
  const readable = writer.toNodeStream();
  const file = createWriteStream(path);
  const done = pipeline(readable, file);
  let rows = 0;
  try {
    let wrote = false;
    for await (const raw of batches) {
      checkSignal(signal);
      const batch = guard.accept(raw);
      writer.write(batch);
      wrote = true;
      rows += batch.numRows;
      // Let the file catch up, so at most about one batch waits in memory.
      if (file.writableNeedDrain) await once(file, 'drain');
    }
    if (!wrote) {
      if (!guard.schema) throw noSchema();
      const schema = guard.schema;
      writer.write(
        new arrow.RecordBatch(
          schema,
          arrow.makeData({
            type: new arrow.Struct(schema.fields),
            length: 0,
            nullCount: 0,
            children: schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0, nullCount: 0 })),
          }),
        ),
      );
    }
    writer.finish();
    await done;
  } catch (error) {
    // Tear the pipe down (the writer's own abort leaves it waiting forever).
    readable.destroy();
    await done.catch(() => undefined);
    throw error;
  }
  return { rows, bytes: file.bytesWritten };
}

/**
 * Parquet through parquet-wasm's streaming writer (batches are encoded as they arrive; a row group is flushed
 * when full). That writer skips a batch it cannot write without saying so, so batches are checked here first
 * and the footer's row count is compared with the rows sent.
 */
async function writeParquet(
  path: string,
  batches: AsyncGenerator<arrow.RecordBatch>,
  guard: SchemaGuard,
  options: WriteOptions,
): Promise<{ rows: number; bytes: number }> {
  // The first batch with rows fixes the schema; empty batches carry no data.
  // (Not for-await with break: that would close the generator and lose the remaining batches.)
  let first: arrow.RecordBatch | undefined;
  for (;;) {
    checkSignal(options.signal);
    const next = await batches.next();
    if (next.done) break;
    const batch = guard.accept(next.value);
    if (batch.numRows > 0) {
      first = batch;
      break;
    }
  }
  const handle = await open(path, 'w');
  let bytes = 0;
  let rows = 0;
  try {
    if (first === undefined) {
      if (!guard.schema) throw noSchema();
      const empty = arrowToParquet(new arrow.Table(guard.schema), options);
      await handle.write(empty);
      return { rows: 0, bytes: empty.length };
    }
    const schema = parquetReadySchema(first.schema);
    let pending: arrow.RecordBatch | undefined = first;
    let failure: unknown;
    const input = new ReadableStream<wasm.RecordBatch>({
      pull: async (controller) => {
        try {
          let batch = pending;
          pending = undefined;
          while (batch === undefined || batch.numRows === 0) {
            checkSignal(options.signal);
            const next = await batches.next();
            if (next.done) {
              controller.close();
              return;
            }
            batch = guard.accept(next.value);
          }
          const table = toWasmTable(new arrow.Table(parquetReadyBatch(batch, schema)));
          const wasmBatch = table.recordBatch(0);
          table.free();
          if (!wasmBatch)
            throw new WorkbenchError({ kind: 'Internal', message: 'a record batch vanished in IPC' });
          rows += batch.numRows;
          controller.enqueue(wasmBatch);
        } catch (error) {
          // Closing (not erroring) lets the writer finish cleanly; the failure is rethrown below.
          failure = error;
          controller.close();
        }
      },
    });
    const output = (await wasm.transformParquetStream(
      input,
      writerProperties(options),
    )) as ReadableStream<Uint8Array>;
    const reader = output.getReader();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      await handle.write(next.value);
      bytes += next.value.length;
    }
    if (failure !== undefined) throw failure;
  } finally {
    await handle.close();
  }
  const written = await readParquetFileMetadata(path);
  if (written.numRows !== rows) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: `the Parquet writer wrote ${written.numRows} rows of the ${rows} it was given`,
    });
  }
  return { rows, bytes };
}
