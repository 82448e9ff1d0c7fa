/**
 * `fwb write-batch` and `fwb write-logged-features` end to end on the demo repo, against the sandbox loaded
 * from the demo's data folder, with the repo's cluster configuration and a Serverless copy of it.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowToParquet } from '../../frames/parquet';
import { runCli } from '../run';

const DEMO = path.resolve(import.meta.dirname, '../../../assets/demo');
const DATA = path.join(DEMO, 'data');

let dir: string;
let serverlessRepo: string;

const ROWS_CSV =
  'driver_id,event_timestamp,avg_daily_trips,conv_rate,acc_rate,created\n' +
  '5001,2026-01-10T01:00:00Z,12,0.5,0.25,2026-01-10T01:05:00Z\n' +
  '5002,2026-01-10T01:00:00Z,13,0.75,0.5,2026-01-10T01:05:00Z\n';

/** A feature server log of driver_ranking_logged: two rows, columns in another order than the schema's. */
function logFile(): Uint8Array {
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 10, 1, minutes));
  return arrowToParquet(
    new arrow.Table({
      __request_id: arrow.vectorFromArray(['r1', 'r2'], new arrow.Utf8()),
      __log_date: arrow.vectorFromArray([at(0), at(0)], new arrow.DateDay()),
      __log_timestamp: arrow.vectorFromArray([at(1), at(2)], new arrow.TimestampMicrosecond('UTC')),
      transformed_conv_rate__conv_rate_plus_val_to_add__status: arrow.vectorFromArray(
        [1, 1],
        new arrow.Int32(),
      ),
      transformed_conv_rate__conv_rate_plus_val_to_add__timestamp: arrow.vectorFromArray(
        [at(1), at(2)],
        new arrow.TimestampSecond('UTC'),
      ),
      transformed_conv_rate__conv_rate_plus_val_to_add: arrow.vectorFromArray(
        [10.5, 20.5],
        new arrow.Float64(),
      ),
      val_to_add: arrow.vectorFromArray([10n, 20n], new arrow.Int64()),
      driver_hourly_stats__avg_daily_trips__status: arrow.vectorFromArray([1, 2], new arrow.Int32()),
      driver_hourly_stats__avg_daily_trips__timestamp: arrow.vectorFromArray(
        [at(0), at(0)],
        new arrow.TimestampSecond('UTC'),
      ),
      driver_hourly_stats__avg_daily_trips: arrow.vectorFromArray([76n, 190n], new arrow.Int64()),
      driver_hourly_stats__conv_rate__status: arrow.vectorFromArray([1, 2], new arrow.Int32()),
      driver_hourly_stats__conv_rate__timestamp: arrow.vectorFromArray(
        [at(0), at(0)],
        new arrow.TimestampSecond('UTC'),
      ),
      driver_hourly_stats__conv_rate: arrow.vectorFromArray([0.5, 0.25], new arrow.Float32()),
      driver_id: arrow.vectorFromArray([5001n, 5002n], new arrow.Int64()),
    }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-write-cli-'));
  await writeFile(path.join(dir, 'rows.csv'), ROWS_CSV);
  await writeFile(
    path.join(dir, 'missing.csv'),
    'driver_id,event_timestamp,conv_rate\n5001,2026-01-10T01:00:00Z,1\n',
  );
  await writeFile(path.join(dir, 'bad-value.csv'), ROWS_CSV.replace('12,0.5', 'twelve,0.5'));
  await mkdir(path.join(dir, 'logs'));
  await writeFile(path.join(dir, 'logs', 'part-0.parquet'), logFile());
  await writeFile(path.join(dir, 'rows.parquet'), logFile());
  serverlessRepo = path.join(dir, 'serverless');
  await mkdir(serverlessRepo);
  const yaml = (await readFile(path.join(DEMO, 'feature_store.yaml'), 'utf8'))
    .replace('  cluster_id: feast-cluster\n  user: awsuser\n', '  workgroup: feast-workgroup\n')
    .replace('registry: data/registry.db', `registry: ${path.join(DATA, 'registry.db')}`);
  expect(yaml).toContain('workgroup: feast-workgroup');
  await writeFile(path.join(serverlessRepo, 'feature_store.yaml'), yaml);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
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
])('on %s', (_, repo) => {
  it('fwb write-batch appends the rows of a CSV file and prints how many', async () => {
    const { code, stdout, stderr } = await run(
      'write-batch',
      '--repo',
      repo(),
      '--sandbox',
      DATA,
      '--feature-view',
      'driver_hourly_stats',
      '--input',
      'rows.csv',
    );
    expect(stderr).not.toMatch(/error|warning/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^wrote 2 rows to "public"\."driver_hourly_stats" \(\d+\.\d s\)\n$/);
  });

  it('fwb write-logged-features creates the logging table from a folder of logs', async () => {
    const { code, stdout, stderr } = await run(
      'write-logged-features',
      '--repo',
      repo(),
      '--sandbox',
      DATA,
      '--feature-service',
      'driver_ranking_logged',
      '--input',
      'logs',
    );
    expect(stderr).not.toMatch(/error|warning/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^wrote 2 rows from 1 file to "public"\."driver_ranking_feature_log" \(created the table\) \(\d+\.\d s\)\n$/,
    );
  });
});

describe('bad input and usage', () => {
  it('exits 2 naming missing columns and the position of a bad value', async () => {
    const missing = await run(
      'write-batch',
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--feature-view',
      'driver_hourly_stats',
      '--input',
      'missing.csv',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `fwb write-batch: ${path.join(dir, 'missing.csv')}:1: the columns do not match table "public"."driver_hourly_stats": missing acc_rate, avg_daily_trips, created.`,
    );
    const bad = await run(
      'write-batch',
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--feature-view',
      'driver_hourly_stats',
      '--input',
      'bad-value.csv',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^fwb write-batch: ${path.join(dir, 'bad-value.csv')}:2:27: `));
  });

  it('exits 2 for an unknown view, a service without logging and a wrong file kind', async () => {
    const view = await run(
      'write-batch',
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--feature-view',
      'nope',
      '--input',
      'rows.csv',
    );
    expect(view.code).toBe(2);
    expect(view.stderr).toMatch(/^fwb write-batch: feature view "nope" not found/);
    const service = await run(
      'write-logged-features',
      '--repo',
      DEMO,
      '--sandbox',
      DATA,
      '--feature-service',
      'driver_activity',
      '--input',
      'rows.parquet',
    );
    expect(service.code).toBe(2);
    expect(service.stderr).toContain('feature service driver_activity has no Redshift logging destination');
    const kind = await run('write-batch', '--repo', DEMO, '--feature-view', 'x', '--input', 'rows.json');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--input rows.json must be a .csv or .parquet file');
    const none = await run('write-logged-features', '--repo', DEMO, '--input', 'logs');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--feature-service is required\nUsage: fwb write-logged-features');
  });
});
