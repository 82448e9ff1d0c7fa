/**
 * The data folder: every .csv and .parquet file becomes a table public.<file name, lower case> with column
 * types inferred from the data (CSV) or taken from the Arrow schema (Parquet), loaded at start-up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { WorkbenchError } from '../contract/errors';
import type { PgSession } from './pg-session';
import { sqlIdent } from './sql-lexer';

export interface CsvCell {
  value: string;
  quoted: boolean;
}

/** RFC 4180 CSV -> rows of cells with their line numbers; errors carry the position. */
export function parseCsv(text: string, file: string): { line: number; cells: CsvCell[] }[] {
  const rows: { line: number; cells: CsvCell[] }[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const rowLine = line;
    const cells: CsvCell[] = [];
    for (;;) {
      let value = '';
      let quoted = false;
      if (text[i] === '"') {
        quoted = true;
        const openLine = line;
        const openColumn = i - text.lastIndexOf('\n', i - 1);
        i++;
        for (;;) {
          if (i >= n)
            throw new WorkbenchError({
              kind: 'InputInvalid',
              file,
              line: openLine,
              column: openColumn,
              reason: 'unterminated quoted field',
            });
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            if (c === '\n') line++;
            value += c;
            i++;
          }
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
          throw new WorkbenchError({
            kind: 'InputInvalid',
            file,
            line,
            column: i - text.lastIndexOf('\n', i - 1),
            reason: 'unexpected character after a closing quote',
          });
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
      }
      cells.push({ value, quoted });
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    if (!(cells.length === 1 && cells[0]!.value === '' && !cells[0]!.quoted))
      rows.push({ line: rowLine, cells });
  }
  return rows;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const NAIVE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const AWARE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The column type Redshift DDL would use for these CSV values (empty cells are NULL). */
export function inferCsvType(values: readonly string[]): string {
  const present = values.filter((v) => v !== '');
  if (present.length === 0) return 'VARCHAR(256)';
  const all = (test: (v: string) => boolean) => present.every(test);
  if (all((v) => INTEGER.test(v) && BigInt(v) >= INT64_MIN && BigInt(v) <= INT64_MAX)) return 'BIGINT';
  if (all((v) => DECIMAL.test(v))) return 'DOUBLE PRECISION';
  if (all((v) => /^(true|false)$/i.test(v))) return 'BOOLEAN';
  if (all((v) => DATE.test(v) && validDate(v))) return 'DATE';
  if (all((v) => (NAIVE_TIMESTAMP.test(v) || DATE.test(v)) && validDate(v))) return 'TIMESTAMP';
  if (all((v) => (AWARE_TIMESTAMP.test(v) || NAIVE_TIMESTAMP.test(v) || DATE.test(v)) && validDate(v)))
    return 'TIMESTAMPTZ';
  const longest = Math.max(...present.map((v) => Buffer.byteLength(v)));
  return `VARCHAR(${Math.max(1, longest)})`;
}

function validDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Redshift folds unquoted identifiers to lower case; file and column names follow suit. */
export function tableNameFor(file: string): string {
  return file.slice(0, file.length - extname(file).length).toLowerCase();
}

export async function loadCsvFile(session: PgSession, path: string, file: string): Promise<string> {
  let text = readFileSync(path, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = parseCsv(text, path);
  if (rows.length === 0)
    throw new WorkbenchError({
      kind: 'InputInvalid',
      file: path,
      line: 1,
      reason: 'the file has no header row',
    });
  const header = rows[0]!.cells.map((c) => c.value.trim().toLowerCase());
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '')
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: path,
        line: 1,
        reason: `column ${index + 1} has no name`,
      });
    if (seen.has(name))
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: path,
        line: 1,
        reason: `column name "${name}" appears twice`,
      });
    seen.add(name);
  });
  const body = rows.slice(1);
  for (const row of body) {
    if (row.cells.length !== header.length)
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: path,
        line: row.line,
        reason: `expected ${header.length} fields, found ${row.cells.length}`,
      });
  }
  const types = header.map((_, c) => inferCsvType(body.map((row) => row.cells[c]!.value)));
  const table = `public.${sqlIdent(tableNameFor(file))}`;
  await session.exec(
    `CREATE TABLE ${table} (${header.map((h, i) => `${sqlIdent(h)} ${types[i]}`).join(', ')})`,
  );
  const csv = body
    .map((row) =>
      row.cells.map((cell) => (cell.value === '' ? '' : `"${cell.value.replaceAll('"', '""')}"`)).join(','),
    )
    .join('\n');
  if (csv.length > 0) {
    try {
      await session.copyFromBlob(`COPY ${table} FROM '/dev/blob' WITH (FORMAT csv, NULL '')`, `${csv}\n`);
    } catch (error) {
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: path,
        reason: `could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return table;
}

/** Loads every .csv and .parquet file of the folder (not recursive); returns the tables created. */
export async function loadDataFolder(session: PgSession, dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    throw new WorkbenchError({
      kind: 'NotFound',
      what: 'data folder',
      name: dir,
      hint: error instanceof Error ? error.message : undefined,
    });
  }
  const tables: string[] = [];
  const names = new Map<string, string>();
  for (const file of entries) {
    const extension = extname(file).toLowerCase();
    if (extension !== '.csv' && extension !== '.parquet') continue;
    const name = tableNameFor(file);
    const clash = names.get(name);
    if (clash)
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: join(dir, file),
        reason: `both ${clash} and ${file} would become table public.${name}`,
      });
    names.set(name, file);
    const path = join(dir, file);
    await session.exec('BEGIN');
    try {
      if (extension === '.csv') tables.push(await loadCsvFile(session, path, file));
      else {
        // Arrow and parquet-wasm load only when the folder has Parquet files.
        const { loadParquetFile } = await import('./data-folder-parquet');
        tables.push(await loadParquetFile(session, path, tableNameFor(file)));
      }
      await session.exec('COMMIT');
    } catch (error) {
      await session.exec('ROLLBACK');
      if (error instanceof WorkbenchError) throw error;
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: path,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return tables;
}
