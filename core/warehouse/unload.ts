/**
 * Bulk results: UNLOAD to a fresh S3 prefix as Parquet, then download and decode. The Data API's result
 * path caps rows at 64 KB and results at 100 MB, so anything that can be large goes this way.
 */

import type * as arrow from 'apache-arrow';
import { readParquetBatches } from '../frames/parquet';
import { quoteLiteral } from '../plan/sql';
import type { RunOptions, StatementOutcome } from './executor';
import { s3Uri, type S3Location, type S3ObjectInfo } from './s3';
import type { Warehouse } from './warehouse';

/**
 * Part files are capped so a consumer of record batches holds at most one part in memory; Redshift's default
 * would allow 6.2 GB per part.
 */
export const UNLOAD_MAX_FILE_MB = 256;

/** The UNLOAD statement for `query`, writing Parquet parts under `target` (a prefix ending in '/'). */
export function unloadStatement(query: string, target: S3Location, iamRole: string): string {
  return [
    `UNLOAD (${quoteLiteral(query)})`,
    `TO ${quoteLiteral(s3Uri(target))}`,
    `IAM_ROLE ${quoteLiteral(iamRole)}`,
    'FORMAT AS PARQUET',
    `MAXFILESIZE ${UNLOAD_MAX_FILE_MB} MB`,
  ].join('\n');
}

export async function unloadToS3(
  warehouse: Warehouse,
  query: string,
  target: S3Location,
  options: RunOptions = {},
): Promise<StatementOutcome> {
  return warehouse.executor.execute(unloadStatement(query, target, warehouse.iamRole), options);
}

/** The Parquet parts an UNLOAD wrote (none for a zero-row result, as Redshift writes no file then). */
export async function unloadedParts(
  warehouse: Warehouse,
  target: S3Location,
  signal?: AbortSignal,
): Promise<S3ObjectInfo[]> {
  const objects = await warehouse.s3.list(target, signal);
  // Redshift may also write a manifest when asked; only data parts are read.
  return objects.filter((object) => !object.key.endsWith('manifest') && object.size > 0);
}

export interface DownloadProgress {
  part: S3ObjectInfo;
  index: number;
  count: number;
}

/**
 * Record batches of every part, downloading one part at a time so memory stays bounded by one part
 * (UNLOAD_MAX_FILE_MB) plus the batches the consumer still holds.
 */
export async function* readUnloadedBatches(
  warehouse: Warehouse,
  bucket: string,
  parts: S3ObjectInfo[],
  options: { signal?: AbortSignal; onPart?: (progress: DownloadProgress) => void } = {},
): AsyncGenerator<arrow.RecordBatch> {
  for (const [index, part] of parts.entries()) {
    options.onPart?.({ part, index, count: parts.length });
    const bytes = await warehouse.s3.get({ bucket, key: part.key }, options.signal);
    yield* readParquetBatches(bytes, { file: `s3://${bucket}/${part.key}` });
  }
}
