/**
 * Writing logged features (Feast's write_logged_features) into a feature service's Redshift logging table, all
 * or nothing. See table-append.ts for the transaction.
 *
 * The logging schema is Feast's (FeatureServiceLoggingSource.get_schema): for each projection of the service,
 * its join keys (after join_key_map; for an on-demand view, the fields of its request sources instead), then
 * per feature `<view>__<feature>`, `<view>__<feature>__timestamp` and `<view>__<feature>__status`, where
 * `<view>` is the projection's alias or the view's name; then `__log_timestamp`, `__log_date` and
 * `__request_id`. A name seen twice keeps its first position and takes the later type (Feast builds a dict).
 *
 * Differences from Feast, on purpose:
 * - Each file's columns are bound to the table's BY NAME (Feast's COPY is positional, so a file whose columns
 *   come in another order loads into the wrong columns, Feast issue 2655). Files are checked against the
 *   schema first: missing, unexpected and wrong-typed columns are named, and so is the first bad value.
 * - The destination name is parsed as Redshift would read it unquoted (`schema.table`, parts folded to lower
 *   case unless double-quoted) and then written with every part quoted; an unqualified name is in `public`
 *   (Feast pastes the name verbatim into its SQL, so an unqualified table lands in the search path's schema).
 * - Strings are VARCHAR(65535), not VARCHAR(256) (Feast's `varchar`), so long values and later files with longer
 *   values still fit; VARCHAR storage does not grow with the declared length. Column names are created in
 *   lower case, as Feast's unquoted DDL creates them.
 * - An existing table is written as it is: its declared types are what values are checked against (a Feast-made
 *   VARCHAR(256) refuses longer values by row), and a column of the schema it lacks is an error.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { parquetSchema, readParquetBatches } from '../frames/parquet';
import { quoteIdent, quoteQualified } from '../plan/sql';
import type { Field, RegistryModel, ValueTypeName } from '../registry/model';
import type { Warehouse } from '../warehouse/warehouse';
import { newRunId, type RunId } from './naming';
import { ProgressReporter } from './progress';
import {
  asCancelled,
  checkBindingTypes,
  commitAppend,
  executorFor,
  removeRunObjects,
  runOptionsOf,
  StagedParts,
  stagingSchema,
  toStagingBatch,
  type ColumnBinding,
  type RejectionReporter,
  type WriteJobOptions,
} from './table-append';
import { describeTableFolded } from './write-batch';
import { ddlType, MAX_VARCHAR_BYTES, writeColumnOf, type WriteColumn, type WriteType } from './write-columns';

export const LOG_TIMESTAMP_COLUMN = '__log_timestamp';
export const LOG_DATE_COLUMN = '__log_date';
export const REQUEST_ID_COLUMN = '__request_id';

export type LoggingColumnRole =
  | 'join key'
  | 'request field'
  | 'feature'
  | 'feature timestamp'
  | 'feature status'
  | 'log timestamp'
  | 'log date'
  | 'request id';

export interface LoggingColumn {
  name: string;
  type: WriteType;
  role: LoggingColumnRole;
}

export interface TableRef {
  /** Only when the name gives one. */
  database?: string;
  schema: string;
  table: string;
}

export interface LoggingSchema {
  featureService: string;
  /** The logging destination as written in the registry. */
  destinationName: string;
  destination: TableRef;
  columns: LoggingColumn[];
}

const STRING: WriteType = { kind: 'string', maxBytes: MAX_VARCHAR_BYTES, fixed: false };
const TIMESTAMP_TZ: WriteType = { kind: 'timestamp', withTimeZone: true };
const INT32: WriteType = { kind: 'int', bits: 32 };

/** Feast's logging types (its Arrow type for each Feast type, then its Redshift DDL for that Arrow type). */
function loggedType(valueType: ValueTypeName, what: string): WriteType {
  switch (valueType) {
    case 'INT32':
      return INT32;
    case 'INT64':
      return { kind: 'int', bits: 64 };
    case 'FLOAT':
      return { kind: 'float', bits: 32 };
    case 'DOUBLE':
      return { kind: 'float', bits: 64 };
    case 'STRING':
      return STRING;
    case 'BOOL':
      return { kind: 'bool' };
    case 'UNIX_TIMESTAMP':
      // Feast logs UNIX_TIMESTAMP values as naive timestamps.
      return { kind: 'timestamp', withTimeZone: false };
    case 'INT32_LIST':
    case 'INT64_LIST':
    case 'FLOAT_LIST':
    case 'DOUBLE_LIST':
    case 'STRING_LIST':
    case 'BOOL_LIST':
      return { kind: 'super' };
    default:
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason:
          `${what} is ${valueType}, which has no column type in Feast's logging schema ` +
          '(logged types: INT32, INT64, FLOAT, DOUBLE, STRING, BOOL, UNIX_TIMESTAMP and their lists but timestamps; ' +
          'BYTES cannot be held by a Redshift VARCHAR)',
      });
  }
}

