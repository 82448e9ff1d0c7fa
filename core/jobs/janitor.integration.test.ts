/**
 * The janitor against the sandbox through the real SDK clients, for a provisioned cluster and a Serverless
 * workgroup: what it removes, what it must never touch, and how it reports failures.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRepoConfig } from '../config/load';
import type { RepoConfig } from '../config/model';
import { PROVISIONED_YAML, SERVERLESS_YAML } from '../config/test-fixtures';
import { isWorkbenchError } from '../contract/errors';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';
import { cleanStaging, findLeftoverRuns } from './janitor';

const NOW = new Date('2026-03-01T12:00:00Z');
const OLD = 'fwb_20260220t080000_aaaaaaaa';
/** An old run id whose objects were written ten minutes ago: a long run, still working. */
const STILL_WRITING = 'fwb_20260220t080000_cccccccc';
const YOUNG = 'fwb_20260301t110000_bbbbbbbb';
const OTHER_SCHEMA = 'fwb_20260221t000000_dddddddd';
const SCHEMA = 'staging area';
const BUCKET = 'feast-bucket';

/** Names the workbench never creates; each must survive every janitor run. */
const FOREIGN_TABLES = [
  'fwb_something',
  'fwb_20260220t080000_zz',
  'fwb_20260220t080000_zzzzzzzz_entities',
  OLD, // a run id alone
  'fwb_20260230t080000_aaaaaaaa_entities', // 30 February
  'xfwb_20260220t080000_aaaaaaaa_entities',
  'orders',
];

const FOREIGN_KEYS = [
  `redshift/fwb/${OLD}`, // an object named like a run, not a folder
  'redshift/fwb/readme.txt',
  'redshift/fwb/notarun/x.parquet',
  'redshift/fwb/fwb_20260220t080000_zz/x.parquet',
  'redshift/fwb/fwb_20260230t080000_aaaaaaaa/x.parquet',
  `redshift/fwbx/${OLD}/x.parquet`,
  `redshift/other/${OLD}/x.parquet`,
  `elsewhere/fwb/${OLD}/x.parquet`,
];

const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

async function seed(sandbox: Sandbox): Promise<void> {
  const statements = [
    `CREATE SCHEMA "${SCHEMA}"`,
    'CREATE SCHEMA other',
    ...[`${OLD}_entities`, `${OLD}_winners_0`, `${YOUNG}_entities`, `${STILL_WRITING}_entities`].map(
      (name) => `CREATE TABLE "${SCHEMA}"."${name}" (x INT)`,
    ),
    ...FOREIGN_TABLES.map((name) => `CREATE TABLE "${SCHEMA}"."${name}" (x INT)`),
    `CREATE VIEW "${SCHEMA}"."fwb_20260220t080000_eeeeeeee_view" AS SELECT 1 AS x`,
    `CREATE TABLE other."${OTHER_SCHEMA}_entities" (x INT)`,
    `CREATE TABLE public."${OLD}_entities" (x INT)`,
  ];
  for (const sql of statements) await sandbox.query(sql);
  const put = (key: string, lastModified: Date) =>
    sandbox.store.putObject(BUCKET, key, 'data', { lastModified });
  put(`redshift/fwb/${OLD}/entities.parquet`, new Date('2026-02-20T08:00:05Z'));
  put(`redshift/fwb/${OLD}/unload/0000_part_00.parquet`, new Date('2026-02-20T08:01:00Z'));
  put(`redshift/fwb/${YOUNG}/entities.parquet`, minutesBefore(60));
  put(`redshift/fwb/${STILL_WRITING}/unload/0000_part_00.parquet`, minutesBefore(10));
  for (const key of FOREIGN_KEYS) put(key, new Date('2026-01-01T00:00:00Z'));
}

async function tables(sandbox: Sandbox): Promise<string[]> {
  const result = await sandbox.query(
    "SELECT table_schema || '.' || table_name FROM information_schema.tables " +
      "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
  );
  return result.rows.map((row) => row[0]!);
}

const TARGETS: [string, string, (input: Record<string, unknown>) => boolean][] = [
  [
    'a provisioned cluster',
    PROVISIONED_YAML,
    (i) => i.ClusterIdentifier === 'feast-cluster' && !i.WorkgroupName,
  ],
  [
    'a Serverless workgroup',
    SERVERLESS_YAML,
    (i) => i.WorkgroupName === 'feast-workgroup' && !i.ClusterIdentifier,
  ],
];

