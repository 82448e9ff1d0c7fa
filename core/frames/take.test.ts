import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderByRowId, takeRows } from './take';

function twoChunkTable(): arrow.Table {
  const first = new arrow.Table({
    id: arrow.vectorFromArray([2n, 0n], new arrow.Int64()),
    name: arrow.vectorFromArray(['c', null], new arrow.Utf8()),
    flag: arrow.vectorFromArray([true, false], new arrow.Bool()),
    x: arrow.vectorFromArray([1.5, null], new arrow.Float64()),
    ts: arrow.vectorFromArray([1_000, 2_000], new arrow.TimestampMillisecond('UTC')),
  });
  const second = new arrow.Table({
    id: arrow.vectorFromArray([1n], new arrow.Int64()),
    name: arrow.vectorFromArray(['ä'], new arrow.Utf8()),
    flag: arrow.vectorFromArray([true], new arrow.Bool()),
    x: arrow.vectorFromArray([-3], new arrow.Float64()),
    ts: arrow.vectorFromArray([3_000], new arrow.TimestampMillisecond('UTC')),
  });
  return new arrow.Table(first.schema, [...first.batches, ...second.batches]);
}

describe('takeRows', () => {
  it('gathers rows across chunks, keeping nulls and every type', () => {
    const taken = takeRows(twoChunkTable(), Int32Array.from([2, 0, 1]));
    expect(taken.schema.fields.map((f) => String(f.type))).toEqual(
      twoChunkTable().schema.fields.map((f) => String(f.type)),
    );
    expect(taken.getChild('id')!.toArray()).toEqual(BigInt64Array.from([1n, 2n, 0n]));
    expect([...taken.getChild('name')!]).toEqual(['ä', 'c', null]);
    expect([...taken.getChild('flag')!]).toEqual([true, true, false]);
    expect([...taken.getChild('x')!]).toEqual([-3, 1.5, null]);
    expect(taken.getChild('ts')!.data[0]!.values).toEqual(BigInt64Array.from([3_000n, 1_000n, 2_000n]));
  });

  it('is the identity for 0..n-1 and reverses for n-1..0 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string(), { nil: null }), { maxLength: 40 }), (values) => {
        const table = new arrow.Table({ s: arrow.vectorFromArray(values, new arrow.Utf8()) });
        const n = values.length;
        expect([
          ...takeRows(
            table,
            Int32Array.from({ length: n }, (_, i) => i),
          ).getChild('s')!,
        ]).toEqual(values);
        expect([
          ...takeRows(
            table,
            Int32Array.from({ length: n }, (_, i) => n - 1 - i),
          ).getChild('s')!,
        ]).toEqual([...values].reverse());
      }),
    );
  });
});

describe('orderByRowId', () => {
  it('restores row order and drops the id column', () => {
    const ordered = orderByRowId(twoChunkTable(), 'id');
    expect(ordered.schema.fields.map((f) => f.name)).toEqual(['name', 'flag', 'x', 'ts']);
    expect([...ordered.getChild('name')!]).toEqual([null, 'ä', 'c']);
  });

  it('refuses ids that are not a permutation (lost or duplicated rows)', () => {
    const table = new arrow.Table({ id: arrow.vectorFromArray([0n, 0n], new arrow.Int64()) });
    expect(() => orderByRowId(table, 'id')).toThrow(/not a permutation/);
  });
});
