/**
 * The Redshift Data API over HTTP: AWS JSON 1.1 (`POST /`, `X-Amz-Target: RedshiftData.<Operation>`),
 * request validation the way the service does it, and response shapes the AWS SDK parses (epoch-second
 * timestamps, the typed Field union, ColumnMetadata, NextToken paging, `__type` errors).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataApiOperation, Faults } from './faults';
import type { CatalogTable, ColumnMeta, ResultSet } from './protocol';
import { readBody } from './s3-server';
import {
  ApiError,
  isFinal,
  type ConnectionInfo,
  type Session,
  type Statement,
  type StatementService,
  type SubStatement,
} from './statements';
import type { WorkerHost } from './worker-host';

export interface DataApiContext {
  statements: StatementService;
  host: WorkerHost;
  faults: Faults;
  /** Databases that exist; undefined accepts any name (they all reach the one PostgreSQL database). */
  databases?: string[];
  /** Rows per GetStatementResult page. */
  pageRows: number;
  log?: (line: string) => void;
}

const OPERATIONS = new Set<DataApiOperation>([
  'BatchExecuteStatement',
  'CancelStatement',
  'DescribeStatement',
  'DescribeTable',
  'ExecuteStatement',
  'GetStatementResult',
  'GetStatementResultV2',
  'ListDatabases',
  'ListSchemas',
  'ListSessions',
  'ListStatements',
  'ListTables',
]);

/** The Data API caps a statement at 100 KB. */
const MAX_SQL_BYTES = 100 * 1024;
/** A page of GetStatementResult stays under this many bytes of JSON, whatever the row count. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const STATEMENT_ID = /^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$/;
const SERVER_FAULTS = new Set([
  'InternalServerException',
  'DatabaseConnectionException',
  'ExecuteStatementException',
  'BatchExecuteStatementException',
]);

type Json = Record<string, unknown>;

export function isDataApiRequest(req: IncomingMessage): boolean {
  return String(req.headers['x-amz-target'] ?? '').startsWith('RedshiftData.');
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

function sendJson(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: ApiError, requestId: string): void {
  const status = SERVER_FAULTS.has(error.type) ? 500 : error.status;
  const body = JSON.stringify({
    __type: error.type,
    message: error.message,
    Message: error.message,
    ...error.extra,
  });
  sendJson(res, status, body, requestId);
}

export async function handleDataApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: DataApiContext,
): Promise<void> {
  const requestId = randomUUID();
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.slice('RedshiftData.'.length) as DataApiOperation;
  try {
    if (req.method !== 'POST' || !OPERATIONS.has(operation)) {
      await readBody(req);
      throw new ApiError('UnknownOperationException', `Unknown operation ${target}`);
    }
    const verdict = context.faults.onRequest(operation);
    if (verdict.drop === 'before') {
      req.socket.destroy();
      return;
    }
    const raw = await readBody(req, 8 * 1024 * 1024);
    if (verdict.throttle) throw new ApiError('ThrottlingException', 'Rate exceeded');
    let input: Json;
    try {
      input = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Json);
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new Error('not an object');
    } catch {
      throw new ApiError('SerializationException', 'The request body is not valid JSON.');
    }
    const output = await perform(operation, input, context);
    if (verdict.drop === 'after') {
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, typeof output === 'string' ? output : JSON.stringify(output), requestId);
  } catch (error) {
    if (error instanceof ApiError) sendError(res, error, requestId);
    else {
      context.log?.(`data api: internal error: ${error instanceof Error ? error.stack : String(error)}`);
      sendError(
        res,
        new ApiError('InternalServerException', error instanceof Error ? error.message : String(error), 500),
        requestId,
      );
    }
  }
}

function missing(field: string): ApiError {
  return new ApiError(
    'ValidationException',
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );
}

function optionalString(input: Json, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError('ValidationException', `${field} must be a string.`);
  return value;
}

function requiredString(input: Json, field: string, apiName = field): string {
  const value = optionalString(input, field);
  if (value === undefined) throw missing(apiName);
  return value;
}

function optionalInteger(input: Json, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
    );
  return value;
}

/** The cluster / workgroup choice every SQL-running operation makes: exactly one of the two. */
function connectionOf(input: Json, needDatabase: boolean): ConnectionInfo {
  const clusterIdentifier = optionalString(input, 'ClusterIdentifier');
  const workgroupName = optionalString(input, 'WorkgroupName');
  if (clusterIdentifier && workgroupName)
    throw new ApiError('ValidationException', 'Specify either ClusterIdentifier or WorkgroupName, not both.');
  if (!clusterIdentifier && !workgroupName)
    throw new ApiError('ValidationException', 'Either ClusterIdentifier or WorkgroupName must be specified.');
  const database = optionalString(input, 'Database');
  if (needDatabase && !database) throw missing('database');
  return {
    clusterIdentifier,
    workgroupName,
    dbUser: optionalString(input, 'DbUser'),
    secretArn: optionalString(input, 'SecretArn'),
    database,
  };
}

