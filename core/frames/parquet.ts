/**
 * Parquet <-> Arrow with parquet-wasm (the Node build, which needs no init call).
 *
 * What Redshift COPY ... FORMAT AS PARQUET needs, and what these functions write for the entity-frame types
 * (checked against the file footer in parquet.test.ts): Int64 -> INT64, Float64 -> DOUBLE, Bool -> BOOLEAN,
 * Utf8 -> BYTE_ARRAY STRING, Timestamp(µs, 'UTC') -> INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true).
 * Timestamps in other units are converted to microseconds on the way out (nanoseconds are floored), because
 * Redshift has microsecond precision; a time zone is kept (a naive timestamp stays naive, isAdjustedToUTC=false).
 *
 * Data crosses into WebAssembly as an Arrow IPC stream (a copy), and comes back the same way.
 */
import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { WorkbenchError } from '../contract/errors';
import { ParquetFooterError, readParquetFooter, type ParquetMetadata } from './parquet-footer';

export type { ParquetColumnInfo, ParquetLogicalType, ParquetMetadata } from './parquet-footer';

export type ParquetCompression = 'snappy' | 'zstd' | 'none';

export interface ParquetWriteOptions {
  /** Default 'snappy', which every Redshift version reads. */
  compression?: ParquetCompression;
  /** Rows per row group (default 131072): the unit a streaming reader decodes at a time. */
  rowGroupSize?: number;
}

export const DEFAULT_ROW_GROUP_SIZE = 131072;

const COMPRESSION: Record<ParquetCompression, wasm.Compression> = {
  snappy: wasm.Compression.SNAPPY,
  zstd: wasm.Compression.ZSTD,
  none: wasm.Compression.UNCOMPRESSED,
};

/** parquet-wasm writer properties for these options (Parquet format 1.0 data pages, which every reader takes). */
export function writerProperties(options: ParquetWriteOptions = {}): wasm.WriterProperties {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: `rowGroupSize must be a positive integer, not ${rowGroupSize}`,
    });
  }
  return new wasm.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[options.compression ?? 'snappy'])
    .setWriterVersion(wasm.WriterVersion.V1)
    .setMaxRowGroupSize(rowGroupSize)
    .build();
}

// ---------------------------------------------------------------------------------------------------------------
// Timestamps to microseconds

function isNonMicroTimestamp(type: arrow.DataType): type is arrow.Timestamp {
  return arrow.DataType.isTimestamp(type) && type.unit !== arrow.TimeUnit.MICROSECOND;
}

function timestampToMicros(data: arrow.Data<arrow.Timestamp>): arrow.Data {
  const source = data.values as BigInt64Array;
  const values = new BigInt64Array(data.length);
  const unit = data.type.unit;
  for (let i = 0; i < data.length; i++) {
    const v = source[i]!;
    if (unit === arrow.TimeUnit.SECOND) values[i] = v * 1_000_000n;
    else if (unit === arrow.TimeUnit.MILLISECOND) values[i] = v * 1000n;
    else {
      // Floor, not truncate toward zero, so instants before 1970 round down like the later ones.
      const q = v / 1000n;
      values[i] = v % 1000n < 0n ? q - 1n : q;
    }
  }
  return arrow.makeData({
    type: new arrow.TimestampMicrosecond(data.type.timezone ?? null),
    offset: 0,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: copyBitmap(data),
    data: values,
  });
}

/** The validity bitmap of `data` re-based to offset 0 (a sliced Data keeps its parent's bitmap). */
function copyBitmap(data: arrow.Data): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return undefined;
  if (data.offset === 0) return data.nullBitmap;
  const out = new Uint8Array((data.length + 7) >>> 3);
  for (let i = 0; i < data.length; i++) {
    const j = data.offset + i;
    if (data.nullBitmap[j >>> 3]! & (1 << (j & 7))) out[i >>> 3]! |= 1 << (i & 7);
  }
  return out;
}

/**
 * The schema as written to Parquet: every timestamp in microseconds (time zones kept) and every column
 * nullable (OPTIONAL). Arrow JS marks a column built without nulls as non-nullable, yet a later batch of the same
 * table may hold nulls, which a REQUIRED Parquet column cannot; Redshift reads OPTIONAL columns either way.
 */
export function parquetReadySchema(schema: arrow.Schema): arrow.Schema {
  if (schema.fields.every((f) => f.nullable && !isNonMicroTimestamp(f.type))) return schema;
  return new arrow.Schema(
    schema.fields.map((f) =>
      isNonMicroTimestamp(f.type)
        ? new arrow.Field(f.name, new arrow.TimestampMicrosecond(f.type.timezone ?? null), true, f.metadata)
        : new arrow.Field(f.name, f.type, true, f.metadata),
    ),
    schema.metadata,
  );
}

