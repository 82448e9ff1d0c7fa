/** Arrow columns of every type a Redshift result can bring back, for the writer and Parquet tests. */
import * as arrow from 'apache-arrow';

export function bitmap(valid: boolean[]): Uint8Array {
  const out = new Uint8Array((valid.length + 7) >>> 3);
  valid.forEach((v, i) => {
    if (v) out[i >>> 3]! |= 1 << (i & 7);
  });
  return out;
}

/** A column from raw values: `null` entries become nulls (the slot holds `zero`). */
export function column<T extends arrow.DataType>(
  type: T,
  values: readonly (unknown | null)[],
  toArray: (present: unknown[]) => ArrayLike<unknown>,
  zero: unknown,
): arrow.Data<T> {
  const valid = values.map((v) => v !== null);
  const nullCount = valid.filter((v) => !v).length;
  return arrow.makeData({
    type,
    length: values.length,
    nullCount,
    nullBitmap: nullCount > 0 ? bitmap(valid) : null,
    data: toArray(values.map((v) => (v === null ? zero : v))),
  } as never) as arrow.Data<T>;
}

export const int64 = (values: (bigint | null)[]) =>
  column(new arrow.Int64(), values, (v) => BigInt64Array.from(v as bigint[]), 0n);

export const timestamp = (unit: arrow.TimeUnit, tz: string | null, values: (bigint | null)[]) =>
  column(new arrow.Timestamp(unit, tz), values, (v) => BigInt64Array.from(v as bigint[]), 0n);

export const date64 = (values: (bigint | null)[]) =>
  column(new arrow.DateMillisecond(), values, (v) => BigInt64Array.from(v as bigint[]), 0n);

export const date32 = (values: (number | null)[]) =>
  column(new arrow.DateDay(), values, (v) => Int32Array.from(v as number[]), 0);

/** Decimal128 from unscaled bigints (two's complement, little-endian 32-bit words). */
export function decimal128(
  scale: number,
  precision: number,
  values: (bigint | null)[],
): arrow.Data<arrow.Decimal> {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(128, v ?? 0n);
    for (let k = 0; k < 4; k++) {
      words[i * 4 + k] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  const valid = values.map((v) => v !== null);
  const nullCount = valid.filter((v) => !v).length;
  return arrow.makeData({
    type: new arrow.Decimal(scale, precision, 128),
    length: values.length,
    nullCount,
    nullBitmap: nullCount > 0 ? bitmap(valid) : null,
    data: words,
  });
}

export function binary(values: (Uint8Array | null)[]): arrow.Data<arrow.Binary> {
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => {
    offsets[i + 1] = offsets[i]! + (v?.length ?? 0);
  });
  const data = new Uint8Array(offsets[values.length]!);
  values.forEach((v, i) => v && data.set(v, offsets[i]!));
  const valid = values.map((v) => v !== null);
  const nullCount = valid.filter((v) => !v).length;
  return arrow.makeData({
    type: new arrow.Binary(),
    length: values.length,
    nullCount,
    nullBitmap: nullCount > 0 ? bitmap(valid) : null,
    valueOffsets: offsets,
    data,
  });
}

export function tableOf(columns: Record<string, arrow.Data | arrow.Vector>): arrow.Table {
  const entries = Object.entries(columns).map(
    ([name, c]) => [name, c instanceof arrow.Vector ? c.data[0]! : c] as const,
  );
  const schema = new arrow.Schema(entries.map(([name, data]) => new arrow.Field(name, data.type, true)));
  const length = entries[0]?.[1].length ?? 0;
  const batch = new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length,
      nullCount: 0,
      children: entries.map(([, d]) => d),
    }),
  );
  return new arrow.Table(schema, batch);
}
