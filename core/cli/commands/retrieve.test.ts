/**
 * `fwb retrieve` end to end on the demo repo. Most runs reach a sandbox started here through the AWS SDK's own
 * endpoint variables (AWS_ENDPOINT_URL_REDSHIFT_DATA / _S3) and the default credential chain, exactly as against
 * AWS, so the test can slow statements down and look at what is left; one run uses the embedded `--sandbox`.
 * Output files are read back and compared with the row-by-row reference.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRepoConfig } from '../../config/load';
import { readCsvEntityFrame } from '../../frames/csv';
import { parquetToArrow } from '../../frames/parquet';
import type { ProgressEvent } from '../../jobs/progress';
import { RetrievalJob, type RetrievalSpec } from '../../jobs/retrieval';
import { loadRegistry } from '../../registry/load';
import { sandboxEnvironment, startSandbox, type Sandbox } from '../../sandbox/index';
import { datasetToCsv } from '../../testing/csv';
import { demoEntityFrame, demoTables, orders } from '../../testing/datasets';
import type { ReferenceRow } from '../../testing/reference-pit';
import {
  datasetRows,
  datasetTable,
  referenceRows,
  resultRows,
  rowsByTable,
} from '../../testing/retrieval-fixtures';
import { sandboxConnection } from '../../warehouse/clients';
import { openWarehouse } from '../../warehouse/warehouse';
import type { CliIO } from '../command';
import { runCli } from '../run';
import { progressPrinter } from '../session';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO = path.join(ROOT, 'assets/demo');
const BUCKET = 'feast-demo-bucket';
const FEATURES = [
  'driver_hourly_stats:conv_rate',
  'driver_hourly_stats:avg_daily_trips',
  'customer_profile:current_balance',
  'global_stats:num_rides',
  'driver_trips:trips_today',
];
const ENTITY_COLUMNS = ['driver_id', 'customer_id', 'event_timestamp', 'val_to_add', 'previous_driver_id'];

const rowsOf = rowsByTable(demoTables().map(datasetTable));
const demoEntities = demoEntityFrame();
const savedEnv = { ...process.env };
let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir: path.join(DEMO, 'data'), buckets: [BUCKET] });
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-retrieve-cli-'));
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('AWS_')) delete process.env[key];
  }
  Object.assign(process.env, sandboxEnvironment(sandbox), { AWS_EC2_METADATA_DISABLED: 'true' });
});

afterEach(async () => {
  sandbox.faults.reset();
  sandbox.faults.resetCounts();
  // Whatever happened, no run leaves a staging table or object behind.
  const left = await sandbox.query(
    `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'fwb%'`,
  );
  expect(left.rows).toEqual([]);
  expect(sandbox.store.listKeys(BUCKET, 'staging/fwb/')).toEqual([]);
});

afterAll(async () => {
  process.env = savedEnv;
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function fwb(
  args: string[],
  options: { signal?: AbortSignal; onStderr?: (text: string) => void } = {},
) {
  const run: Run = { code: -1, stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (text) => {
      run.stdout += text;
    },
    stderr: (text) => {
      run.stderr += text;
      options.onStderr?.(text);
    },
    cwd: ROOT,
    env: process.env,
    signal: options.signal ?? new AbortController().signal,
  };
  run.code = await runCli(['retrieve', '--repo', 'assets/demo', ...args], io);
  return run;
}

function out(name: string): string {
  return path.join(dir, name);
}

/** The reference rows for the demo entity frame (or other rows) and a spec, via the job's own plan. */
async function expected(
  spec: RetrievalSpec,
  entityRows: readonly ReferenceRow[] = datasetRows(demoEntities),
) {
  const config = await loadRepoConfig(DEMO);
  const registry = await loadRegistry(config);
  const warehouse = openWarehouse(config, { connection: sandboxConnection(sandbox) });
  try {
    const frame = readCsvEntityFrame(Buffer.from(datasetToCsv(demoEntities)), { file: 'entities.csv' });
    const plan = await new RetrievalJob(
      warehouse,
      registry,
      { kind: 'frame', frame, name: 'e' },
      spec,
    ).plan();
    return referenceRows(plan, entityRows, rowsOf);
  } finally {
    warehouse.close();
  }
}

function multiset(rows: Record<string, unknown>[]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}

