/**
 * Redshift SQL -> the PostgreSQL the sandbox runs. Only token-level rewrites that keep the statement's meaning:
 * identifier folding, a few function shims, the physical-design clauses Redshift accepts and PostgreSQL does
 * not, Redshift's string type defaults, Data API parameters, and session temporary tables. Anything Redshift
 * has that is not emulated fails with a SandboxSqlError naming it; nothing is silently dropped except the
 * documented no-op clauses (DISTSTYLE, DISTKEY, SORTKEY, ENCODE, BACKUP).
 */
import { isTrivia, keyword, quotedIdentValue, sqlIdent, sqlString, type Token } from './sql-lexer';

/** An error in the Redshift SQL the sandbox was given; the message reads like a Redshift error. */
export class SandboxSqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxSqlError';
  }
}

export type StatementKind = 'copy' | 'unload' | 'vacuum' | 'begin' | 'commit' | 'rollback' | 'sql';

/** Redshift functions with no emulation; calling one fails with a message that names it. */
const NOT_EMULATED_FUNCTIONS = new Set([
  'listagg',
  'convert_timezone',
  'median',
  'decode',
  'strtol',
  'ratio_to_report',
  'months_between',
  'is_valid_json',
  'is_valid_json_array',
  'json_array_length',
  'json_extract_array_element_text',
  'json_serialize',
  'hll',
  'hll_create_sketch',
  'st_geomfromtext',
  'pg_last_copy_count',
  'pg_last_query_id',
  'pg_last_unload_count',
]);

/** Redshift string types that take a length, and what PostgreSQL spells them as. */
const LENGTH_TYPES: Record<string, string> = {
  varchar: 'varchar',
  nvarchar: 'varchar',
  text: 'varchar',
  bpchar: 'char',
};

/** Type names Redshift has and the sandbox does not. */
const NOT_EMULATED_TYPES = new Set(['varbyte', 'varbinary', 'binary', 'geometry', 'geography', 'hllsketch']);

/** Functions whose first argument Redshift writes as a bare date part (`DATEADD(day, 1, ts)`). */
const DATEPART_FUNCTIONS = new Set(['dateadd', 'datediff', 'date_part', 'datepart']);

export function classify(tokens: readonly Token[]): StatementKind {
  const words = tokens.filter((t) => !isTrivia(t));
  const first = keyword(words[0]);
  const second = keyword(words[1]);
  switch (first) {
    case 'copy':
      return 'copy';
    case 'unload':
      return 'unload';
    case 'vacuum':
      return 'vacuum';
    case 'begin':
      return 'begin';
    case 'start':
      return second === 'transaction' ? 'begin' : 'sql';
    case 'commit':
    case 'end':
      return 'commit';
    case 'rollback':
    case 'abort':
      return 'rollback';
    default:
      return 'sql';
  }
}

export interface TranslateOptions {
  /** Schema that stands in for the temporary schema of a Data API session (see statement execution). */
  sessionSchema?: string;
  /** Data API `Parameters` by name; `:name` in the SQL becomes the value as a string literal. */
  parameters?: ReadonlyMap<string, string>;
}

/** Rewrites one Redshift statement (its tokens, trivia included) into PostgreSQL text. */
export function translate(tokens: readonly Token[], options: TranslateOptions = {}): string {
  const t = new TokenEditor(tokens);
  rejectUnsupportedStatements(t);
  foldQuotedIdentifiers(t);
  substituteParameters(t, options.parameters);
  rewriteFunctionsAndKeywords(t);
  rewriteTableDefinition(t, options.sessionSchema);
  return t.text();
}

class TokenEditor {
  /** Indexes (into `tokens`) of the significant tokens, in order. */
  readonly sig: number[] = [];
  private readonly replaced = new Map<number, string>();

  constructor(readonly tokens: readonly Token[]) {
    tokens.forEach((token, i) => {
      if (!isTrivia(token)) this.sig.push(i);
    });
  }

