/**
 * `fwb retrieve --save-as` and `fwb saved-dataset` end to end against one sandbox reached through the SDK's
 * endpoint variables (the saved table must outlive a command), for a cluster and a workgroup config: what was
 * saved reads back equal to `retrieve --out`, and every refusal with its exit code.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepoConfig } from '../../config/load';
import { loadRegistry } from '../../registry/load';
import { DEMO, DEMO_DATA, demoRepoCopy, fwb, sharedSandbox, sortedLines } from './cli-repo-fixture';

const ENTITIES = path.join(DEMO, 'entities.csv');
const FEATURES = 'driver_hourly_stats:conv_rate,customer_profile:current_balance,driver_trips:trips_today';

let dir: string;
let shared: Awaited<ReturnType<typeof sharedSandbox>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-saved-dataset-cli-'));
  shared = await sharedSandbox();
  await shared.sandbox.query('CREATE SCHEMA analytics_cluster; CREATE SCHEMA analytics_serverless');
});

afterAll(async () => {
  await shared?.restore();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['cluster', 'serverless'] as const)(
  'fwb retrieve --save-as and fwb saved-dataset, %s',
  (target) => {
    let repo: string;

    beforeAll(async () => {
      repo = await demoRepoCopy(dir, target);
    });

    const run = (...args: string[]) => fwb(args, dir, process.env);
    const saveArgs = (name: string, table: string, ...extra: string[]) => [
      'retrieve',
      '--repo',
      repo,
      '--entities',
      ENTITIES,
      '--features',
      FEATURES,
      '--save-as',
      name,
      '--table',
      table,
      ...extra,
    ];

    it('saves to a table, records the dataset, and reads back what retrieve --out writes', async () => {
      const saved = await run(...saveArgs('training', `analytics_${target}.training`));
      expect(saved.stderr).toMatch(
        new RegExp(
          `wrote 31 rows to "analytics_${target}"\\."training" and saved them as training in data/registry\\.db`,
        ),
      );
      expect(saved.code).toBe(0);
      const registry = await loadRegistry(await loadRepoConfig(repo));
      expect(registry.savedDatasets.find((dataset) => dataset.name === 'training')).toMatchObject({
        storage: { table: 'training', schema: `analytics_${target}` },
        features: FEATURES.split(','),
        joinKeys: ['driver_id', 'customer_id'],
      });

      const direct = path.join(dir, `direct-${target}.csv`);
      expect(
        (
          await run(
            'retrieve',
            '--repo',
            repo,
            '--entities',
            ENTITIES,
            '--features',
            FEATURES,
            '--out',
            direct,
          )
        ).code,
      ).toBe(0);
      const back = path.join(dir, `back-${target}.csv`);
      const read = await run('saved-dataset', 'training', '--repo', repo, '--out', back);
      expect(read.stderr).toMatch(/wrote 31 rows to .*back-.*\.csv \(csv, [\d.]+ s\)\n$/);
      expect(read.code).toBe(0);
      expect(sortedLines(await readFile(back, 'utf8'))).toEqual(sortedLines(await readFile(direct, 'utf8')));
    });

    it('refuses an existing table and an existing name without --allow-overwrite, then replaces both with it', async () => {
      const again = await run(...saveArgs('training', `analytics_${target}.training`));
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        'fwb retrieve: the saved dataset training already exists in project driver_ranking; pass --allow-overwrite to replace it\n',
      );
      const taken = await run(...saveArgs('other', `analytics_${target}.training`));
      expect(taken.code).toBe(1);
      expect(taken.stderr).toBe(
        `fwb retrieve: table "analytics_${target}"."training" already exists; pass --allow-overwrite to replace it\n`,
      );
      const replaced = await run(
        'retrieve',
        '--repo',
        repo,
        '--start',
        '2026-01-09T10:00:00Z',
        '--end',
        '2026-01-09T11:00:00Z',
        '--features',
        'driver_hourly_stats:conv_rate',
        '--save-as',
        'training',
        '--table',
        `analytics_${target}.training`,
        '--allow-overwrite',
      );
      expect(replaced.code).toBe(0);
      const back = path.join(dir, `replaced-${target}.csv`);
      expect((await run('saved-dataset', 'training', '--repo', repo, '--out', back)).code).toBe(0);
      const { header, rows } = sortedLines(await readFile(back, 'utf8'));
      expect(header).toBe('driver_id,event_timestamp,conv_rate');
      expect(rows).toHaveLength(19 * 2);
      const registry = await loadRegistry(await loadRepoConfig(repo));
      expect(registry.savedDatasets.filter((dataset) => dataset.name === 'training')).toHaveLength(1);
    });

    it('reports an unknown saved dataset and one whose table is gone', async () => {
      const unknown = await run('saved-dataset', 'trainin', '--repo', repo, '--out', path.join(dir, 'x.csv'));
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe(
        'fwb saved-dataset: saved dataset "trainin" not found; did you mean training?\n',
      );
      const gone = await run(
        'saved-dataset',
        'driver_training_2026_01',
        '--repo',
        repo,
        '--out',
        path.join(dir, 'x.csv'),
      );
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain(
        'fwb saved-dataset: table "public.driver_training_2026_01" not found; the saved dataset driver_training_2026_01 records it, but it no longer exists (dropped?)',
      );
    });

    it('the embedded --sandbox starts empty, so a dataset saved elsewhere has no table there', async () => {
      const embedded = await run(
        'saved-dataset',
        'training',
        '--repo',
        repo,
        '--sandbox',
        DEMO_DATA,
        '--out',
        path.join(dir, 'x.csv'),
      );
      expect(embedded.code).toBe(1);
      expect(embedded.stderr).toContain(`table "analytics_${target}.training" not found`);
    });
  },
);

describe('fwb retrieve --save-as usage', () => {
  let repo: string;

  beforeAll(async () => {
    repo = await demoRepoCopy(dir, 'cluster');
  });

  it.each([
    [['--save-as', 'x'], '--save-as needs --table TABLE'],
    [['--save-as', 'x', '--table', 't', '--out', 'x.csv'], 'give either --out or --save-as'],
    [['--table', 't', '--out', 'x.csv'], '--table goes with --save-as'],
    [['--allow-overwrite', '--out', 'x.csv'], '--allow-overwrite goes with --save-as'],
    [
      ['--save-as', 'x', '--table', 'a.b.c'],
      '--table a.b.c is not a table name; write TABLE or SCHEMA.TABLE',
    ],
    [['--save-as', 'x', '--table', 't', '--unordered'], '--unordered applies to --out only'],
  ])('%j is a usage error', async (args, message) => {
    const result = await fwb(
      ['retrieve', '--repo', repo, '--entities', ENTITIES, '--features', FEATURES, ...args],
      dir,
      process.env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`fwb retrieve: ${message}`);
  });

  it('needs a dataset name for saved-dataset', async () => {
    const result = await fwb(['saved-dataset', '--repo', repo, '--out', 'x.csv'], dir, process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give the name of one saved dataset');
  });
});
