/**
 * The Data API executor and the S3 staging client through the real AWS SDK against the sandbox: statement states,
 * polling, deadlines, cancellation, throttling, failures with their position, idempotent resubmission, result
 * paging, exact int8 values, and error mapping. Polling is checked by counting DescribeStatement calls, never by
 * measuring time.
 */

import {
  DescribeStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RepoConfig } from '../config/model';
import { describeEngineError, WorkbenchError, type EngineError } from '../contract/errors';
import { exactColumnValues } from '../frames/frame-values';
import { sandboxClientConfig, startSandbox, type Sandbox } from '../sandbox/index';
import { waitForStatement } from '../sandbox/testing';
import { createAwsClients, sandboxConnection, type AwsClients } from './clients';
import {
  DEFAULT_POLL_POLICY,
  MAX_STATEMENT_BYTES,
  RedshiftExecutor,
  type ExecutorOptions,
  type StatementEvent,
} from './executor';
import { resultPagesToArrow } from './result-arrow';
import type { RetryPolicy } from './retry';
import { S3Staging } from './s3';

const BUCKET = 'fwb-executor-test';
const PAGE_ROWS = 7;
const TEST_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

let sandbox: Sandbox;
let clients: AwsClients;
/** A plain SDK client without the workbench's middleware, to look at statements from outside. */
let raw: RedshiftDataClient;

const config = {
  repoDir: '/nowhere',
  project: 'p',
  provider: 'aws',
  registry: {
    path: 'registry.db',
    location: { kind: 'file', path: '/nowhere/registry.db' },
    format: 'protobuf',
  },
  offlineStore: {
    type: 'redshift',
    region: 'us-west-2',
    database: 'dev',
    s3StagingLocation: `s3://${BUCKET}/staging`,
    iamRole: 'arn:aws:iam::123456789012:role/r',
    target: { kind: 'cluster', clusterId: 'feast-cluster', user: 'awsuser' },
  },
  extra: {},
} satisfies RepoConfig;

beforeAll(async () => {
  sandbox = await startSandbox({ buckets: [BUCKET], resultPageRows: PAGE_ROWS });
  clients = createAwsClients(config, sandboxConnection(sandbox));
  raw = new RedshiftDataClient(sandboxClientConfig(sandbox).redshiftData);
});

afterEach(() => {
  sandbox.faults.reset();
  sandbox.faults.resetCounts();
});

afterAll(async () => {
  clients?.destroy();
  raw?.destroy();
  await sandbox?.stop();
});

function executor(options: Partial<ExecutorOptions> = {}): RedshiftExecutor {
  return new RedshiftExecutor({
    client: clients.redshiftData,
    database: 'dev',
    target: config.offlineStore.target,
    retry: TEST_RETRY,
    ...options,
  });
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkbenchError) return error.detail;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