  /** The k-th significant token. */
  at(k: number): Token | undefined {
    const i = this.sig[k];
    return i === undefined ? undefined : this.tokens[i];
  }

  word(k: number): string | undefined {
    return keyword(this.at(k));
  }

  replace(k: number, text: string): void {
    this.replaced.set(this.sig[k]!, text);
  }

  /** Blanks significant tokens from..to and the whitespace between them. */
  removeRange(from: number, to: number): void {
    for (let i = this.sig[from]!; i <= this.sig[to]!; i++) this.replaced.set(i, '');
  }

  current(k: number): string {
    const i = this.sig[k]!;
    return this.replaced.get(i) ?? this.tokens[i]!.text;
  }

  /** Index of the significant token closing the parenthesis opened at k. */
  matchingParen(k: number): number {
    let depth = 0;
    for (let j = k; j < this.sig.length; j++) {
      const kind = this.at(j)!.kind;
      if (kind === 'lparen') depth++;
      else if (kind === 'rparen' && --depth === 0) return j;
    }
    throw new SandboxSqlError('syntax error: unbalanced parentheses');
  }

  text(): string {
    return this.tokens.map((token, i) => this.replaced.get(i) ?? token.text).join('');
  }
}

function notEmulated(what: string): never {
  throw new SandboxSqlError(`sandbox: Redshift's ${what} is not emulated`);
}

function rejectUnsupportedStatements(t: TokenEditor): void {
  const first = t.word(0);
  const second = t.word(1);
  if (first === 'create' && ['external', 'library', 'model', 'datashare'].includes(second ?? ''))
    notEmulated(`CREATE ${second!.toUpperCase()}`);
  if (first === 'alter' && second === 'table') {
    for (let k = 2; k < t.sig.length; k++) if (t.word(k) === 'append') notEmulated('ALTER TABLE APPEND');
  }
}

/** Redshift folds identifiers to lower case even when they are quoted (enable_case_sensitive_identifier off). */
function foldQuotedIdentifiers(t: TokenEditor): void {
  for (let k = 0; k < t.sig.length; k++) {
    const token = t.at(k)!;
    if (token.kind === 'quoted-ident') t.replace(k, sqlIdent(quotedIdentValue(token).toLowerCase()));
  }
}

function substituteParameters(t: TokenEditor, parameters: ReadonlyMap<string, string> | undefined): void {
  if (!parameters) return;
  for (let k = 0; k < t.sig.length; k++) {
    const token = t.at(k)!;
    if (token.kind !== 'param') continue;
    const name = token.text.slice(1);
    const value = parameters.get(name);
    if (value === undefined) throw new SandboxSqlError(`no value was given for parameter :${name}`);
    t.replace(k, sqlString(value));
  }
}

function rewriteFunctionsAndKeywords(t: TokenEditor): void {
  for (let k = 0; k < t.sig.length; k++) {
    const token = t.at(k)!;
    if (token.kind === 'operator' && token.text.endsWith('#')) {
      const next = t.at(k + 1);
      if (next && next.kind === 'word' && next.start === token.start + token.text.length)
        notEmulated(`#${next.text} temporary table name`);
    }
    if (token.kind !== 'word') continue;
    const word = token.text.toLowerCase();
    const qualified = t.at(k - 1)?.kind === 'dot';
    const isCall = t.at(k + 1)?.kind === 'lparen';
    if (qualified) continue;
    if (isCall) {
      if (NOT_EMULATED_FUNCTIONS.has(word)) notEmulated(`${word.toUpperCase()} function`);
      if (word === 'datepart') t.replace(k, 'date_part');
      if (DATEPART_FUNCTIONS.has(word)) {
        const part = t.at(k + 2);
        if (part?.kind === 'word' && t.at(k + 3)?.kind === 'comma')
          t.replace(k + 2, sqlString(part.text.toLowerCase()));
      }
      if (word === 'varchar' || word === 'nvarchar') {
        if (t.word(k + 2) === 'max' && t.at(k + 3)?.kind === 'rparen') t.replace(k + 2, '65535');
        if (word === 'nvarchar') t.replace(k, 'varchar');
      }
    } else {
      if (word === 'sysdate') t.replace(k, 'localtimestamp');
      if (word === 'approximate' && ['count', 'percentile_disc'].includes(t.word(k + 1) ?? ''))
        notEmulated('APPROXIMATE');
      if (word === 'top' && ['select', 'distinct', 'all'].includes(t.word(k - 1) ?? ''))
        notEmulated('SELECT TOP');
    }
    if (NOT_EMULATED_TYPES.has(word) && isTypePosition(t, k)) notEmulated(`${word.toUpperCase()} type`);
  }
}