function databaseMissing(context: DataApiContext, database: string | undefined): string | undefined {
  if (!database || !context.databases || context.databases.includes(database)) return undefined;
  return `FATAL: database "${database}" does not exist`;
}

function requireDatabase(context: DataApiContext, database: string | undefined): void {
  const problem = databaseMissing(context, database);
  if (problem)
    throw new ApiError('DatabaseConnectionException', `Database connection failed: ${problem}`, 500);
}

function statementId(input: Json): string {
  const id = requiredString(input, 'Id', 'id');
  if (!STATEMENT_ID.test(id))
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${id}' at 'id' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d+)?`,
    );
  return id;
}

function waitSeconds(input: Json): number {
  return optionalInteger(input, 'WaitTimeSeconds', 0, 30) ?? 0;
}

function parametersOf(input: Json): { name: string; value: string }[] | undefined {
  const raw = input.Parameters;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ApiError('ValidationException', 'Parameters must be a non-empty list of {name, value}.');
  return raw.map((p: unknown) => {
    const entry = p as Json;
    if (typeof entry?.name !== 'string' || typeof entry.value !== 'string')
      throw new ApiError('ValidationException', 'Each parameter needs a string name and a string value.');
    return { name: entry.name, value: entry.value };
  });
}

function resultFormatOf(input: Json): 'JSON' | 'CSV' {
  const format = optionalString(input, 'ResultFormat') ?? 'JSON';
  if (format !== 'JSON' && format !== 'CSV')
    throw new ApiError(
      'ValidationException',
      `Value '${format}' at 'resultFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, CSV]`,
    );
  return format;
}

function checkSql(sql: string): void {
  if (sql.trim() === '') throw new ApiError('ValidationException', 'The SQL statement is empty.');
  if (Buffer.byteLength(sql) > MAX_SQL_BYTES)
    throw new ApiError('ValidationException', 'Cannot process a SQL statement larger than 100 KB.');
}

async function perform(
  operation: DataApiOperation,
  input: Json,
  context: DataApiContext,
): Promise<Json | string> {
  switch (operation) {
    case 'ExecuteStatement':
    case 'BatchExecuteStatement':
      return execute(operation, input, context);
    case 'DescribeStatement': {
      const { statement, sub } = context.statements.find(statementId(input));
      await context.statements.waitFor(statement, waitSeconds(input));
      return sub ? describeSub(statement, sub) : describe(statement);
    }
    case 'CancelStatement':
      context.statements.cancel(statementId(input));
      return { Status: true };
    case 'GetStatementResult':
    case 'GetStatementResultV2':
      return result(operation, input, context);
    case 'DescribeTable':
      return describeTable(input, context);
    case 'ListSchemas': {
      const connection = connectionOf(input, true);
      requireDatabase(context, connection.database);
      const schemas = await context.host.catalog<string[]>({
        op: 'schemas',
        pattern: optionalString(input, 'SchemaPattern'),
      });
      return page(schemas, input, 'Schemas', 1000);
    }
    case 'ListTables': {
      const connection = connectionOf(input, true);
      requireDatabase(context, connection.database);
      const tables = await context.host.catalog<CatalogTable[]>({
        op: 'tables',
        schemaPattern: optionalString(input, 'SchemaPattern'),
        tablePattern: optionalString(input, 'TablePattern'),
      });
      return page(tables, input, 'Tables', 1000);
    }
    case 'ListDatabases': {
      connectionOf(input, true);
      const names = context.databases ?? [...new Set(['dev', optionalString(input, 'Database')!])];
      return page(names, input, 'Databases', 1000);
    }
    case 'ListStatements':
      return listStatements(input, context);
    case 'ListSessions':
      return listSessions(input, context);
  }
}

