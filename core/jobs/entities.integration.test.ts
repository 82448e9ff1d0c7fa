/**
 * Entity staging through the SDK against the sandbox: a CSV frame goes up as Parquet and is COPYed with an explicit
 * column list into a table whose VARCHARs are sized from the data; an SQL frame becomes a table with CREATE TABLE
 * AS. Checked: the staged DDL (DescribeTable), the staged values, the row ids, and that the Parquet object is gone
 * afterwards whatever happened.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RepoConfig } from '../config/model';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import { quoteQualified } from '../plan/sql';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';
import { dropTablesQuietly, stageEntities, type EntitySource, type StagedEntities } from './entities';
import { newRunId } from './naming';
import { ProgressReporter } from './progress';

const BUCKET = 'fwb-entities-test';

const config = {
  repoDir: '/nowhere',
  project: 'p',
  provider: 'aws',
  registry: {
    path: 'registry.db',
    location: { kind: 'file', path: '/nowhere/registry.db' },
    format: 'protobuf',
  },
  offlineStore: {
    type: 'redshift',
    region: 'us-west-2',
    database: 'dev',
    s3StagingLocation: `s3://${BUCKET}/stage`,
    iamRole: 'arn:aws:iam::123456789012:role/redshift_s3_access_role',
    target: { kind: 'cluster', clusterId: 'feast-cluster', user: 'awsuser' },
  },
  extra: {},
} satisfies RepoConfig;

let sandbox: Sandbox;
let warehouse: Warehouse;
/** SQL texts of every statement submitted, in order. */
const submitted: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ buckets: [BUCKET] });
  await sandbox.query(
    `CREATE TABLE public.visits (visitor VARCHAR(40), visited_at TIMESTAMP, score DOUBLE PRECISION, n INT)`,
  );
  await sandbox.query(
    `INSERT INTO public.visits VALUES ('ana', '2026-01-07 10:00:00', 1.5, 1), ('bo', '2026-01-09 12:30:00.000001', NULL, 2), ('cy', '2026-01-08 00:00:00', 2.5, NULL)`,
  );
  warehouse = openWarehouse(config, {
    connection: sandboxConnection(sandbox),
    poll: { firstMs: 10, factor: 1.5, maxMs: 100 },
  });
  warehouse.clients.redshiftData.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Sql?: string; Sqls?: string[] };
      if (input.Sql) submitted.push(input.Sql);
      if (input.Sqls) submitted.push(...input.Sqls);
      return next(args);
    },
    { step: 'initialize', name: 'recordSql' },
  );
});

afterEach(async () => {
  sandbox.faults.reset();
  sandbox.faults.resetCounts();
  submitted.length = 0;
  expect(sandbox.store.listKeys(BUCKET)).toEqual([]);
});

afterAll(async () => {
  warehouse?.close();
  await sandbox?.stop();
});

function frameSource(csv: string, columnTypes?: Record<string, 'string'>): EntitySource {
  const frame = readCsvEntityFrame(Buffer.from(csv), {
    file: 'e.csv',
    ...(columnTypes ? { columnTypes } : {}),
  });
  return { kind: 'frame', frame, name: 'e.csv' };
}

/** Stages, runs `check` on the staged table, and always drops it. */
async function staged<T>(
  source: EntitySource,
  check: (staged: StagedEntities) => Promise<T>,
  on: Warehouse = warehouse,
): Promise<T> {
  const runId = newRunId();
  let result: StagedEntities | undefined;
  try {
    result = await stageEntities(on, runId, source, new ProgressReporter());
    return await check(result);
  } finally {
    await dropTablesQuietly(on, [quoteQualified(on.stagingSchema, `${runId}_entities`)], runId);
  }
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkbenchError) return error.detail;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

async function rowsOf(table: StagedEntities['table']): Promise<(string | null)[][]> {
  const result = await sandbox.query(
    `SELECT * FROM ${quoteQualified(table.schema, table.name)} ORDER BY "__fwb_row_id"`,
  );
  return result.rows;
}

