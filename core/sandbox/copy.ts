/**
 * Redshift's COPY from S3, carried out against the S3 stand-in: the objects under the key prefix (or listed
 * in a manifest) are read, Parquet is decoded with parquet-wasm and turned into CSV, text and CSV files are
 * normalised, and everything is loaded with PostgreSQL's COPY FROM '/dev/blob'.
 */
import { gunzipSync } from 'node:zlib';
import { tableFromIPC, type Table } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { acceptedFamilies, arrowFamily, batchToCsv, describeArrowType } from './arrow-text';
import { acceptAuthorization, parseS3Url, TokenCursor } from './command-parser';
import { s3ErrorText, throwIfCancelled, type ExecContext } from './exec-context';
import { PgError, type PgSession } from './pg-session';
import { SandboxSqlError } from './redshift-sql';
import { sqlIdent, sqlString, type Token } from './sql-lexer';

export interface TableColumn {
  name: string;
  /** pg_type.typname (`super` for the SUPER domain). */
  typname: string;
  /** format_type(), for messages. */
  display: string;
}

/** The columns of a table, in order; a Redshift-style error when the table does not exist. */
export async function tableColumns(
  session: PgSession,
  tableSql: string,
  display: string,
): Promise<TableColumn[]> {
  const found = await session.run(`SELECT to_regclass(${sqlString(tableSql)})::oid`);
  const oid = found.rows[0]?.[0];
  if (!oid) throw new PgError(`relation "${display}" does not exist`, '42P01', undefined);
  const result = await session.run(
    `SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a ` +
      `JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = ${oid} AND a.attnum > 0 AND NOT a.attisdropped ` +
      `ORDER BY a.attnum`,
  );
  return result.rows.map((r) => ({ name: r[0]!, typname: r[1]!, display: r[2]!.toUpperCase() }));
}

type DataFormat = 'parquet' | 'csv' | 'text';

interface CopyOptions {
  format: DataFormat;
  delimiter?: string;
  quote: string;
  ignoreHeader: number;
  nullAs?: string;
  emptyAsNull: boolean;
  gzip: boolean;
  manifest: boolean;
  serializeToJson: boolean;
  escape: boolean;
}

const CHAR_TYPES = new Set(['varchar', 'bpchar', 'text']);
const ACCEPTED_TIME_FORMATS = new Set([
  'auto',
  'yyyy-mm-dd hh:mi:ss',
  'yyyy-mm-ddthh:mi:ss',
  'yyyy-mm-dd hh24:mi:ss',
]);

function notEmulated(what: string): never {
  throw new SandboxSqlError(`sandbox: COPY option ${what} is not emulated`);
}

