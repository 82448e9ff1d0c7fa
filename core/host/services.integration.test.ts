/**
 * The services on the demo repo against the embedded sandbox, through the dispatcher (what every transport
 * calls): the session, the registry, frames, plans, a retrieval streamed as Arrow batches, export, IAM and
 * config saves. Also the pure helpers the services rely on.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../contract/types';
import type { RetrievalEvent, RunSummary } from '../contract/types';
import { parquetToArrow } from '../frames/parquet';
import { createEngineHost, shippedDemoDir, type EngineHost } from './host';
import { arrowChunks, assumedEntityColumns, awsProfileNames } from './services';

let dir: string;
let host: EngineHost;
const entities = () => readFile(path.join(shippedDemoDir(), 'entities.csv'));

async function call<T>(
  method: string,
  input: unknown,
  emit?: (event: unknown) => void,
  signal?: AbortSignal,
) {
  const result = await host.dispatcher.dispatch(method, input, {
    signal: signal ?? new AbortController().signal,
    ...(emit ? { emit } : {}),
  });
  return result as Result<T>;
}

async function value<T>(method: string, input: unknown, emit?: (event: unknown) => void): Promise<T> {
  const result = await call<T>(method, input, emit);
  if (!result.ok) throw new Error(`${method}: ${JSON.stringify(result.error)}`);
  return result.value;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-services-'));
  host = createEngineHost({ demoDir: path.join(dir, 'demo') });
  await host.ready;
});

afterAll(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('services on the demo repo', () => {
  it('opens a private copy of the demo on the sandbox', async () => {
    const info = await value<{
      repoDir: string;
      isDemo: boolean;
      connection: { kind: string };
      repo: { project: string };
    }>('session.current', {});
    expect(info.repoDir).toBe(path.join(dir, 'demo'));
    expect(info.isDemo).toBe(true);
    expect(info.connection.kind).toBe('sandbox');
    expect(info.repo.project).toBe('driver_ranking');
    const registry = await value<{ model: { featureViews: { name: string }[] } }>('registry.get', {});
    expect(registry.model.featureViews.map((v) => v.name)).toContain('driver_hourly_stats');
  });

  it('plans without a frame (assumed columns) and with one', async () => {
    const assumed = await value<{
      entities: string;
      assumedColumns: { name: string }[];
      plan: { sql: string };
    }>('plan.preview', { request: { featureService: 'driver_activity' } });
    expect(assumed.entities).toBe('assumed');
    expect(assumed.assumedColumns.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'driver_id',
        'customer_id',
        'previous_driver_id',
        'val_to_add',
        'event_timestamp',
      ]),
    );
    const frame = await value<{
      frameId: string;
      rowCount: number;
      previewRows: number;
      preview: Uint8Array;
    }>('frames.open', { fileName: 'entities.csv', bytes: new Uint8Array(await entities()) });
    expect(frame.rowCount).toBe(31);
    expect(arrow.tableFromIPC(frame.preview).numRows).toBe(31);
    const planned = await value<{ entities: string; plan: { groups: unknown[] } }>('plan.preview', {
      request: { features: ['driver_hourly_stats:conv_rate'] },
      frameId: frame.frameId,
    });
    expect(planned.entities).toBe('frame');
    expect(planned.plan.groups).toHaveLength(1);
    const explained = await value<{ lines: string[]; tree: string[] }>(
      'plan.explain',
      { request: { features: ['driver_hourly_stats:conv_rate'] }, frameId: frame.frameId },
      () => undefined,
    );
    expect(explained.lines.length).toBeGreaterThan(3);
    expect(explained.tree.join('\n')).toContain('Seq Scan on driver_hourly_stats');
  });

  it('runs a retrieval: progress, then the result as Arrow IPC batches; exports it as CSV', async () => {
    const frame = await value<{ frameId: string }>('frames.open', {
      fileName: 'entities.csv',
      bytes: new Uint8Array(await entities()),
    });
    const events: RetrievalEvent[] = [];
    const summary = await value<RunSummary>(
      'retrieval.run',
      {
        request: { features: ['driver_hourly_stats:conv_rate', 'customer_profile:current_balance'] },
        frameId: frame.frameId,
      },
      (event) => events.push(event as RetrievalEvent),
    );
    expect(events[0]?.type).toBe('started');
    expect(events.some((e) => e.type === 'progress' && e.progress.phase === 'unload')).toBe(true);
    const batches = events.filter((e): e is Extract<RetrievalEvent, { type: 'batch' }> => e.type === 'batch');
    const table = new arrow.Table(batches.flatMap((b) => arrow.tableFromIPC(b.arrow).batches));
    expect(table.numRows).toBe(31);
    expect(summary.rows).toBe(31);
    expect(summary.columns.map((c) => [c.name, c.kind, c.nulls])).toEqual([
      ['driver_id', 'entity', 0],
      ['customer_id', 'entity', 0],
      ['event_timestamp', 'entity', 0],
      ['val_to_add', 'entity', 0],
      ['previous_driver_id', 'entity', 0],
      ['conv_rate', 'feature', 3],
      ['current_balance', 'feature', 2],
    ]);
    const chunks: Uint8Array[] = [];
    const exported = await value<{ rows: number; bytes: number; fileName: string }>(
      'results.export',
      { resultId: summary.resultId, format: 'csv' },
      (event) => chunks.push((event as { bytes: Uint8Array }).bytes),
    );
    const text = Buffer.concat(chunks).toString('utf8');
    expect(exported.rows).toBe(31);
    expect(Buffer.byteLength(text)).toBe(exported.bytes);
    expect(text.split('\n')[1]).toBe('5016,1014,2026-01-07T00:00:00Z,0,5008,0.4857,0.4781');
    // Parquet and Arrow files through the same engine writers: read back, same rows and columns.
    for (const format of ['parquet', 'arrow'] as const) {
      const parts: Uint8Array[] = [];
      const done = await value<{ mimeType: string; rows: number }>(
        'results.export',
        { resultId: summary.resultId, format },
        (event) => parts.push((event as { bytes: Uint8Array }).bytes),
      );
      const bytes = Buffer.concat(parts);
      expect(done.rows).toBe(31);
      if (format === 'parquet') {
        expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
        expect(parquetToArrow(new Uint8Array(bytes)).numRows).toBe(31);
      } else {
        const back = arrow.tableFromIPC(new Uint8Array(bytes));
        expect(back.numRows).toBe(31);
        expect(back.schema.fields.map((f) => f.name)).toEqual(summary.columns.map((c) => c.name));
      }
    }
  });

  it('cancels a run in flight: the engine sees the abort and the answer is Cancelled', async () => {
    const frame = await value<{ frameId: string }>('frames.open', {
      fileName: 'entities.csv',
      bytes: new Uint8Array(await entities()),
    });
    host.workspace.sandbox!.faults.delayStatements(60_000, { match: /UNLOAD/i, times: Infinity });
    try {
      const controller = new AbortController();
      const phases: string[] = [];
      const result = await call(
        'retrieval.run',
        { request: { features: ['driver_hourly_stats:conv_rate'] }, frameId: frame.frameId },
        (event) => {
          const e = event as RetrievalEvent;
          if (e.type !== 'progress') return;
          phases.push(`${e.progress.phase}:${e.progress.state}`);
          if (e.progress.phase === 'unload' && e.progress.state === 'running') controller.abort();
        },
        controller.signal,
      );
      expect(result).toMatchObject({ ok: false, error: { kind: 'Cancelled' } });
      expect(phases).toContain('cleanup:finished');
    } finally {
      host.workspace.sandbox!.faults.reset();
    }
  });

  it('checks a policy, and reports JSON mistakes with their position', async () => {
    const minimal = await value<{ text: string }>('iam.minimalPolicy', { mode: 'enforced' });
    const check = await value<{ allowed: boolean; checks: unknown[] }>('iam.check', {
      policies: [{ fileName: 'minimal.json', text: minimal.text }],
      mode: 'enforced',
    });
    expect(check.allowed).toBe(true);
    expect(check.checks).toHaveLength(6);
    const broken = await call('iam.check', {
      policies: [{ fileName: 'b.json', text: '{\n  "Version": 1,,\n}' }],
      mode: 'documented',
    });
    expect(broken).toMatchObject({ ok: false, error: { kind: 'InputInvalid', file: 'b.json', line: 2 } });
  });

  it('saves feature_store.yaml: a valid save reloads the session, an invalid one keeps the last valid config', async () => {
    const doc = await value<{ path: string; text: string }>('config.read', {});
    const edited = doc.text.replace('database: dev', 'database: analytics');
    const saved = await value<{ problems: unknown[]; session: { repo: { database: string } } }>(
      'config.save',
      { text: edited },
    );
    expect(saved.problems).toEqual([]);
    expect(saved.session.repo.database).toBe('analytics');
    const broken = await value<{
      problems: { line: number }[];
      session: { repo: { database: string }; pendingProblems: unknown[] };
    }>('config.save', { text: edited.replace('region: us-west-2', 'region: 42') });
    expect(broken.problems[0]?.line).toBe(15);
    expect(broken.session.repo.database).toBe('analytics');
    expect(broken.session.pendingProblems).toHaveLength(1);
    await value('config.save', { text: doc.text });
    expect(await readFile(doc.path, 'utf8')).toBe(doc.text);
  });
});

describe('service helpers', () => {
  it('splits a table into self-contained IPC chunks under the size limit', () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => i);
    const table = arrow.tableFromArrays({ x: values });
    const chunks = [...arrowChunks(table, 16 * 1024)];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(10_000);
    for (const chunk of chunks) {
      expect(chunk.bytes.byteLength).toBeLessThanOrEqual(32 * 1024);
      const part = arrow.tableFromIPC(chunk.bytes);
      expect(part.getChild('x')!.get(0)).toBe(chunk.offset);
    }
    const empty = [...arrowChunks(table.slice(0, 0))];
    expect(empty).toHaveLength(1);
    expect(arrow.tableFromIPC(empty[0]!.bytes).schema.fields[0]!.name).toBe('x');
  });

  it('lists AWS profile names and never anything else from the files', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'fwb-aws-'));
    try {
      const config = path.join(home, 'config');
      const credentials = path.join(home, 'credentials');
      await writeFile(
        config,
        '[default]\nregion = us-west-2\n[profile prod]\nrole_arn = x\n[sso-session corp]\n',
      );
      await writeFile(
        credentials,
        '[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = SECRET\n[ci]\n',
      );
      const names = await awsProfileNames({
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        HOME: home,
      });
      expect(names).toEqual(['ci', 'default', 'prod']);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('assumes entity columns from the views, join_key_map and request sources', () => {
    const registry = host.workspace.registry!;
    expect(
      assumedEntityColumns(registry, {
        features: ['order_outcomes:order_is_success'],
        fullFeatureNames: false,
        filterByCreatedTimestamp: false,
      }),
    ).toEqual([
      { name: 'driver_id', type: 'int64' },
      { name: 'customer_id', type: 'int64' },
      { name: 'event_timestamp', type: 'timestamp' },
    ]);
  });
});