async function tableExists(name: string): Promise<boolean> {
  const result = await sandbox.query(`SELECT 1 FROM information_schema.tables WHERE table_name = '${name}'`);
  return result.rows.length > 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('statement lifecycle', () => {
  it('reports each status change once, in order, ending FINISHED', async () => {
    // Held long enough that even a slow first poll sees it STARTED.
    sandbox.faults.delayStatements(1_000, { match: /lifecycle_marker/ });
    const events: StatementEvent[] = [];
    const outcome = await executor().execute('SELECT 1 AS lifecycle_marker', {
      label: 'lifecycle',
      onStatus: (event) => events.push(event),
    });
    const statuses = events.map((e) => e.status);
    const order = ['SUBMITTED', 'PICKED', 'STARTED', 'FINISHED'];
    expect(statuses).toContain('STARTED');
    expect(statuses.at(-1)).toBe('FINISHED');
    expect(new Set(statuses).size).toBe(statuses.length);
    expect([...statuses].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(statuses);
    for (const event of events) expect(event).toMatchObject({ statementId: outcome.id, label: 'lifecycle' });
    expect(outcome).toMatchObject({ hasResultSet: true, resultRows: 1 });
    expect(outcome.id).toMatch(UUID);
  });

  it('checks soon after submitting: more than one poll during a statement of 600 ms', async () => {
    // The default policy checks at about 50, 130, 260 and 460 ms (executor.test.ts checks the schedule on a fake
    // clock); a poller that waits a second first, as Feast's does, would make one call. The bound is loose
    // because each call's latency varies on a loaded machine.
    sandbox.faults.delayStatements(600, { match: /first_poll_marker/ });
    await executor({ poll: DEFAULT_POLL_POLICY }).execute('SELECT 1 AS first_poll_marker');
    expect(sandbox.faults.calls('DescribeStatement')).toBeGreaterThanOrEqual(2);
  });

  it('times out: TimedOut names the statement, which is cancelled and rolled back', async () => {
    sandbox.faults.delayStatements(30_000, { match: /exec_timeout_t/ });
    const error = await engineError(
      executor().execute('CREATE TABLE exec_timeout_t AS SELECT 1 AS a', {
        timeoutMs: 300,
        label: 'slow one',
      }),
    );
    expect(error).toMatchObject({ kind: 'TimedOut', operation: 'slow one' });
    const id = error.kind === 'TimedOut' ? error.statementId : undefined;
    expect(id).toMatch(UUID);
    expect(sandbox.faults.calls('CancelStatement')).toBe(1);
    expect((await waitForStatement(raw, id!)).Status).toBe('ABORTED');
    expect(await tableExists('exec_timeout_t')).toBe(false);
  });

  it('cancels when the caller aborts: CancelStatement, a Cancelled error, nothing committed', async () => {
    sandbox.faults.delayStatements(30_000, { match: /exec_cancel_t/ });
    const controller = new AbortController();
    let id = '';
    const error = await engineError(
      executor().execute('CREATE TABLE exec_cancel_t AS SELECT 1 AS a', {
        label: 'cancel me',
        signal: controller.signal,
        onStatus: (event) => {
          id = event.statementId;
          if (event.status === 'STARTED') controller.abort();
        },
      }),
    );
    expect(error).toEqual({ kind: 'Cancelled', phase: 'cancel me' });
    expect(sandbox.faults.calls('CancelStatement')).toBe(1);
    expect((await waitForStatement(raw, id)).Status).toBe('ABORTED');
    expect(await tableExists('exec_cancel_t')).toBe(false);
  });

  it('reports a statement that committed before the cancel reached it as finished, not cancelled', async () => {
    const controller = new AbortController();
    // A long first poll leaves the statement time to commit; the abort comes once it has.
    const running = executor({ poll: { firstMs: 60_000, factor: 1, maxMs: 60_000 } }).execute(
      'CREATE TABLE exec_race_t AS SELECT 1 AS a',
      { label: 'too late', signal: controller.signal },
    );
    while (!(await tableExists('exec_race_t'))) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const outcome = await running;
    expect(outcome.id).not.toBe('');
    expect(sandbox.faults.calls('CancelStatement')).toBe(1);
    expect((await waitForStatement(raw, outcome.id)).Status).toBe('FINISHED');
  });

  it('does not submit when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await engineError(
      executor().execute('SELECT 1', { signal: controller.signal, label: 'x' }),
    );
    expect(error).toEqual({ kind: 'Cancelled', phase: 'x' });
    expect(sandbox.faults.calls('ExecuteStatement')).toBe(0);
  });
});

describe('throttling and dropped connections', () => {
  it('retries throttled calls', async () => {
    sandbox.faults.throttle('ExecuteStatement', 2);
    const outcome = await executor({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 } }).execute(
      'SELECT 1',
    );
    expect(outcome.resultRows).toBe(1);
    expect(sandbox.faults.calls('ExecuteStatement')).toBe(3);
    sandbox.faults.resetCounts();
    sandbox.faults.throttle('DescribeStatement', 2);
    await executor({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 } }).execute('SELECT 1');
    expect(sandbox.faults.calls('DescribeStatement')).toBeGreaterThanOrEqual(3);
  });

  it('gives up past the budget with Throttled naming the operation and the attempts', async () => {
    sandbox.faults.throttle('ExecuteStatement', 100);
    const error = await engineError(executor().execute('SELECT 1'));
    expect(error).toEqual({ kind: 'Throttled', operation: 'redshift-data ExecuteStatement', attempts: 3 });
    expect(describeEngineError(error)).toMatch(/throttled by AWS 3 times/);
    expect(sandbox.faults.calls('ExecuteStatement')).toBe(3);
  });

  it('treats ActiveStatementsExceededException as throttling', async () => {
    sandbox.faults.maxActiveStatements = 0;
    try {
      const error = await engineError(executor().execute('SELECT 1'));
      expect(error).toMatchObject({ kind: 'Throttled', attempts: 3 });
    } finally {
      sandbox.faults.maxActiveStatements = 200;
    }
  });

  it('resubmits after a dropped connection with the same ClientToken, so the statement runs once', async () => {
    await sandbox.query('CREATE TABLE exec_drop_t (a INT)');
    const tokens: unknown[] = [];
    clients.redshiftData.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ExecuteStatementCommand') {
          tokens.push((args.input as { ClientToken?: string }).ClientToken);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordClientTokens' },
    );
    try {
      sandbox.faults.dropConnection('ExecuteStatement', { afterProcessing: true });
      await executor().execute('INSERT INTO exec_drop_t VALUES (1)');
      expect(sandbox.faults.calls('ExecuteStatement')).toBe(2);
      expect(tokens).toHaveLength(2);
      expect(tokens[0]).toMatch(UUID);
      expect(tokens[1]).toBe(tokens[0]);
      expect((await sandbox.query('SELECT COUNT(*) FROM exec_drop_t')).rows).toEqual([['1']]);
    } finally {
      clients.redshiftData.middlewareStack.remove('recordClientTokens');
      await sandbox.query('DROP TABLE exec_drop_t');
    }
  });

  it('retries a dropped DescribeStatement (a read, safe to repeat)', async () => {
    sandbox.faults.dropConnection('DescribeStatement', { times: 2 });
    const outcome = await executor().execute('SELECT 1');
    expect(outcome.resultRows).toBe(1);
  });
});