function parseCopy(tokens: readonly Token[]) {
  const cursor = new TokenCursor(tokens, 'COPY');
  cursor.expectWord('copy');
  const table = cursor.qualifiedName();
  const columns = cursor.peek()?.kind === 'lparen' ? cursor.nameList() : undefined;
  cursor.expectWord('from');
  const source = cursor.string('the COPY source');
  const options: CopyOptions = {
    format: 'text',
    quote: '"',
    ignoreHeader: 0,
    emptyAsNull: false,
    gzip: false,
    manifest: false,
    serializeToJson: false,
    escape: false,
  };
  let authorized = false;
  while (!cursor.done) {
    if (cursor.peek()?.kind === 'comma') {
      cursor.next();
      continue;
    }
    if (acceptAuthorization(cursor)) {
      authorized = true;
      continue;
    }
    const word = cursor.peekWord();
    if (word === undefined) throw cursor.error(`unexpected "${cursor.peek()!.text}"`);
    cursor.next();
    switch (word) {
      case 'format':
        cursor.accept('as');
        options.format = dataFormat(cursor.peekWord());
        cursor.next();
        if (options.format === 'csv') acceptQuote(cursor, options);
        break;
      case 'parquet':
        options.format = 'parquet';
        break;
      case 'csv':
        options.format = 'csv';
        acceptQuote(cursor, options);
        break;
      case 'delimiter':
        cursor.accept('as');
        options.delimiter = cursor.string('DELIMITER');
        break;
      case 'ignoreheader':
        cursor.accept('as');
        options.ignoreHeader = cursor.number('IGNOREHEADER');
        break;
      case 'null':
        cursor.accept('as');
        options.nullAs = cursor.string('NULL AS');
        break;
      case 'emptyasnull':
        options.emptyAsNull = true;
        break;
      case 'timeformat':
      case 'dateformat': {
        cursor.accept('as');
        const format = cursor.string(word.toUpperCase()).toLowerCase();
        if (!ACCEPTED_TIME_FORMATS.has(format) && format !== 'yyyy-mm-dd')
          notEmulated(`${word.toUpperCase()} '${format}' (only 'auto' and ISO formats are)`);
        break;
      }
      case 'gzip':
        options.gzip = true;
        break;
      case 'manifest':
        options.manifest = true;
        break;
      case 'serializetojson':
        options.serializeToJson = true;
        break;
      case 'escape':
        options.escape = true;
        break;
      case 'region':
        // The sandbox has one region; accepted as a documented no-op.
        cursor.accept('as');
        cursor.string('REGION');
        break;
      case 'compupdate':
      case 'statupdate':
        // Compression and statistics updates are physical; documented no-ops.
        if (['on', 'off', 'true', 'false', 'preset'].includes(cursor.peekWord() ?? '')) cursor.next();
        break;
      case 'acceptinvchars':
        cursor.accept('as');
        if (cursor.peek()?.kind === 'string') cursor.next();
        break;
      case 'encoding':
        cursor.accept('as');
        if (!['utf8', 'utf-8'].includes((cursor.peekWord() ?? cursor.peek()?.text ?? '').toLowerCase()))
          notEmulated('ENCODING other than UTF8');
        cursor.next();
        break;
      case 'maxerror':
        cursor.accept('as');
        if (cursor.number('MAXERROR') !== 0) notEmulated('MAXERROR above 0');
        break;
      case 'json':
      case 'avro':
      case 'orc':
      case 'fixedwidth':
      case 'shapefile':
        notEmulated(`FORMAT ${word.toUpperCase()}`);
        break;
      default:
        notEmulated(word.toUpperCase());
    }
  }
  if (!authorized)
    throw new SandboxSqlError(
      'sandbox: COPY needs IAM_ROLE or CREDENTIALS (Redshift refuses a COPY without authorization)',
    );
  if (
    options.format === 'parquet' &&
    (options.delimiter || options.ignoreHeader || options.nullAs !== undefined)
  )
    throw new SandboxSqlError('DELIMITER, IGNOREHEADER and NULL AS are not supported for PARQUET');
  return { table, columns, source, options };
}

function dataFormat(word: string | undefined): DataFormat {
  if (word === 'parquet') return 'parquet';
  if (word === 'csv') return 'csv';
  return notEmulated(`FORMAT ${word?.toUpperCase() ?? ''}`);
}

function acceptQuote(cursor: TokenCursor, options: CopyOptions): void {
  if (cursor.accept('quote')) {
    cursor.accept('as');
    options.quote = cursor.string('QUOTE');
  }
}

interface SourceObject {
  bucket: string;
  key: string;
}

async function sourceObjects(context: ExecContext, url: string, manifest: boolean): Promise<SourceObject[]> {
  const { bucket, key } = parseS3Url(url, 'COPY');
  if (manifest) {
    let text: string;
    try {
      text = Buffer.from(await context.s3.get(bucket, key)).toString('utf8');
    } catch (error) {
      throw new SandboxSqlError(s3ErrorText(error, bucket, key));
    }
    let entries: { url?: unknown; mandatory?: unknown }[];
    try {
      entries = (JSON.parse(text) as { entries: { url?: unknown; mandatory?: unknown }[] }).entries;
      if (!Array.isArray(entries)) throw new Error('no entries');
    } catch {
      throw new SandboxSqlError(
        `Manifest file s3://${bucket}/${key} is not valid JSON with an "entries" array`,
      );
    }
    const out: SourceObject[] = [];
    for (const entry of entries) {
      const target = parseS3Url(String(entry.url), 'COPY');
      const exists = (await context.s3.list(target.bucket, target.key)).some((o) => o.key === target.key);
      if (exists) out.push(target);
      else if (entry.mandatory === true)
        throw new SandboxSqlError(
          `Manifest file is invalid: s3://${target.bucket}/${target.key} does not exist`,
        );
    }
    return out;
  }
  let listed: { key: string; size: number }[];
  try {
    listed = await context.s3.list(bucket, key);
  } catch (error) {
    throw new SandboxSqlError(s3ErrorText(error, bucket, key));
  }
  // Redshift loads every object whose key starts with the prefix; "folder" markers carry no data.
  const objects = listed
    .filter((o) => !(o.key.endsWith('/') && o.size === 0))
    .map((o) => ({ bucket, key: o.key }));
  if (objects.length === 0) throw new SandboxSqlError(`The specified S3 prefix '${key}' does not exist`);
  return objects;
}

