/**
 * On-demand feature views in real retrievals: RetrievalJob and `fwb retrieve` -> the SDK -> the sandbox, then
 * the views computed in Python. The demo repo's ODFV (Feast's conv_rate_plus_100 pattern with a request
 * source) is checked value by value against the SQL columns it reads.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { runCli } from '../cli/run';
import { loadRepoConfig } from '../config/load';
import { isWorkbenchError, type EngineError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import { exactColumnValues } from '../frames/frame-values';
import type { EntityFrame } from '../frames/types';
import { RetrievalJob, type RetrievalSpec } from '../jobs/retrieval';
import { loadRegistry } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';
import { describeWithPython, TEST_PYTHON } from './test-python';

const DEMO_DIR = fileURLToPath(new URL('../../assets/demo', import.meta.url));
const DATA_DIR = path.join(DEMO_DIR, 'data');
const ENTITIES = path.join(DEMO_DIR, 'entities.csv');
const BUCKET = 'feast-demo-bucket';
const ODFV = 'transformed_conv_rate';
const OUTPUTS = ['conv_rate_plus_100', 'conv_rate_plus_val_to_add', 'conv_rate_plus_100_rounded'];

let sandbox: Sandbox;
let registry: RegistryModel;
let warehouse: Warehouse;
let frame: EntityFrame;
let dir: string;

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (isWorkbenchError(error)) return error.detail;
    throw error;
  }
  throw new Error('expected an EngineError');
}

function job(spec: RetrievalSpec, entities: EntityFrame = frame, on: RegistryModel = registry): RetrievalJob {
  return new RetrievalJob(warehouse, on, { kind: 'frame', frame: entities, name: 'entities.csv' }, spec);
}

function column(table: arrow.Table, name: string): (number | bigint | null)[] {
  return exactColumnValues(table, name) as (number | bigint | null)[];
}

/** Round half to even, as numpy's round does. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The demo ODFV's outputs, computed here from the result's own conv_rate and val_to_add columns. */
function expectDemoOutputs(table: arrow.Table, names: { convRate: string; prefix: string }): void {
  const convRate = column(table, names.convRate) as (number | null)[];
  const valToAdd = column(table, 'val_to_add');
  expect(convRate.some((v) => v === null)).toBe(true);
  expect(column(table, `${names.prefix}conv_rate_plus_100`)).toEqual(
    convRate.map((c) => (c === null ? null : c + 100)),
  );
  expect(column(table, `${names.prefix}conv_rate_plus_val_to_add`)).toEqual(
    convRate.map((c, i) => (c === null || valToAdd[i] === null ? null : c + Number(valToAdd[i]))),
  );
  expect(column(table, `${names.prefix}conv_rate_plus_100_rounded`)).toEqual(
    convRate.map((c) => (c === null ? null : roundHalfEven(c + 100))),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-odfv-'));
  sandbox = await startSandbox({ dataDir: DATA_DIR, buckets: [BUCKET], unloadRowsPerFile: 8 });
  const config = await loadRepoConfig(DEMO_DIR);
  registry = await loadRegistry(config);
  warehouse = openWarehouse(config, { connection: sandboxConnection(sandbox) });
  frame = readCsvEntityFrame(await readFile(ENTITIES), { file: 'entities.csv' });
});

afterEach(async () => {
  sandbox.faults.resetCounts();
  const left = await sandbox.query(
    `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'fwb%'`,
  );
  expect(left.rows).toEqual([]);
  expect(sandbox.store.listKeys(BUCKET, 'staging/')).toEqual([]);
});

