/**
 * pull-latest and pull-all through the real SDK against the sandbox, with a provisioned cluster config and with a
 * Serverless workgroup config: results checked row by row against a reference written here, window bounds,
 * tie-breaks, entityless views, field mapping, query sources, zero rows, streaming and error paths.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchError } from '../contract/errors';
import { startSandbox, type Sandbox } from '../sandbox/index';
import type { Warehouse } from '../warehouse/warehouse';
import { PullJob, type PullMode, type PullSpec } from './pull';
import {
  EXPECTED_TARGET,
  openTestWarehouse,
  plainRows,
  sortedRows,
  TARGETS,
  TEST_BUCKET,
  testConfig,
  testRegistry,
  targetsUsed,
  type PlainValue,
  type TargetRecord,
} from './test-fixtures';

/** One source row: event time naive (the column is TIMESTAMP), created with an offset (TIMESTAMPTZ). */
interface SourceRow {
  event: string | null;
  driver: number | null;
  conv: number | null;
  label: string | null;
  created: string | null;
}

// The window used below is [2026-01-02 00:00, 2026-01-03 00:00]; each driver tests one rule.
const ROWS: SourceRow[] = [
  { event: '2026-01-01 12:00:00', driver: 1, conv: 0.11, label: 'a', created: '2026-01-01 12:05:00+00' }, // before
  { event: '2026-01-02 00:00:00', driver: 1, conv: 0.12, label: 'a', created: '2026-01-02 00:05:00+00' }, // = start
  { event: '2026-01-02 10:00:00', driver: 1, conv: 0.13, label: 'a', created: '2026-01-02 10:05:00+00' }, // latest
  { event: '2026-01-02 05:00:00', driver: 2, conv: 0.5, label: 'a', created: '2026-01-02 05:05:00+00' },
  { event: '2026-01-02 05:00:00', driver: 2, conv: 0.9, label: 'a', created: '2026-01-02 07:00:00+01' }, // later created
  { event: '2026-01-02 06:00:00', driver: 3, conv: 0.1, label: 'a', created: null }, // Feast's DESC picks this one
  { event: '2026-01-02 06:00:00', driver: 3, conv: 0.8, label: 'a', created: '2026-01-02 06:01:00+00' },
  { event: '2026-01-02 08:00:00', driver: 4, conv: 0.7, label: 'a', created: '2026-01-02 08:01:00+00' },
  { event: '2026-01-02 08:00:00', driver: 4, conv: 0.3, label: 'a', created: '2026-01-02 08:01:00+00' }, // smaller
  { event: '2026-01-02 09:00:00', driver: 7, conv: 0.4, label: 'b', created: '2026-01-02 09:01:00+00' },
  { event: '2026-01-02 09:00:00', driver: 7, conv: 0.4, label: 'a', created: '2026-01-02 09:01:00+00' }, // 'a' < 'b'
  { event: '2026-01-03 00:00:00', driver: 5, conv: 0.55, label: 'a', created: '2026-01-03 00:01:00+00' }, // = end
  { event: '2026-01-03 00:00:01', driver: 5, conv: 0.56, label: 'a', created: '2026-01-03 00:01:00+00' }, // after
  { event: '2026-01-03 00:00:00.000001', driver: 6, conv: 0.6, label: 'a', created: null }, // 1 µs after the end
  { event: '2026-01-02 07:00:00', driver: null, conv: 0.2, label: 'a', created: '2026-01-02 07:01:00+00' },
  { event: null, driver: 8, conv: 0.01, label: 'z', created: null }, // no event time: only in a full pull-all
];

function literal(value: string | number | null): string {
  return value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value}'`;
}

const STATS = testRegistry([
  {
    name: 'driver_stats',
    table: 'pull_stats',
    keys: [['driver_id', 'INT64']],
    features: [
      ['conv_rate', 'DOUBLE'],
      ['label', 'STRING'],
    ],
    ttlSeconds: 3600,
    created: 'created',
    fieldMapping: { driver: 'driver_id' },
  },
  {
    name: 'overall',
    table: 'pull_stats',
    keys: [],
    features: [['conv_rate', 'DOUBLE']],
    ttlSeconds: 0,
    created: 'created',
  },
  {
    name: 'by_driver_and_label',
    table: 'pull_stats',
    keys: [
      ['driver_id', 'INT64'],
      ['label', 'STRING'],
    ],
    features: [['conv_rate', 'DOUBLE']],
    ttlSeconds: 0,
    created: 'created',
    fieldMapping: { driver: 'driver_id' },
  },
  {
    name: 'queried',
    query:
      'SELECT driver AS driver_id, conv_rate, event_timestamp FROM public.pull_stats WHERE conv_rate >= 0.5;',
    keys: [['driver_id', 'INT64']],
    features: [['conv_rate', 'DOUBLE']],
    ttlSeconds: 0,
  },
]).model;