/** The logging schema of a feature service and its Redshift destination, as Feast derives them. */
export function loggingSchema(registry: RegistryModel, featureService: string): LoggingSchema {
  const service = registry.featureServices.find((s) => s.name === featureService);
  if (!service) {
    throw new WorkbenchError({
      kind: 'NotFound',
      what: 'feature service',
      name: featureService,
      hint: `the project ${registry.project} has ${registry.featureServices.map((s) => s.name).join(', ') || 'no feature services'}`,
    });
  }
  if (!service.loggingTable) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason:
        `feature service ${service.name} has no Redshift logging destination ` +
        '(logging_config=LoggingConfig(destination=RedshiftLoggingDestination(table_name=...)))',
    });
  }
  const columns = new Map<string, LoggingColumn>();
  const set = (name: string, type: WriteType, role: LoggingColumnRole) => {
    const earlier = columns.get(name);
    // As Feast's dict: the first position, the last type.
    columns.set(name, earlier ? { ...earlier, type, role } : { name, type, role });
  };
  const fieldType = (field: Field, what: string) => loggedType(field.valueType, what);
  for (const projection of service.projections) {
    const name = projection.featureViewName;
    const view = registry.featureViews.find((v) => v.name === name);
    const onDemand = view ? undefined : registry.onDemandFeatureViews.find((v) => v.name === name);
    if (!view && !onDemand) {
      throw new WorkbenchError({
        kind: 'NotFound',
        what: 'feature view',
        name,
        hint: `feature service ${service.name} uses it`,
      });
    }
    if (onDemand) {
      for (const source of onDemand.sources) {
        if (source.kind !== 'requestSource') continue;
        for (const field of source.schema) {
          set(
            field.name,
            fieldType(field, `request field ${field.name} of ${onDemand.name}`),
            'request field',
          );
        }
      }
    } else {
      for (const column of view!.entityColumns) {
        const joinKey = projection.joinKeyMap[column.name] ?? column.name;
        set(joinKey, fieldType(column, `join key ${column.name} of ${name}`), 'join key');
      }
    }
    const prefix = projection.alias || name;
    for (const feature of projection.features) {
      const base = `${prefix}__${feature.name}`;
      set(base, fieldType(feature, `feature ${name}:${feature.name}`), 'feature');
      set(`${base}__timestamp`, TIMESTAMP_TZ, 'feature timestamp');
      set(`${base}__status`, INT32, 'feature status');
    }
  }
  set(LOG_TIMESTAMP_COLUMN, TIMESTAMP_TZ, 'log timestamp');
  set(LOG_DATE_COLUMN, { kind: 'date' }, 'log date');
  set(REQUEST_ID_COLUMN, STRING, 'request id');
  const result = [...columns.values()];
  const folded = new Map<string, string>();
  for (const column of result) {
    const other = folded.get(column.name.toLowerCase());
    if (other !== undefined) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: `the logging schema of ${service.name} has columns ${other} and ${column.name}, which Redshift cannot tell apart (it folds names to lower case)`,
      });
    }
    folded.set(column.name.toLowerCase(), column.name);
  }
  return {
    featureService: service.name,
    destinationName: service.loggingTable,
    destination: parseTableName(service.loggingTable),
    columns: result,
  };
}

/**
 * A table name as Redshift reads it in SQL: `table`, `schema.table` or `database.schema.table`; unquoted parts
 * fold to lower case, double-quoted parts keep their case (`""` is a quote). No schema means `public`.
 */
