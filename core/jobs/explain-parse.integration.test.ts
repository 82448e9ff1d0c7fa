/**
 * EXPLAIN of a retrieval against the sandbox through the real SDK clients, parsed: for a provisioned cluster
 * and a Serverless workgroup, and when EXPLAIN fails (the staged objects are still removed).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadRepoConfig, parseRepoConfig } from '../config/load';
import type { RepoConfig } from '../config/model';
import { isWorkbenchError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import type { EntityFrame } from '../frames/types';
import { loadRegistry } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';
import { parsePlan, walk } from './explain-parse';
import { RetrievalJob } from './retrieval';

const DEMO = path.resolve(import.meta.dirname, '../../assets/demo');

let sandbox: Sandbox;
let registry: RegistryModel;
let frame: EntityFrame;
let clusterYaml: string;

beforeAll(async () => {
  const config = await loadRepoConfig(DEMO);
  registry = await loadRegistry(config);
  frame = readCsvEntityFrame(await readFile(path.join(DEMO, 'entities.csv')), { file: 'entities.csv' });
  clusterYaml = await readFile(path.join(DEMO, 'feature_store.yaml'), 'utf8');
  sandbox = await startSandbox({ dataDir: path.join(DEMO, 'data'), buckets: ['feast-demo-bucket'] });
});

afterAll(async () => {
  await sandbox.stop();
});

/** Tables and objects a run might leave: none may remain after a job. */
async function leftovers(): Promise<string[]> {
  const tables = await sandbox.query(
    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'fwb%' ORDER BY 1",
  );
  return [
    ...tables.rows.map((row) => row[0]!),
    ...sandbox.store.listKeys('feast-demo-bucket', 'staging/fwb/'),
  ];
}

describe.each([
  [
    'a provisioned cluster',
    (yaml: string) => yaml,
    (i: Record<string, unknown>) => i.ClusterIdentifier === 'feast-cluster' && !i.WorkgroupName,
  ],
  [
    'a Serverless workgroup',
    (yaml: string) =>
      yaml.replace('  cluster_id: feast-cluster\n  user: awsuser\n', '  workgroup: feast-workgroup\n'),
    (i: Record<string, unknown>) => i.WorkgroupName === 'feast-workgroup' && !i.ClusterIdentifier,
  ],
])('EXPLAIN of a retrieval on %s', (_, toTarget, sentToTarget) => {
  let config: RepoConfig;
  let warehouse: Warehouse;
  let calls: Record<string, unknown>[];

  beforeEach(() => {
    sandbox.faults.reset();
    config = parseRepoConfig(toTarget(clusterYaml), { file: 'feature_store.yaml', repoDir: DEMO }).config!;
    warehouse = openWarehouse(config, { connection: sandboxConnection(sandbox) });
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

  it('returns PostgreSQL plan lines that parse into the join tree', async () => {
    const job = new RetrievalJob(
      warehouse,
      registry,
      { kind: 'frame', frame, name: 'entities.csv' },
      {
        featureService: 'driver_activity',
      },
    );
    const { plan, lines } = await job.explain();
    const parsed = parsePlan(lines);
    expect(parsed.dialect).toBe('postgresql');
    expect(parsed.preamble).toEqual([]);
    expect(parsed.roots).toHaveLength(1);
    const operators = [...walk(parsed.roots)];
    // Every plan line is an operator or an attribute of one.
    expect(operators.length + operators.reduce((n, node) => n + node.details.length, 0)).toBe(lines.length);
    const entityTable = plan.entityTable.split('.').at(-1)!.replaceAll('"', '');
    expect(operators.some((n) => n.operator === 'Seq Scan' && n.relation === entityTable)).toBe(true);
    for (const source of ['driver_hourly_stats', 'customer_profile', 'global_daily_stats', 'driver_trips']) {
      expect(
        operators.some((n) => n.relation === source),
        source,
      ).toBe(true);
    }
    // The entity-less view (global_stats) joins on time alone.
    expect(parsed.warnings.map((w) => w.kind)).toEqual(['nested-loop']);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every(sentToTarget)).toBe(true);
    expect(await leftovers()).toEqual([]);
  });

  it('reports a failed EXPLAIN with Redshift’s message and still removes the staged entities', async () => {
    sandbox.faults.failStatements('ERROR: permission denied for relation driver_hourly_stats', {
      match: /^EXPLAIN/,
    });
    const job = new RetrievalJob(
      warehouse,
      registry,
      { kind: 'frame', frame, name: 'entities.csv' },
      {
        features: ['driver_hourly_stats:conv_rate'],
      },
    );
    const error = await job.explain().catch((e: unknown) => e);
    expect(isWorkbenchError(error) && error.detail).toMatchObject({
      kind: 'StatementFailed',
      message: 'ERROR: permission denied for relation driver_hourly_stats',
    });
    expect(calls.every(sentToTarget)).toBe(true);
    expect(await leftovers()).toEqual([]);
  });
});