async function execute(
  operation: 'ExecuteStatement' | 'BatchExecuteStatement',
  input: Json,
  context: DataApiContext,
): Promise<Json> {
  const batch = operation === 'BatchExecuteStatement';
  let sqls: string[];
  if (batch) {
    const raw = input.Sqls;
    if (raw === undefined || raw === null) throw missing('sqls');
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > 40 || raw.some((s) => typeof s !== 'string'))
      throw new ApiError('ValidationException', 'Sqls must be a list of 1 to 40 SQL strings.');
    sqls = raw as string[];
  } else sqls = [requiredString(input, 'Sql', 'sql')];
  sqls.forEach(checkSql);
  const sessionId = optionalString(input, 'SessionId');
  const connection: ConnectionInfo = sessionId ? {} : connectionOf(input, true);
  const executionMode = optionalString(input, 'ExecutionMode');
  if (executionMode !== undefined && (!batch || !['TRANSACTION', 'AUTO_COMMIT'].includes(executionMode)))
    throw new ApiError(
      'ValidationException',
      'ExecutionMode must be TRANSACTION or AUTO_COMMIT, on BatchExecuteStatement only.',
    );
  const wait = waitSeconds(input);
  const { statement, session } = context.statements.submit({
    sqls,
    batch,
    connection,
    resultFormat: resultFormatOf(input),
    executionMode: executionMode as 'TRANSACTION' | 'AUTO_COMMIT' | undefined,
    statementName: optionalString(input, 'StatementName'),
    parameters: parametersOf(input),
    sessionId,
    sessionKeepAliveSeconds: optionalInteger(input, 'SessionKeepAliveSeconds', 0, 86_400),
    clientToken: optionalString(input, 'ClientToken'),
    connectFailure: databaseMissing(context, connection.database),
  });
  await context.statements.waitFor(statement, wait);
  return stripUndefined({
    Id: statement.id,
    CreatedAt: epochSeconds(statement.createdAt),
    ClusterIdentifier: statement.connection.clusterIdentifier,
    WorkgroupName: statement.connection.workgroupName,
    Database: statement.connection.database,
    DbUser: statement.connection.dbUser,
    SecretArn: statement.connection.secretArn,
    SessionId: session?.id,
    Status: statement.status,
    RedshiftPid: statement.pid,
    ...(isFinal(statement.status)
      ? { HasResultSet: statement.subs.some((s) => s.result !== undefined) }
      : {}),
  });
}

function stripUndefined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function durationNs(startedAt: number | undefined, endedAt: number | undefined): number {
  if (startedAt === undefined) return 0;
  return Math.round(((endedAt ?? Date.now()) - startedAt) * 1_000_000);
}

function subFields(sub: SubStatement): Json {
  return stripUndefined({
    Id: sub.id,
    Status: sub.status,
    Error: sub.error,
    QueryString: sub.sql,
    CreatedAt: epochSeconds(sub.createdAt),
    UpdatedAt: epochSeconds(sub.updatedAt),
    Duration: durationNs(sub.startedAt, sub.endedAt),
    HasResultSet: isFinal(sub.status) ? sub.result !== undefined : false,
    ResultRows: sub.resultRows,
    ResultSize: sub.resultSize,
    RedshiftQueryId: sub.queryId,
  });
}

function describeSub(statement: Statement, sub: SubStatement): Json {
  return stripUndefined({
    ...connectionFields(statement),
    ...subFields(sub),
    RedshiftPid: statement.pid,
    ResultFormat: statement.resultFormat,
    SessionId: statement.sessionId,
  });
}

function connectionFields(statement: Statement): Json {
  return {
    ClusterIdentifier: statement.connection.clusterIdentifier,
    WorkgroupName: statement.connection.workgroupName,
    Database: statement.connection.database,
    DbUser: statement.connection.dbUser,
    SecretArn: statement.connection.secretArn,
  };
}

