/**
 * Row selection on Arrow tables by index (a "take"), working on the column buffers so no row objects are
 * built. Used to put a retrieval result back into the entity frame's row order.
 */

import * as arrow from 'apache-arrow';

/** For each wanted row: which chunk holds it and where inside that chunk. */
interface Locations {
  chunk: Int32Array;
  row: Int32Array;
}

function locate(chunkLengths: number[], indices: Int32Array): Locations {
  const starts: number[] = [];
  let total = 0;
  for (const length of chunkLengths) {
    starts.push(total);
    total += length;
  }
  const chunk = new Int32Array(indices.length);
  const row = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (index < 0 || index >= total) throw new RangeError(`row ${index} is outside a table of ${total} rows`);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    chunk[i] = lo;
    row[i] = index - starts[lo]!;
  }
  return { chunk, row };
}

function takeValidity(datas: arrow.Data[], at: Locations): { bitmap: Uint8Array | undefined; nulls: number } {
  if (datas.every((data) => data.nullCount === 0)) return { bitmap: undefined, nulls: 0 };
  const length = at.chunk.length;
  const bitmap = new Uint8Array(Math.ceil(length / 8));
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (datas[at.chunk[i]!]!.getValid(at.row[i]!)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nulls };
}

type FixedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

function takeFixed(datas: arrow.Data[], at: Locations, stride: number): FixedArray {
  const sources = datas.map((data) => data.values as FixedArray);
  const Ctor = sources[0]!.constructor as new (length: number) => FixedArray;
  const out = new Ctor(at.chunk.length * stride) as unknown as unknown[];
  for (let i = 0; i < at.chunk.length; i++) {
    const data = datas[at.chunk[i]!]!;
    const source = sources[at.chunk[i]!] as unknown as unknown[];
    const from = (data.offset + at.row[i]!) * stride;
    for (let k = 0; k < stride; k++) out[i * stride + k] = source[from + k];
  }
  return out as unknown as FixedArray;
}

function takeBits(datas: arrow.Data[], at: Locations): Uint8Array {
  const out = new Uint8Array(Math.ceil(at.chunk.length / 8));
  for (let i = 0; i < at.chunk.length; i++) {
    const data = datas[at.chunk[i]!]!;
    const bit = data.offset + at.row[i]!;
    if (((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

function takeVariable(datas: arrow.Data[], at: Locations): { offsets: Int32Array; bytes: Uint8Array } {
  const span = (i: number): [Uint8Array, number, number] => {
    const data = datas[at.chunk[i]!]!;
    const offsets = data.valueOffsets as Int32Array;
    const row = data.offset + at.row[i]!;
    return [data.values as Uint8Array, offsets[row]!, offsets[row + 1]!];
  };
  let total = 0;
  for (let i = 0; i < at.chunk.length; i++) {
    const [, start, end] = span(i);
    total += end - start;
  }
  const offsets = new Int32Array(at.chunk.length + 1);
  const bytes = new Uint8Array(total);
  let position = 0;
  for (let i = 0; i < at.chunk.length; i++) {
    const [source, start, end] = span(i);
    bytes.set(source.subarray(start, end), position);
    position += end - start;
    offsets[i + 1] = position;
  }
  return { offsets, bytes };
}

/** Width in elements of the `values` array per value, for fixed-width types. */
function strideOf(type: arrow.DataType): number | undefined {
  if (arrow.DataType.isDecimal(type)) return (type as arrow.Decimal).bitWidth / 32;
  if (
    arrow.DataType.isInt(type) ||
    arrow.DataType.isFloat(type) ||
    arrow.DataType.isTimestamp(type) ||
    arrow.DataType.isTime(type) ||
    arrow.DataType.isDuration(type)
  ) {
    return 1;
  }
  if (arrow.DataType.isDate(type)) return 1;
  return undefined;
}

function takeColumn(vector: arrow.Vector, at: Locations): arrow.Vector {
  const type = vector.type as arrow.DataType;
  const datas = [...vector.data];
  const length = at.chunk.length;
  if (datas.length === 0 || length === 0)
    return arrow.makeVector(arrow.makeData({ type, length: 0 } as never));
  const { bitmap, nulls } = takeValidity(datas, at);
  const common = { type, length, nullCount: nulls, nullBitmap: bitmap };
  if (arrow.DataType.isBool(type))
    return arrow.makeVector(arrow.makeData({ ...common, data: takeBits(datas, at) } as never));
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const { offsets, bytes } = takeVariable(datas, at);
    return arrow.makeVector(arrow.makeData({ ...common, valueOffsets: offsets, data: bytes } as never));
  }
  const stride = strideOf(type);
  if (stride !== undefined)
    return arrow.makeVector(arrow.makeData({ ...common, data: takeFixed(datas, at, stride) } as never));
  // Rare types (nested, dictionaries...): value by value through Arrow's accessors.
  const values = Array.from(
    { length },
    (_, i) => datas[at.chunk[i]!] && arrow.makeVector(datas[at.chunk[i]!]!).get(at.row[i]!),
  );
  return arrow.vectorFromArray(values, type);
}

/** A table holding rows `indices` of `table`, in that order, with the same schema. */
export function takeRows(table: arrow.Table, indices: Int32Array): arrow.Table {
  const at = locate(
    table.batches.map((batch) => batch.numRows),
    indices,
  );
  const columns = table.schema.fields.map((field, i) => takeColumn(table.getChildAt(i)!, at));
  const batch = new arrow.RecordBatch(
    table.schema,
    arrow.makeData({
      type: new arrow.Struct(table.schema.fields),
      length: indices.length,
      nullCount: 0,
      children: columns.map((column) => column.data[0]!),
    }),
  );
  return new arrow.Table(table.schema, [batch]);
}

/**
 * Orders a table by an int64 column holding a permutation of 0..n-1 (a row id), and drops that column.
 * Throws when the column is not such a permutation: that would mean rows were lost or duplicated.
 */
export function orderByRowId(table: arrow.Table, rowIdColumn: string): arrow.Table {
  const column = table.getChild(rowIdColumn);
  if (!column) throw new Error(`the result has no ${rowIdColumn} column`);
  const n = table.numRows;
  const positions = new Int32Array(n).fill(-1);
  let row = 0;
  for (const chunk of column.data) {
    const ids = chunk.values as BigInt64Array | Int32Array;
    for (let i = 0; i < chunk.length; i++, row++) {
      const id = Number(ids[chunk.offset + i]);
      if (!Number.isInteger(id) || id < 0 || id >= n || positions[id] !== -1) {
        throw new Error(`${rowIdColumn} is not a permutation of the entity rows (row ${row} has id ${id})`);
      }
      positions[id] = row;
    }
  }
  const kept = table.schema.fields.filter((field) => field.name !== rowIdColumn).map((field) => field.name);
  return takeRows(table.select(kept), positions);
}