/** A word right after `::` or `AS` inside CAST, or the second word of a column definition, names a type. */
function isTypePosition(t: TokenEditor, k: number): boolean {
  const before = t.at(k - 1);
  return (before?.kind === 'operator' && before.text === '::') || keyword(before) === 'as';
}

const TEMP_WORDS = new Set(['temp', 'temporary']);
const CONSTRAINT_WORDS = new Set([
  'constraint',
  'primary',
  'unique',
  'foreign',
  'check',
  'like',
  'distkey',
  'sortkey',
  'compound',
  'interleaved',
  'exclude',
]);

/** CREATE TABLE and ALTER TABLE: Redshift's physical clauses, column types, session temporary tables. */
function rewriteTableDefinition(t: TokenEditor, sessionSchema: string | undefined): void {
  if (t.word(0) === 'alter' && t.word(1) === 'table') {
    for (let k = 2; k < t.sig.length; k++) {
      if (t.word(k) === 'add') {
        const nameAt = t.word(k + 1) === 'column' ? k + 2 : k + 1;
        if (
          t.at(nameAt) &&
          !['constraint', 'primary', 'unique', 'foreign', 'check'].includes(t.word(nameAt)!)
        )
          rewriteColumnType(t, nameAt + 1, t.sig.length);
      }
      if (t.word(k) === 'encode') {
        t.replace(k, '');
        if (t.at(k + 1)) t.replace(k + 1, '');
      }
    }
    return;
  }
  if (t.word(0) !== 'create') return;
  let k = 1;
  if (t.word(k) === 'or' && t.word(k + 1) === 'replace') k += 2;
  const scopeAt = ['local', 'global'].includes(t.word(k) ?? '') ? k++ : undefined;
  const tempAt = TEMP_WORDS.has(t.word(k) ?? '') ? k++ : undefined;
  if (t.word(k) !== 'table') return;
  k++;
  if (t.word(k) === 'if' && t.word(k + 1) === 'not' && t.word(k + 2) === 'exists') k += 3;
  const nameAt = k;
  if (tempAt !== undefined && sessionSchema !== undefined && t.at(nameAt + 1)?.kind !== 'dot') {
    // A session's temporary tables live in the session's own schema, so they outlive the statement.
    if (scopeAt !== undefined) t.replace(scopeAt, '');
    t.replace(tempAt, '');
    t.replace(nameAt, `${sqlIdent(sessionSchema)}.${t.current(nameAt)}`);
  }
  k = t.at(nameAt + 1)?.kind === 'dot' ? nameAt + 3 : nameAt + 1;
  if (t.at(k)?.kind === 'lparen') {
    const close = t.matchingParen(k);
    rewriteColumnList(t, k + 1, close);
    k = close + 1;
  }
  // Table attributes, up to the AS of a CREATE TABLE AS.
  for (; k < t.sig.length; k++) {
    const word = t.word(k);
    if (word === 'as') break;
    k = stripPhysicalClause(t, k) ?? k;
  }
}