export function parseTableName(text: string): TableRef {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  const fail = (why: string): never => {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `logging table name ${JSON.stringify(text)}: ${why}`,
    });
  };
  const finish = () => {
    const part = wasQuoted ? current : current.trim().toLowerCase();
    if (part === '') fail('a part of the name is empty');
    parts.push(part);
    current = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      if (current.trim() !== '' || wasQuoted) fail('a quote inside a name part');
      current = '';
      quoted = true;
      wasQuoted = true;
    } else if (c === '.') finish();
    else if (wasQuoted && c.trim() !== '') fail('text after a closing quote');
    else current += c;
  }
  if (quoted) fail('an unterminated quote');
  finish();
  if (parts.length > 3) fail('more than database.schema.table');
  const [table, schema = 'public', database] = parts.reverse() as [string, string?, string?];
  return { ...(database ? { database } : {}), schema, table };
}

/** CREATE TABLE IF NOT EXISTS for the logging schema, every name quoted and folded as Feast's DDL folds it. */
export function createLoggingTableSql(schema: LoggingSchema): string {
  const { destination } = schema;
  const definitions = schema.columns.map((c) => `${quoteIdent(c.name.toLowerCase())} ${ddlType(c.type)}`);
  return `CREATE TABLE IF NOT EXISTS ${quoteQualified(destination.schema, destination.table)} (\n  ${definitions.join(',\n  ')}\n)`;
}

/** The Parquet files to load: the file itself, or every `.parquet` file directly in a folder, by name. */
export async function loggedFeatureFiles(input: string): Promise<string[]> {
  const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new WorkbenchError(
      { kind: 'InputInvalid', file: input, reason: `cannot read it: ${error.message}` },
      { cause: error },
    );
  });
  if (!info.isDirectory()) return [input];
  const entries = await readdir(input, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.parquet'))
    .map((entry) => path.join(input, entry.name))
    .sort();
  if (files.length === 0) {
    throw new WorkbenchError({
      kind: 'InputInvalid',
      file: input,
      reason: 'the folder holds no .parquet file',
    });
  }
  return files;
}

export interface WriteLoggedFeaturesRequest {
  featureService: string;
  /** Parquet files (see {@link loggedFeatureFiles} for a folder). */
  files: string[];
}

export interface WriteLoggedFeaturesResult {
  runId: RunId;
  /** The logging table, quoted and qualified. */
  table: string;
  /** Whether this write created the table. */
  created: boolean;
  rows: number;
  files: number;
  statementId?: string;
  warnings: string[];
}

/** The columns values are written into: the existing table's (bound by name), or the schema's for a new table. */
function targetColumns(
  schema: LoggingSchema,
  existing: ReturnType<typeof writeColumnOf>[],
  qualified: string,
  warnings: string[],
): WriteColumn[] {
  if (existing.length === 0) {
    return schema.columns.map((c) => ({ name: c.name.toLowerCase(), type: c.type, nullable: true }));
  }
  const byName = new Map(existing.map((c) => [c.name.toLowerCase(), c]));
  const missing = schema.columns.filter((c) => !byName.has(c.name.toLowerCase())).map((c) => c.name);
  if (missing.length > 0) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason:
        `logging table ${qualified} exists without column(s) ${missing.join(', ')} of feature service ` +
        `${schema.featureService}'s logging schema; it was made for another version of the service ` +
        '(add the columns, or log to a new table)',
    });
  }
  const wanted = new Set(schema.columns.map((c) => c.name.toLowerCase()));
  const others = existing.filter((c) => !wanted.has(c.name.toLowerCase()));
  const required = others.filter((c) => !c.nullable);
  if (required.length > 0) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `logging table ${qualified} has NOT NULL column(s) ${required.map((c) => c.name).join(', ')} outside the logging schema, which a log cannot fill`,
    });
  }
  if (others.length > 0) {
    warnings.push(
      `${qualified} has column(s) outside the logging schema, left NULL: ${others.map((c) => c.name).join(', ')}`,
    );
  }
  return schema.columns.map((c) => byName.get(c.name.toLowerCase())!);
}