describe('failures', () => {
  it("names the statement, Redshift's message and the SQL around the error position", async () => {
    const sql = [
      'SELECT driver_id, conv_rate, acc_rate, avg_daily_trips, created, event_timestamp,',
      '       customer_id, current_balance, avg_passenger_count, lifetime_trip_count',
      'FORM public.driver_hourly_stats AS d',
      "WHERE d.event_timestamp <= TIMESTAMP '2026-01-10 00:00:00' AND d.driver_id IN (5001, 5002, 5003, 5004)",
      'ORDER BY d.event_timestamp DESC, d.driver_id, d.conv_rate, d.acc_rate, d.avg_daily_trips',
    ].join('\n');
    const at = sql.indexOf('FORM') + 1;
    sandbox.faults.failStatements(`ERROR: syntax error at or near "FORM"\n  Position: ${at}`, {
      match: /FORM public/,
    });
    const error = await engineError(executor().execute(sql));
    expect(error.kind).toBe('StatementFailed');
    if (error.kind !== 'StatementFailed') return;
    expect(error.statementId).toMatch(UUID);
    expect(error.message).toBe(`ERROR: syntax error at or near "FORM"\n  Position: ${at}`);
    expect(error.sqlExcerpt).toMatch(/lifetime_trip_count >>>FORM public\.driver_hourly_stats/);
    // An excerpt, not the whole statement: it is cut on both sides.
    expect(error.sqlExcerpt.startsWith('...')).toBe(true);
    expect(error.sqlExcerpt.endsWith('...')).toBe(true);
    expect(describeEngineError(error)).toContain(error.statementId);
  });

  it('reports a failure without a position with the start of the SQL', async () => {
    const error = await engineError(executor().execute('SELECT nope FROM (SELECT 1 AS a) AS t'));
    expect(error).toMatchObject({
      kind: 'StatementFailed',
      message: expect.stringMatching(/column "nope" does not exist/),
      sqlExcerpt: 'SELECT nope FROM (SELECT 1 AS a) AS t',
    });
  });

  it('names the failing statement of a batch by its sub-statement id, and rolls the batch back', async () => {
    const error = await engineError(
      executor().executeBatch([
        'CREATE TABLE exec_batch_t (a INT)',
        'INSERT INTO exec_batch_t VALUES (1)',
        'SELECT nope FROM exec_batch_t',
      ]),
    );
    expect(error).toMatchObject({
      kind: 'StatementFailed',
      statementId: expect.stringMatching(/^[0-9a-f-]{36}:3$/),
      message: expect.stringMatching(/column "nope" does not exist/),
      sqlExcerpt: 'SELECT nope FROM exec_batch_t',
    });
    expect(await tableExists('exec_batch_t')).toBe(false);
  });

  it('refuses a statement over 100 KB (UTF-8 bytes, not characters) before sending it', async () => {
    // 34,200 three-byte characters: 102,600 bytes in 34,200 characters.
    const large = `SELECT '${'€'.repeat(34_200)}' AS a`;
    expect(large.length).toBeLessThan(MAX_STATEMENT_BYTES);
    const error = await engineError(executor().execute(large));
    expect(error.kind).toBe('PlanInvalid');
    expect(describeEngineError(error)).toMatch(/102\d{3} bytes.*at most 102400/);
    const batch = await engineError(executor().executeBatch(['SELECT 1', large]));
    expect(batch.kind).toBe('PlanInvalid');
    expect(sandbox.faults.calls('ExecuteStatement') + sandbox.faults.calls('BatchExecuteStatement')).toBe(0);
    // Exactly at the limit is still sent (and accepted).
    const head = "SELECT '";
    const tail = "' AS a";
    const atLimit = `${head}${'x'.repeat(MAX_STATEMENT_BYTES - head.length - tail.length)}${tail}`;
    expect(Buffer.byteLength(atLimit)).toBe(MAX_STATEMENT_BYTES);
    expect((await executor().execute(atLimit)).resultRows).toBe(1);
  });

  it('maps service errors to their code and operation, never to a credentials error', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const pages = executor().resultPages(missing);
    const error = await engineError(pages.next());
    expect(error).toMatchObject({
      kind: 'AwsError',
      service: 'redshift-data',
      code: 'ResourceNotFoundException',
    });
    expect(error.kind === 'AwsError' && error.message).toMatch(/^GetStatementResult: /);
    expect(describeEngineError(error)).not.toMatch(/credential/i);
  });
});

