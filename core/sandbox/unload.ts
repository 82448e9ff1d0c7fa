/**
 * Redshift's UNLOAD, written to the S3 stand-in: the quoted query runs through a cursor (so a large result
 * never sits in memory whole), rows become Parquet (or delimited text) part files named the way Redshift
 * names them, and the prefix rules (not empty without ALLOWOVERWRITE/CLEANPATH, no file for zero rows) hold.
 */
import { gzipSync } from 'node:zlib';
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { acceptAuthorization, parseS3Url, TokenCursor } from './command-parser';
import { s3ErrorText, throwIfCancelled, type ExecContext } from './exec-context';
import type { FieldInfo } from './pg-session';
import { SandboxSqlError, translate } from './redshift-sql';
import { isTrivia, keyword, splitStatements, type Token } from './sql-lexer';
import { planUnloadColumns, rowsToBatch, type UnloadColumn } from './text-arrow';

type UnloadFormat = 'parquet' | 'csv' | 'text';

interface UnloadOptions {
  format: UnloadFormat;
  parallel: boolean;
  maxFileSize?: number;
  allowOverwrite: boolean;
  cleanPath: boolean;
  manifest: boolean;
  manifestVerbose: boolean;
  header: boolean;
  delimiter?: string;
  nullAs: string;
  addQuotes: boolean;
  gzip: boolean;
  extension?: string;
}

const FETCH_ROWS = 10_000;
const MB = 1024 * 1024;

function notEmulated(what: string): never {
  throw new SandboxSqlError(`sandbox: UNLOAD option ${what} is not emulated`);
}

function size(cursor: TokenCursor, what: string): number {
  cursor.accept('as');
  const amount = cursor.number(what);
  const unit = cursor.peekWord();
  if (unit === 'gb') {
    cursor.next();
    return amount * 1024 * MB;
  }
  if (unit === 'mb') cursor.next();
  return amount * MB;
}

function parseUnload(tokens: readonly Token[]) {
  const cursor = new TokenCursor(tokens, 'UNLOAD');
  cursor.expectWord('unload');
  if (cursor.peek()?.kind !== 'lparen') throw cursor.error("expected ('select-statement')");
  cursor.next();
  const query = cursor.string('the UNLOAD query');
  if (cursor.next().kind !== 'rparen') throw cursor.error('expected ) after the quoted query');
  cursor.expectWord('to');
  const destination = cursor.string('the UNLOAD destination');
  const options: UnloadOptions = {
    format: 'text',
    parallel: true,
    allowOverwrite: false,
    cleanPath: false,
    manifest: false,
    manifestVerbose: false,
    header: false,
    nullAs: '',
    addQuotes: false,
    gzip: false,
  };
  let authorized = false;
  while (!cursor.done) {
    if (acceptAuthorization(cursor)) {
      authorized = true;
      continue;
    }
    const word = cursor.peekWord();
    if (word === undefined) throw cursor.error(`unexpected "${cursor.peek()!.text}"`);
    cursor.next();
    switch (word) {
      case 'format': {
        cursor.accept('as');
        const format = cursor.peekWord();
        cursor.next();
        if (format === 'parquet' || format === 'csv') options.format = format;
        else notEmulated(`FORMAT ${format?.toUpperCase() ?? ''}`);
        break;
      }
      case 'parquet':
      case 'csv':
        options.format = word;
        break;
      case 'parallel': {
        const value = cursor.peekWord();
        if (['on', 'true'].includes(value ?? '')) cursor.next();
        else if (['off', 'false'].includes(value ?? '')) {
          cursor.next();
          options.parallel = false;
        }
        break;
      }
      case 'maxfilesize':
        options.maxFileSize = size(cursor, 'MAXFILESIZE');
        if (options.maxFileSize < 5 * MB || options.maxFileSize > 6.2 * 1024 * MB)
          throw new SandboxSqlError('MAXFILESIZE must be between 5 MB and 6.2 GB');
        break;
      case 'rowgroupsize':
        // Row group size shapes the Parquet file only; a documented no-op.
        size(cursor, 'ROWGROUPSIZE');
        break;
      case 'allowoverwrite':
        options.allowOverwrite = true;
        break;
      case 'cleanpath':
        options.cleanPath = true;
        break;
      case 'manifest':
        options.manifest = true;
        if (cursor.accept('verbose')) options.manifestVerbose = true;
        break;
      case 'header':
        options.header = true;
        break;
      case 'delimiter':
        cursor.accept('as');
        options.delimiter = cursor.string('DELIMITER');
        break;
      case 'null':
        cursor.accept('as');
        options.nullAs = cursor.string('NULL AS');
        break;
      case 'addquotes':
        options.addQuotes = true;
        break;
      case 'gzip':
        options.gzip = true;
        break;
      case 'extension':
        options.extension = cursor.string('EXTENSION');
        break;
      case 'encrypted':
        // Encryption at rest does not exist in memory; ENCRYPTED and KMS_KEY_ID are documented no-ops.
        cursor.accept('auto');
        break;
      case 'kms_key_id':
        cursor.string('KMS_KEY_ID');
        break;
      case 'region':
        cursor.accept('as');
        cursor.string('REGION');
        break;
      case 'partition':
        notEmulated('PARTITION BY');
        break;
      default:
        notEmulated(word.toUpperCase());
    }
  }
  if (!authorized)
    throw new SandboxSqlError(
      'sandbox: UNLOAD needs IAM_ROLE or CREDENTIALS (Redshift refuses an UNLOAD without authorization)',
    );
  if (options.allowOverwrite && options.cleanPath)
    throw new SandboxSqlError('ALLOWOVERWRITE and CLEANPATH cannot be used together');
  if (
    options.format === 'parquet' &&
    (options.header || options.delimiter || options.addQuotes || options.gzip)
  )
    throw new SandboxSqlError('HEADER, DELIMITER, ADDQUOTES and GZIP are not supported with PARQUET');
  return { query, destination, options };
}

