/**
 * A lexer for Redshift SQL text, precise enough to split statements and to rewrite a few tokens without
 * touching anything inside literals or comments. Redshift reads string literals the way PostgreSQL 8 did
 * (standard_conforming_strings off): a backslash escapes the next character and `''` is a quote.
 */

export type TokenKind =
  | 'space'
  | 'comment'
  | 'word'
  | 'quoted-ident'
  | 'string'
  | 'dollar-string'
  | 'number'
  | 'param'
  | 'positional-param'
  | 'semicolon'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'dot'
  | 'operator';

export interface Token {
  kind: TokenKind;
  /** The exact source text of the token. */
  text: string;
  /** Offset of the first character in the source. */
  start: number;
}

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?:[]{}';

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const start = i;
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      while (i < n && /\s/.test(sql[i]!)) i++;
      tokens.push({ kind: 'space', text: sql.slice(start, i), start });
    } else if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
      tokens.push({ kind: 'comment', text: sql.slice(start, i), start });
    } else if (c === '/' && next === '*') {
      // PostgreSQL block comments nest.
      let depth = 0;
      while (i < n) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth !== 0) throw new SqlSyntaxError('unterminated /* comment', start);
      tokens.push({ kind: 'comment', text: sql.slice(start, i), start });
    } else if (c === "'") {
      i = endOfString(sql, i);
      tokens.push({ kind: 'string', text: sql.slice(start, i), start });
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new SqlSyntaxError('unterminated quoted identifier', start);
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      tokens.push({ kind: 'quoted-ident', text: sql.slice(start, i), start });
    } else if (c === '$' && next !== undefined && DIGIT.test(next)) {
      i++;
      while (i < n && DIGIT.test(sql[i]!)) i++;
      tokens.push({ kind: 'positional-param', text: sql.slice(start, i), start });
    } else if (c === '$' && dollarTag(sql, i) !== undefined) {
      const tag = dollarTag(sql, i)!;
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) throw new SqlSyntaxError('unterminated dollar-quoted string', start);
      i = close + tag.length;
      tokens.push({ kind: 'dollar-string', text: sql.slice(start, i), start });
    } else if (WORD_START.test(c)) {
      i++;
      while (i < n && WORD_PART.test(sql[i]!)) i++;
      tokens.push({ kind: 'word', text: sql.slice(start, i), start });
    } else if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      while (i < n && DIGIT.test(sql[i]!)) i++;
      if (sql[i] === '.' && sql[i + 1] !== '.') {
        i++;
        while (i < n && DIGIT.test(sql[i]!)) i++;
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && /[0-9+-]/.test(sql[i + 1] ?? '')) {
        const save = i;
        i++;
        if (sql[i] === '+' || sql[i] === '-') i++;
        if (DIGIT.test(sql[i] ?? '')) while (i < n && DIGIT.test(sql[i]!)) i++;
        else i = save;
      }
      tokens.push({ kind: 'number', text: sql.slice(start, i), start });
    } else if (
      c === ':' &&
      next !== ':' &&
      sql[i - 1] !== ':' &&
      next !== undefined &&
      WORD_START.test(next)
    ) {
      i++;
      while (i < n && WORD_PART.test(sql[i]!)) i++;
      tokens.push({ kind: 'param', text: sql.slice(start, i), start });
    } else if (c === ';') {
      i++;
      tokens.push({ kind: 'semicolon', text: ';', start });
    } else if (c === '(') {
      i++;
      tokens.push({ kind: 'lparen', text: '(', start });
    } else if (c === ')') {
      i++;
      tokens.push({ kind: 'rparen', text: ')', start });
    } else if (c === ',') {
      i++;
      tokens.push({ kind: 'comma', text: ',', start });
    } else if (c === '.') {
      i++;
      tokens.push({ kind: 'dot', text: '.', start });
    } else if (OPERATOR_CHARS.includes(c)) {
      i++;
      // Keep `::` and multi-character operators together, but never swallow the start of a comment.
      while (
        i < n &&
        OPERATOR_CHARS.includes(sql[i]!) &&
        !(sql[i] === '-' && sql[i + 1] === '-') &&
        !(sql[i] === '/' && sql[i + 1] === '*') &&
        !(sql[i] === ':' && WORD_START.test(sql[i + 1] ?? '') && sql[i - 1] !== ':')
      )
        i++;
      tokens.push({ kind: 'operator', text: sql.slice(start, i), start });
    } else {
      throw new SqlSyntaxError(`unexpected character ${JSON.stringify(c)}`, start);
    }
  }
  return tokens;
}

