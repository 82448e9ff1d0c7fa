import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader, WireWriter } from './wire';

function written(build: (w: WireWriter) => void): Uint8Array {
  const writer = new WireWriter();
  build(writer);
  return writer.finish();
}

describe('varints', () => {
  it('encode protobuf style, negatives as ten bytes', () => {
    expect(written((w) => w.uint(300))).toEqual(new Uint8Array([0xac, 0x02]));
    expect(written((w) => w.bigUint(-1n))).toEqual(new Uint8Array([...new Array(9).fill(0xff), 0x01]));
    expect(written((w) => w.tag(12, WIRE_LEN))).toEqual(new Uint8Array([0x62]));
  });

  it('read back int32 values, including negatives, and 64-bit values exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), (value) => {
        const reader = new WireReader(written((w) => w.bigUint(BigInt(value))));
        expect(reader.readInt32()).toEqual({ value, nonZero: value !== 0 });
        expect(reader.pos).toBe(reader.bytes.length);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value) => {
        expect(new WireReader(written((w) => w.bigUint(value))).readBigUint()).toBe(value);
      }),
    );
    expect(new WireReader(written((w) => w.uint(2 ** 53 - 1))).readUint()).toBe(2 ** 53 - 1);
  });

  it('tells a bool set only in high bits from false', () => {
    expect(new WireReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).readInt32()).toEqual({
      value: 0,
      nonZero: true,
    });
  });

  it('throw WireError with the start offset when truncated', () => {
    const reader = new WireReader(new Uint8Array([0x08, 0x80]));
    reader.pos = 1;
    expect(() => reader.readUint()).toThrow(new WireError('truncated varint', 1));
  });
});

describe('strings', () => {
  it('round-trip ASCII, long and non-ASCII text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 8 })),
        (text) => {
          expect(new WireReader(written((w) => w.string(text))).readString()).toBe(text);
        },
      ),
    );
    const long = 'Zürich → 東京 😀 '.repeat(10);
    expect(new WireReader(written((w) => w.string(long))).readString()).toBe(long);
  });

  it('reject invalid UTF-8, short or long', () => {
    for (const payload of [[0xff], [0x61, 0xc3], [...new Array(70).fill(0x61), 0xed, 0xa0, 0x80]]) {
      const bytes = new Uint8Array([payload.length, ...payload]);
      expect(() => new WireReader(bytes).readString()).toThrow(/not valid UTF-8/);
    }
  });

  it('stop at the limit of the enclosing message', () => {
    const reader = new WireReader(new Uint8Array([0x03, 0x61, 0x62, 0x63]));
    reader.limit = 3;
    expect(() => reader.readString()).toThrow(/announces 3 bytes but 2 remain/);
  });
});

describe('skip', () => {
  it('skips each wire type and refuses a mismatched group end', () => {
    const bytes = written((w) => {
      w.tag(1, WIRE_VARINT);
      w.uint(5);
    });
    const reader = new WireReader(bytes);
    const tag = reader.readTag();
    reader.skip(tag.wireType, tag.fieldNumber);
    expect(reader.pos).toBe(bytes.length);
    // start group 1 ... end group 2
    expect(() => {
      const r = new WireReader(new Uint8Array([0x0b, 0x14]));
      const t = r.readTag();
      r.skip(t.wireType, t.fieldNumber);
    }).toThrow(/end of group 2 inside group 1/);
  });
});