async function readObject(context: ExecContext, object: SourceObject, gzip: boolean): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await context.s3.get(object.bucket, object.key);
  } catch (error) {
    throw new SandboxSqlError(s3ErrorText(error, object.bucket, object.key));
  }
  if (!gzip) return bytes;
  try {
    return gunzipSync(bytes);
  } catch {
    throw new SandboxSqlError(`gzip: s3://${object.bucket}/${object.key} is not a gzip file`);
  }
}

/** Runs one COPY statement; returns the number of rows loaded. */
export async function runCopy(tokens: readonly Token[], context: ExecContext): Promise<number> {
  const { table, columns, source, options } = parseCopy(tokens);
  const display = table.parts.join('.');
  const target = await tableColumns(context.session, table.sql, display);
  const byName = new Map(target.map((c) => [c.name, c]));
  const listed = columns?.map((name) => {
    const column = byName.get(name);
    if (!column)
      throw new PgError(`column "${name}" of relation "${display}" does not exist`, '42703', undefined);
    return column;
  });
  const objects = await sourceObjects(context, source, options.manifest);
  let rows = 0;
  for (const object of objects) {
    throwIfCancelled(context);
    const bytes = await readObject(context, object, options.gzip);
    if (options.format === 'parquet')
      rows += await copyParquet(context, table.sql, display, target, listed, object, bytes, options);
    else rows += await copyDelimited(context, table.sql, display, target, listed, object, bytes, options);
  }
  return rows;
}

