/**
 * `fwb pull-latest` end to end, for a cluster and a workgroup config: against a sandbox reached through the SDK's
 * endpoint variables, and once through the embedded `--sandbox`; the file written, and the usage and input errors
 * with their exit codes.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverHourlyStats } from '../../testing/datasets';
import { DEMO_DATA, demoRepoCopy, fwb, sharedSandbox, sortedLines } from './cli-repo-fixture';

let dir: string;
let shared: Awaited<ReturnType<typeof sharedSandbox>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-pull-latest-'));
  shared = await sharedSandbox();
});

afterAll(async () => {
  await shared?.restore();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['cluster', 'serverless'] as const)('fwb pull-latest with a %s config', (target) => {
  let repo: string;

  beforeAll(async () => {
    repo = await demoRepoCopy(dir, target);
  });

  it('writes the latest row per driver in the window, the backfill winning its tie', async () => {
    const out = path.join(dir, `latest-${target}.csv`);
    const run = await fwb(
      [
        'pull-latest',
        '--repo',
        repo,
        '--feature-view',
        'driver_hourly_stats',
        '--start',
        '2026-01-09',
        '--end',
        '2026-01-09T12:00:00',
        '--out',
        out,
      ],
      dir,
      process.env,
    );
    expect(run.stderr).toMatch(/wrote 19 rows to .*latest-.*\.csv \(csv, [\d.]+ s\)\n$/);
    expect(run.code).toBe(0);
    const { header, rows } = sortedLines(await readFile(out, 'utf8'));
    expect(header).toBe('driver_id,conv_rate,acc_rate,avg_daily_trips,event_timestamp,created_timestamp');
    expect(rows).toHaveLength(19);
    // Every driver's latest row is the one at the end of the window (naive --end read as UTC)...
    for (const row of rows) expect(row.split(',')[4]).toBe('2026-01-09T12:00:00Z');
    // ...and for the backfilled drivers, the row created a day later (avg_daily_trips >= 1000).
    const { backfills } = driverHourlyStats().notes;
    for (const backfill of backfills) {
      const row = rows.find((line) => line.startsWith(`${backfill.driverId},`))!;
      expect(row.split(',')[3]).toBe(String(backfill.avgDailyTrips));
      expect(backfill.eventTimestampMs).toBe(Date.UTC(2026, 0, 9, 12));
    }
    expect(shared.sandbox.store.listKeys('feast-demo-bucket')).toEqual([]);
  });

  it('writes the same file through the embedded --sandbox', async () => {
    const viaEnv = await readFile(path.join(dir, `latest-${target}.csv`), 'utf8');
    const out = path.join(dir, `embedded-${target}.csv`);
    const run = await fwb(
      ['pull-latest', '--repo', repo, '--sandbox', DEMO_DATA, '--feature-view', 'driver_hourly_stats'].concat(
        ['--start', '2026-01-09', '--end', '2026-01-09T12:00:00', '--out', out],
      ),
      dir,
    );
    expect(run.code).toBe(0);
    expect(sortedLines(await readFile(out, 'utf8'))).toEqual(sortedLines(viaEnv));
  });
});

describe('fwb pull-latest refusals', () => {
  let repo: string;

  beforeAll(async () => {
    repo = await demoRepoCopy(dir, 'cluster');
  });

  const pull = (...args: string[]) =>
    fwb(
      ['pull-latest', '--repo', repo, '--sandbox', DEMO_DATA, '--out', path.join(dir, 'x.csv'), ...args],
      dir,
    );

  it('needs both dates, valid ones, in order (usage errors, exit 2, nothing started)', async () => {
    const missing = await pull('--feature-view', 'driver_hourly_stats', '--start', '2026-01-09');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^fwb pull-latest: --start and --end are both required\nUsage: fwb pull-latest/,
    );
    const bad = await pull(
      '--feature-view',
      'driver_hourly_stats',
      '--start',
      '2026-01-09',
      '--end',
      '09/01/2026',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('fwb pull-latest: --end "09/01/2026" is not an ISO-8601 date or date-time');
    const reversed = await pull(
      '--feature-view',
      'driver_hourly_stats',
      '--start',
      '2026-01-10',
      '--end',
      '2026-01-09',
    );
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain(
      'fwb pull-latest: --start 2026-01-10T00:00:00Z is after the end 2026-01-09T00:00:00Z.',
    );
    const noView = await pull('--start', '2026-01-09', '--end', '2026-01-10');
    expect(noView.code).toBe(2);
    expect(noView.stderr).toContain('--feature-view is required');
  });

  it('names an unknown feature view with a suggestion (exit 1)', async () => {
    const run = await pull('--feature-view', 'driver_hourly', '--start', '2026-01-09', '--end', '2026-01-10');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'fwb pull-latest: feature view "driver_hourly" not found; did you mean driver_hourly_stats?\n',
    );
  });
});
