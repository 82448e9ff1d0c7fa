/**
 * Small Data API results (GetStatementResult pages) as an Arrow table. Only for previews, probes and
 * metadata queries: bulk results go through UNLOAD and Parquet.
 */

import * as arrow from 'apache-arrow';
import type { ColumnMetadata, Field as DataApiField } from '@aws-sdk/client-redshift-data';
import { WorkbenchError } from '../contract/errors';
import { parseTimestampMicros } from '../frames/timestamp';
import type { ResultPage } from './executor';

type Kind = 'int32' | 'int64' | 'float64' | 'bool' | 'timestamp' | 'timestamptz' | 'date' | 'string';

/** Arrow kind for a Redshift type name as ColumnMetadata reports it. */
export function kindOfRedshiftType(typeName: string): Kind {
  const type = typeName.toLowerCase();
  if (type === 'int2' || type === 'int4' || type === 'smallint' || type === 'integer') return 'int32';
  if (type === 'int8' || type === 'bigint') return 'int64';
  if (type === 'float4' || type === 'float8' || type === 'real' || type.startsWith('double'))
    return 'float64';
  if (type === 'bool' || type === 'boolean') return 'bool';
  if (type === 'timestamp' || type === 'timestamp without time zone') return 'timestamp';
  if (type === 'timestamptz' || type === 'timestamp with time zone') return 'timestamptz';
  if (type === 'date') return 'date';
  // numeric stays text so no digit is lost; varchar, char, super, json, geometry... are text too.
  return 'string';
}

function arrowType(kind: Kind): arrow.DataType {
  switch (kind) {
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'float64':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
    case 'timestamp':
      return new arrow.TimestampMicrosecond();
    case 'timestamptz':
      return new arrow.TimestampMicrosecond('UTC');
    case 'date':
      return new arrow.DateDay();
    case 'string':
      return new arrow.Utf8();
  }
}

function cellText(cell: DataApiField): string | undefined {
  if (cell.isNull) return undefined;
  if (cell.stringValue !== undefined) return cell.stringValue;
  if (cell.longValue !== undefined) return String(cell.longValue);
  if (cell.doubleValue !== undefined) return String(cell.doubleValue);
  if (cell.booleanValue !== undefined) return String(cell.booleanValue);
  if (cell.blobValue !== undefined) return Buffer.from(cell.blobValue).toString('base64');
  return undefined;
}

function unreadable(column: string, kind: Kind, cell: DataApiField): WorkbenchError {
  return new WorkbenchError({
    kind: 'Internal',
    message: `column ${column}: cannot read ${JSON.stringify(cell)} as ${kind}`,
  });
}

function convert(cell: DataApiField, kind: Kind, column: string): unknown {
  if (cell.isNull) return null;
  switch (kind) {
    case 'int32':
      if (cell.longValue !== undefined) return cell.longValue;
      break;
    case 'int64':
      if (cell.longValue !== undefined) return BigInt(cell.longValue);
      // exact-longs.ts turns int8 values beyond 2^53 into digit strings.
      if (cell.stringValue !== undefined && /^-?\d+$/.test(cell.stringValue)) return BigInt(cell.stringValue);
      break;
    case 'float64':
      if (cell.doubleValue !== undefined) return cell.doubleValue;
      if (cell.longValue !== undefined) return cell.longValue;
      if (cell.stringValue !== undefined) return Number(cell.stringValue);
      break;
    case 'bool':
      if (cell.booleanValue !== undefined) return cell.booleanValue;
      break;
    case 'timestamp':
    case 'timestamptz': {
      const micros = cell.stringValue === undefined ? undefined : parseTimestampMicros(cell.stringValue);
      if (micros !== undefined) return micros;
      break;
    }
    case 'date': {
      const micros = cell.stringValue === undefined ? undefined : parseTimestampMicros(cell.stringValue);
      if (micros !== undefined) return Number(micros / 86_400_000_000n);
      break;
    }
    case 'string':
      return cellText(cell) ?? null;
  }
  throw unreadable(column, kind, cell);
}

/** Builds one Arrow column from already-converted values, keeping int64 and microseconds exact. */
function buildVector(kind: Kind, values: unknown[]): arrow.Vector {
  const type = arrowType(kind);
  const length = values.length;
  const validity = new Uint8Array(Math.ceil(length / 8));
  let nulls = 0;
  values.forEach((value, i) => {
    if (value === null) nulls++;
    else validity[i >> 3]! |= 1 << (i & 7);
  });
  const nullBitmap = nulls > 0 ? validity : undefined;
  const fixed = (data: ArrayLike<unknown> & { length: number }) =>
    arrow.makeVector(arrow.makeData({ type, length, nullCount: nulls, nullBitmap, data } as never));
  switch (kind) {
    case 'int32':
      return fixed(Int32Array.from(values, (v) => (v === null ? 0 : (v as number))));
    case 'int64':
    case 'timestamp':
    case 'timestamptz':
      return fixed(BigInt64Array.from(values, (v) => (v === null ? 0n : (v as bigint))));
    case 'float64':
      return fixed(Float64Array.from(values, (v) => (v === null ? 0 : (v as number))));
    case 'date':
      return fixed(Int32Array.from(values, (v) => (v === null ? 0 : (v as number))));
    case 'bool':
    case 'string':
      return arrow.vectorFromArray(values, type);
  }
}

/** Collects every page of a result into one Arrow table (column names as Redshift reports them). */
export async function resultPagesToArrow(pages: AsyncIterable<ResultPage>): Promise<arrow.Table> {
  let columns: ColumnMetadata[] = [];
  let kinds: Kind[] = [];
  let values: unknown[][] = [];
  for await (const page of pages) {
    if (columns.length === 0 && page.columns.length > 0) {
      columns = page.columns;
      kinds = columns.map((column) => kindOfRedshiftType(column.typeName ?? 'varchar'));
      values = columns.map(() => []);
    }
    for (const record of page.records) {
      record.forEach((cell, i) => {
        const kind = kinds[i];
        if (kind !== undefined) values[i]!.push(convert(cell, kind, columns[i]?.name ?? `column ${i + 1}`));
      });
    }
  }
  const vectors: Record<string, arrow.Vector> = {};
  columns.forEach((column, i) => {
    const name = column.name ?? column.label ?? `column_${i + 1}`;
    vectors[name] = buildVector(kinds[i]!, values[i]!);
  });
  return new arrow.Table(vectors);
}