/** Parquet bytes -> Arrow table, with Redshift's wording when the file is not Parquet. */
export function readParquetTable(bytes: Uint8Array, where: string): Table {
  try {
    return tableFromIPC(readParquet(bytes).intoIPCStream());
  } catch (error) {
    throw new SandboxSqlError(
      `Spectrum Scan Error. File '${where}' is not a valid Parquet file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function copyParquet(
  context: ExecContext,
  tableSql: string,
  display: string,
  target: TableColumn[],
  listed: TableColumn[] | undefined,
  object: SourceObject,
  bytes: Uint8Array,
  options: CopyOptions,
): Promise<number> {
  const where = `s3://${object.bucket}/${object.key}`;
  const data = readParquetTable(bytes, where);
  const fileFields = data.schema.fields;
  let pairs: { index: number; column: TableColumn }[];
  if (listed && context.copyColumnListMapping === 'name') {
    pairs = listed.map((column) => {
      const index = fileFields.findIndex((f) => f.name.toLowerCase() === column.name);
      if (index < 0)
        throw new SandboxSqlError(
          `Spectrum Scan Error. Column '${column.name}' of the column list is not in file '${where}' (its columns: ${fileFields.map((f) => f.name).join(', ')})`,
        );
      return { index, column };
    });
  } else if (listed) {
    if (listed.length !== fileFields.length)
      throw new SandboxSqlError(
        'Spectrum Scan Error. Unmatched number of columns between the column list and the file',
      );
    pairs = listed.map((column, index) => ({ index, column }));
  } else {
    if (target.length !== fileFields.length)
      throw new SandboxSqlError(
        `Spectrum Scan Error. error: Spectrum Scan Error code: 15007 context: Unmatched number of columns between table and file. Table columns: ${target.length}, Data columns: ${fileFields.length}, File name: ${where}`,
      );
    pairs = target.map((column, index) => ({ index, column }));
  }
  for (const { index, column } of pairs) {
    const field = fileFields[index]!;
    if (column.typname === 'super' && !options.serializeToJson)
      throw new SandboxSqlError('SUPER column in COPY query requires SERIALIZETOJSON option');
    if (!acceptedFamilies(column.typname).includes(arrowFamily(field.type)))
      throw new SandboxSqlError(
        `Spectrum Scan Error. File '${where}' has an incompatible Parquet schema for column '${where}.${column.name}'. Column type: ${column.display}, Parquet schema: ${field.name} ${describeArrowType(field.type)}`,
      );
  }
  return loadArrow(context.session, tableSql, display, data, pairs, () => throwIfCancelled(context), where);
}

/** Loads record batches into a table through CSV blobs of a few MB. */
export async function loadArrow(
  session: PgSession,
  tableSql: string,
  display: string,
  data: Table,
  pairs: { index: number; column: TableColumn }[],
  checkpoint: () => void,
  where: string,
): Promise<number> {
  const copySql = `COPY ${tableSql} (${pairs.map((p) => sqlIdent(p.column.name)).join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`;
  const spec = pairs.map((p) => ({ index: p.index, asJson: p.column.typname === 'super' }));
  let rows = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = async () => {
    if (pendingLength === 0) return;
    try {
      rows += await session.copyFromBlob(copySql, pending.join(''));
    } catch (error) {
      throw loadFailed(error, display, where);
    }
    pending = [];
    pendingLength = 0;
  };
  for (const batch of data.batches) {
    checkpoint();
    let csv: string;
    try {
      csv = batchToCsv(batch, spec);
    } catch (error) {
      throw loadFailed(error, display, where);
    }
    pending.push(csv);
    pendingLength += csv.length;
    if (pendingLength > 16 * 1024 * 1024) await flush();
  }
  await flush();
  return rows;
}

function loadFailed(error: unknown, display: string, where: string): SandboxSqlError {
  const reason = error instanceof Error ? error.message : String(error);
  // Redshift points at stl_load_errors; the sandbox has no such table, so the reason goes in the message.
  return new SandboxSqlError(`Load into table '${display}' failed. ${where}: ${reason}`);
}

async function copyDelimited(
  context: ExecContext,
  tableSql: string,
  display: string,
  target: TableColumn[],
  listed: TableColumn[] | undefined,
  object: SourceObject,
  bytes: Uint8Array,
  options: CopyOptions,
): Promise<number> {
  const where = `s3://${object.bucket}/${object.key}`;
  const columns = listed ?? target;
  let text = Buffer.from(bytes).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  for (let i = 0; i < options.ignoreHeader; i++) {
    const newline = text.indexOf('\n');
    text = newline < 0 ? '' : text.slice(newline + 1);
  }
  if (text.trim() === '') return 0;
  const names = columns.map((c) => sqlIdent(c.name)).join(', ');
  if (options.format === 'csv') {
    const charColumns = columns.filter((c) => CHAR_TYPES.has(c.typname)).map((c) => sqlIdent(c.name));
    const otherColumns = columns.filter((c) => !CHAR_TYPES.has(c.typname)).map((c) => sqlIdent(c.name));
    // Redshift: empty fields load NULL for non-character columns, and '' for character ones unless EMPTYASNULL.
    const forceNull = options.emptyAsNull ? [...otherColumns, ...charColumns] : otherColumns;
    const forceNotNull = options.emptyAsNull ? [] : charColumns;
    const settings = [
      'FORMAT csv',
      `DELIMITER ${sqlString(options.delimiter ?? ',')}`,
      `QUOTE ${sqlString(options.quote)}`,
      `NULL ${sqlString(options.nullAs ?? '')}`,
      ...(forceNull.length ? [`FORCE_NULL (${forceNull.join(', ')})`] : []),
      ...(forceNotNull.length ? [`FORCE_NOT_NULL (${forceNotNull.join(', ')})`] : []),
    ];
    try {
      return await context.session.copyFromBlob(
        `COPY ${tableSql} (${names}) FROM '/dev/blob' WITH (${settings.join(', ')})`,
        text,
      );
    } catch (error) {
      throw loadFailed(error, display, where);
    }
  }
  const csv = delimitedTextToCsv(text, columns, options, where);
  try {
    return await context.session.copyFromBlob(
      `COPY ${tableSql} (${names}) FROM '/dev/blob' WITH (FORMAT csv)`,
      csv,
    );
  } catch (error) {
    throw loadFailed(error, display, where);
  }
}

/**
 * Redshift's default text format (fields split on DELIMITER, '|' by default; `\N` is NULL; backslashes are
 * data unless ESCAPE) -> CSV that PostgreSQL reads the same way.
 */
export function delimitedTextToCsv(
  text: string,
  columns: TableColumn[],
  options: CopyOptions,
  where: string,
): string {
  const delimiter = options.delimiter ?? '|';
  const nullAs = options.nullAs ?? '\\N';
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((rawLine, lineIndex) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const fields: string[] = [];
    if (options.escape) {
      let current = '';
      for (let i = 0; i < line.length; i++) {
        if (line[i] === '\\' && i + 1 < line.length) current += line[++i];
        else if (line.startsWith(delimiter, i)) {
          fields.push(current);
          current = '';
          i += delimiter.length - 1;
        } else current += line[i];
      }
      fields.push(current);
    } else fields.push(...line.split(delimiter));
    if (fields.length !== columns.length)
      throw new SandboxSqlError(
        `Load into table failed. ${where} line ${lineIndex + 1 + options.ignoreHeader}: ${fields.length < columns.length ? 'Delimiter not found' : 'Extra column(s) found'}`,
      );
    out.push(
      fields
        .map((value, i) => {
          if (value === nullAs) return '';
          if (value === '' && (options.emptyAsNull || !CHAR_TYPES.has(columns[i]!.typname))) return '';
          return `"${value.replaceAll('"', '""')}"`;
        })
        .join(','),
    );
  });
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