/** The batch under {@link parquetReadySchema} (timestamp columns converted to microseconds). */
export function parquetReadyBatch(
  batch: arrow.RecordBatch,
  schema = parquetReadySchema(batch.schema),
): arrow.RecordBatch {
  if (schema === batch.schema) return batch;
  const children = batch.schema.fields.map((f, c) => {
    const data = batch.data.children[c]!;
    return isNonMicroTimestamp(f.type) ? timestampToMicros(data as arrow.Data<arrow.Timestamp>) : data;
  });
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** Moves an Arrow JS table into WebAssembly memory. */
export function toWasmTable(table: arrow.Table): wasm.Table {
  return wasm.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
}

/** An Arrow table as the bytes of one Parquet file. A table with no rows keeps its schema. */
export function arrowToParquet(table: arrow.Table, options: ParquetWriteOptions = {}): Uint8Array {
  const schema = parquetReadySchema(table.schema);
  const ready =
    schema === table.schema
      ? table
      : new arrow.Table(
          schema,
          table.batches.map((b) => parquetReadyBatch(b, schema)),
        );
  const properties = writerProperties(options);
  // writeParquet takes ownership of (and frees) both wasm objects.
  return wasm.writeParquet(toWasmTable(ready), properties);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface ParquetReadOptions {
  /** The file name used in error messages (default "Parquet data"). */
  file?: string;
  /** Only these columns. */
  columns?: string[];
}

function invalid(file: string | undefined, reason: string, cause?: unknown): WorkbenchError {
  return new WorkbenchError({ kind: 'InputInvalid', file: file ?? 'Parquet data', reason }, { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The footer of in-memory Parquet bytes: physical and logical types, row groups, codecs, writer. */
export function parquetMetadata(bytes: Uint8Array, file?: string): ParquetMetadata {
  try {
    return readParquetFooter(bytes);
  } catch (error) {
    if (error instanceof ParquetFooterError) throw invalid(file, error.message, error);
    throw error;
  }
}

/** The footer of a Parquet file on disk, reading only its last bytes. */
export async function readParquetFileMetadata(path: string): Promise<ParquetMetadata> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 12) throw invalid(path, 'not a Parquet file (too short)');
    const tail = new Uint8Array(8);
    await handle.read(tail, 0, 8, size - 8);
    const length = new DataView(tail.buffer).getUint32(0, true);
    if (length + 12 > size) throw invalid(path, 'the Parquet footer length is larger than the file');
    // The head (for the leading magic) and the footer, stitched into one small buffer.
    const bytes = new Uint8Array(4 + length + 8);
    await handle.read(bytes, 0, 4, 0);
    await handle.read(bytes, 4, length + 8, size - 8 - length);
    return parquetMetadata(bytes, path);
  } finally {
    await handle.close();
  }
}

/** The Arrow schema of Parquet bytes (from the footer only; no data is decoded). */
export function parquetSchema(bytes: Uint8Array, file?: string): arrow.Schema {
  parquetMetadata(bytes, file);
  try {
    return arrow.tableFromIPC(wasm.readSchema(bytes).intoIPCStream()).schema;
  } catch (error) {
    throw invalid(file, `unreadable Parquet schema: ${messageOf(error)}`, error);
  }
}

/** Decodes a whole Parquet file into one Arrow table. */
export function parquetToArrow(bytes: Uint8Array, options: ParquetReadOptions = {}): arrow.Table {
  parquetMetadata(bytes, options.file);
  try {
    const readerOptions: wasm.ReaderOptions = {};
    if (options.columns) readerOptions.columns = options.columns;
    return arrow.tableFromIPC(wasm.readParquet(bytes, readerOptions).intoIPCStream());
  } catch (error) {
    throw invalid(options.file, `unreadable Parquet data: ${messageOf(error)}`, error);
  }
}

export interface ParquetBatchOptions extends ParquetReadOptions {
  /** Rows per record batch (default 65536). */
  batchSize?: number;
}

/**
 * Reads a Parquet file as a sequence of Arrow record batches, decoding one batch at a time. From a path, the
 * file is read lazily by byte range (through a file-backed Blob), so only the footer, the column chunks being
 * decoded and the current batch are in memory. A file with no rows yields no batches: use
 * {@link parquetSchema} or {@link readParquetFileMetadata} for its columns.
 */
export async function* readParquetBatches(
  source: Uint8Array | string,
  options: ParquetBatchOptions = {},
): AsyncGenerator<arrow.RecordBatch> {
  const file = options.file ?? (typeof source === 'string' ? source : undefined);
  if (typeof source === 'string') await readParquetFileMetadata(source);
  else parquetMetadata(source, file);
  const blob = typeof source === 'string' ? await openAsBlob(source) : new Blob([source]);
  let parquetFile: wasm.ParquetFile;
  let stream: ReadableStream<wasm.RecordBatch>;
  try {
    parquetFile = await wasm.ParquetFile.fromFile(blob);
    const readerOptions: wasm.ReaderOptions = { batchSize: options.batchSize ?? 65536 };
    if (options.columns) readerOptions.columns = options.columns;
    stream = await parquetFile.stream(readerOptions);
  } catch (error) {
    throw invalid(file, `unreadable Parquet data: ${messageOf(error)}`, error);
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const next = await reader.read().catch((error: unknown) => {
        throw invalid(file, `unreadable Parquet data: ${messageOf(error)}`, error);
      });
      if (next.done) return;
      const table = arrow.tableFromIPC(next.value.intoIPCStream());
      for (const batch of table.batches) yield batch;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    parquetFile.free();
  }
}
