/** Fault knobs and call counters, seen through the real SDK clients (their retry behaviour included). */
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClientConfig, startSandbox, type Sandbox } from './index';
import { CLUSTER_TARGET, runStatement, waitForStatement } from './testing';

let sandbox: Sandbox;
let once: RedshiftDataClient;
let retrying: RedshiftDataClient;
let s3Once: S3Client;
let s3Retrying: S3Client;

beforeAll(async () => {
  sandbox = await startSandbox({ buckets: ['stage'] });
  const config = sandboxClientConfig(sandbox);
  once = new RedshiftDataClient({ ...config.redshiftData, maxAttempts: 1 });
  retrying = new RedshiftDataClient({ ...config.redshiftData, maxAttempts: 3 });
  s3Once = new S3Client({ ...config.s3, maxAttempts: 1 });
  s3Retrying = new S3Client({ ...config.s3, maxAttempts: 3 });
});

afterEach(() => {
  sandbox.faults.reset();
  sandbox.faults.resetCounts();
});

afterAll(async () => {
  for (const client of [once, retrying, s3Once, s3Retrying]) client?.destroy();
  await sandbox?.stop();
});

async function error(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (caught) {
    return caught as Error;
  }
  throw new Error('expected the call to fail');
}

describe('throttling', () => {
  it('answers ThrottlingException, which the SDK retries', async () => {
    const { Id } = await once.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 1' }));
    sandbox.faults.throttle('DescribeStatement', 1);
    const throttled = await error(once.send(new DescribeStatementCommand({ Id })));
    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata!.httpStatusCode).toBe(400);
    sandbox.faults.throttle('DescribeStatement', 2);
    const described = await retrying.send(new DescribeStatementCommand({ Id }));
    expect(described.Id).toBe(Id);
    expect(sandbox.faults.calls('DescribeStatement')).toBe(4);
  });

  it('answers S3 requests with SlowDown', async () => {
    sandbox.faults.throttle('GetObject');
    sandbox.store.putObject('stage', 'slow.txt', 'x');
    const slow = await error(s3Once.send(new GetObjectCommand({ Bucket: 'stage', Key: 'slow.txt' })));
    expect(slow.name).toBe('SlowDown');
    expect(slow.$metadata!.httpStatusCode).toBe(503);
  });
});

describe('statement faults', () => {
  it('fails matching statements with the given message, without running them', async () => {
    sandbox.faults.failStatements('ERROR: could not serialize access due to concurrent update', {
      match: /faulty_t/,
    });
    const failed = await runStatement(once, 'CREATE TABLE faulty_t (a int)');
    expect(failed).toMatchObject({
      Status: 'FAILED',
      Error: 'ERROR: could not serialize access due to concurrent update',
    });
    expect((await runStatement(once, 'SELECT 1')).Status).toBe('FINISHED');
    expect((await runStatement(once, 'SELECT * FROM faulty_t')).Status).toBe('FAILED');
    expect((await runStatement(once, 'CREATE TABLE faulty_t (a int)')).Status).toBe('FINISHED');
  });

  it('keeps a delayed statement STARTED, and CancelStatement during the delay aborts it with no effect', async () => {
    sandbox.faults.delayStatements(60_000);
    const { Id } = await once.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'CREATE TABLE never_made (a int)' }),
    );
    let described;
    do described = await once.send(new DescribeStatementCommand({ Id }));
    while (described.Status !== 'STARTED');
    expect(await once.send(new CancelStatementCommand({ Id }))).toEqual(
      expect.objectContaining({ Status: true }),
    );
    described = await once.send(new DescribeStatementCommand({ Id }));
    expect(described.Status).toBe('ABORTED');
    expect((await runStatement(once, 'SELECT * FROM never_made')).Status).toBe('FAILED');
  });

  it('moves a delayed statement through STARTED to FINISHED', async () => {
    sandbox.faults.delayStatements(300, { match: /delayed_marker/ });
    const { Id } = await once.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: "SELECT 'delayed_marker' AS m" }),
    );
    const seen: string[] = [];
    let status: string | undefined;
    do {
      status = (await once.send(new DescribeStatementCommand({ Id }))).Status;
      if (seen[seen.length - 1] !== status) seen.push(status!);
    } while (status !== 'FINISHED');
    expect(seen).toContain('STARTED');
    expect(seen[seen.length - 1]).toBe('FINISHED');
    const result = await once.send(new GetStatementResultCommand({ Id }));
    expect(result.Records).toEqual([[{ stringValue: 'delayed_marker' }]]);
  });

  it('caps active statements with ActiveStatementsExceededException', async () => {
    sandbox.faults.maxActiveStatements = 2;
    sandbox.faults.delayStatements(60_000, { times: 2 });
    const first = await once.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 1' }));
    const second = await once.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 2' }));
    const third = await error(once.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 3' })));
    expect(third.name).toBe('ActiveStatementsExceededException');
    await once.send(new CancelStatementCommand({ Id: first.Id }));
    await once.send(new CancelStatementCommand({ Id: second.Id }));
    sandbox.faults.maxActiveStatements = 200;
  });
});

describe('dropped connections', () => {
  it('destroys the socket without an answer; the SDK retries', async () => {
    sandbox.faults.dropConnection('DescribeStatement');
    const { Id } = await once.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 1' }));
    const dropped = await error(once.send(new DescribeStatementCommand({ Id })));
    expect(dropped.message).toMatch(/socket hang up|ECONNRESET/);
    sandbox.faults.dropConnection('DescribeStatement');
    expect((await retrying.send(new DescribeStatementCommand({ Id }))).Id).toBe(Id);
    expect(sandbox.faults.calls('DescribeStatement')).toBe(3);
  });

  it('after processing: the retried ExecuteStatement returns the same statement (ClientToken)', async () => {
    await runStatement(once, 'CREATE TABLE once_only (a int)');
    sandbox.faults.resetCounts();
    sandbox.faults.dropConnection('ExecuteStatement', { afterProcessing: true });
    const { Id } = await retrying.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'INSERT INTO once_only VALUES (1)' }),
    );
    await waitForStatement(once, Id!);
    expect(sandbox.faults.calls('ExecuteStatement')).toBe(2);
    const counted = await runStatement(once, 'SELECT count(*) FROM once_only');
    expect((await once.send(new GetStatementResultCommand({ Id: counted.Id }))).Records).toEqual([
      [{ longValue: 1 }],
    ]);
  });
});

describe('S3 faults and counters', () => {
  it('fails PutObject with the S3 error given; the SDK retries server errors', async () => {
    sandbox.faults.failS3('PutObject', { status: 500, code: 'InternalError' });
    const failed = await error(
      s3Once.send(new PutObjectCommand({ Bucket: 'stage', Key: 'f.txt', Body: 'x' })),
    );
    expect(failed.name).toBe('InternalError');
    expect(sandbox.store.getObject('stage', 'f.txt')).toBeUndefined();
    sandbox.faults.failS3('PutObject', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const denied = await error(
      s3Retrying.send(new PutObjectCommand({ Bucket: 'stage', Key: 'f.txt', Body: 'x' })),
    );
    expect(denied.name).toBe('AccessDenied');
    sandbox.faults.failS3('PutObject', { times: 2 });
    await s3Retrying.send(new PutObjectCommand({ Bucket: 'stage', Key: 'f.txt', Body: 'x' }));
    expect(sandbox.store.getObject('stage', 'f.txt')!.body.toString()).toBe('x');
    expect(sandbox.faults.calls('PutObject')).toBe(5);
    expect(sandbox.faults.counts()).toEqual({ PutObject: 5 });
  });
});