describe('results', () => {
  it('reads every GetStatementResult page', async () => {
    const exec = executor();
    const outcome = await exec.execute(
      'SELECT n, n * 2 AS twice FROM generate_series(1, 30) AS n ORDER BY n',
    );
    sandbox.faults.resetCounts();
    const pages = [];
    for await (const page of exec.resultPages(outcome.id)) pages.push(page);
    expect(pages.map((p) => p.records.length)).toEqual([7, 7, 7, 7, 2]);
    expect(sandbox.faults.calls('GetStatementResult')).toBe(5);
    const table = await resultPagesToArrow(exec.resultPages(outcome.id));
    expect(table.numRows).toBe(30);
    expect(exactColumnValues(table, 'n')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(exactColumnValues(table, 'twice').at(-1)).toBe(60);
  });

  it('keeps int8 values above 2^53 exact, on every page', async () => {
    const exec = executor();
    const values = [
      '9007199254740993',
      '-9007199254740993',
      '9223372036854775807',
      '9007199254740992',
      '42',
      '-1',
      '9007199254740995',
      '12345678901234567',
    ];
    values.push('-9223372036854775808');
    const sql = `SELECT v FROM (VALUES ${values.map((v, i) => `(${i}, '${v}'::BIGINT)`).join(', ')}, (99, NULL::BIGINT)) AS t(i, v) ORDER BY i`;
    const outcome = await exec.execute(sql);
    const table = await resultPagesToArrow(exec.resultPages(outcome.id));
    expect(String(table.schema.fields[0]!.type)).toBe('Int64');
    expect(exactColumnValues(table, 'v')).toEqual([...values.map((v) => BigInt(v)), null]);
    // The SDK alone rounds them: the workbench's client is what keeps them.
    const plain = await raw.send(new GetStatementResultCommand({ Id: outcome.id }));
    expect(plain.Records![0]![0]!.longValue).toBe(9007199254740992);
  });

  it('types every column kind it reads from the Data API', async () => {
    const exec = executor();
    const outcome = await exec.execute(
      `SELECT 1::INT4 AS i4, 1.5::FLOAT8 AS f8, TRUE AS b, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
              TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tstz, DATE '2024-01-02' AS d, 12.345::NUMERIC(10,3) AS num,
              'x'::VARCHAR AS s, NULL::VARCHAR AS n`,
    );
    const table = await resultPagesToArrow(exec.resultPages(outcome.id));
    expect(Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]))).toEqual({
      i4: 'Int32',
      f8: 'Float64',
      b: 'Bool',
      ts: 'Timestamp<MICROSECOND>',
      tstz: 'Timestamp<MICROSECOND, UTC>',
      d: 'Date32<DAY>',
      num: 'Utf8',
      s: 'Utf8',
      n: 'Utf8',
    });
    const row = Object.fromEntries(
      table.schema.fields.map((f) => [f.name, exactColumnValues(table, f.name)[0]]),
    );
    expect(row).toEqual({
      i4: 1,
      f8: 1.5,
      b: true,
      ts: BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n + 123456n,
      tstz: BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n,
      d: Date.UTC(2024, 0, 2),
      num: '12.345',
      s: 'x',
      n: null,
    });
  });

  it('keeps the columns of a zero-row result', async () => {
    const exec = executor();
    const outcome = await exec.execute("SELECT 1::BIGINT AS a, 'x'::VARCHAR AS b WHERE FALSE");
    const table = await resultPagesToArrow(exec.resultPages(outcome.id));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
      ['a', 'Int64'],
      ['b', 'Utf8'],
    ]);
  });

  it('describes a table with its types and VARCHAR lengths, and an unknown table as no columns', async () => {
    await sandbox.query(
      'CREATE TABLE exec_describe_t (id BIGINT NOT NULL, name VARCHAR(300), ts TIMESTAMPTZ)',
    );
    try {
      const columns = await executor().describeTable('public', 'exec_describe_t');
      expect(columns.map((c) => [c.name, c.typeName, c.nullable])).toEqual([
        ['id', 'int8', false],
        ['name', 'varchar', true],
        ['ts', 'timestamptz', true],
      ]);
      expect(columns[1]!.length).toBe(300);
      expect(await executor().describeTable('public', 'exec_no_such_table')).toEqual([]);
    } finally {
      await sandbox.query('DROP TABLE exec_describe_t');
    }
  });

  it('runs against a Serverless workgroup too', async () => {
    const outcome = await executor({ target: { kind: 'serverless', workgroup: 'feast-workgroup' } }).execute(
      'SELECT 1',
    );
    const described = await raw.send(new DescribeStatementCommand({ Id: outcome.id }));
    expect(described.Status).toBe('FINISHED');
  });
});