const LONG = `${'é'.repeat(200)}!`; // 401 bytes, 201 characters

describe('CSV frames', () => {
  it('creates typed columns, VARCHAR sized in bytes from the data, and COPYs with a column list', async () => {
    const csv = [
      'driver_id,name,code,rate,active,event_timestamp',
      `5001,${LONG},"",0.5,true,2026-01-09T10:00:00Z`,
      '5002,bo,,,false,2026-01-09 11:00:00',
      ',cy,x,1e3,,2026-01-09T12:00:00.000001+01:00',
    ].join('\n');
    await staged(frameSource(csv), async (result) => {
      expect(result).toMatchObject({
        table: { schema: 'public' },
        timestampColumn: 'event_timestamp',
        rowCount: 3,
        // Naive UTC text, as the planner's literals take it.
        timestampRange: { min: '2026-01-09 10:00:00', max: '2026-01-09 11:00:00.000001' },
      });
      const columns = await warehouse.executor.describeTable('public', result.table.name);
      expect(columns.map((c) => [c.name, c.typeName, c.length || null])).toEqual([
        ['driver_id', 'int8', null],
        ['name', 'varchar', 401],
        ['code', 'varchar', 1],
        ['rate', 'float8', null],
        ['active', 'bool', null],
        ['event_timestamp', 'timestamptz', null],
        ['__fwb_row_id', 'int8', null],
      ]);
      expect(await rowsOf(result.table)).toEqual([
        ['5001', LONG, '', '0.5', 't', '2026-01-09 10:00:00+00', '0'],
        ['5002', 'bo', null, null, 'f', '2026-01-09 11:00:00+00', '1'],
        [null, 'cy', 'x', '1000', null, '2026-01-09 11:00:00.000001+00', '2'],
      ]);
      const copy = submitted.find((sql) => sql.startsWith('COPY'));
      expect(copy).toMatch(
        /^COPY "public"\."fwb_\w+_entities" \("driver_id", "name", "code", "rate", "active", "event_timestamp", "__fwb_row_id"\)\nFROM 's3:\/\/fwb-entities-test\/stage\/fwb\/fwb_\w+\/entities\.parquet'\nIAM_ROLE 'arn:aws:iam::123456789012:role\/redshift_s3_access_role'\nFORMAT AS PARQUET$/,
      );
    });
  });

  it('keeps an int8 key above 2^53 exact', async () => {
    await staged(
      frameSource('account_id,event_timestamp\n9007199254740993,2026-01-09T00:00:00Z\n'),
      async (r) => {
        expect((await rowsOf(r.table))[0]![0]).toBe('9007199254740993');
      },
    );
  });

  it('stages into the schema the user sets', async () => {
    await sandbox.query('CREATE SCHEMA IF NOT EXISTS feature_staging');
    const other = openWarehouse(config, {
      connection: sandboxConnection(sandbox),
      stagingSchema: 'feature_staging',
      poll: { firstMs: 10, factor: 1.5, maxMs: 100 },
    });
    try {
      await staged(
        frameSource('driver_id,event_timestamp\n1,2026-01-09T00:00:00Z\n'),
        async (result) => {
          expect(result.table.schema).toBe('feature_staging');
          const found = await sandbox.query(
            `SELECT table_schema FROM information_schema.tables WHERE table_name = '${result.table.name}'`,
          );
          expect(found.rows).toEqual([['feature_staging']]);
        },
        other,
      );
    } finally {
      other.close();
    }
  });

  it('refuses the reserved column prefix and values longer than VARCHAR(65535) before uploading', async () => {
    const reserved = await engineError(
      staged(frameSource('__FWB_x,event_timestamp\n1,2026-01-09T00:00:00Z\n'), async () => undefined),
    );
    expect(reserved.kind).toBe('PlanInvalid');
    const huge = await engineError(
      staged(
        frameSource(`k,event_timestamp\n${'x'.repeat(65_536)},2026-01-09T00:00:00Z\n`),
        async () => undefined,
      ),
    );
    expect(huge).toMatchObject({ kind: 'PlanInvalid', reason: expect.stringMatching(/65536 bytes.*65535/) });
    expect(sandbox.faults.calls('PutObject')).toBe(0);
  });

  it('removes the Parquet object when the COPY fails, and leaves no table', async () => {
    sandbox.faults.failStatements('ERROR: Load into table failed', { match: /^COPY/ });
    const runId = newRunId();
    const error = await engineError(
      stageEntities(
        warehouse,
        runId,
        frameSource('driver_id,event_timestamp\n1,2026-01-09T00:00:00Z\n'),
        new ProgressReporter(),
      ),
    );
    expect(error).toMatchObject({ kind: 'StatementFailed', message: 'ERROR: Load into table failed' });
    expect(sandbox.faults.calls('PutObject')).toBe(1);
    const left = await sandbox.query(
      `SELECT 1 FROM information_schema.tables WHERE table_name LIKE '${runId}%'`,
    );
    expect(left.rows).toEqual([]);
  });
});