const micros = (text: string) => {
  const [date, time = '00:00:00'] = text.split(' ');
  return Date.parse(`${date}T${time.replace(/\+00$|\+01$/, '')}Z`) - (text.endsWith('+01') ? 3_600_000 : 0);
};

function isoOf(text: string | null): string | null {
  if (text === null) return null;
  const ms = micros(text);
  const fraction = /\.(\d+)$/.exec(text.replace(/\+0\d$/, ''))?.[1];
  const base = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  return fraction ? `${base}.${fraction.padEnd(6, '0')}Z` : `${base}Z`;
}

/** Event time in microseconds (exact for the µs row). */
function eventMicros(row: SourceRow): bigint | null {
  if (row.event === null) return null;
  const fraction = /\.(\d+)$/.exec(row.event)?.[1] ?? '';
  return BigInt(micros(row.event.replace(/\.\d+$/, ''))) * 1000n + BigInt(fraction.padEnd(6, '0') || '0');
}

/** The reference: rows in [start, end], per key the latest event, then created (NULL last), then smallest values. */
function referenceLatest(
  keys: ('driver' | 'label')[],
  features: ('conv' | 'label')[],
  start: bigint,
  end: bigint,
) {
  const groups = new Map<string, SourceRow>();
  const better = (a: SourceRow, b: SourceRow) => {
    const ea = eventMicros(a)!;
    const eb = eventMicros(b)!;
    if (ea !== eb) return ea > eb;
    const ca = a.created === null ? null : micros(a.created);
    const cb = b.created === null ? null : micros(b.created);
    if (ca !== cb) return cb === null || (ca !== null && ca > cb);
    for (const feature of features) {
      const va = a[feature];
      const vb = b[feature];
      if (va !== vb) return vb === null || (va !== null && va < vb);
    }
    return false;
  };
  for (const row of ROWS) {
    const at = eventMicros(row);
    if (at === null || at < start || at > end) continue;
    const key = JSON.stringify(keys.map((k) => row[k]));
    const current = groups.get(key);
    if (!current || better(row, current)) groups.set(key, row);
  }
  return [...groups.values()];
}

const START = '2026-01-02';
const END = '2026-01-03T00:00:00Z';
const START_MICROS = BigInt(Date.UTC(2026, 0, 2)) * 1000n;
const END_MICROS = BigInt(Date.UTC(2026, 0, 3)) * 1000n;

let sandbox: Sandbox;

beforeAll(async () => {
  // Three rows per UNLOAD part, so every result here arrives in several parts.
  sandbox = await startSandbox({ buckets: [TEST_BUCKET], unloadRowsPerFile: 3 });
  await sandbox.query(
    'CREATE TABLE public.pull_stats (event_timestamp TIMESTAMP, driver BIGINT, conv_rate DOUBLE PRECISION, ' +
      'label VARCHAR(10), created TIMESTAMPTZ)',
  );
  await sandbox.query(
    `INSERT INTO public.pull_stats VALUES ${ROWS.map(
      (r) => `(${[r.event, r.driver, r.conv, r.label, r.created].map(literal).join(', ')})`,
    ).join(', ')}`,
  );
});

afterAll(async () => {
  await sandbox?.stop();
});

