import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, isWellFormedUtf8, lineColumnAt } from './text-position';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('firstInvalidUtf8', () => {
  it.each([
    ['a lone continuation byte', bytes(0x61, 0x80), 1],
    ['a truncated 2-byte sequence', bytes(0x61, 0xc3, 0x41), 1],
    ['a truncated sequence at the end', bytes(0x61, 0xe2, 0x82), 1],
    ['an overlong 2-byte form', bytes(0xc0, 0xaf), 0],
    ['an overlong 3-byte form', bytes(0xe0, 0x80, 0xaf), 0],
    ['a UTF-16 surrogate', bytes(0x61, 0x62, 0xed, 0xa0, 0x80), 2],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a 0xFF byte', bytes(0x61, 0xff), 1],
  ])('finds %s', (_, input, at) => {
    expect(isWellFormedUtf8(input)).toBe(false);
    expect(firstInvalidUtf8(input)).toBe(at);
  });

  it('accepts every well-formed sequence', () => {
    const text = 'a é € 𝄞 \u{10FFFF} \uFFFD';
    expect(firstInvalidUtf8(new TextEncoder().encode(text))).toBe(-1);
  });

  it('agrees with the native validator on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (input) => {
        expect(firstInvalidUtf8(input) === -1).toBe(isWellFormedUtf8(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the native validator on mostly valid text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.nat(),
        fc.integer({ min: 0x80, max: 0xff }),
        (text, at, byte) => {
          const input = new TextEncoder().encode(text);
          if (input.length > 0) input[at % input.length] = byte;
          const bad = firstInvalidUtf8(input);
          expect(bad === -1).toBe(isWellFormedUtf8(input));
          if (bad >= 0) expect(isWellFormedUtf8(input.subarray(0, bad))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('lineColumnAt', () => {
  const at = (text: string, offset: number, start = 0) =>
    lineColumnAt(new TextEncoder().encode(text), offset, start);

  it('counts LF, CRLF and lone CR as one line break each', () => {
    expect(at('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(at('ab\r\ncd', 5)).toEqual({ line: 2, column: 2 });
    expect(at('ab\rcd', 4)).toEqual({ line: 2, column: 2 });
    expect(at('a\n\r\n\rb', 5)).toEqual({ line: 4, column: 1 });
  });

  it('counts columns in UTF-16 code units', () => {
    // é is 2 bytes and 1 unit; 𝄞 is 4 bytes and 2 units.
    expect(at('é𝄞x', 6)).toEqual({ line: 1, column: 4 });
  });

  it('starts after a byte order mark', () => {
    expect(lineColumnAt(bytes(0xef, 0xbb, 0xbf, 0x61, 0x62), 4, 3)).toEqual({ line: 1, column: 2 });
  });
});
