/**
 * Plain JS values of an Arrow column, exact for every type the frames produce: int64 and timestamps as bigint
 * (timestamps in the column's own unit), floats as numbers, null for nulls. For tests, previews and debugging
 * of small tables; bulk paths read the typed arrays directly.
 */
import * as arrow from 'apache-arrow';

export type ExactValue = bigint | number | boolean | string | Uint8Array | null;

function isNullAt(data: arrow.Data, i: number): boolean {
  if (arrow.DataType.isNull(data.type)) return true;
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return false;
  const j = data.offset + i;
  return (data.nullBitmap[j >>> 3]! & (1 << (j & 7))) === 0;
}

/** Exact values of one column of `table`, by name. */
export function exactColumnValues(table: arrow.Table, name: string): ExactValue[] {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`no column ${name} (columns: ${table.schema.names.join(', ')})`);
  const out: ExactValue[] = [];
  for (const data of vector.data) {
    const type = data.type;
    const chunk = arrow.makeVector(data);
    for (let i = 0; i < data.length; i++) {
      if (isNullAt(data, i)) {
        out.push(null);
      } else if (arrow.DataType.isTimestamp(type) || (arrow.DataType.isInt(type) && type.bitWidth === 64)) {
        out.push((data.values as BigInt64Array | BigUint64Array)[i]!);
      } else {
        out.push(chunk.get(i) as ExactValue);
      }
    }
  }
  return out;
}