describe('SQL frames', () => {
  it('materialises the query with row ids and reads its columns, timestamp column and range', async () => {
    const source: EntitySource = {
      kind: 'sql',
      sql: 'SELECT visitor, visited_at, score, n FROM public.visits ORDER BY visitor;  ',
    };
    await staged(source, async (result) => {
      expect(result.columns).toEqual([
        { name: 'visitor', type: 'string', maxByteLength: 40 },
        { name: 'visited_at', type: 'timestamp' },
        { name: 'score', type: 'float64' },
        { name: 'n', type: 'int64' },
      ]);
      expect(result.timestampColumn).toBe('visited_at');
      expect(result.rowCount).toBe(3);
      expect(result.timestampRange).toEqual({
        min: '2026-01-07T10:00:00Z',
        max: '2026-01-09T12:30:00.000001Z',
      });
      const ids = (await rowsOf(result.table)).map((row) => row.at(-1));
      expect(ids).toEqual(['0', '1', '2']);
    });
  });

  it('keeps the columns of a query with no rows', async () => {
    await staged(
      { kind: 'sql', sql: 'SELECT visitor, visited_at FROM public.visits WHERE FALSE' },
      async (r) => {
        expect(r.rowCount).toBe(0);
        expect(r.timestampRange).toBeUndefined();
        expect(r.columns.map((c) => c.name)).toEqual(['visitor', 'visited_at']);
      },
    );
  });

  it('refuses a query without a timestamp column, with two, or with rows lacking one', async () => {
    const none = await engineError(
      staged({ kind: 'sql', sql: 'SELECT visitor FROM public.visits' }, async () => 0),
    );
    expect(none).toMatchObject({ kind: 'PlanInvalid', reason: expect.stringMatching(/no timestamp column/) });
    const two = await engineError(
      staged(
        { kind: 'sql', sql: 'SELECT visited_at, visited_at AS later FROM public.visits' },
        async () => 0,
      ),
    );
    expect(two).toMatchObject({ kind: 'PlanInvalid', reason: expect.stringMatching(/visited_at, later/) });
    const missing = await engineError(
      staged(
        { kind: 'sql', sql: `SELECT visitor, CASE WHEN n = 1 THEN visited_at END AS at FROM public.visits` },
        async () => 0,
      ),
    );
    expect(missing).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringMatching(/2 of .* 3 rows have no at/),
    });
    const left = await sandbox.query(`SELECT 1 FROM information_schema.tables WHERE table_name LIKE 'fwb%'`);
    expect(left.rows).toEqual([]);
  });

  it('refuses an empty query', async () => {
    expect((await engineError(staged({ kind: 'sql', sql: ' ; ' }, async () => 0))).kind).toBe('PlanInvalid');
  });
});
