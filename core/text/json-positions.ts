/**
 * JSON parsing that remembers where every value starts, so a problem found later (an unknown action in a
 * policy, a field of the wrong type in a registry dump) can point at a line and column. JSON.parse gives no
 * positions for values and, across Node versions, no reliable position for syntax errors either.
 * Columns count UTF-16 code units, as Monaco does.
 */

import { WorkbenchError } from '../contract/errors';

/** A 1-based line and column, plus the 0-based character offset, of a place in a JSON text. */
export interface JsonLocation {
  line: number;
  column: number;
  offset: number;
}

export interface PositionedJson {
  value: unknown;
  /** Where the value at a JSON path (`$.Statement[1].Resource[0]`) starts; undefined for unknown paths. */
  locate(path: string): JsonLocation | undefined;
  /** Object keys written twice; JSON.parse keeps the last, and so do we. */
  duplicateKeys: { path: string; location: JsonLocation }[];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends an object key or array index to a JSON path, in the `$.a[0]["odd key"]` notation. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** Refusing deeper nesting keeps the recursion bounded (no real policy or registry dump comes close). */
const MAX_DEPTH = 256;

/** Thrown while scanning: the reason and the character offset. */
class ScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A JSON syntax error with its position; `message` is the reason alone. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly location: JsonLocation,
  ) {
    super(reason);
    this.name = 'JsonSyntaxError';
  }
}

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'end of file';
  if (ch === '\n') return 'a line break';
  if (ch === '\t') return 'a tab';
  const code = ch.charCodeAt(0);
  if (code < 0x20) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${ch}'`;
}

/** Parses JSON text, remembering where every value starts; syntax errors throw {@link JsonSyntaxError}. */
export function parseJson(text: string): PositionedJson {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const toLocation = (offset: number): JsonLocation => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1, offset };
  };

  const starts = new Map<string, number>();
  const duplicateKeys: { path: string; location: JsonLocation }[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (message: string, at = pos): never => {
    throw new ScanError(message, at);
  };
  const skipWhitespace = () => {
    while (pos < text.length) {
      const ch = text[pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') pos++;
      else break;
    }
  };
  const expectWord = (word: string, value: unknown): unknown => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail(`unexpected ${describeChar(text[pos])} where a value was expected`);
  };

  const parseString = (): string => {
    const open = pos;
    pos++; // opening quote
    let out = '';
    let runStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string (missing closing ")', open);
      const ch = text[pos] as string;
      const code = ch.charCodeAt(0);
      if (ch === '"') {
        out += text.slice(runStart, pos);
        pos++;
        return out;
      }
      if (code < 0x20) fail(`${describeChar(ch)} inside a string; write it as an escape such as \\n`);
      if (ch !== '\\') {
        pos++;
        continue;
      }
      out += text.slice(runStart, pos);
      const esc = text[pos + 1];
      switch (esc) {
        case '"':
        case '\\':
        case '/':
          out += esc;
          pos += 2;
          break;
        case 'b':
          out += '\b';
          pos += 2;
          break;
        case 'f':
          out += '\f';
          pos += 2;
          break;
        case 'n':
          out += '\n';
          pos += 2;
          break;
        case 'r':
          out += '\r';
          pos += 2;
          break;
        case 't':
          out += '\t';
          pos += 2;
          break;
        case 'u': {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape: expected four hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
          break;
        }
        default:
          fail(`invalid escape \\${esc ?? ''} in a string`);
      }
      runStart = pos;
    }
  };

  const parseNumber = (): number => {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400));
    if (!match || match[0] === '-') return fail(`invalid number starting with ${describeChar(text[pos])}`);
    pos += match[0].length;
    return Number(match[0]);
  };

  const parseValue = (path: string, depth: number): unknown => {
    skipWhitespace();
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    starts.set(path, pos);
    const ch = text[pos];
    if (ch === '{') return parseObject(path, depth);
    if (ch === '[') return parseArray(path, depth);
    if (ch === '"') return parseString();
    if (ch === 't') return expectWord('true', true);
    if (ch === 'f') return expectWord('false', false);
    if (ch === 'n') return expectWord('null', null);
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return parseNumber();
    if (ch === "'") return fail('strings must use double quotes ("), not single quotes (\')');
    return fail(`unexpected ${describeChar(ch)} where a value was expected`);
  };

  const parseObject = (path: string, depth: number): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    pos++; // {
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return result;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') {
        if (text[pos] === '}') fail('trailing comma before }');
        fail(`expected a property name in double quotes, found ${describeChar(text[pos])}`);
      }
      const keyAt = pos;
      const key = parseString();
      skipWhitespace();
      if (text[pos] !== ':')
        fail(`expected ':' after the property name "${key}", found ${describeChar(text[pos])}`);
      pos++;
      const childPath = jsonPath(path, key);
      if (Object.prototype.hasOwnProperty.call(result, key)) {
        duplicateKeys.push({ path: childPath, location: toLocation(keyAt) });
      }
      const value = parseValue(childPath, depth + 1);
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      skipWhitespace();
      const next = text[pos];
      if (next === ',') {
        pos++;
        continue;
      }
      if (next === '}') {
        pos++;
        return result;
      }
      fail(`expected ',' or '}' after the value of "${key}", found ${describeChar(next)}`);
    }
  };

  const parseArray = (path: string, depth: number): unknown[] => {
    const result: unknown[] = [];
    pos++; // [
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return result;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] === ']') fail('trailing comma before ]');
      result.push(parseValue(jsonPath(path, result.length), depth + 1));
      skipWhitespace();
      const next = text[pos];
      if (next === ',') {
        pos++;
        continue;
      }
      if (next === ']') {
        pos++;
        return result;
      }
      fail(`expected ',' or ']' after an array element, found ${describeChar(next)}`);
    }
  };

  try {
    skipWhitespace();
    if (pos >= text.length) fail('the file is empty; expected a JSON document');
    const value = parseValue('$', 0);
    skipWhitespace();
    if (pos < text.length) fail(`unexpected ${describeChar(text[pos])} after the end of the JSON document`);
    return {
      value,
      duplicateKeys,
      locate(path: string) {
        const offset = starts.get(path);
        return offset === undefined ? undefined : toLocation(offset);
      },
    };
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    throw new JsonSyntaxError(error.message, toLocation(Math.min(error.offset, text.length)));
  }
}

/** {@link parseJson} for a file the user gave: syntax errors become InputInvalid with the file's position. */
export function parseJsonWithPositions(text: string, file: string): PositionedJson {
  try {
    return parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new WorkbenchError({
      kind: 'InputInvalid',
      file,
      line: error.location.line,
      column: error.location.column,
      reason: `invalid JSON: ${error.reason}`,
    });
  }
}