function rewriteColumnList(t: TokenEditor, from: number, to: number): void {
  let elementStart = from;
  let depth = 0;
  for (let k = from; k <= to; k++) {
    const kind = t.at(k)?.kind;
    if (k === to || (kind === 'comma' && depth === 0)) {
      rewriteColumnDefinition(t, elementStart, k);
      elementStart = k + 1;
      continue;
    }
    if (kind === 'lparen') depth++;
    else if (kind === 'rparen') depth--;
  }
}

function rewriteColumnDefinition(t: TokenEditor, from: number, to: number): void {
  if (from >= to) return;
  const first = t.word(from);
  if (first !== undefined && CONSTRAINT_WORDS.has(first)) {
    // Table-level DISTKEY(...) / SORTKEY(...) inside the column list.
    stripPhysicalClause(t, from);
    return;
  }
  rewriteColumnType(t, from + 1, to);
  for (let k = from + 2; k < to; k++) k = stripPhysicalClause(t, k) ?? k;
}

/** Rewrites the column type that starts at significant token k (Redshift's defaults: VARCHAR is VARCHAR(256)). */
function rewriteColumnType(t: TokenEditor, k: number, end: number): void {
  if (k >= end) return;
  const word = t.word(k);
  if (word === undefined) return;
  if (NOT_EMULATED_TYPES.has(word)) notEmulated(`${word.toUpperCase()} type`);
  const hasLength = t.at(k + 1)?.kind === 'lparen';
  if (word === 'character' || word === 'char' || word === 'nchar') {
    if (t.word(k + 1) === 'varying') {
      const lengthAt = k + 2;
      if (t.at(lengthAt)?.kind !== 'lparen') t.replace(k + 1, 'varying(256)');
      else if (t.word(lengthAt + 1) === 'max') t.replace(lengthAt + 1, '65535');
      if (word === 'nchar') t.replace(k, 'character');
    } else if (word === 'nchar') t.replace(k, 'char');
    return;
  }
  const pgName = LENGTH_TYPES[word];
  if (pgName === undefined) return;
  if (!hasLength) t.replace(k, `${pgName}(256)`);
  else {
    t.replace(k, pgName);
    if (t.word(k + 2) === 'max') t.replace(k + 2, '65535');
  }
}

/**
 * Removes one of Redshift's physical-design clauses starting at k (DISTSTYLE x, DISTKEY[(..)], [COMPOUND |
 * INTERLEAVED] SORTKEY[(..) | AUTO], ENCODE x, BACKUP YES|NO) or rewrites IDENTITY(seed, step); returns the
 * index of the clause's last token, or undefined when k starts no such clause.
 */
function stripPhysicalClause(t: TokenEditor, k: number): number | undefined {
  const word = t.word(k);
  const drop = (from: number, to: number) => {
    t.removeRange(from, to);
    return to;
  };
  switch (word) {
    case 'diststyle':
    case 'encode':
    case 'backup':
      return drop(k, k + 1);
    case 'distkey':
      return t.at(k + 1)?.kind === 'lparen' ? drop(k, t.matchingParen(k + 1)) : drop(k, k);
    case 'compound':
    case 'interleaved':
      if (t.word(k + 1) !== 'sortkey') return undefined;
      return t.at(k + 2)?.kind === 'lparen' ? drop(k, t.matchingParen(k + 2)) : drop(k, k + 1);
    case 'sortkey':
      if (t.at(k + 1)?.kind === 'lparen') return drop(k, t.matchingParen(k + 1));
      return t.word(k + 1) === 'auto' ? drop(k, k + 1) : drop(k, k);
    case 'identity': {
      if (t.at(k + 1)?.kind !== 'lparen') return undefined;
      const close = t.matchingParen(k + 1);
      const seed = t.at(k + 2);
      const step = t.at(k + 4);
      if (close !== k + 5 || seed?.kind !== 'number' || step?.kind !== 'number') return undefined;
      drop(k + 1, close);
      t.replace(k, `GENERATED BY DEFAULT AS IDENTITY (START WITH ${seed.text} INCREMENT BY ${step.text})`);
      return close;
    }
    default:
      return undefined;
  }
}
