/**
 * Parquet <-> Arrow with parquet-wasm (the Node build, which needs no init call).
 *
 * What Redshift COPY ... FORMAT AS PARQUET needs, and what these functions write for the entity-frame types
 * (checked against the file footer in parquet.test.ts): Int64 -> INT64, Float64 -> DOUBLE, Bool -> BOOLEAN,
 * Utf8 -> BYTE_ARRAY STRING, Timestamp(µs, 'UTC') -> INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true).
 * Timestamps in other units are converted to microseconds on the way out (nanoseconds are floored), because
 * Redshift has microsecond precision; a time zone is kept (a naive timestamp stays naive, isAdjustedToUTC=false).
 * Date64 is written as DATE (days), since parquet-rs would write it as a bare INT64.
 *
 * Data crosses into WebAssembly as an Arrow IPC stream (a copy), and comes back the same way.
 */
import { open, readFile } from 'node:fs/promises';
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

/** Date64 has no Parquet logical type of its own (it would be a bare INT64); DATE is days. */
function isDate64(type: arrow.DataType): type is arrow.DateMillisecond {
  return arrow.DataType.isDate(type) && type.unit === arrow.DateUnit.MILLISECOND;
}

function needsConversion(type: arrow.DataType): boolean {
  return isNonMicroTimestamp(type) || isDate64(type);
}

/** Floor division of bigints (rounds toward negative infinity, so times before 1970 round down too). */
function floorDiv(v: bigint, d: bigint): bigint {
  const q = v / d;
  return v % d < 0n ? q - 1n : q;
}

function timestampToMicros(data: arrow.Data<arrow.Timestamp>): arrow.Data {
  const source = data.values as BigInt64Array;
  const values = new BigInt64Array(data.length);
  const unit = data.type.unit;
  for (let i = 0; i < data.length; i++) {
    const v = source[i]!;
    if (unit === arrow.TimeUnit.SECOND) values[i] = v * 1_000_000n;
    else if (unit === arrow.TimeUnit.MILLISECOND) values[i] = v * 1000n;
    else values[i] = floorDiv(v, 1000n);
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

function date64ToDays(data: arrow.Data<arrow.DateMillisecond>): arrow.Data {
  const source = data.values as unknown as BigInt64Array;
  const values = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = Number(floorDiv(source[i]!, 86_400_000n));
  return arrow.makeData({
    type: new arrow.DateDay(),
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
 * The schema as written to Parquet: every timestamp in microseconds (time zones kept), Date64 as Date32, and
 * every column nullable (OPTIONAL). Arrow JS marks a column built without nulls as non-nullable, yet a later
 * batch of the same table may hold nulls, which a REQUIRED Parquet column cannot; Redshift reads OPTIONAL
 * columns either way.
 */
export function parquetReadySchema(schema: arrow.Schema): arrow.Schema {
  if (schema.fields.every((f) => f.nullable && !needsConversion(f.type))) return schema;
  return new arrow.Schema(
    schema.fields.map((f) => {
      let type: arrow.DataType = f.type;
      if (isNonMicroTimestamp(f.type)) type = new arrow.TimestampMicrosecond(f.type.timezone ?? null);
      else if (isDate64(f.type)) type = new arrow.DateDay();
      return new arrow.Field(f.name, type, true, f.metadata);
    }),
    schema.metadata,
  );
}

/** The batch under {@link parquetReadySchema}, with timestamp and Date64 columns converted. */
export function parquetReadyBatch(
  batch: arrow.RecordBatch,
  schema = parquetReadySchema(batch.schema),
): arrow.RecordBatch {
  if (schema === batch.schema) return batch;
  const children = batch.schema.fields.map((f, c) => {
    const data = batch.data.children[c]!;
    if (isNonMicroTimestamp(f.type)) return timestampToMicros(data as arrow.Data<arrow.Timestamp>);
    if (isDate64(f.type)) return date64ToDays(data as arrow.Data<arrow.DateMillisecond>);
    return data;
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
  /**
   * Only these columns, in this order. parquet-wasm 0.8's synchronous reader ignores its own `columns` option,
   * so the other columns are still decoded and then dropped.
   */
  columns?: string[];
  /** Rows per record batch (default 65536). */
  batchSize?: number;
}

function selectColumns(
  table: arrow.Table,
  columns: string[] | undefined,
  file: string | undefined,
): arrow.Table {
  if (columns === undefined) return table;
  for (const name of columns) {
    if (!table.schema.names.includes(name)) {
      throw new WorkbenchError({
        kind: 'NotFound',
        what: 'column',
        name,
        hint: `${file ?? 'the Parquet data'} has ${table.schema.names.join(', ')}`,
      });
    }
  }
  return table.select(columns);
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
  let table: arrow.Table;
  try {
    // parquet-rs would cut the table into 1024-row batches, which costs more than the decoding itself.
    table = arrow.tableFromIPC(
      wasm.readParquet(bytes, { batchSize: options.batchSize ?? 65536 }).intoIPCStream(),
    );
  } catch (error) {
    throw invalid(options.file, `unreadable Parquet data: ${messageOf(error)}`, error);
  }
  return selectColumns(table, options.columns, options.file);
}

export interface ParquetBatchOptions extends ParquetReadOptions {
  /**
   * Row groups are decoded together until their uncompressed size reaches this many bytes (default 64 MiB);
   * this bounds the decoded data in memory at a time.
   */
  decodeBytes?: number;
}

/**
 * Reads Parquet as a sequence of Arrow record batches, decoding a few row groups at a time, so the decoded data
 * in memory stays bounded (by `decodeBytes`, or one row group if that is larger) while the compressed bytes are
 * held whole. A file with no rows yields no batches: use {@link parquetSchema} for its columns.
 *
 * parquet-wasm's own streaming reader (ParquetFile.stream) is not used: on a corrupt page it panics inside
 * WebAssembly, which surfaces as an uncaught exception that ends the process. The synchronous reader used here
 * reports the same damage as an ordinary error, turned into InputInvalid.
 */
export async function* readParquetBatches(
  source: Uint8Array | string,
  options: ParquetBatchOptions = {},
): AsyncGenerator<arrow.RecordBatch> {
  const file = options.file ?? (typeof source === 'string' ? source : undefined);
  const bytes = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source;
  const metadata = parquetMetadata(bytes, file);
  const limit = options.decodeBytes ?? 64 * 1024 * 1024;
  const spans: number[][] = [];
  let span: number[] = [];
  let spanBytes = 0;
  metadata.rowGroups.forEach((group, index) => {
    if (span.length > 0 && spanBytes + group.totalByteSize > limit) {
      spans.push(span);
      span = [];
      spanBytes = 0;
    }
    span.push(index);
    spanBytes += group.totalByteSize;
  });
  if (span.length > 0) spans.push(span);
  for (const rowGroups of spans) {
    const readerOptions: wasm.ReaderOptions = { rowGroups, batchSize: options.batchSize ?? 65536 };
    let table: arrow.Table;
    try {
      table = arrow.tableFromIPC(wasm.readParquet(bytes, readerOptions).intoIPCStream());
    } catch (error) {
      throw invalid(file, `unreadable Parquet data: ${messageOf(error)}`, error);
    }
    for (const batch of selectColumns(table, options.columns, file).batches)
      if (batch.numRows > 0) yield batch;
  }
}