function describe(statement: Statement): Json {
  const subs = statement.subs;
  const started = subs.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
  const ended = subs.map((s) => s.endedAt).filter((t): t is number => t !== undefined);
  const final = isFinal(statement.status);
  const single = statement.batch ? undefined : subs[0]!;
  return stripUndefined({
    Id: statement.id,
    ...connectionFields(statement),
    Status: statement.status,
    Error: statement.error,
    QueryString: single ? single.sql : subs.map((s) => s.sql).join(';\n'),
    CreatedAt: epochSeconds(statement.createdAt),
    UpdatedAt: epochSeconds(statement.updatedAt),
    Duration: durationNs(
      started.length ? Math.min(...started) : undefined,
      final && ended.length ? Math.max(...ended) : undefined,
    ),
    HasResultSet: final ? subs.some((s) => s.result !== undefined) : false,
    ResultRows: final
      ? single
        ? single.resultRows
        : subs.reduce((sum, s) => sum + Math.max(0, s.resultRows), 0)
      : -1,
    ResultSize: final
      ? single
        ? single.resultSize
        : subs.reduce((sum, s) => sum + Math.max(0, s.resultSize), 0)
      : -1,
    RedshiftPid: statement.pid,
    RedshiftQueryId: statement.queryId,
    QueryParameters: statement.parameters,
    ResultFormat: statement.resultFormat,
    SessionId: statement.sessionId,
    ExecutionMode: statement.batch ? (statement.executionMode ?? 'TRANSACTION') : undefined,
    SubStatements: statement.batch ? subs.map(subFields) : undefined,
  });
}

function encodeToken(payload: Json): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function decodeToken(token: string): Json {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object') return value as Json;
  } catch {
    // fall through
  }
  throw new ApiError('ValidationException', 'The NextToken is not valid.');
}

/** A page of a simple list, with NextToken carrying the offset. */
function page<T>(items: T[], input: Json, key: string, defaultMax: number): Json {
  const max = optionalInteger(input, 'MaxResults', 0, 1000) || defaultMax;
  const token = optionalString(input, 'NextToken');
  const offset = token ? Number(decodeToken(token).o) : 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new ApiError('ValidationException', 'The NextToken is not valid.');
  const slice = items.slice(offset, offset + max);
  const next = offset + slice.length < items.length ? encodeToken({ o: offset + slice.length }) : undefined;
  return stripUndefined({ [key]: slice, NextToken: next });
}

async function describeTable(input: Json, context: DataApiContext): Promise<Json> {
  const connection = connectionOf(input, true);
  requireDatabase(context, connection.database);
  const schema = optionalString(input, 'Schema');
  const table = optionalString(input, 'Table');
  const described = await context.host.catalog<{ tableName: string; columns: ColumnMeta[] }>({
    op: 'columns',
    schema,
    table,
  });
  const paged = page(described.columns.map(columnMetadata), input, 'ColumnList', 1000);
  return stripUndefined({ TableName: table ? described.tableName : undefined, ...paged });
}

