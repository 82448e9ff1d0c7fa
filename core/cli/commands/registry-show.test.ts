import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepoConfig } from '../../config/load';
import { loadRegistry } from '../../registry/load';
import type { CliIO } from '../command';
import { runCli } from '../run';

const DEMO_DIR = fileURLToPath(new URL('../../../assets/demo', import.meta.url));
const FIXTURE_JSON = fileURLToPath(new URL('../../registry/fixtures/registry-dump.json', import.meta.url));

async function run(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    cwd,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('fwb registry show', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fwb-registry-show-'));
    const yaml = await readFile(path.join(DEMO_DIR, 'feature_store.yaml'), 'utf8');
    const repo = async (name: string, text: string, files: Record<string, string | Uint8Array>) => {
      await mkdir(path.join(root, name, 'data'), { recursive: true });
      await writeFile(path.join(root, name, 'feature_store.yaml'), text);
      for (const [file, content] of Object.entries(files))
        await writeFile(path.join(root, name, file), content);
    };
    await repo(
      'dump',
      yaml
        .replace('project: driver_ranking', 'project: credit_scoring_aws')
        .replace('data/registry.db', 'data/registry.json'),
      {},
    );
    await copyFile(FIXTURE_JSON, path.join(root, 'dump', 'data', 'registry.json'));
    const demo = await readFile(path.join(DEMO_DIR, 'data', 'registry.db'));
    await repo('corrupt', yaml, { 'data/registry.db': new Uint8Array(demo.subarray(0, 100)) });
    await repo('missing', yaml, {});
    await repo('other-project', yaml.replace('project: driver_ranking', 'project: fraud'), {});
    await copyFile(
      path.join(DEMO_DIR, 'data', 'registry.db'),
      path.join(root, 'other-project', 'data', 'registry.db'),
    );
    await repo('invalid', yaml.replace('region: us-west-2', 'region: 42'), {});
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints an outline of the demo registry', async () => {
    const { code, stdout, stderr } = await run(['registry', 'show', '--repo', DEMO_DIR], root);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(
      `Registry ${path.join(DEMO_DIR, 'data', 'registry.db')}\nProject driver_ranking\n`,
    );
    expect(stdout).toContain(
      '\nEntities (2)\n  driver: join key driver_id INT64 - A driver who accepts rides\n',
    );
    expect(stdout).not.toContain('__dummy');
    expect(stdout).toContain(
      '  global_stats\n    entities: none (entityless)\n    features: num_rides INT32, avg_ride_length FLOAT\n    ttl: 2d\n',
    );
    expect(stdout).toContain(
      '  driver_hourly_stats\n    entities: driver (driver_id INT64)\n    features: conv_rate FLOAT, acc_rate FLOAT, avg_daily_trips INT64\n    ttl: 2h\n',
    );
    expect(stdout).toContain('field mapping id -> driver_id, column_name -> trips_today');
    expect(stdout).toContain(
      '    inputs:\n      feature view driver_hourly_stats: conv_rate FLOAT\n      request source vals_to_add: val_to_add INT64\n' +
        '    outputs: conv_rate_plus_100 DOUBLE, conv_rate_plus_val_to_add DOUBLE, conv_rate_plus_100_rounded INT32\n',
    );
    expect(stdout).toContain('      | def transformed_conv_rate(inputs: pd.DataFrame) -> pd.DataFrame:\n');
    expect(stdout).toContain(
      '    driver_trips as previous_driver_trips (join keys driver_id -> previous_driver_id): trips_today\n',
    );
    expect(stdout).toContain('  driver_ranking_logged (logs to Redshift table driver_ranking_feature_log)\n');
    expect(stdout).toContain('    event times: 2026-01-06T21:00:00Z .. 2026-01-10T06:00:00Z\n');
  });

  it('prints the model as JSON with --json', async () => {
    const { code, stdout } = await run(
      ['registry', 'show', '--repo', path.relative(root, DEMO_DIR), '--json'],
      root,
    );
    expect(code).toBe(0);
    const expected = await loadRegistry(await loadRepoConfig(DEMO_DIR, { env: {} }));
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('reads a registry-dump JSON registry', async () => {
    const { code, stdout } = await run(['registry', 'show', '--repo', 'dump'], root);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '  zipcode_features as home_zipcode (join keys zipcode -> home_zipcode): population, tax_returns_filed\n',
    );
    expect(stdout).toContain(
      '  market_daily: Redshift query "SELECT day AS event_timestamp, approvals, rejections FROM analytics.market_daily"',
    );
    expect(stdout).toContain('    ttl: 1h30m\n');
  });

  it('says when the project is not in the registry', async () => {
    const { code, stdout } = await run(['registry', 'show', '--repo', 'other-project'], root);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Project fraud\n  (the registry has no objects for this project; it holds: driver_ranking)\n',
    );
    expect(stdout).toContain('\nFeature views (0)\n');
  });

  it('fails with 1 for a missing or corrupt registry', async () => {
    const corrupt = await run(['registry', 'show', '--repo', 'corrupt'], root);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/^fwb registry show: registry .*registry\.db \(byte \d+\): truncated/);
    const missing = await run(['registry', 'show', '--repo', 'missing'], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('registry file "');
    expect(missing.stderr).toContain('not found; run `feast apply`');
  });

  it('exits 2 for bad usage and an invalid feature_store.yaml', async () => {
    expect((await run(['registry', 'show'], root)).code).toBe(2);
    expect((await run(['registry', 'show', '--repo', 'nowhere'], root)).code).toBe(2);
    expect((await run(['registry', 'show', '--repo', 'dump', '--verbose'], root)).code).toBe(2);
    const invalid = await run(['registry', 'show', '--repo', 'invalid'], root);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^feature_store\.yaml:\d+:\d+: /);
  });
});
