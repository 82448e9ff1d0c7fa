/**
 * Writing a result computed here (on-demand outputs included) to a new Redshift table: Parquet to the run's S3
 * prefix, then CREATE TABLE with column types from the Arrow schema and COPY, in one transaction. Redshift cannot
 * run the Python transformations, so Feast's to_redshift does the same with an ODFV (to_df, then upload).
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { arrowToParquet } from '../frames/parquet';
import { copyParquetSql } from '../jobs/entities';
import { runObjectPath } from '../jobs/naming';
import { formatBytes } from '../jobs/progress';
import type { Run } from '../jobs/unload-run';
import { quoteIdent, quoteQualified } from '../plan/sql';
import type { TableName } from '../plan/types';
import { s3Uri } from '../warehouse/s3';
import { stagingLocation, type Warehouse } from '../warehouse/warehouse';

const MAX_VARCHAR_BYTES = 65535;

function maxByteLength(vector: arrow.Vector): number {
  let longest = 0;
  for (const data of vector.data) {
    const offsets = data.valueOffsets as Int32Array;
    for (let i = 0; i < data.length; i++) {
      if (!data.getValid(i)) continue;
      // Arrow JS slices offsets with the data; `offset` is for the validity bitmap (getValid).
      longest = Math.max(longest, offsets[i + 1]! - offsets[i]!);
    }
  }
  return longest;
}

/** The Redshift column type holding an Arrow column without loss. */
export function redshiftColumnType(field: arrow.Field, vector: arrow.Vector): string {
  const type = field.type as arrow.DataType;
  const refuse = (why: string) =>
    new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `column ${field.name} (${String(type)}) cannot be written to Redshift: ${why}`,
    });
  if (arrow.DataType.isInt(type)) {
    if (type.isSigned) return type.bitWidth <= 16 ? 'SMALLINT' : type.bitWidth === 32 ? 'INTEGER' : 'BIGINT';
    if (type.bitWidth <= 16) return 'INTEGER';
    if (type.bitWidth === 32) return 'BIGINT';
    throw refuse('Redshift has no unsigned 64-bit integer type');
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.SINGLE) return 'REAL';
    if (type.precision === arrow.Precision.DOUBLE) return 'DOUBLE PRECISION';
    throw refuse('half floats are not supported');
  }
  if (arrow.DataType.isBool(type)) return 'BOOLEAN';
  if (arrow.DataType.isUtf8(type)) {
    const bytes = Math.max(1, maxByteLength(vector));
    if (bytes > MAX_VARCHAR_BYTES)
      throw refuse(`a value of ${bytes} bytes exceeds VARCHAR's ${MAX_VARCHAR_BYTES}`);
    return `VARCHAR(${bytes})`;
  }
  if (arrow.DataType.isTimestamp(type)) return type.timezone ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  if (arrow.DataType.isDate(type)) return 'DATE';
  if (arrow.DataType.isDecimal(type) && type.precision <= 38)
    return `DECIMAL(${type.precision}, ${type.scale})`;
  throw refuse('the workbench writes integers, floats, booleans, text, timestamps, dates and decimals');
}

/**
 * Creates `destination` holding `table` (replacing an existing table when `allowOverwrite`). The Parquet object
 * lives under the run's prefix, which the run's cleanup removes.
 */
export async function createTableFromArrow(
  warehouse: Warehouse,
  run: Run,
  destination: TableName,
  table: arrow.Table,
  allowOverwrite: boolean,
): Promise<void> {
  const target = quoteQualified(destination.schema, destination.name);
  const definitions = table.schema.fields.map(
    (field, i) => `${quoteIdent(field.name)} ${redshiftColumnType(field, table.getChildAt(i)!)}`,
  );
  const object = stagingLocation(warehouse, runObjectPath(run.runId, 'result.parquet'));
  const parquet = arrowToParquet(table);
  await run.progress.phase(
    'upload',
    `uploading the result with its on-demand features as Parquet (${formatBytes(parquet.byteLength)}) to ${s3Uri(object)}`,
    () => warehouse.s3.put(object, parquet, run.runOptions.signal),
    () => ({ bytes: parquet.byteLength, rows: table.numRows }),
  );
  const statements = [
    ...(allowOverwrite ? [`DROP TABLE IF EXISTS ${target}`] : []),
    `CREATE TABLE ${target} (\n  ${definitions.join(',\n  ')}\n)`,
    copyParquetSql(
      destination,
      table.schema.fields.map((f) => f.name),
      s3Uri(object),
      warehouse.iamRole,
    ),
  ];
  await run.progress.phase(
    'copy',
    `writing ${table.numRows} rows to ${target}`,
    () =>
      warehouse.executor.executeBatch(statements, { ...run.runOptions, label: `${run.runId} to_redshift` }),
    (outcome) => ({ statementId: outcome.id, rows: table.numRows }),
  );
}
