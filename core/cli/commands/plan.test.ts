import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrievalPlan } from '../../plan/types';
import { runCli } from '../run';

const DEMO = path.resolve(import.meta.dirname, '../../../assets/demo');
const ENTITIES = path.join(DEMO, 'entities.csv');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-plan-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['plan', ...argv], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

const RUN_TABLE = /"fwb_\d{8}t\d{6}_[0-9a-f]{8}_entities"/g;

describe('fwb plan', () => {
  it('prints the SQL for feature references, with the entity range as literals', async () => {
    const { code, stdout, stderr } = await run(
      '--repo',
      DEMO,
      '--entities',
      ENTITIES,
      '--features',
      'driver_hourly_stats:conv_rate, customer_profile:current_balance',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.match(RUN_TABLE)?.length).toBe(3);
    expect(stdout).toMatch(/^WITH "driver_hourly_stats__keys" AS \(\n/);
    expect(stdout).toContain(`WHERE "s"."event_timestamp" >= '2026-01-06 19:00:00'\n`);
    expect(stdout).toMatch(/\n {2}AND "w1"\."__fwb_entity_ts" = "e"\."event_timestamp";\n$/);
  });

  it('resolves a feature service with an alias, join_key_map and an on-demand view, as JSON', async () => {
    const { code, stdout } = await run(
      '--repo',
      DEMO,
      '--entities',
      ENTITIES,
      '--feature-service',
      'driver_activity',
      '--full-feature-names',
      '--filter-by-created-timestamp',
      '--json',
    );
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as RetrievalPlan;
    expect(plan.filterByCreatedTimestamp).toBe(true);
    expect(plan.groups.map((g) => [g.name, g.joinKeys.map((k) => k.entityColumn)])).toEqual([
      ['driver_hourly_stats', ['driver_id']],
      ['customer_profile', ['customer_id']],
      ['global_stats', []],
      ['previous_driver_trips', ['previous_driver_id']],
    ]);
    expect(plan.outputColumns.filter((c) => c.kind === 'onDemand').map((c) => c.name)).toEqual([
      'transformed_conv_rate__conv_rate_plus_100',
      'transformed_conv_rate__conv_rate_plus_val_to_add',
      'transformed_conv_rate__conv_rate_plus_100_rounded',
    ]);
    expect(plan.resultQuery).toContain('"s"."column_name" AS "previous_driver_trips__trips_today"');
  });

  it('reports bad input with exit code 2', async () => {
    const unknown = await run(
      '--repo',
      DEMO,
      '--entities',
      ENTITIES,
      '--features',
      'driver_hourly_stats:conv',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'fwb plan: feature "driver_hourly_stats:conv" not found; did you mean conv_rate?\n',
    );

    const collision = await run(
      '--repo',
      DEMO,
      '--entities',
      ENTITIES,
      '--features',
      'driver_hourly_stats:conv_rate,driver_hourly_stats:conv_rate',
    );
    expect(collision.code).toBe(2);
    expect(collision.stderr).toMatch(/^fwb plan: Several requested features are named conv_rate/);

    const csv = path.join(dir, 'no-driver.csv');
    await writeFile(csv, 'customer_id,event_timestamp\n1001,2026-01-08T00:00:00Z\n');
    const missing = await run(
      '--repo',
      DEMO,
      '--entities',
      csv,
      '--features',
      'driver_hourly_stats:conv_rate',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'fwb plan: driver_hourly_stats joins on driver_id, but the entity frame has no column of that name. Add a ' +
        'driver_id column to the entity frame.\n',
    );

    const broken = path.join(dir, 'broken.csv');
    await writeFile(broken, 'driver_id,event_timestamp\n"5001,2026-01-08T00:00:00Z\n');
    const unreadable = await run(
      '--repo',
      DEMO,
      '--entities',
      broken,
      '--features',
      'driver_hourly_stats:conv_rate',
    );
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(new RegExp(`^fwb plan: ${broken.replaceAll('.', '\\.')}:2:`));
  });

  it('reports usage mistakes with exit code 2', async () => {
    const both = await run(
      '--repo',
      DEMO,
      '--entities',
      ENTITIES,
      '--features',
      'a:b',
      '--feature-service',
      'x',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give either --features or --feature-service/);
    const none = await run('--repo', DEMO, '--entities', ENTITIES, '--features', ' , ');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--features lists no feature/);
    const noRepo = await run(
      '--repo',
      path.join(dir, 'nowhere'),
      '--entities',
      ENTITIES,
      '--features',
      'a:b',
    );
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toMatch(/is not a folder/);
  });
});
