/** The column exchange without Python: buffers of sliced Arrow data, decoding answers, joining batch pieces. */

import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BodyWriter, concatData, decodeOutput, encodeColumn, type OutputColumn } from './exchange';

function body(writer: BodyWriter): Uint8Array {
  const out = new Uint8Array(writer.size);
  let at = 0;
  for (const piece of writer.pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

function bytesAt(all: Uint8Array, span: [number, number] | undefined): number[] {
  return span ? Array.from(all.subarray(span[0], span[0] + span[1])) : [];
}

describe('encodeColumn', () => {
  it('encodes the rows of a slice, with validity bytes and rebased string offsets', () => {
    const strings = arrow.vectorFromArray(['zero', null, 'two', 'drei', 'ü'], new arrow.Utf8()).data[0]!;
    const writer = new BodyWriter();
    // Rows 1-2 of the slice [null, 'two', 'drei'].
    const column = encodeColumn('s', strings.slice(1, 3), 1, 2, writer)!;
    const all = body(writer);
    expect(column).toMatchObject({ kind: 'utf8', length: 2, nullCount: 0 });
    expect(bytesAt(all, column.offsets)).toEqual([0, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0]);
    expect(Buffer.from(bytesAt(all, column.values)).toString('utf8')).toBe('twodrei');
    const withNull = encodeColumn('s', strings.slice(1, 3), 0, 2, writer)!;
    expect(withNull).toMatchObject({ length: 2, nullCount: 1 });
    expect(bytesAt(body(writer), withNull.validity)).toEqual([0, 1]);
    expect(column.offsets![0] % 8).toBe(0);
    expect(column.values![0] % 8).toBe(0);

    const bools = arrow.vectorFromArray(
      [true, null, false, true, true, null, false, true, true],
      new arrow.Bool(),
    );
    const boolWriter = new BodyWriter();
    // Rows 1-4 of the slice [true, true, null, false, true, true].
    const encoded = encodeColumn('b', bools.data[0]!.slice(3, 6), 1, 4, boolWriter)!;
    const boolBody = body(boolWriter);
    expect(encoded).toMatchObject({ kind: 'bool', length: 4, nullCount: 1 });
    expect(bytesAt(boolBody, encoded.values)).toEqual([1, 0, 0, 1]);
    expect(bytesAt(boolBody, encoded.validity)).toEqual([1, 0, 1, 1]);
    const ints = arrow.vectorFromArray([10, 11, 12, 13], new arrow.Int32()).data[0]!.slice(1, 3);
    const intColumn = encodeColumn('i', ints, 1, 2, boolWriter)!;
    expect(bytesAt(body(boolWriter), intColumn.values)).toEqual([12, 0, 0, 0, 13, 0, 0, 0]);
  });

  it('sends int64 and float64 bits unchanged, timestamps with their unit and zone, decimals as exact text', () => {
    const writer = new BodyWriter();
    const ints = encodeColumn(
      'i',
      arrow.vectorFromArray([-(2n ** 63n), 2n ** 63n - 1n], new arrow.Int64()).data[0]!,
      0,
      2,
      writer,
    )!;
    const floats = encodeColumn(
      'f',
      arrow.vectorFromArray([-0, NaN], new arrow.Float64()).data[0]!,
      0,
      2,
      writer,
    )!;
    const times = encodeColumn(
      't',
      arrow.vectorFromArray([new Date(1)], new arrow.TimestampMillisecond('Europe/Paris')).data[0]!,
      0,
      1,
      writer,
    )!;
    const decimal = arrow.makeData({
      type: new arrow.Decimal(2, 12, 128),
      length: 1,
      nullCount: 0,
      data: new Uint32Array([0xffffffff - 12344, 0xffffffff, 0xffffffff, 0xffffffff]),
    });
    const decimals = encodeColumn('d', decimal, 0, 1, writer)!;
    const all = body(writer);
    const view = new DataView(all.buffer);
    expect(view.getBigInt64(ints.values![0], true)).toBe(-(2n ** 63n));
    expect(view.getBigInt64(ints.values![0] + 8, true)).toBe(2n ** 63n - 1n);
    expect(Object.is(view.getFloat64(floats.values![0], true), -0)).toBe(true);
    expect(view.getFloat64(floats.values![0] + 8, true)).toBeNaN();
    expect(times).toMatchObject({ kind: 'timestamp', unit: 'ms', tz: 'Europe/Paris' });
    expect(Buffer.from(bytesAt(all, decimals.values)).toString()).toBe('-123.45');
    expect(encodeColumn('l', arrow.vectorFromArray([[1]]).data[0]!, 0, 1, writer)).toBeUndefined();
  });
});

describe('decodeOutput and concatData', () => {
  it('refuses an answer whose buffers do not match its row count', () => {
    const column: OutputColumn = { name: 'x', kind: 'int32', length: 3, nullCount: 0, values: [0, 8] };
    expect(() => decodeOutput(column, new Uint8Array(8), new arrow.Int32())).toThrow(
      'output column x: 8 value bytes for 3 rows of int32',
    );
    expect(() => decodeOutput({ ...column, values: [8, 12] }, new Uint8Array(16), new arrow.Int32())).toThrow(
      /outside the message body/,
    );
  });

  it('joins pieces (sliced, with and without nulls) into one column', () => {
    const a = arrow.vectorFromArray(['a', 'bb', null], new arrow.Utf8()).data[0]!.slice(1, 2);
    const b = arrow.vectorFromArray(['ccc', 'd'], new arrow.Utf8()).data[0]!;
    expect(arrow.makeVector(concatData([a, b], new arrow.Utf8())).toArray()).toEqual([
      'bb',
      null,
      'ccc',
      'd',
    ]);
    const x = arrow.vectorFromArray([1, null, 3], new arrow.Int32()).data[0]!.slice(1, 2);
    const y = arrow.vectorFromArray([4], new arrow.Int32()).data[0]!;
    expect([...arrow.makeVector(concatData([x, y], new arrow.Int32()))]).toEqual([null, 3, 4]);
    const p = arrow.vectorFromArray([true, false, true], new arrow.Bool()).data[0]!.slice(1, 2);
    const q = arrow.vectorFromArray([null, true], new arrow.Bool()).data[0]!;
    expect([...arrow.makeVector(concatData([p, q], new arrow.Bool()))]).toEqual([false, true, null, true]);
  });
});
