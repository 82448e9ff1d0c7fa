/**
 * A strict JSON (RFC 8259) parser that remembers where every value starts, so mistakes in a registry dump can
 * be reported by line and column. JSON.parse gives neither for values and, across Node versions, not reliably
 * for syntax errors either.
 */

export interface TextPosition {
  line: number;
  column: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly position: TextPosition,
  ) {
    super(`line ${position.line}, column ${position.column}: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface ParsedJson {
  value: unknown;
  /** Where the value stored under `key` of an object or array (from this parse) starts. */
  positionOf(container: object, key: string | number): TextPosition | undefined;
  /** Where an object or array (from this parse) starts. */
  positionOfValue(value: object): TextPosition | undefined;
}

const MAX_NESTING = 1000;

/** Line and column (1-based, columns in code points) of a UTF-16 offset. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      line++;
      column = 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < offset) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      column++;
    } else if (code !== 0x0d || text.charCodeAt(i + 1) !== 0x0a) {
      column++;
    }
  }
  return { line, column };
}

export function parseJsonWithPositions(text: string): ParsedJson {
  const childOffsets = new WeakMap<object, Map<string | number, number>>();
  const ownOffsets = new WeakMap<object, number>();
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (reason: string, at = pos): never => {
    throw new JsonSyntaxError(reason, at, positionAt(text, at));
  };

  const describe = (at: number): string =>
    at >= text.length ? 'end of input' : `'${String.fromCodePoint(text.codePointAt(at) as number)}'`;

  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string (escape it)');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(chunkStart, pos);
      const escape = text[pos + 1];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
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
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
          break;
        }
        default:
          fail('invalid escape in string');
      }
      chunkStart = pos;
    }
  };

  const parseNumber = (): number => {
    const match = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    match.lastIndex = pos;
    const found = match.exec(text);
    if (!found || found[0] === '-' || found[0] === '') fail(`unexpected ${describe(pos)}`);
    const literal = (found as RegExpExecArray)[0];
    const next = text.charCodeAt(pos + literal.length);
    // "01", "1." and "1e" stop early and leave a digit, dot or letter behind.
    if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) {
      fail('invalid number', pos);
    }
    pos += literal.length;
    return Number(literal);
  };

  const parseLiteral = (word: string, value: unknown): unknown => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail(`unexpected ${describe(pos)}`);
  };

  const parseValue = (depth: number): unknown => {
    skipSpace();
    if (depth > MAX_NESTING) fail('nested too deeply');
    const c = text[pos];
    switch (c) {
      case '{': {
        const object: Record<string, unknown> = {};
        const offsets = new Map<string | number, number>();
        ownOffsets.set(object, pos);
        childOffsets.set(object, offsets);
        pos++;
        skipSpace();
        if (text[pos] === '}') {
          pos++;
          return object;
        }
        for (;;) {
          skipSpace();
          if (text[pos] !== '"') fail(`expected a property name in double quotes, found ${describe(pos)}`);
          const key = parseString();
          skipSpace();
          if (text[pos] !== ':') fail(`expected ':' after property name, found ${describe(pos)}`);
          pos++;
          skipSpace();
          offsets.set(key, pos);
          const value = parseValue(depth + 1);
          Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
          skipSpace();
          if (text[pos] === ',') {
            pos++;
            continue;
          }
          if (text[pos] === '}') {
            pos++;
            return object;
          }
          fail(`expected ',' or '}' after a property value, found ${describe(pos)}`);
        }
      }
      case '[': {
        const array: unknown[] = [];
        const offsets = new Map<string | number, number>();
        ownOffsets.set(array, pos);
        childOffsets.set(array, offsets);
        pos++;
        skipSpace();
        if (text[pos] === ']') {
          pos++;
          return array;
        }
        for (;;) {
          skipSpace();
          offsets.set(array.length, pos);
          array.push(parseValue(depth + 1));
          skipSpace();
          if (text[pos] === ',') {
            pos++;
            continue;
          }
          if (text[pos] === ']') {
            pos++;
            return array;
          }
          fail(`expected ',' or ']' after an array element, found ${describe(pos)}`);
        }
      }
      case '"':
        return parseString();
      case 't':
        return parseLiteral('true', true);
      case 'f':
        return parseLiteral('false', false);
      case 'n':
        return parseLiteral('null', null);
      default:
        return parseNumber();
    }
  };

  const value = parseValue(0);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the end of the document`);

  return {
    value,
    positionOf(container, key) {
      const offset = childOffsets.get(container)?.get(key);
      return offset === undefined ? undefined : positionAt(text, offset);
    },
    positionOfValue(container) {
      const offset = ownOffsets.get(container);
      return offset === undefined ? undefined : positionAt(text, offset);
    },
  };
}