/** Binds a file's columns to the schema's by name (without regard to case); problems are named. */
function bindFile(
  file: string,
  names: string[],
  schema: LoggingSchema,
  targets: WriteColumn[],
): ColumnBinding[] {
  const positions = new Map<string, number>();
  const duplicates: string[] = [];
  names.forEach((name, i) => {
    const key = name.toLowerCase();
    if (positions.has(key)) duplicates.push(name);
    else positions.set(key, i);
  });
  const wanted = new Set(schema.columns.map((c) => c.name.toLowerCase()));
  const missing = schema.columns.filter((c) => !positions.has(c.name.toLowerCase())).map((c) => c.name);
  const extra = names.filter((name) => !wanted.has(name.toLowerCase()));
  const problems = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`not in the schema: ${extra.join(', ')}`] : []),
    ...(duplicates.length > 0
      ? [`given twice (names differing only in case): ${duplicates.join(', ')}`]
      : []),
  ];
  if (problems.length > 0) {
    throw new WorkbenchError({
      kind: 'InputInvalid',
      file,
      reason: `the columns do not match the logging schema of feature service ${schema.featureService}: ${problems.join('; ')}`,
    });
  }
  return schema.columns.map((column, k) => {
    const inputIndex = positions.get(column.name.toLowerCase())!;
    return { inputIndex, input: names[inputIndex]!, target: targets[k]! };
  });
}

/**
 * Loads logged features from Parquet files into the service's logging table in one transaction (the table is
 * created when missing, inside that transaction): every file's rows or, on any failure or a cancel, none.
 */
export async function writeLoggedFeatures(
  warehouse: Warehouse,
  registry: RegistryModel,
  request: WriteLoggedFeaturesRequest,
  options: WriteJobOptions = {},
): Promise<WriteLoggedFeaturesResult> {
  const schema = loggingSchema(registry, request.featureService);
  const { destination } = schema;
  const qualified = quoteQualified(destination.schema, destination.table);
  if (request.files.length === 0) {
    throw new WorkbenchError({ kind: 'PlanInvalid', reason: 'no Parquet file to load' });
  }
  const runId = newRunId();
  const progress = new ProgressReporter(options.onProgress);
  const runOptions = runOptionsOf(options, progress);
  const executor = executorFor(warehouse, destination.database);
  const parts = new StagedParts(warehouse, runId, 'logged-features', progress, options.signal);
  const warnings: string[] = [];
  try {
    const described = await progress.phase('plan', `reading the columns of ${qualified}`, () =>
      describeTableFolded(executor, destination.schema, destination.table, options.signal),
    );
    const existing = described.map((column) => writeColumnOf(column, qualified));
    const targets = targetColumns(schema, existing, qualified, warnings);
    const staging = stagingSchema(targets);
    for (const file of request.files) {
      const label = path.basename(file);
      const bytes = new Uint8Array(
        await readFile(file).catch((error: NodeJS.ErrnoException) => {
          throw new WorkbenchError(
            { kind: 'InputInvalid', file, reason: `cannot read the file: ${error.message}` },
            { cause: error },
          );
        }),
      );
      const batches = await progress.phase(
        'decode',
        `reading ${label} and checking it against the logging schema`,
        async () => {
          const fileSchema = parquetSchema(bytes, file);
          const bindings = bindFile(file, fileSchema.names.map(String), schema, targets);
          const reject: RejectionReporter = (rejected, binding) =>
            new WorkbenchError({
              kind: 'InputInvalid',
              file,
              reason: `column ${binding.input} (${ddlType(binding.target.type)} in ${qualified})${rejected.row === undefined ? '' : `, row ${rejected.row + 1}`}: ${rejected.reason}`,
            });
          checkBindingTypes(fileSchema, bindings, reject);
          const out: arrow.RecordBatch[] = [];
          let rowBase = 0;
          for await (const batch of readParquetBatches(bytes, { file })) {
            out.push(toStagingBatch(batch, bindings, staging, rowBase, reject));
            rowBase += batch.numRows;
          }
          return out;
        },
      );
      await parts.add(staging, batches, label);
    }
    const created = described.length === 0;
    const outcome = await commitAppend(
      {
        runId,
        executor,
        table: qualified,
        columns: targets,
        ...(created ? { before: [createLoggingTableSql(schema)] } : {}),
        parts,
        iamRole: warehouse.iamRole,
      },
      progress,
      runOptions,
    );
    return {
      runId,
      table: qualified,
      created,
      rows: outcome.rows,
      files: request.files.length,
      ...(outcome.statementId ? { statementId: outcome.statementId } : {}),
      warnings,
    };
  } catch (error) {
    throw asCancelled(error, options.signal, 'write-logged-features');
  } finally {
    await removeRunObjects(warehouse, runId, progress);
  }
}
