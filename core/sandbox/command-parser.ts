/** A cursor over the significant tokens of a COPY or UNLOAD statement, and the pieces both share. */
import { SandboxSqlError } from './redshift-sql';
import { isTrivia, keyword, quotedIdentValue, sqlIdent, stringValue, type Token } from './sql-lexer';

export class TokenCursor {
  private readonly tokens: Token[];
  private at = 0;

  constructor(
    tokens: readonly Token[],
    private readonly command: string,
  ) {
    this.tokens = tokens.filter((t) => !isTrivia(t));
  }

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  peekWord(offset = 0): string | undefined {
    return keyword(this.peek(offset));
  }

  next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw this.error('unexpected end of statement');
    return token;
  }

  /** Consumes the words if they come next (all of them), e.g. accept('format', 'as'). */
  accept(...words: string[]): boolean {
    if (words.every((w, i) => this.peekWord(i) === w)) {
      this.at += words.length;
      return true;
    }
    return false;
  }

  expectWord(word: string): void {
    if (!this.accept(word))
      throw this.error(`expected ${word.toUpperCase()} near "${this.peek()?.text ?? 'end'}"`);
  }

  /** A string literal's value (Redshift literal rules). */
  string(what: string): string {
    const token = this.peek();
    if (token?.kind !== 'string') throw this.error(`${what} must be a quoted string`);
    this.at++;
    return stringValue(token);
  }

  number(what: string): number {
    const token = this.peek();
    if (token?.kind !== 'number') throw this.error(`${what} must be a number`);
    this.at++;
    return Number(token.text);
  }

  /** A possibly qualified name (`schema.table`), folded to lower case as Redshift does. */
  qualifiedName(): { parts: string[]; sql: string } {
    const parts: string[] = [this.identifier()];
    while (this.peek()?.kind === 'dot') {
      this.at++;
      parts.push(this.identifier());
    }
    return { parts, sql: parts.map(sqlIdent).join('.') };
  }

  identifier(): string {
    const token = this.next();
    if (token.kind === 'word') return token.text.toLowerCase();
    if (token.kind === 'quoted-ident') return quotedIdentValue(token).toLowerCase();
    throw this.error(`expected a name near "${token.text}"`);
  }

  /** `( name, name, ... )` */
  nameList(): string[] {
    if (this.peek()?.kind !== 'lparen') throw this.error('expected a parenthesized list');
    this.at++;
    const names: string[] = [];
    for (;;) {
      names.push(this.identifier());
      const token = this.next();
      if (token.kind === 'rparen') return names;
      if (token.kind !== 'comma') throw this.error(`expected , or ) near "${token.text}"`);
    }
  }

  error(message: string): SandboxSqlError {
    return new SandboxSqlError(`syntax error in ${this.command}: ${message}`);
  }
}

/**
 * Consumes an authorization clause if one comes next (IAM_ROLE, CREDENTIALS, ACCESS_KEY_ID/SECRET_ACCESS_KEY/
 * SESSION_TOKEN). The sandbox checks no credentials, but Redshift refuses COPY and UNLOAD without them.
 */
export function acceptAuthorization(cursor: TokenCursor): boolean {
  if (cursor.accept('iam_role')) {
    if (!cursor.accept('default')) cursor.string('IAM_ROLE');
    return true;
  }
  if (cursor.accept('credentials')) {
    cursor.accept('as');
    cursor.string('CREDENTIALS');
    return true;
  }
  for (const word of ['access_key_id', 'secret_access_key', 'session_token']) {
    if (cursor.accept(word)) {
      cursor.accept('as');
      cursor.string(word.toUpperCase());
      return true;
    }
  }
  return false;
}

/** `s3://bucket/key-or-prefix` -> its parts. */
export function parseS3Url(url: string, command: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/s.exec(url);
  if (!match) throw new SandboxSqlError(`sandbox: ${command} supports only s3:// locations (got '${url}')`);
  return { bucket: match[1]!, key: match[2]! };
}
