import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { jsonPath, JsonSyntaxError, parseJson, parseJsonWithPositions } from './json-positions';

function syntaxError(text: string): { line?: number; column?: number; reason: string } {
  try {
    parseJsonWithPositions(text, 'p.json');
  } catch (error) {
    if (error instanceof WorkbenchError && error.detail.kind === 'InputInvalid') {
      expect(error.detail.file).toBe('p.json');
      return { line: error.detail.line, column: error.detail.column, reason: error.detail.reason };
    }
    throw error;
  }
  throw new Error('expected a syntax error');
}

describe('parseJsonWithPositions', () => {
  it('locates every value by JSON path, 1-based', () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": ["s3:GetObject"]}\n  ]\n}';
    const json = parseJsonWithPositions(text, 'p.json');
    expect(json.value).toEqual(JSON.parse(text));
    expect(json.locate('$')).toMatchObject({ line: 1, column: 1 });
    expect(json.locate('$.Version')).toMatchObject({ line: 2, column: 14 });
    expect(json.locate('$.Statement[0]')).toMatchObject({ line: 4, column: 5 });
    expect(json.locate('$.Statement[0].Action[0]')).toMatchObject({ line: 4, column: 36 });
    expect(json.locate('$.Nope')).toBeUndefined();
  });

  it('names odd keys with bracket notation', () => {
    expect(jsonPath('$', 'a b')).toBe('$["a b"]');
    expect(jsonPath('$.x', 3)).toBe('$.x[3]');
    const json = parseJsonWithPositions('{"a b": {"c": 1}}', 'p.json');
    expect(json.locate('$["a b"].c')).toMatchObject({ line: 1, column: 15 });
  });

  it('reports duplicate keys and keeps the last value', () => {
    const json = parseJsonWithPositions('{"Effect": "Deny",\n "Effect": "Allow"}', 'p.json');
    expect(json.value).toEqual({ Effect: 'Allow' });
    expect(json.duplicateKeys).toEqual([{ path: '$.Effect', location: { line: 2, column: 2, offset: 20 } }]);
  });

  it('treats __proto__ as an ordinary key', () => {
    const json = parseJsonWithPositions('{"__proto__": {"polluted": true}}', 'p.json');
    expect(Object.getPrototypeOf(json.value)).toBe(Object.prototype);
    expect(Object.keys(json.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts a byte order mark, escapes and numbers', () => {
    const json = parseJsonWithPositions(
      '\uFEFF{"a": "x\\u0041\\n\\"", "n": -1.5e3, "t": [true, false, null]}',
      'p.json',
    );
    expect(json.value).toEqual({ a: 'xA\n"', n: -1500, t: [true, false, null] });
  });

  it.each([
    ['', 1, 1, 'the file is empty'],
    ['{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}', 3, 24, 'trailing comma before }'],
    [
      '{\n  "Version": "2012-10-17"\n  "Statement": []\n}',
      3,
      3,
      "expected ',' or '}' after the value of \"Version\"",
    ],
    ['{"Action": "s3:GetObject', 1, 12, 'unterminated string'],
    ["{'Action': 1}", 1, 2, 'expected a property name in double quotes'],
    ['{"Action": \'s3\'}', 1, 12, 'single quotes'],
    ['[1, 2,]', 1, 7, 'trailing comma before ]'],
    ['{"a": tru}', 1, 7, "unexpected 't'"],
    ['{"a": 1} x', 1, 10, 'after the end of the JSON document'],
    ['{"a": "tab\there"}', 1, 11, 'a tab inside a string'],
    ['{"a": "\\x"}', 1, 8, 'invalid escape \\x'],
    ['{"a": 01}', 1, 8, "expected ',' or '}'"],
    ['{"a" 1}', 1, 6, "expected ':'"],
  ])('reports %j at line %i column %i', (text, line, column, reason) => {
    const error = syntaxError(text);
    expect(error).toMatchObject({ line, column });
    expect(error.reason).toContain(reason);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const error = syntaxError('['.repeat(100_000));
    expect(error.reason).toContain('nesting deeper than');
  });

  it('agrees with JSON.parse on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(parseJsonWithPositions(text, 'p.json').value).toEqual(JSON.parse(text));
      }),
    );
  });

  it('rejects what JSON.parse rejects, as JsonSyntaxError with a position', () => {
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
      '{} {}',
      '[1 2]',
      '{"a" 1}',
      '"\\u12G4"',
      'NaN',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(() => parseJson(text), text).toThrow(JsonSyntaxError);
    }
    try {
      parseJson('{\n  "a": 1,\n  "b": ]\n}');
    } catch (error) {
      expect((error as JsonSyntaxError).location).toEqual({ line: 3, column: 8, offset: 19 });
    }
  });

  it('never throws anything but InputInvalid on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          parseJsonWithPositions(text, 'p.json');
        } catch (error) {
          expect(error).toBeInstanceOf(WorkbenchError);
          expect((error as WorkbenchError).detail.kind).toBe('InputInvalid');
        }
      }),
    );
  });
});
