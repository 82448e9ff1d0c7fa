/** SQL text helpers shared by everything that writes Redshift SQL. */

/** Quotes an identifier for Redshift and PostgreSQL: wrapped in double quotes, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('an SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`, or just `"table"` when no schema is given. */
export function quoteQualified(...parts: (string | undefined)[]): string {
  return parts
    .filter((part): part is string => part !== undefined && part !== '')
    .map(quoteIdent)
    .join('.');
}

/**
 * Quotes a string literal. Redshift treats a backslash in a literal as an escape character, so backslashes are
 * doubled as well as single quotes; the result means the same text on Redshift.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('an SQL string literal cannot contain a NUL character');
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** Size of SQL text as the Data API counts it: UTF-8 bytes. */
export function sqlBytes(sql: string): number {
  return Buffer.byteLength(sql, 'utf8');
}

/** `"alias"."column"`. */
export function qualifiedColumn(alias: string, column: string): string {
  return `${quoteIdent(alias)}.${quoteIdent(column)}`;
}
