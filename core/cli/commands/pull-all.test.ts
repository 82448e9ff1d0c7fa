/** `fwb pull-all` end to end against a sandbox reached through the SDK's endpoint variables, for a cluster and a workgroup config. */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetToArrow } from '../../frames/parquet';
import { driverTrips } from '../../testing/datasets';
import { demoRepoCopy, fwb, sharedSandbox, sortedLines } from './cli-repo-fixture';

let dir: string;
let shared: Awaited<ReturnType<typeof sharedSandbox>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-pull-all-'));
  shared = await sharedSandbox();
});

afterAll(async () => {
  await shared?.restore();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['cluster', 'serverless'] as const)('fwb pull-all with a %s config', (target) => {
  let repo: string;

  beforeAll(async () => {
    repo = await demoRepoCopy(dir, target);
  });

  const pull = (...args: string[]) => fwb(['pull-all', '--repo', repo, ...args], dir, process.env);

  it('writes every row without dates, with field-mapped names (Feast emits invalid SQL here)', async () => {
    const out = path.join(dir, `all-${target}.parquet`);
    const run = await pull('--feature-view', 'driver_trips', '--out', out);
    expect(run.code).toBe(0);
    const table = parquetToArrow(new Uint8Array(await readFile(out)));
    expect(table.schema.names).toEqual(['driver_id', 'trips_today', 'event_timestamp', 'created_timestamp']);
    expect(table.numRows).toBe(driverTrips().rowCount);
  });

  it('writes the rows from a start on, inclusive', async () => {
    const out = path.join(dir, `from-${target}.csv`);
    const run = await pull('--feature-view', 'driver_trips', '--start', '2026-01-09T16:00:00Z', '--out', out);
    expect(run.code).toBe(0);
    const times = (
      driverTrips().columns.find((c) => c.name === 'event_timestamp')!.values as number[]
    ).filter((ms) => ms >= Date.UTC(2026, 0, 9, 16));
    const { header, rows } = sortedLines(await readFile(out, 'utf8'));
    expect(header).toBe('driver_id,trips_today,event_timestamp,created_timestamp');
    expect(rows).toHaveLength(times.length);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(Date.parse(row.split(',')[2]!)).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 9, 16));
  });

  it('writes the header alone when the window is empty', async () => {
    const out = path.join(dir, `empty-${target}.csv`);
    const run = await pull('--feature-view', 'global_stats', '--end', '2020-01-01', '--out', out);
    expect(run.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('num_rides,avg_ride_length,event_timestamp,created_timestamp\n');
  });

  it('refuses an on-demand view (exit 1) and a bad date (exit 2)', async () => {
    const odfv = await pull('--feature-view', 'transformed_conv_rate', '--out', path.join(dir, 'x.csv'));
    expect(odfv.code).toBe(1);
    expect(odfv.stderr).toContain('is an on-demand feature view');
    const bad = await pull(
      '--feature-view',
      'driver_trips',
      '--start',
      'monday',
      '--out',
      path.join(dir, 'x.csv'),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--start "monday" is not an ISO-8601 date');
  });
});