afterAll(async () => {
  warehouse?.close();
  await sandbox?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describeWithPython('on-demand feature views in retrievals', () => {
  it("fwb retrieve computes the demo feature service's ODFV after the SQL, with Feast's names", async () => {
    const out = path.join(dir, 'training.parquet');
    const argv = ['retrieve', '--repo', DEMO_DIR, '--sandbox', DATA_DIR, '--entities', ENTITIES];
    const short = await cli([...argv, '--feature-service', 'driver_activity', '--out', out]);
    expect(short.stderr).toMatch(/wrote 31 rows to .*training\.parquet/);
    expect(short.code).toBe(0);
    const { parquetToArrow } = await import('../frames/parquet');
    const table = parquetToArrow(await readFile(out));
    expect(table.schema.fields.map((f) => f.name).slice(-4)).toEqual(['trips_today', ...OUTPUTS]);
    expect(String(table.schema.fields.at(-1)!.type)).toBe('Int32');
    expectDemoOutputs(table, { convRate: 'conv_rate', prefix: '' });

    const full = await cli([
      ...argv,
      '--features',
      `${ODFV}:conv_rate_plus_100`,
      '--full-feature-names',
      '--python',
      TEST_PYTHON.info!.executable,
      '--out',
      out,
    ]);
    expect(full.code).toBe(0);
    const fullTable = parquetToArrow(await readFile(out));
    expect(fullTable.schema.fields.map((f) => f.name)).toEqual([
      ...frame.columns.map((c) => c.name),
      'driver_hourly_stats__conv_rate',
      `${ODFV}__conv_rate_plus_100`,
    ]);
  });

  it('fwb retrieve says what is missing when FWB_PYTHON names no interpreter, and writes nothing', async () => {
    const out = path.join(dir, 'never.csv');
    const { code, stderr } = await cli(
      [
        'retrieve',
        '--repo',
        DEMO_DIR,
        '--sandbox',
        DATA_DIR,
        '--entities',
        ENTITIES,
        '--feature-service',
        'driver_activity',
        '--out',
        out,
      ],
      { ...process.env, FWB_PYTHON: path.join(dir, 'no-such-python') },
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Python 3 with pandas (to run the on-demand feature view ${ODFV}) is missing: tried ${path.join(dir, 'no-such-python')} (FWB_PYTHON): not found.`,
    );
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a frame without the request field before any SQL or upload', async () => {
    const withoutRequest = readCsvEntityFrame(
      Buffer.from('driver_id,event_timestamp\n5001,2026-01-09T12:00:00Z\n'),
      { file: 'entities.csv' },
    );
    sandbox.faults.resetCounts();
    const error = await engineError(
      job({ features: [`${ODFV}:conv_rate_plus_100`] }, withoutRequest).toArrow(),
    );
    expect(error).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringMatching(
        /^The on-demand feature view transformed_conv_rate needs the request field val_to_add \(from vals_to_add\), but the entity frame has no column of that name\./,
      ),
    });
    expect(sandbox.faults.counts()).toEqual({});
  });

  it('refuses to start without Python before any SQL', async () => {
    sandbox.faults.resetCounts();
    const error = await engineError(
      job({ features: [`${ODFV}:conv_rate_plus_100`] }).toArrow({
        onDemand: { python: path.join(dir, 'no-such-python') },
      }),
    );
    expect(error.kind).toBe('DependencyMissing');
    expect(sandbox.faults.counts()).toEqual({});
  });

  it('mixes ODFVs with regular views, short and full names; the SQL columns are those of a plain retrieval', async () => {
    const features = [
      'driver_hourly_stats:acc_rate',
      `${ODFV}:conv_rate_plus_val_to_add`,
      'customer_profile:current_balance',
      `${ODFV}:conv_rate_plus_100_rounded`,
    ];
    const plain = await job({
      features: [
        'driver_hourly_stats:acc_rate',
        'driver_hourly_stats:conv_rate',
        'customer_profile:current_balance',
      ],
    }).toArrow();
    const short = await job({ features }).toArrow();
    expect(short.schema.fields.map((f) => f.name)).toEqual([
      ...plain.schema.fields.map((f) => f.name),
      'conv_rate_plus_val_to_add',
      'conv_rate_plus_100_rounded',
    ]);
    for (const field of plain.schema.fields) {
      expect(exactColumnValues(short, field.name), field.name).toEqual(exactColumnValues(plain, field.name));
    }
    const convRate = column(short, 'conv_rate') as (number | null)[];
    const valToAdd = column(short, 'val_to_add');
    expect(column(short, 'conv_rate_plus_val_to_add')).toEqual(
      convRate.map((c, i) => (c === null || valToAdd[i] === null ? null : c + Number(valToAdd[i]))),
    );

    const full = await job({ features, fullFeatureNames: true }).toArrow();
    expect(full.schema.fields.map((f) => f.name).slice(frame.columns.length)).toEqual([
      'driver_hourly_stats__acc_rate',
      'driver_hourly_stats__conv_rate',
      'customer_profile__current_balance',
      `${ODFV}__conv_rate_plus_val_to_add`,
      `${ODFV}__conv_rate_plus_100_rounded`,
    ]);
    expect(column(full, `${ODFV}__conv_rate_plus_100_rounded`)).toEqual(
      column(short, 'conv_rate_plus_100_rounded'),
    );
  });

  it('streams with toArrowBatches (ODFVs batch by batch) and writes with toRedshift (computed, then uploaded)', async () => {
    const spec: RetrievalSpec = { featureService: 'driver_activity', fullFeatureNames: true };
    const whole = await job(spec).toArrow();
    expectDemoOutputs(whole, { convRate: 'driver_hourly_stats__conv_rate', prefix: `${ODFV}__` });
    const key = (table: arrow.Table, i: number) =>
      JSON.stringify(table.schema.fields.map((f) => String(exactColumnValues(table, f.name)[i])));
    const rows = (table: arrow.Table) =>
      Array.from({ length: table.numRows }, (_, i) => key(table, i)).sort();

    const batches: arrow.RecordBatch[] = [];
    for await (const batch of job(spec).toArrowBatches()) batches.push(batch);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flatMap((b) => rows(new arrow.Table([b]))).sort()).toEqual(rows(whole));

    const destination = { schema: 'public', name: 'odfv_training_set' };
    try {
      const written = await job(spec).toRedshift(destination);
      expect(written.rows).toBe(31);
      const statement = await warehouse.executor.execute(
        `SELECT * FROM "public"."odfv_training_set" ORDER BY "driver_id", "event_timestamp", "customer_id"`,
      );
      const back = await resultPagesToArrow(warehouse.executor.resultPages(statement.id));
      expect(back.schema.fields.map((f) => f.name)).toEqual(whole.schema.fields.map((f) => f.name));
      expect(rows(back)).toEqual(rows(whole));
      const described = await warehouse.executor.describeTable('public', 'odfv_training_set');
      expect(described.slice(-3).map((c) => `${c.name} ${c.typeName}`)).toEqual([
        `${ODFV}__conv_rate_plus_100 float8`,
        `${ODFV}__conv_rate_plus_val_to_add float8`,
        `${ODFV}__conv_rate_plus_100_rounded int4`,
      ]);
      expect(await engineError(job(spec).toRedshift(destination))).toMatchObject({ kind: 'PlanInvalid' });
    } finally {
      await sandbox.query('DROP TABLE IF EXISTS "public"."odfv_training_set"');
    }
  });

  it('reports a transformation that raises, with its traceback, and leaves nothing behind', async () => {
    const odfv = registry.onDemandFeatureViews.find((v) => v.name === ODFV)!;
    const raising: RegistryModel = {
      ...registry,
      onDemandFeatureViews: [
        {
          ...odfv,
          transformation: {
            ...odfv.transformation,
            sourceText: odfv.transformation.sourceText.replace(
              '    out = pd.DataFrame()\n',
              '    out = pd.DataFrame()\n    raise ValueError("no rates today")\n',
            ),
          },
        },
      ],
    };
    const error = await engineError(job({ featureService: 'driver_activity' }, frame, raising).toArrow());
    expect(error).toMatchObject({
      kind: 'TransformFailed',
      name: ODFV,
      message: 'the transformation raised ValueError: no rates today (rows 0-30)',
    });
    expect((error as { output: string }).output).toMatch(
      /File "<on-demand feature view transformed_conv_rate>", line \d+, in transformed_conv_rate\n {4}raise ValueError\("no rates today"\)/,
    );
  });

  it('runs with an SQL entity query (the request field comes from its columns)', async () => {
    const sqlJob = new RetrievalJob(
      warehouse,
      registry,
      {
        kind: 'sql',
        sql: `SELECT 5001 AS driver_id, 7 AS val_to_add, TIMESTAMPTZ '2026-01-09 12:30:00+00' AS event_timestamp`,
      },
      { features: [`${ODFV}:conv_rate_plus_val_to_add`] },
    );
    const table = await sqlJob.toArrow();
    const convRate = column(table, 'conv_rate')[0] as number;
    expect(convRate).not.toBeNull();
    expect(column(table, 'conv_rate_plus_val_to_add')).toEqual([convRate + 7]);
  });
});
