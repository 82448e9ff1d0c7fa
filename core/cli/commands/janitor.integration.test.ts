/**
 * `fwb janitor` end to end. The sandbox's data folder turns each CSV into a table public.<file name>, which is
 * how these tests plant staging leftovers next to tables the workbench did not create.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JanitorReport } from '../../jobs/janitor';
import { newRunId } from '../../jobs/naming';
import { runCli } from '../run';

const DEMO = path.resolve(import.meta.dirname, '../../../assets/demo');
const OLD = 'fwb_20200101t000000_0123abcd';
const FOREIGN = ['fwb_something', 'fwb_20200101t000000_zz', 'fwb_20200101t000000_0123abcd', 'orders'];

let dir: string;
let data: string;
let serverlessRepo: string;
let young: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-janitor-'));
  data = path.join(dir, 'data');
  await mkdir(data);
  young = newRunId();
  for (const table of [`${OLD}_entities`, `${OLD}_winners_0`, `${young}_entities`, ...FOREIGN]) {
    await writeFile(path.join(data, `${table}.csv`), 'x\n1\n');
  }
  serverlessRepo = path.join(dir, 'serverless');
  await mkdir(serverlessRepo);
  const yaml = (await readFile(path.join(DEMO, 'feature_store.yaml'), 'utf8'))
    .replace('  cluster_id: feast-cluster\n  user: awsuser\n', '  workgroup: feast-workgroup\n')
    .replace('registry: data/registry.db', `registry: ${path.join(DEMO, 'data', 'registry.db')}`);
  expect(yaml).toContain('workgroup: feast-workgroup');
  await writeFile(path.join(serverlessRepo, 'feature_store.yaml'), yaml);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['janitor', ...argv], {
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
])('fwb janitor on %s', (_, repo) => {
  it('lists what it would remove in a dry run', async () => {
    const { code, stdout, stderr } = await run('--repo', repo(), '--sandbox', data, '--dry-run');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      'Staging leftovers older than 1d in schema "public" and s3://feast-demo-bucket/staging/fwb/:',
    );
    expect(lines[1]).toMatch(
      /^fwb_20200101t000000_0123abcd {2}started 2020-01-01 00:00:00 UTC, last activity \d+d( \d+h)? ago$/,
    );
    expect(lines.slice(2, 4)).toEqual([
      `  would remove  table "public"."${OLD}_entities"`,
      `  would remove  table "public"."${OLD}_winners_0"`,
    ]);
    expect(lines[4]).toMatch(
      new RegExp(`^Kept 1 run active less than 1d ago: ${young} \\(\\d+[sm]( \\d+s)?\\)$`),
    );
    expect(lines[5]).toBe(
      'Dry run: would remove 2 tables and 0 objects of 1 run; run without --dry-run to remove them.',
    );
    for (const name of FOREIGN) expect(stdout).not.toContain(`"${name}"`);
  });

  it('removes the old run’s tables and reports it as JSON', async () => {
    const { code, stdout } = await run('--repo', repo(), '--sandbox', data, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as JanitorReport;
    expect(report).toMatchObject({ dryRun: false, schema: 'public', failures: 0, olderThanMs: 86_400_000 });
    expect(report.cleaned.map((c) => [c.run.runId, c.tables.map((t) => [t.target, t.removed])])).toEqual([
      [
        OLD,
        [
          [`"public"."${OLD}_entities"`, true],
          [`"public"."${OLD}_winners_0"`, true],
        ],
      ],
    ]);
    expect(report.kept.map((run) => run.runId)).toEqual([young]);
  });
});

describe('fwb janitor', () => {
  it('removes recent runs too with --older-than 0, and reads every schema with --all-schemas', async () => {
    const { code, stdout } = await run(
      '--repo',
      DEMO,
      '--sandbox',
      data,
      '--older-than',
      '0',
      '--all-schemas',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Staging leftovers older than 0s in every schema and s3:\/\/feast-demo-bucket\/staging\/fwb\/:\n/,
    );
    expect(stdout).toContain(`  removed       table "public"."${young}_entities"\n`);
    expect(stdout).toMatch(/\nRemoved 3 tables and 0 objects of 2 runs\.\n$/);
  });

  it('finds nothing to do in a clean warehouse', async () => {
    const { code, stdout } = await run(
      '--repo',
      DEMO,
      '--sandbox',
      path.join(DEMO, 'data'),
      '--older-than',
      '90m',
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      'No staging leftovers older than 1h 30m in schema "public" and s3://feast-demo-bucket/staging/fwb/.\n',
    );
  });

  it('refuses a duration it cannot read, with exit code 2', async () => {
    const { code, stderr } = await run('--repo', DEMO, '--older-than', '24');
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^fwb janitor: --older-than 24 is not a duration such as 90m, 6h or 2d\nUsage: fwb janitor/,
    );
    const noRepo = await run('--dry-run');
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toMatch(/^fwb janitor: --repo is required\n/);
  });
});
