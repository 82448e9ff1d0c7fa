/**
 * `fwb retrieve --start --end` (no entity frame) end to end against a sandbox reached through the SDK's endpoint
 * variables, for a cluster and a workgroup config: the file equals a retrieval with the rule's entity rows given
 * as an entity frame, rows come ordered by event time then keys, and the usage errors.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRepoCopy, fwb, sharedSandbox } from './cli-repo-fixture';

const FEATURES = 'driver_hourly_stats:conv_rate,customer_profile:current_balance';

let dir: string;
let shared: Awaited<ReturnType<typeof sharedSandbox>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-retrieve-range-'));
  shared = await sharedSandbox();
});

afterAll(async () => {
  await shared?.restore();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['cluster', 'serverless'] as const)('fwb retrieve --start --end, %s', (target) => {
  let repo: string;

  beforeAll(async () => {
    repo = await demoRepoCopy(dir, target);
  });

  const run = (...args: string[]) => fwb(['retrieve', '--repo', repo, ...args], dir, process.env);

  it('writes one row per distinct keys and event time in the window, like the same rows as an entity frame', async () => {
    const out = path.join(dir, `range-${target}.csv`);
    const result = await run(
      '--start',
      '2026-01-08T23:00:00Z',
      '--end',
      '2026-01-09T01:00:00',
      '--features',
      FEATURES,
      '--out',
      out,
    );
    expect(result.code).toBe(0);
    const text = await readFile(out, 'utf8');
    const lines = text.split('\n').filter((line) => line !== '');
    expect(lines[0]).toBe('driver_id,customer_id,event_timestamp,conv_rate,current_balance');
    const rows = lines.slice(1).map((line) => line.split(','));
    // 19 drivers at 23:00, 00:00 and 01:00, and the 19 customers' daily rows at midnight.
    expect(rows).toHaveLength(19 * 3 + 19);
    const order = rows.map(([driver, customer, ts]) => `${ts} ${driver || '~'} ${customer || '~'}`);
    expect(order).toEqual([...order].sort());
    expect(rows.filter(([driver]) => driver === '')).toHaveLength(19);

    // The same entity rows given as a frame give the same file.
    const frame = path.join(dir, `frame-${target}.csv`);
    await writeFile(
      frame,
      `driver_id,customer_id,event_timestamp\n${rows.map((r) => r.slice(0, 3).join(',')).join('\n')}\n`,
    );
    const framedOut = path.join(dir, `framed-${target}.csv`);
    expect((await run('--entities', frame, '--features', FEATURES, '--out', framedOut)).code).toBe(0);
    expect(await readFile(framedOut, 'utf8')).toBe(text);
  });

  it('refuses half a window, a bad date, a reversed window, and a window with an entity frame', async () => {
    const out = ['--features', FEATURES, '--out', path.join(dir, 'x.csv')];
    const half = await run('--start', '2026-01-09', ...out);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('a date-range retrieval needs both --start and --end');
    const bad = await run('--start', '2026-01-09', '--end', '2026-01-09T25:00', ...out);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--end "2026-01-09T25:00" is not an ISO-8601 date');
    const reversed = await run('--start', '2026-01-10', '--end', '2026-01-09', ...out);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('--start 2026-01-10T00:00:00Z is after the end 2026-01-09T00:00:00Z.');
    const both = await run(
      '--entity-sql',
      'SELECT 1',
      '--start',
      '2026-01-09',
      '--end',
      '2026-01-10',
      ...out,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one of --entities FILE.csv, --entity-sql SQL, or --start and --end');
  });

  it('explains that on-demand features need an entity frame (exit 1)', async () => {
    const result = await run(
      '--start',
      '2026-01-09',
      '--end',
      '2026-01-10',
      '--feature-service',
      'driver_activity',
      '--out',
      path.join(dir, 'x.csv'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('transformed_conv_rate needs val_to_add');
  });
});