function endOfString(sql: string, start: number): number {
  let i = start + 1;
  for (;;) {
    if (i >= sql.length) throw new SqlSyntaxError('unterminated quoted string', start);
    const c = sql[i];
    if (c === '\\') i += 2;
    else if (c === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
}

function dollarTag(sql: string, at: number): string | undefined {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(at, at + 64));
  return match ? match[0] : undefined;
}

/** True for tokens that carry no meaning (whitespace and comments). */
export function isTrivia(token: Token): boolean {
  return token.kind === 'space' || token.kind === 'comment';
}

/** The meaningful tokens, without whitespace and comments. */
export function significant(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => !isTrivia(t));
}

/** A word token's keyword form (lower case), or undefined for any other token. */
export function keyword(token: Token | undefined): string | undefined {
  return token?.kind === 'word' ? token.text.toLowerCase() : undefined;
}

export interface SqlStatement {
  /** The statement's source text without the terminating semicolon, trimmed. */
  text: string;
  tokens: Token[];
  /** Offset of the statement in the whole source text. */
  start: number;
}

/** Splits SQL text into statements on top-level semicolons; empty statements (only comments) are dropped. */
export function splitStatements(sql: string): SqlStatement[] {
  const tokens = tokenize(sql);
  const statements: SqlStatement[] = [];
  let current: Token[] = [];
  const flush = () => {
    const first = current.findIndex((t) => !isTrivia(t));
    if (first >= 0) {
      let last = current.length - 1;
      while (isTrivia(current[last]!)) last--;
      const body = current.slice(first, last + 1);
      const start = body[0]!.start;
      const end = body[body.length - 1]!.start + body[body.length - 1]!.text.length;
      statements.push({ text: sql.slice(start, end), tokens: body, start });
    }
    current = [];
  };
  for (const token of tokens) {
    if (token.kind === 'semicolon') flush();
    else current.push(token);
  }
  flush();
  return statements;
}

/**
 * The value of a string literal token, read with Redshift's rules: `''` and `\'` are a quote, `\\` a
 * backslash, and the usual C escapes (\n, \t, \r, \b, \f, octal, \x hex) are decoded.
 */
export function stringValue(token: Token): string {
  if (token.kind === 'dollar-string') {
    const tag = dollarTag(token.text, 0)!;
    return token.text.slice(tag.length, token.text.length - tag.length);
  }
  if (token.kind !== 'string') throw new Error(`not a string literal: ${token.text}`);
  const body = token.text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") {
      out += "'";
      i++; // the second quote of ''
    } else if (c === '\\') {
      const e = body[++i] ?? '';
      if (e === 'n') out += '\n';
      else if (e === 't') out += '\t';
      else if (e === 'r') out += '\r';
      else if (e === 'b') out += '\b';
      else if (e === 'f') out += '\f';
      else if (/[0-7]/.test(e)) {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) digits += body[++i];
        out += String.fromCharCode(parseInt(digits, 8));
      } else if (e === 'x' && /[0-9A-Fa-f]/.test(body[i + 1] ?? '')) {
        let digits = '';
        while (digits.length < 2 && /[0-9A-Fa-f]/.test(body[i + 1] ?? '')) digits += body[++i];
        out += String.fromCharCode(parseInt(digits, 16));
      } else out += e;
    } else out += c;
  }
  return out;
}

/** The name a quoted identifier token stands for (`"a""b"` is `a"b`). */
export function quotedIdentValue(token: Token): string {
  return token.text.slice(1, -1).replaceAll('""', '"');
}

/**
 * A string literal that reads the same whether or not the session treats backslashes as escapes (an E''
 * literal always does), so it is safe whatever the text holds.
 */
export function sqlString(value: string): string {
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** A double-quoted identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
