/** Start-up from a prepared image, direct SQL, and the databases option. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFileName } from './pg-image';
import { sandboxClientConfig, sandboxEnvironment, startSandbox, type Sandbox } from './index';
import { CLUSTER_TARGET, runStatement } from './testing';

let cacheDir: string;
let sandbox: Sandbox;
const logged: string[] = [];

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'fwb-sandbox-image-'));
  // A damaged image must be rebuilt, not trusted.
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, imageFileName()), 'not a tarball');
  const first = await startSandbox({ imageCacheDir: cacheDir, log: (line) => logged.push(line) });
  expect(first.startup.fromCache).toBe(false);
  await first.stop();
  sandbox = await startSandbox({ imageCacheDir: cacheDir, databases: ['dev'], buckets: ['stage'] });
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('start-up', () => {
  it('rebuilds a damaged image, then starts from the cached one', () => {
    expect(
      logged.some((line) => line.includes('could not be loaded') && line.includes('rebuilding it')),
    ).toBe(true);
    expect(sandbox.startup.fromCache).toBe(true);
    expect(sandbox.startup.timings.openFromImageMs).toBeGreaterThan(0);
  });

  it('refuses a bucket name S3 would refuse, before starting anything', async () => {
    await expect(startSandbox({ buckets: ['Not_Valid'] })).rejects.toMatchObject({
      detail: { kind: 'AwsError', code: 'InvalidBucketName' },
    });
  });

  it('stops idempotently', async () => {
    const extra = await startSandbox({ imageCacheDir: cacheDir });
    await Promise.all([extra.stop(), extra.stop()]);
    await expect(extra.query('SELECT 1')).rejects.toThrow(/not running/);
  });
});

describe('query', () => {
  it('runs Redshift SQL directly and returns text values', async () => {
    const result = await sandbox.query(
      "CREATE TABLE direct_t (id BIGINT, name VARCHAR); INSERT INTO direct_t VALUES (9007199254740993, NVL(NULL, 'x'))",
    );
    expect(result.affectedRows).toBe(1);
    const selected = await sandbox.query('SELECT id, name, GETDATE() IS NOT NULL AS ok FROM direct_t');
    expect(selected.columns.map((c) => [c.name, c.typeName])).toEqual([
      ['id', 'int8'],
      ['name', 'varchar'],
      ['ok', 'bool'],
    ]);
    expect(selected.rows).toEqual([['9007199254740993', 'x', 't']]);
    await expect(sandbox.query('SELECT * FROM nope')).rejects.toThrow(
      'ERROR: relation "nope" does not exist',
    );
  });

  it('reaches the S3 store from COPY and UNLOAD', async () => {
    await sandbox.query(`UNLOAD ('SELECT * FROM direct_t') TO 's3://stage/direct/' IAM_ROLE 'r' PARQUET`);
    expect(sandbox.store.listKeys('stage', 'direct/')).toEqual(['direct/0000_part_00.parquet']);
    await sandbox.query(
      `CREATE TABLE direct_copy (LIKE direct_t); COPY direct_copy FROM 's3://stage/direct/' IAM_ROLE 'r' PARQUET`,
    );
    expect((await sandbox.query('SELECT id FROM direct_copy')).rows).toEqual([['9007199254740993']]);
  });
});

describe('environment variables', () => {
  it('reaches both APIs through AWS_ENDPOINT_URL_* with clients built without options', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, sandboxEnvironment(sandbox));
    const s3 = new S3Client({});
    const data = new RedshiftDataClient({});
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'stage', Key: 'env/k.txt', Body: 'via env' }));
      expect(sandbox.store.getObject('stage', 'env/k.txt')!.body.toString()).toBe('via env');
      expect((await runStatement(data, 'SELECT 1')).Status).toBe('FINISHED');
    } finally {
      s3.destroy();
      data.destroy();
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});

describe('UNLOAD file size', () => {
  it('starts a new part file at MAXFILESIZE', async () => {
    await sandbox.query(
      `CREATE TABLE wide AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 40000) AS g`,
    );
    await sandbox.query(
      `UNLOAD ('SELECT * FROM wide') TO 's3://stage/wide/' IAM_ROLE 'r' PARQUET MAXFILESIZE 5 MB`,
    );
    expect(sandbox.store.listKeys('stage', 'wide/')).toEqual([
      'wide/0000_part_00.parquet',
      'wide/0001_part_00.parquet',
    ]);
    const tooSmall = sandbox.query(
      `UNLOAD ('SELECT 1') TO 's3://stage/small/' IAM_ROLE 'r' PARQUET MAXFILESIZE 1 MB`,
    );
    await expect(tooSmall).rejects.toThrow('ERROR: MAXFILESIZE must be between 5 MB and 6.2 GB');
  });
});

describe('databases', () => {
  it('fails statements and catalog calls for a database that does not exist', async () => {
    const client = new RedshiftDataClient({ ...sandboxClientConfig(sandbox).redshiftData, maxAttempts: 1 });
    try {
      expect((await runStatement(client, 'SELECT 1')).Status).toBe('FINISHED');
      const other = await runStatement(client, 'SELECT 1', { Database: 'other' });
      expect(other).toMatchObject({ Status: 'FAILED', Error: 'FATAL: database "other" does not exist' });
      await expect(
        client.send(new DescribeTableCommand({ ...CLUSTER_TARGET, Database: 'other', Table: 'direct_t' })),
      ).rejects.toMatchObject({ name: 'DatabaseConnectionException' });
    } finally {
      client.destroy();
    }
  });
});