describe('S3 staging', () => {
  const staging = () => new S3Staging(clients.s3, TEST_RETRY);

  it('puts, lists (past one page of 1000) and deletes a prefix in batches of 1000', async () => {
    for (let i = 0; i < 1001; i++) sandbox.store.putObject(BUCKET, `many/${String(i).padStart(4, '0')}`, 'x');
    await staging().put({ bucket: BUCKET, key: 'many/zz' }, new TextEncoder().encode('hello'));
    const listed = await staging().list({ bucket: BUCKET, key: 'many/' });
    expect(listed).toHaveLength(1002);
    expect(listed.at(-1)).toMatchObject({ key: 'many/zz', size: 5 });
    expect(sandbox.faults.calls('ListObjectsV2')).toBe(2);
    expect(new TextDecoder().decode(await staging().get({ bucket: BUCKET, key: 'many/zz' }))).toBe('hello');
    expect(await staging().deletePrefix({ bucket: BUCKET, key: 'many/' })).toBe(1002);
    expect(sandbox.faults.calls('DeleteObjects')).toBe(2);
    expect(sandbox.store.listKeys(BUCKET, 'many/')).toEqual([]);
  });

  it('maps AccessDenied to the action and the object, and does not retry it', async () => {
    sandbox.store.putObject(BUCKET, 'secret/a.parquet', 'x');
    sandbox.faults.failS3('GetObject', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const error = await engineError(staging().get({ bucket: BUCKET, key: 'secret/a.parquet' }));
    expect(error).toMatchObject({
      kind: 'AccessDenied',
      action: 's3:GetObject',
      resource: `arn:aws:s3:::${BUCKET}/secret/a.parquet`,
    });
    expect(describeEngineError(error)).toMatch(/fwb iam check/);
    expect(sandbox.faults.calls('GetObject')).toBe(1);
    sandbox.store.deleteObject(BUCKET, 'secret/a.parquet');
  });

  it('retries S3 SlowDown and server errors', async () => {
    sandbox.faults.throttle('PutObject', 1);
    sandbox.faults.failS3('ListObjectsV2', { status: 500, code: 'InternalError' });
    await staging().put({ bucket: BUCKET, key: 'retry/a' }, new Uint8Array([1]));
    expect(await staging().list({ bucket: BUCKET, key: 'retry/' })).toHaveLength(1);
    expect(sandbox.faults.calls('PutObject')).toBe(2);
    expect(sandbox.faults.calls('ListObjectsV2')).toBe(2);
    await staging().deletePrefix({ bucket: BUCKET, key: 'retry/' });
  });

  it('names a missing bucket and where it is configured', async () => {
    const error = await engineError(
      staging().put({ bucket: 'no-such-bucket', key: 'a' }, new Uint8Array([1])),
    );
    expect(error).toMatchObject({ kind: 'NotFound', what: 'S3 bucket', name: 'no-such-bucket' });
    expect(describeEngineError(error)).toMatch(/s3_staging_location/);
  });

  it('reports an aborted request as Cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await engineError(
      staging().put({ bucket: BUCKET, key: 'cancelled/a' }, new Uint8Array([1]), controller.signal),
    );
    expect(error.kind).toBe('Cancelled');
    expect(sandbox.store.listKeys(BUCKET, 'cancelled/')).toEqual([]);
  });
});