describe.each(TARGETS)('the janitor on %s', (_, yaml, sentToTarget) => {
  let sandbox: Sandbox;
  let config: RepoConfig;
  let warehouse: Warehouse;
  /** Inputs of every Data API call that names a target. */
  let calls: Record<string, unknown>[];

  beforeAll(async () => {
    sandbox = await startSandbox({ buckets: [BUCKET] });
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  beforeEach(async () => {
    sandbox.faults.reset();
    for (const sql of [
      `DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`,
      'DROP SCHEMA IF EXISTS other CASCADE',
      `DROP TABLE IF EXISTS public."${OLD}_entities"`,
    ]) {
      await sandbox.query(sql);
    }
    for (const key of sandbox.store.listKeys(BUCKET)) sandbox.store.deleteObject(BUCKET, key);
    await seed(sandbox);
    config = parseRepoConfig(yaml, { file: 'feature_store.yaml', repoDir: '/repo' }).config!;
    warehouse = openWarehouse(config, {
      connection: sandboxConnection(sandbox),
      stagingSchema: SCHEMA,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    calls = [];
    warehouse.clients.redshiftData.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as Record<string, unknown>;
        if ('Database' in input) calls.push(input);
        return next(args);
      },
      { step: 'initialize' },
    );
  });

  afterEach(() => {
    warehouse.close();
  });

  it('lists leftovers by run in a dry run and changes nothing', async () => {
    const tablesBefore = await tables(sandbox);
    const keysBefore = sandbox.store.listKeys(BUCKET);
    const report = await cleanStaging(warehouse, { dryRun: true, now: NOW });
    expect(report.cleaned.map((c) => c.run.runId)).toEqual([OLD]);
    const [old] = report.cleaned;
    expect(old!.run.startedAt).toEqual(new Date('2026-02-20T08:00:00Z'));
    expect(old!.run.lastActivity).toEqual(new Date('2026-02-20T08:01:00Z'));
    expect(old!.tables).toEqual([
      { target: `"${SCHEMA}"."${OLD}_entities"`, removed: false },
      { target: `"${SCHEMA}"."${OLD}_winners_0"`, removed: false },
    ]);
    expect(old!.objects).toEqual({
      target: `s3://${BUCKET}/redshift/fwb/${OLD}/`,
      removed: false,
      objects: 2,
      bytes: 8,
    });
    expect(report.kept.map((run) => [run.runId, run.ageMs / 60_000])).toEqual([
      [STILL_WRITING, 10],
      [YOUNG, 60],
    ]);
    expect(report).toMatchObject({ dryRun: true, schema: SCHEMA, failures: 0 });
    expect(await tables(sandbox)).toEqual(tablesBefore);
    expect(sandbox.store.listKeys(BUCKET)).toEqual(keysBefore);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every(sentToTarget)).toBe(true);
  });

  it('removes the old runs’ tables and objects and nothing else', async () => {
    const tablesBefore = await tables(sandbox);
    const keysBefore = sandbox.store.listKeys(BUCKET);
    const report = await cleanStaging(warehouse, { now: NOW });
    expect(report.failures).toBe(0);
    expect(report.cleaned[0]!.tables.every((t) => t.removed)).toBe(true);
    expect(report.cleaned[0]!.objects?.removed).toBe(true);
    expect(await tables(sandbox)).toEqual(
      tablesBefore.filter((t) => t !== `${SCHEMA}.${OLD}_entities` && t !== `${SCHEMA}.${OLD}_winners_0`),
    );
    expect(sandbox.store.listKeys(BUCKET)).toEqual(
      keysBefore.filter((key) => !key.startsWith(`redshift/fwb/${OLD}/`)),
    );
    for (const name of FOREIGN_TABLES) expect(await tables(sandbox)).toContain(`${SCHEMA}.${name}`);
    for (const key of FOREIGN_KEYS) expect(sandbox.store.listKeys(BUCKET)).toContain(key);
    // Outside the staging schema unless asked.
    expect(await tables(sandbox)).toContain(`public.${OLD}_entities`);
    expect(calls.every(sentToTarget)).toBe(true);
  });

  it('measures age from the newest object, so a long run still writing is kept', async () => {
    const report = await cleanStaging(warehouse, { now: NOW, olderThanMs: 30 * 60_000 });
    expect(report.cleaned.map((c) => c.run.runId)).toEqual([OLD, YOUNG]);
    expect(report.kept.map((run) => run.runId)).toEqual([STILL_WRITING]);
    expect(await tables(sandbox)).toContain(`${SCHEMA}.${STILL_WRITING}_entities`);
    expect(sandbox.store.listKeys(BUCKET, `redshift/fwb/${STILL_WRITING}/`)).toHaveLength(1);
    expect(sandbox.store.listKeys(BUCKET, `redshift/fwb/${YOUNG}/`)).toEqual([]);
  });

  it('searches every schema when asked, still only for run-id names', async () => {
    const report = await cleanStaging(warehouse, { now: NOW, allSchemas: true });
    expect(report.schema).toBeUndefined();
    expect(report.cleaned.flatMap((c) => c.tables.map((t) => t.target))).toEqual([
      `"public"."${OLD}_entities"`,
      `"${SCHEMA}"."${OLD}_entities"`,
      `"${SCHEMA}"."${OLD}_winners_0"`,
      `"other"."${OTHER_SCHEMA}_entities"`,
    ]);
    const left = await tables(sandbox);
    expect(left).not.toContain(`public.${OLD}_entities`);
    expect(left).not.toContain(`other.${OTHER_SCHEMA}_entities`);
    for (const name of FOREIGN_TABLES) expect(left).toContain(`${SCHEMA}.${name}`);
    expect(left).toContain(`${SCHEMA}.fwb_20260220t080000_eeeeeeee_view`);
  });

  it('reports a table it cannot drop and goes on with the rest', async () => {
    sandbox.faults.failStatements('ERROR: must be owner of relation', { match: /DROP TABLE.*winners_0/ });
    const report = await cleanStaging(warehouse, { now: NOW });
    expect(report.failures).toBe(1);
    const [entities, winners] = report.cleaned[0]!.tables;
    expect(entities).toMatchObject({ removed: true });
    expect(winners).toMatchObject({ removed: false, target: `"${SCHEMA}"."${OLD}_winners_0"` });
    expect(winners!.error).toContain('must be owner of relation');
    expect(report.cleaned[0]!.objects?.removed).toBe(true);
    expect(await tables(sandbox)).toContain(`${SCHEMA}.${OLD}_winners_0`);
  });

  it('reports objects S3 refuses to delete and still drops the tables', async () => {
    sandbox.faults.failS3('DeleteObjects', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const report = await cleanStaging(warehouse, { now: NOW });
    expect(report.failures).toBe(1);
    expect(report.cleaned[0]!.objects).toMatchObject({ removed: false });
    expect(report.cleaned[0]!.objects!.error).toMatch(/Access ?Denied/);
    expect(report.cleaned[0]!.tables.every((t) => t.removed)).toBe(true);
    expect(sandbox.store.listKeys(BUCKET, `redshift/fwb/${OLD}/`)).toHaveLength(2);
  });

  it('removes nothing when the tables cannot be listed', async () => {
    sandbox.faults.failStatements('ERROR: permission denied for schema information_schema', {
      match: /information_schema/,
    });
    const keysBefore = sandbox.store.listKeys(BUCKET);
    const error = await cleanStaging(warehouse, { now: NOW }).catch((e: unknown) => e);
    expect(isWorkbenchError(error) && error.detail.kind).toBe('StatementFailed');
    expect(String(error)).toContain('permission denied for schema information_schema');
    expect(sandbox.store.listKeys(BUCKET)).toEqual(keysBefore);
    expect(await tables(sandbox)).toContain(`${SCHEMA}.${OLD}_entities`);
  });

  it('says which bucket is missing', async () => {
    const missing = openWarehouse(
      parseRepoConfig(yaml.replace('s3://feast-bucket/', 's3://no-such-bucket/'), {
        file: 'feature_store.yaml',
        repoDir: '/repo',
      }).config!,
      { connection: sandboxConnection(sandbox), stagingSchema: SCHEMA },
    );
    try {
      const error = await findLeftoverRuns(missing, { now: NOW }).catch((e: unknown) => e);
      expect(isWorkbenchError(error) && error.detail).toMatchObject({
        kind: 'NotFound',
        what: 'S3 bucket',
        name: 'no-such-bucket',
      });
    } finally {
      missing.close();
    }
  });
});