export function columnMetadata(column: ColumnMeta): Json {
  return stripUndefined({
    isCaseSensitive: column.isCaseSensitive,
    isCurrency: column.isCurrency,
    isSigned: column.isSigned,
    label: column.label,
    length: column.length,
    name: column.name,
    nullable: column.nullable,
    precision: column.precision,
    scale: column.scale,
    schemaName: column.schemaName,
    tableName: column.tableName,
    typeName: column.typeName,
    columnDefault: column.columnDefault,
  });
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** One Field of the union as JSON text; long values keep every digit on the wire, as AWS sends them. */
export function fieldJson(column: ColumnMeta, value: string | null): string {
  if (value === null) return '{"isNull":true}';
  switch (column.valueKind) {
    case 'long':
      return /^-?\d+$/.test(value)
        ? `{"longValue":${value.replace(/^(-?)0+(?=\d)/, '$1')}}`
        : `{"stringValue":${JSON.stringify(value)}}`;
    case 'double':
      if (JSON_NUMBER.test(value)) return `{"doubleValue":${value}}`;
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity')
        return `{"doubleValue":"${value}"}`;
      return `{"doubleValue":${JSON.stringify(Number(value))}}`;
    case 'boolean':
      return `{"booleanValue":${value === 't' || value === 'true'}}`;
    default:
      return `{"stringValue":${JSON.stringify(value)}}`;
  }
}

function csvCell(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function result(
  operation: 'GetStatementResult' | 'GetStatementResultV2',
  input: Json,
  context: DataApiContext,
): Promise<string> | string {
  const id = statementId(input);
  const { statement, sub } = context.statements.find(id);
  if (statement.batch && !sub)
    throw new ApiError(
      'ValidationException',
      'BatchExecuteStatement result can only be retrieved with sub-statement id.',
    );
  const target = sub ?? statement.subs[0]!;
  const render = (): string => {
    if (target.status !== 'FINISHED' || !target.result)
      throw new ApiError(
        'ResourceNotFoundException',
        'Query does not have result. Please check query status with DescribeStatement.',
        400,
        {
          ResourceId: id,
        },
      );
    const v2 = operation === 'GetStatementResultV2';
    if (v2 && statement.resultFormat !== 'CSV')
      throw new ApiError(
        'ValidationException',
        'The statement was run with ResultFormat JSON; fetch its result with GetStatementResult.',
      );
    if (!v2 && statement.resultFormat !== 'JSON')
      throw new ApiError(
        'ValidationException',
        'The statement was run with ResultFormat CSV; fetch its result with GetStatementResultV2.',
      );
    return renderPage(target.result, id, optionalString(input, 'NextToken'), context.pageRows, v2);
  };
  const wait = waitSeconds(input);
  if (wait > 0 && !isFinal(target.status)) return context.statements.waitFor(statement, wait).then(render);
  return render();
}

function renderPage(
  resultSet: ResultSet,
  id: string,
  token: string | undefined,
  pageRows: number,
  csv: boolean,
): string {
  let offset = 0;
  if (token !== undefined) {
    const decoded = decodeToken(token);
    if (decoded.id !== id || !Number.isInteger(decoded.o))
      throw new ApiError('ValidationException', 'The NextToken is not valid.');
    offset = decoded.o as number;
  }
  const { columns, rows } = resultSet;
  const parts: string[] = [];
  let bytes = 0;
  let end = offset;
  if (csv && offset === 0) {
    const header = `${columns.map((c) => csvCell(c.name)).join(',')}\n`;
    parts.push(header);
    bytes += header.length;
  }
  while (end < rows.length && end - offset < pageRows && (end === offset || bytes < MAX_PAGE_BYTES)) {
    const row = rows[end]!;
    const text = csv
      ? `${row.map(csvCell).join(',')}\n`
      : `[${row.map((v, i) => fieldJson(columns[i]!, v)).join(',')}]`;
    parts.push(text);
    bytes += text.length;
    end++;
  }
  const next = end < rows.length ? JSON.stringify(encodeToken({ id, o: end })) : undefined;
  const metadata = JSON.stringify(columns.map(columnMetadata));
  const records = csv ? `[{"CSVRecords":${JSON.stringify(parts.join(''))}}]` : `[${parts.join(',')}]`;
  return (
    `{"Records":${records},"ColumnMetadata":${metadata},"TotalNumRows":${rows.length}` +
    (csv ? ',"ResultFormat":"CSV"' : '') +
    (next ? `,"NextToken":${next}` : '') +
    '}'
  );
}

function listStatements(input: Json, context: DataApiContext): Json {
  const status = optionalString(input, 'Status') ?? 'ALL';
  const name = optionalString(input, 'StatementName');
  const all = [...context.statements.statements.values()]
    .filter((s) => status === 'ALL' || s.status === status)
    .filter((s) => !name || s.statementName?.startsWith(name))
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((s) =>
      stripUndefined({
        Id: s.id,
        QueryString: s.batch ? undefined : s.subs[0]!.sql,
        QueryStrings: s.batch ? s.subs.map((sub) => sub.sql) : undefined,
        Status: s.status,
        StatementName: s.statementName,
        CreatedAt: epochSeconds(s.createdAt),
        UpdatedAt: epochSeconds(s.updatedAt),
        QueryParameters: s.parameters,
        IsBatchStatement: s.batch,
        ResultFormat: s.resultFormat,
        SessionId: s.sessionId,
        SecretArn: s.connection.secretArn,
      }),
    );
  return page(all, input, 'Statements', 100);
}

function listSessions(input: Json, context: DataApiContext): Json {
  const wanted = optionalString(input, 'SessionId');
  const status = optionalString(input, 'Status');
  const sessionStatus = (s: Session) => (s.closed ? 'CLOSED' : s.busyWith ? 'BUSY' : 'AVAILABLE');
  const sessions = [...context.statements.sessions.values()]
    .filter((s) => (wanted ? s.id === wanted : status ? sessionStatus(s) === status : !s.closed))
    .map((s) =>
      stripUndefined({
        SessionId: s.id,
        Status: sessionStatus(s),
        CreatedAt: epochSeconds(s.createdAt),
        UpdatedAt: epochSeconds(s.updatedAt),
        Database: s.connection.database,
        DbUser: s.connection.dbUser,
        ClusterIdentifier: s.connection.clusterIdentifier,
        WorkgroupName: s.connection.workgroupName,
        SessionAliveSeconds: s.keepAliveSeconds,
        SessionTtl: s.expiresAt !== undefined ? epochSeconds(s.expiresAt) : undefined,
        CurrentStatementId: s.busyWith,
      }),
    );
  return page(sessions, input, 'Sessions', 100);
}
