/**
 * `fwb explain` end to end: the CLI starts the sandbox, stages the entity frame through the SDK, runs EXPLAIN
 * and prints the parsed plan; for the demo repo as a provisioned cluster and as a Serverless workgroup.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedPlan } from '../../jobs/explain-parse';
import { runCli } from '../run';

const DEMO = path.resolve(import.meta.dirname, '../../../assets/demo');
const DATA = path.join(DEMO, 'data');
const ENTITIES = path.join(DEMO, 'entities.csv');

let dir: string;
let serverlessRepo: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-explain-'));
  // The demo repo as Redshift Serverless: workgroup instead of cluster_id and user.
  serverlessRepo = path.join(dir, 'serverless');
  const yaml = (await readFile(path.join(DEMO, 'feature_store.yaml'), 'utf8'))
    .replace('  cluster_id: feast-cluster\n  user: awsuser\n', '  workgroup: feast-workgroup\n')
    .replace('registry: data/registry.db', `registry: ${path.join(DATA, 'registry.db')}`);
  expect(yaml).toContain('workgroup: feast-workgroup');
  await mkdir(serverlessRepo);
  await writeFile(path.join(serverlessRepo, 'feature_store.yaml'), yaml);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['explain', ...argv], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe.each([
  ['a provisioned cluster', () => DEMO],
  ['a Serverless workgroup', () => serverlessRepo],
])('fwb explain on %s', (_, repo) => {
  it('prints the plan as a tree with aligned figures, then its warnings', async () => {
    const { code, stdout, stderr } = await run(
      '--repo',
      repo(),
      '--sandbox',
      DATA,
      '--entities',
      ENTITIES,
      '--feature-service',
      'driver_activity',
    );
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      "Query plan (PostgreSQL, from the sandbox: Redshift's data-movement markers appear only on Redshift):",
    );
    expect(lines[1]).toMatch(/^operator +cost +rows +width$/);
    expect(lines[2]).toMatch(/^Hash Left Join +\d+\.\d\d\.\.\d+\.\d\d +\d+ +\d+$/);
    // Every operator line ends in the same column as the header.
    const operatorLines = lines.filter((line) => /\d+\.\d\d\.\.\d+\.\d\d +\d+ +\d+$/.test(line));
    expect(operatorLines.length).toBeGreaterThan(20);
    expect(new Set(operatorLines.map((line) => line.length))).toEqual(new Set([lines[1]!.length]));
    expect(stdout).toMatch(/\n {2}Hash Cond: \(\(e\.previous_driver_id = /);
    expect(stdout).toMatch(/\n +-> Seq Scan on fwb_\d{8}t\d{6}_[0-9a-f]{8}_entities e /);
    expect(stdout).toMatch(/\n +-> Nested Loop {2}\[!1\] +/);
    expect(stdout).toMatch(/\nWarnings \(1\):\n {2}\[!1\] line \d+, Nested Loop: every row of one input/);
    expect(stdout).not.toContain('SQL explained:');
  });

  it('prints the parsed plan and the SQL as JSON', async () => {
    const { code, stdout } = await run(
      '--repo',
      repo(),
      '--sandbox',
      DATA,
      '--entities',
      ENTITIES,
      '--features',
      'driver_hourly_stats:conv_rate,customer_profile:current_balance',
      '--json',
      '--sql',
    );
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as ParsedPlan & { sql: string };
    expect(parsed.dialect).toBe('postgresql');
    expect(parsed.roots).toHaveLength(1);
    expect(parsed.roots[0]).toMatchObject({ operator: 'Hash Left Join', line: 1 });
    expect(parsed.roots[0]!.cost!.total).toBeGreaterThan(0);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.sql).toMatch(/^WITH "driver_hourly_stats__keys" AS \(/);
  });
});

describe('fwb explain', () => {
  it('explains a retrieval whose entities come from SQL, and prints the SQL after the plan', async () => {
    const { code, stdout } = await run(
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--entity-sql',
      'SELECT driver_id, event_timestamp FROM public.orders',
      '--features',
      'driver_hourly_stats:conv_rate',
      '--sql',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/\nNo warnings\.\n\nSQL explained:\nWITH "driver_hourly_stats__keys" AS \(/);
    expect(stdout).toMatch(/-> Seq Scan on fwb_\d{8}t\d{6}_[0-9a-f]{8}_entities/);
  });

  it('explains a date-range retrieval', async () => {
    const { code, stdout } = await run(
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--start',
      '2026-01-07',
      '--end',
      '2026-01-08',
      '--features',
      'driver_hourly_stats:conv_rate',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {2}-> Seq Scan on fwb_\d{8}t\d{6}_[0-9a-f]{8}_entities e +\d/);
    expect(stdout).toContain('-> Seq Scan on driver_hourly_stats s');
  });

  it('fails with Redshift’s message when staging fails', async () => {
    const { code, stdout, stderr } = await run(
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--entity-sql',
      'SELECT driver_id, event_timestamp FROM public.nope',
      '--features',
      'driver_hourly_stats:conv_rate',
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /fwb explain: statement \S+ failed: ERROR: relation "public\.nope" does not exist/,
    );
  });

  it('reports bad input and bad usage with exit code 2', async () => {
    const unknown = await run(
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--entities',
      ENTITIES,
      '--features',
      'driver_hourly_stats:conv',
    );
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe(
      'fwb explain: feature "driver_hourly_stats:conv" not found; did you mean conv_rate?\n',
    );

    const both = await run(
      '--repo',
      DEMO,
      '--entities',
      ENTITIES,
      '--entity-sql',
      'SELECT 1',
      '--features',
      'a:b',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /^fwb explain: give one of --entities FILE.csv, --entity-sql SQL, or --start and --end\nUsage: fwb explain/,
    );

    const halfRange = await run('--repo', DEMO, '--start', '2026-01-07', '--features', 'a:b');
    expect(halfRange.code).toBe(2);
    expect(halfRange.stderr).toMatch(/^fwb explain: a date-range retrieval needs both --start and --end\n/);

    const neither = await run('--repo', DEMO, '--entities', ENTITIES);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/^fwb explain: give either --features or --feature-service\n/);

    const missingCsv = await run('--repo', DEMO, '--entities', 'nope.csv', '--features', 'a:b');
    expect(missingCsv.code).toBe(2);
    expect(missingCsv.stderr).toMatch(/^fwb explain: .*nope\.csv: cannot read the file/);

    const noRepo = await run('--entities', ENTITIES, '--features', 'driver_hourly_stats:conv_rate');
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toMatch(/^fwb explain: --repo is required\n/);
  });
});