/** The inner query's tokens, checked: one SELECT (or WITH) and no LIMIT at the outermost level. */
function innerQuery(query: string): Token[] {
  const statements = splitStatements(query);
  if (statements.length !== 1) throw new SandboxSqlError('UNLOAD needs exactly one SELECT statement');
  const tokens = statements[0]!.tokens;
  const significant = tokens.filter((t) => !isTrivia(t));
  const first = keyword(significant[0]) ?? significant[0]?.text;
  if (!['select', 'with', '('].includes(first ?? ''))
    throw new SandboxSqlError(`UNLOAD supports only SELECT statements (got ${String(first).toUpperCase()})`);
  let depth = 0;
  for (const token of significant) {
    if (token.kind === 'lparen') depth++;
    else if (token.kind === 'rparen') depth--;
    else if (depth === 0 && keyword(token) === 'limit')
      throw new SandboxSqlError(
        'Limit clause is not supported in the outermost select of an UNLOAD statement',
      );
  }
  return tokens;
}

function partName(prefix: string, index: number, options: UnloadOptions): string {
  // Redshift writes one series of files per slice; the sandbox plays a two-slice cluster.
  const base = options.parallel
    ? `${prefix}${String(index % 2).padStart(4, '0')}_part_${String(Math.floor(index / 2)).padStart(2, '0')}`
    : `${prefix}${String(index).padStart(3, '0')}`;
  const extension = options.extension
    ? `.${options.extension.replace(/^\./, '')}`
    : options.format === 'parquet'
      ? '.parquet'
      : '';
  return `${base}${extension}${options.gzip ? '.gz' : ''}`;
}

function parquetBytes(batches: RecordBatch[]): Uint8Array {
  const ipc = tableToIPC(new Table(batches), 'stream');
  const wasmTable = WasmTable.fromIPCStream(ipc);
  const properties = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build();
  return writeParquet(wasmTable, properties);
}

