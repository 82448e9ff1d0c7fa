import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonWithPositions, positionAt } from './json-text';

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseJsonWithPositions', () => {
  it('parses what JSON.stringify writes, to what JSON.parse reads', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJsonWithPositions(text).value).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects what JSON.parse rejects', () => {
    const bad = [
      '',
      '{',
      '[1,]',
      '{"a":1,}',
      '01',
      '1.',
      '.5',
      '1e',
      '-',
      '+1',
      "'x'",
      '"\\x"',
      '"a\nb"',
      'tru',
      'nul',
      '{} {}',
      '[1 2]',
      '{"a" 1}',
      '"\\u12G4"',
      'NaN',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(syntaxError(text)).toBeInstanceOf(JsonSyntaxError);
    }
  });

  it('reports line and column of syntax errors', () => {
    expect(syntaxError('{\n  "a": 1,\n  "b": ]\n}').position).toEqual({ line: 3, column: 8 });
    expect(syntaxError('{\n  "a": 1\n  "b": 2\n}').message).toBe(
      "line 3, column 3: expected ',' or '}' after a property value, found '\"'",
    );
    expect(syntaxError('[1, 2').message).toBe(
      "line 1, column 6: expected ',' or ']' after an array element, found end of input",
    );
    expect(syntaxError('{"a": "unterminated}').position).toEqual({ line: 1, column: 7 });
  });

  it('remembers where each value starts', () => {
    const parsed = parseJsonWithPositions('{\n  "list": [\n    10,\n    {"x": true}\n  ]\n}');
    const root = parsed.value as { list: unknown[] };
    expect(parsed.positionOf(root, 'list')).toEqual({ line: 2, column: 11 });
    expect(parsed.positionOf(root.list, 1)).toEqual({ line: 4, column: 5 });
    expect(parsed.positionOfValue(root.list[1] as object)).toEqual({ line: 4, column: 5 });
    expect(parsed.positionOf(root.list[1] as object, 'x')).toEqual({ line: 4, column: 11 });
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const value = parseJsonWithPositions('{"__proto__": {"polluted": 1}}').value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(syntaxError('['.repeat(5000) + ']'.repeat(5000)).reason).toBe('nested too deeply');
  });
});

describe('positionAt', () => {
  it('counts code points, and CRLF as one line break', () => {
    expect(positionAt('ab\r\ncd', 5)).toEqual({ line: 2, column: 2 });
    expect(positionAt('😀x', 2)).toEqual({ line: 1, column: 2 });
  });
});