describe.each(TARGETS)('pull jobs with a %s config', (target) => {
  let warehouse: Warehouse;
  let calls: TargetRecord[];

  beforeAll(() => {
    ({ warehouse, calls } = openTestWarehouse(sandbox, testConfig(target)));
  });

  afterAll(() => {
    expect(targetsUsed(calls)).toEqual([EXPECTED_TARGET[target]]);
    warehouse.close();
  });

  const job = (mode: PullMode, spec: PullSpec) => new PullJob(warehouse, STATS, mode, spec);

  it('pulls the latest row per join key in the window, ties decided by created time then values', async () => {
    const result = plainRows(
      await job('latest', { featureView: 'driver_stats', start: START, end: END }).toArrow(),
    );
    const expected = referenceLatest(['driver'], ['conv', 'label'], START_MICROS, END_MICROS).map((row) => ({
      driver_id: row.driver,
      conv_rate: row.conv,
      label: row.label,
      event_timestamp: isoOf(row.event),
      created_timestamp: isoOf(row.created),
    }));
    expect(sortedRows(result)).toEqual(sortedRows(expected));
    // Spelled out, so the reference itself is checked too.
    const byDriver = new Map(result.map((row) => [row.driver_id, row]));
    expect(byDriver.get(1)).toMatchObject({ conv_rate: 0.13, event_timestamp: '2026-01-02T10:00:00Z' });
    expect(byDriver.get(2)).toMatchObject({ conv_rate: 0.9, created_timestamp: '2026-01-02T06:00:00Z' });
    expect(byDriver.get(3)).toMatchObject({ conv_rate: 0.8 });
    expect(byDriver.get(4)).toMatchObject({ conv_rate: 0.3 });
    expect(byDriver.get(7)).toMatchObject({ label: 'a' });
    expect(byDriver.get(5)).toMatchObject({ conv_rate: 0.55, event_timestamp: '2026-01-03T00:00:00Z' });
    expect(byDriver.has(6)).toBe(false);
    // Rows without a join key form one group of their own, as SQL partitions them.
    expect(byDriver.get(null)).toMatchObject({ conv_rate: 0.2 });
    expect(result).toHaveLength(7);
  });

  it('reads a window given with offsets exactly like the same instants in UTC', async () => {
    const utc = await job('latest', { featureView: 'driver_stats', start: START, end: END }).toArrow();
    const shifted = await job('latest', {
      featureView: 'driver_stats',
      start: '2026-01-01T16:00:00-08:00',
      end: new Date(Date.UTC(2026, 0, 3)),
    }).toArrow();
    expect(sortedRows(plainRows(shifted))).toEqual(sortedRows(plainRows(utc)));
  });

  it('gives an entityless view one latest row, without a placeholder key column', async () => {
    const result = await job('latest', { featureView: 'overall', start: START, end: END }).toArrow();
    expect(result.schema.names).toEqual(['conv_rate', 'event_timestamp', 'created_timestamp']);
    expect(plainRows(result)).toEqual([
      { conv_rate: 0.55, event_timestamp: '2026-01-03T00:00:00Z', created_timestamp: '2026-01-03T00:01:00Z' },
    ]);
  });

  it('partitions by every join key of a multi-key view', async () => {
    const result = plainRows(
      await job('latest', { featureView: 'by_driver_and_label', start: START, end: END }).toArrow(),
    );
    const expected = referenceLatest(['driver', 'label'], ['conv'], START_MICROS, END_MICROS).map((row) => ({
      driver_id: row.driver,
      label: row.label,
      conv_rate: row.conv,
      event_timestamp: isoOf(row.event),
      created_timestamp: isoOf(row.created),
    }));
    expect(sortedRows(result)).toEqual(sortedRows(expected));
    expect(result.filter((row) => row.driver_id === 7)).toHaveLength(2);
  });

  it('pulls every row without dates, rows without an event time included', async () => {
    const result = await job('all', { featureView: 'driver_stats' }).toArrow();
    expect(result.schema.names).toEqual([
      'driver_id',
      'conv_rate',
      'label',
      'event_timestamp',
      'created_timestamp',
    ]);
    const expected = ROWS.map((row) => ({
      driver_id: row.driver,
      conv_rate: row.conv,
      label: row.label,
      event_timestamp: isoOf(row.event),
      created_timestamp: isoOf(row.created),
    }));
    expect(sortedRows(plainRows(result))).toEqual(sortedRows(expected));
  });

  it('pulls every row in a closed window, or from a start on, or up to an end', async () => {
    const inWindow = (from?: bigint, to?: bigint) =>
      ROWS.filter((row) => {
        const at = eventMicros(row);
        return at !== null && (from === undefined || at >= from) && (to === undefined || at <= to);
      }).map((row) => row.conv);
    const convs = async (spec: PullSpec) =>
      plainRows(await job('all', spec).toArrow())
        .map((row) => row.conv_rate as number)
        .sort();
    expect(await convs({ featureView: 'driver_stats', start: START, end: END })).toEqual(
      inWindow(START_MICROS, END_MICROS).sort(),
    );
    expect(await convs({ featureView: 'driver_stats', start: '2026-01-03' })).toEqual(
      inWindow(END_MICROS).sort(),
    );
    expect(await convs({ featureView: 'driver_stats', end: '2026-01-02' })).toEqual(
      inWindow(undefined, START_MICROS).sort(),
    );
    expect(inWindow(START_MICROS, END_MICROS)).toHaveLength(12);
  });

  it('reads a query source', async () => {
    const result = plainRows(await job('all', { featureView: 'queried' }).toArrow());
    expect(result.map((row) => row.conv_rate).sort()).toEqual(
      ROWS.filter((row) => row.conv !== null && row.conv >= 0.5)
        .map((row) => row.conv)
        .sort(),
    );
    expect(Object.keys(result[0]!)).toEqual(['driver_id', 'conv_rate', 'event_timestamp']);
  });

  it('keeps the schema of a zero-row result, whole and streamed', async () => {
    const spec = { featureView: 'driver_stats', start: '2030-01-01', end: '2030-01-02' };
    const whole = await job('latest', spec).toArrow();
    expect(whole.numRows).toBe(0);
    expect(whole.schema.names).toEqual([
      'driver_id',
      'conv_rate',
      'label',
      'event_timestamp',
      'created_timestamp',
    ]);
    const batches = [];
    for await (const batch of job('all', spec).toArrowBatches()) batches.push(batch);
    expect(batches.map((batch) => batch.numRows)).toEqual([0]);
    expect(batches[0]!.schema.names).toEqual(whole.schema.names);
  });

  it('streams several UNLOAD parts and leaves nothing staged behind', async () => {
    sandbox.faults.resetCounts();
    const rows: Record<string, PlainValue>[] = [];
    let batches = 0;
    for await (const batch of job('all', { featureView: 'driver_stats' }).toArrowBatches()) {
      batches++;
      rows.push(...plainRows(new (await import('apache-arrow')).Table([batch])));
    }
    expect(rows).toHaveLength(ROWS.length);
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(ROWS.length / 3));
    expect(sandbox.store.listKeys(TEST_BUCKET, 'staging/')).toEqual([]);
    const tables = await sandbox.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'fwb_%'");
    expect(tables.rows).toEqual([]);
  });

  it('refuses what cannot run before any statement reaches Redshift', async () => {
    sandbox.faults.resetCounts();
    const failure = (spec: PullSpec, mode: PullMode = 'latest') => {
      try {
        job(mode, spec);
      } catch (error) {
        return (error as WorkbenchError).detail;
      }
      throw new Error('expected a failure');
    };
    expect(failure({ featureView: 'driver_stat', start: START, end: END })).toEqual({
      kind: 'NotFound',
      what: 'feature view',
      name: 'driver_stat',
      hint: 'did you mean driver_stats?',
    });
    expect(failure({ featureView: 'driver_stats', start: '2026-13-01', end: END })).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('The start "2026-13-01" is not an ISO-8601 date'),
    });
    expect(failure({ featureView: 'driver_stats', start: END, end: START })).toEqual({
      kind: 'PlanInvalid',
      reason: 'The start 2026-01-03T00:00:00Z is after the end 2026-01-02T00:00:00Z.',
    });
    expect(failure({ featureView: 'driver_stats', start: START })).toMatchObject({
      kind: 'PlanInvalid',
      reason: 'Pulling the latest rows needs both a start and an end date.',
    });
    expect(failure({ featureView: 'driver_stats', end: 'yesterday' }, 'all')).toMatchObject({
      kind: 'PlanInvalid',
    });
    expect(sandbox.faults.counts()).toEqual({});
  });

  it('reports a source table that does not exist as Redshift does', async () => {
    const missing = testRegistry([
      {
        name: 'gone',
        table: 'no_such_table',
        keys: [['driver_id', 'INT64']],
        features: [['x', 'INT64']],
        ttlSeconds: 0,
      },
    ]).model;
    await expect(
      new PullJob(warehouse, missing, 'all', { featureView: 'gone' }).toArrow(),
    ).rejects.toMatchObject({
      detail: { kind: 'StatementFailed', message: expect.stringContaining('no_such_table') },
    });
    expect(sandbox.store.listKeys(TEST_BUCKET, 'staging/')).toEqual([]);
  });
});