/** Rows as delimited text lines; with `header`, only the header line (one per part file, as Redshift writes). */
function delimitedText(
  rows: (string | null)[][],
  fields: FieldInfo[],
  options: UnloadOptions,
  header: boolean,
): string {
  const delimiter = options.delimiter ?? (options.format === 'csv' ? ',' : '|');
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  const cell = (value: string | null): string => {
    if (value === null) return options.format === 'csv' ? '' : options.nullAs;
    if (options.format === 'csv') {
      return /[",\r\n]/.test(value) || value.includes(delimiter) ? quote(value) : value;
    }
    return options.addQuotes ? `"${value}"` : value;
  };
  const lines = header
    ? [fields.map((f) => (options.format === 'csv' ? cell(f.name) : f.name)).join(delimiter)]
    : rows.map((row) => row.map(cell).join(delimiter));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Runs one UNLOAD; returns the number of rows written. */
export async function runUnload(tokens: readonly Token[], context: ExecContext): Promise<number> {
  const { query, destination, options } = parseUnload(tokens);
  const { bucket, key: prefix } = parseS3Url(destination, 'UNLOAD');
  const pgQuery = translate(innerQuery(query), context.translate);

  let existing: string[];
  try {
    existing = (await context.s3.list(bucket, prefix)).map((o) => o.key);
  } catch (error) {
    throw new SandboxSqlError(s3ErrorText(error, bucket, prefix));
  }
  if (existing.length > 0 && !options.allowOverwrite && !options.cleanPath)
    throw new SandboxSqlError(
      'Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option.',
    );

  if (options.cleanPath && existing.length > 0) {
    try {
      await context.s3.delete(bucket, existing);
    } catch (error) {
      throw new SandboxSqlError(s3ErrorText(error, bucket, prefix));
    }
  }

  const session = context.session;
  const cursorName = 'fwb_unload_cursor';
  await session.exec(`DECLARE ${cursorName} NO SCROLL CURSOR FOR ${pgQuery}`);
  const files: { key: string; bytes: number; rows: number }[] = [];
  let plan: UnloadColumn[] | undefined;
  let fields: FieldInfo[] = [];
  let total = 0;
  const rowsPerFile = Math.max(1, context.unloadRowsPerFile);
  // The current part file, built as each page arrives: Arrow batches for Parquet, text for the others.
  let batches: RecordBatch[] = [];
  let texts: string[] = [];
  let fileRows = 0;
  let fileBytes = 0;

  const flushFile = async () => {
    if (fileRows === 0) return;
    throwIfCancelled(context);
    let body: Uint8Array;
    if (options.format === 'parquet') body = parquetBytes(batches);
    else {
      const header = options.header ? delimitedText([], fields, options, true) : '';
      body = Buffer.from(header + texts.join(''), 'utf8');
      if (options.gzip) body = gzipSync(body);
    }
    const key = partName(prefix, files.length, options);
    try {
      await context.s3.put(
        bucket,
        key,
        body,
        options.format === 'parquet' ? 'application/octet-stream' : 'text/plain',
      );
    } catch (error) {
      throw new SandboxSqlError(s3ErrorText(error, bucket, key));
    }
    files.push({ key, bytes: body.length, rows: fileRows });
    batches = [];
    texts = [];
    fileRows = 0;
    fileBytes = 0;
  };

  try {
    for (;;) {
      throwIfCancelled(context);
      const page = await session.run(`FETCH FORWARD ${FETCH_ROWS} FROM ${cursorName}`);
      if (!plan) {
        fields = page.fields ?? [];
        plan = planUnloadColumns(fields, page.rows);
      }
      let offset = 0;
      while (offset < page.rows.length) {
        const slice = page.rows.slice(offset, offset + (rowsPerFile - fileRows));
        offset += slice.length;
        if (options.format === 'parquet') batches.push(rowsToBatch(plan, slice));
        else texts.push(delimitedText(slice, fields, options, false));
        fileRows += slice.length;
        if (options.maxFileSize !== undefined)
          for (const row of slice)
            for (const v of row) fileBytes += v === null ? 1 : Buffer.byteLength(v) + 1;
        if (
          fileRows >= rowsPerFile ||
          (options.maxFileSize !== undefined && fileBytes >= options.maxFileSize)
        )
          await flushFile();
      }
      total += page.rows.length;
      if (page.rows.length < FETCH_ROWS) break;
    }
    await flushFile();
  } finally {
    await session.exec(`CLOSE ${cursorName}`).catch(() => undefined);
  }

  if (options.manifest && files.length > 0) {
    const entries = files.map((f) => ({
      url: `s3://${bucket}/${f.key}`,
      meta: options.manifestVerbose
        ? { content_length: f.bytes, record_count: f.rows }
        : { content_length: f.bytes },
    }));
    const manifest: Record<string, unknown> = { entries };
    if (options.manifestVerbose) {
      manifest.schema = {
        elements: (plan ?? []).map((c) => ({ name: c.name, type: { base: String(c.type) } })),
      };
      manifest.meta = {
        content_length: files.reduce((sum, f) => sum + f.bytes, 0),
        record_count: total,
      };
    }
    await context.s3.put(
      bucket,
      `${prefix}manifest`,
      Buffer.from(JSON.stringify(manifest)),
      'application/json',
    );
  }
  return total;
}