describe('fwb retrieve output files', () => {
  it('writes CSV: entity columns in input order, then features; UTC ISO timestamps; nulls as empty fields', async () => {
    const run = await fwb([
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      FEATURES.join(','),
      '--out',
      out('training.csv'),
    ]);
    expect(run.stderr).toMatch(/wrote 31 rows to .*training\.csv \(csv, [\d.]+ s\)\n$/);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const text = await readFile(out('training.csv'), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      [...ENTITY_COLUMNS, 'conv_rate', 'avg_daily_trips', 'current_balance', 'num_rides', 'trips_today'].join(
        ',',
      ),
    );
    expect(lines).toHaveLength(demoEntities.rowCount + 2);
    expect(lines.at(-1)).toBe('');
    // The input's second row is at 2026-01-07T03:47:22.105Z; every timestamp is UTC with a Z.
    expect(lines[2]).toMatch(/^\d+,\d+,2026-01-07T03:47:22\.105000Z,/);
    for (const line of lines.slice(1, -1)) expect(line.split(',')[2]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    // The row six hours after the data has no driver features: empty fields, not "null" or "NaN".
    const outside = lines[demoEntities.notes.outsideTtl[0]! + 1]!.split(',');
    expect(outside.slice(5, 7)).toEqual(['', '']);
    expect(text).not.toMatch(/null|NaN|undefined/);
    // Values: the file read back equals the reference, row by row in entity order.
    const back = readCsvEntityFrame(Buffer.from(text), { file: 'training.csv' });
    expect(resultRows(back.table)).toEqual(await expected({ features: FEATURES }));
  });

  it('writes the same file through the embedded --sandbox', async () => {
    const run = await fwb([
      '--sandbox',
      'assets/demo/data',
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      FEATURES.join(','),
      '--out',
      out('embedded.csv'),
    ]);
    expect(run.code).toBe(0);
    const reference = readCsvEntityFrame(await readFile(out('embedded.csv')), { file: 'embedded.csv' });
    expect(resultRows(reference.table)).toEqual(await expected({ features: FEATURES }));
  });

  it('writes Parquet, streamed with --unordered, with full feature names', async () => {
    const run = await fwb([
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      FEATURES.join(','),
      '--full-feature-names',
      '--unordered',
      '--out',
      out('training.parquet'),
    ]);
    expect(run.code).toBe(0);
    const table = parquetToArrow(await readFile(out('training.parquet')));
    expect(table.schema.fields.map((f) => f.name).slice(5)).toEqual([
      'driver_hourly_stats__conv_rate',
      'driver_hourly_stats__avg_daily_trips',
      'customer_profile__current_balance',
      'global_stats__num_rides',
      'driver_trips__trips_today',
    ]);
    expect(String(table.schema.fields[2]!.type)).toBe('Timestamp<MICROSECOND, UTC>');
    expect(multiset(resultRows(table))).toEqual(
      multiset(await expected({ features: FEATURES, fullFeatureNames: true })),
    );
  });

  it('writes Arrow IPC from an SQL entity frame', async () => {
    const sql = 'SELECT driver_id, customer_id, event_timestamp FROM public.orders';
    const run = await fwb([
      '--entity-sql',
      sql,
      '--features',
      FEATURES.slice(0, 4).join(','),
      '--out',
      out('o.arrow'),
    ]);
    expect(run.code).toBe(0);
    const table = tableFromIPC(await readFile(out('o.arrow')));
    const entityRows = datasetRows(orders()).map((r) => ({
      driver_id: r.driver_id!,
      customer_id: r.customer_id!,
      event_timestamp: r.event_timestamp!,
    }));
    // The reference's plan for these three entity columns.
    const config = await loadRepoConfig(DEMO);
    const warehouse = openWarehouse(config, { connection: sandboxConnection(sandbox) });
    try {
      const frame = readCsvEntityFrame(
        Buffer.from('driver_id,customer_id,event_timestamp\n1,1,2026-01-07T00:00:00Z\n'),
        { file: 'e' },
      );
      const plan = await new RetrievalJob(
        warehouse,
        await loadRegistry(config),
        { kind: 'frame', frame, name: 'e' },
        {
          features: FEATURES.slice(0, 4),
        },
      ).plan();
      expect(table.numRows).toBe(20);
      expect(multiset(resultRows(table))).toEqual(multiset(referenceRows(plan, entityRows, rowsOf)));
    } finally {
      warehouse.close();
    }
  });
});

describe('fwb retrieve refusals and failures', () => {
  it('refuses an unknown feature with a clear message and stages nothing', async () => {
    const run = await fwb([
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      'driver_hourly_stats:conv_rate,driver_hourly_stats:no_such_feature',
      '--out',
      out('x.csv'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^fwb retrieve: .*no_such_feature/m);
    expect(sandbox.faults.calls('PutObject')).toBe(0);
  });

  it('points at the line and column of a bad CSV', async () => {
    const bad = out('bad.csv');
    await writeFile(bad, 'driver_id,event_timestamp\n5001,2026-01-07T00:00:00Z\n5002,2026-13-01T00:00:00Z\n');
    const run = await fwb(['--entities', bad, '--features', FEATURES[0]!, '--out', out('x.csv')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /bad\.csv:3:6: event_timestamp value "2026-13-01T00:00:00Z" is not an ISO-8601 timestamp/,
    );
  });

  it('names an entity file it cannot read', async () => {
    const run = await fwb(['--entities', 'no/such.csv', '--features', FEATURES[0]!, '--out', out('x.csv')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/no\/such\.csv.*cannot read the file/);
  });

  it('refuses --features together with --feature-service, and a missing --out, as usage errors', async () => {
    const both = await fwb([
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      FEATURES[0]!,
      '--feature-service',
      'driver_activity',
      '--out',
      out('x.csv'),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give either --features or --feature-service\nUsage: fwb retrieve/);
    const noOut = await fwb(['--entities', 'assets/demo/entities.csv', '--features', FEATURES[0]!]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out is required/);
  });

  it('refuses an output extension it cannot write before running anything', async () => {
    const run = await fwb([
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      FEATURES[0]!,
      '--out',
      out('training.xlsx'),
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/cannot write "\.xlsx" files; use \.csv, \.parquet or \.arrow/);
    expect(sandbox.faults.calls('PutObject')).toBe(0);
    expect(sandbox.faults.calls('ExecuteStatement') + sandbox.faults.calls('BatchExecuteStatement')).toBe(0);
  });

  it('exits 130 when cancelled mid-run, and cleans up', async () => {
    sandbox.faults.delayStatements(60_000, { match: /^UNLOAD/ });
    const controller = new AbortController();
    const run = await fwb(
      ['--entities', 'assets/demo/entities.csv', '--features', FEATURES[0]!, '--out', out('cancelled.csv')],
      {
        signal: controller.signal,
        // Progress lines appear after a moment; the UNLOAD is held for a minute, so its line does come.
        onStderr: (text) => {
          if (/ unload +running the point-in-time join/.test(text)) controller.abort();
        },
      },
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/^fwb retrieve: cancelled during /m);
    expect(sandbox.faults.calls('CancelStatement')).toBeGreaterThan(0);
    await expect(readFile(out('cancelled.csv'))).rejects.toThrow(/ENOENT/);
  });
});

describe('progress on stderr', () => {
  it('shows every phase of a slow run, in order, on stderr only', async () => {
    sandbox.faults.delayStatements(1_500, { match: /^UNLOAD/ });
    const run = await fwb([
      '--entities',
      'assets/demo/entities.csv',
      '--features',
      FEATURES[0]!,
      '--out',
      out('slow.csv'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const phases = run.stderr
      .split('\n')
      .map((line) => /^ +\d+\.\d+s (\w+) +(?! )/.exec(line)?.[1])
      .filter((phase): phase is string => phase !== undefined);
    const order = [...new Set(phases)];
    expect(order).toEqual(['upload', 'copy', 'unload', 'download', 'decode', 'cleanup']);
    expect(run.stderr).toMatch(/unload +statement started \(statement [0-9a-f-]{36}\)/);
    expect(run.stderr).toMatch(/wrote 31 rows/);
  });

  describe('progressPrinter', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    function capture() {
      const lines: string[] = [];
      const io = {
        stdout: () => {
          throw new Error('progress must not go to stdout');
        },
        stderr: (text: string) => lines.push(text),
        cwd: '/',
        env: {},
        signal: new AbortController().signal,
      } satisfies CliIO;
      return { lines, io };
    }

    const event = (phase: ProgressEvent['phase'], state: ProgressEvent['state'], elapsedMs: number) =>
      ({ phase, state, message: `${phase} things`, elapsedMs }) satisfies ProgressEvent;

    it('prints nothing for a run that ends within the quiet period', () => {
      vi.useFakeTimers();
      const { lines, io } = capture();
      const printer = progressPrinter(io, 1000);
      printer.listener(event('upload', 'started', 10));
      printer.listener(event('upload', 'finished', 300));
      vi.advanceTimersByTime(900);
      printer.stop();
      vi.advanceTimersByTime(5000);
      expect(lines).toEqual([]);
    });

    it('prints what happened so far once the run is slow, then every event as it comes', () => {
      vi.useFakeTimers();
      const { lines, io } = capture();
      const printer = progressPrinter(io, 1000);
      printer.listener(event('upload', 'started', 0));
      printer.listener(event('upload', 'finished', 400));
      printer.listener(event('copy', 'started', 400));
      expect(lines).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(lines).toEqual([
        '   0.0s upload   upload things\n',
        '   0.4s upload     done in 0.4 s\n',
        '   0.4s copy     copy things\n',
      ]);
      printer.listener({
        ...event('copy', 'running', 1500),
        message: 'statement started',
        statementId: 'abc',
      });
      printer.listener(event('copy', 'finished', 2000));
      printer.stop();
      expect(lines.slice(3)).toEqual([
        '   1.5s copy       statement started (statement abc)\n',
        '   2.0s copy       done in 1.6 s\n',
      ]);
    });
  });
});
