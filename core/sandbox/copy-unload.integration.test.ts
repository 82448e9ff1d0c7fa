/** COPY from and UNLOAD to the S3 stand-in, and the data folder, through the real SDK clients. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type Field as ApiField,
} from '@aws-sdk/client-redshift-data';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Field, Float64, Int64, makeData, TimestampMicrosecond, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClientConfig, startSandbox, type Sandbox } from './index';
import { arrowFromParquet, CLUSTER_TARGET, getBytes, listKeys, parquetFrom, runStatement } from './testing';

const ROLE = "IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-s3'";
let sandbox: Sandbox;
let client: RedshiftDataClient;
let s3: S3Client;
let dataDir: string;

function int64(values: (bigint | null)[]) {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return makeData({
    type: new Int64(),
    length: values.length,
    nullCount: values.filter((v) => v === null).length,
    nullBitmap: bitmap,
    data: BigInt64Array.from(values.map((v) => v ?? 0n)),
  });
}

function float64(values: number[]) {
  return makeData({
    type: new Float64(),
    length: values.length,
    nullCount: 0,
    data: Float64Array.from(values),
  });
}

function timestamps(micros: bigint[], timezone: string | null) {
  return makeData({
    type: new TimestampMicrosecond(timezone),
    length: micros.length,
    nullCount: 0,
    data: BigInt64Array.from(micros),
  });
}

const T0 = 1_618_224_000_000_000n; // 2021-04-12 10:40:00 UTC, in microseconds

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fwb-sandbox-data-'));
  writeFileSync(
    join(dataDir, 'Driver_Stats.csv'),
    'driver_id,conv_rate,active,event_timestamp,created,day,label\n' +
      '9007199254740993,0.5,true,2021-04-12 10:59:42,2021-04-12T10:59:42+02:00,2021-04-12,"plain"\n' +
      '1002,1e-3,FALSE,2021-04-12T11:00:00.123456,2021-04-12 09:00:00Z,2021-04-13,"comma, and ""quotes"""\n' +
      '1003,,true,,,,\n',
  );
  writeFileSync(
    join(dataDir, 'orders.parquet'),
    parquetFrom(
      [
        new Field('order_id', new Int64(), true),
        new Field('amount', new Float64(), true),
        new Field('ts', new TimestampMicrosecond('UTC'), true),
      ],
      [int64([1n, 2n]), float64([9.5, 10.25]), timestamps([T0, T0 + 1n], 'UTC')],
    ),
  );
  writeFileSync(join(dataDir, 'notes.txt'), 'not a table');
  sandbox = await startSandbox({ dataDir, buckets: ['stage'], unloadRowsPerFile: 1000 });
  const config = sandboxClientConfig(sandbox);
  client = new RedshiftDataClient({ ...config.redshiftData, maxAttempts: 1 });
  s3 = new S3Client({ ...config.s3, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  s3?.destroy();
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function rows(sql: string): Promise<ApiField[][]> {
  const described = await runStatement(client, sql);
  if (described.Status !== 'FINISHED') throw new Error(`${sql}: ${described.Error}`);
  return (await client.send(new GetStatementResultCommand({ Id: described.Id }))).Records!;
}

async function put(key: string, body: Uint8Array | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: 'stage', Key: key, Body: body }));
}

function column(table: Table, name: string): unknown[] {
  return table.getChild(name)!.toArray() as unknown as unknown[];
}

describe('data folder', () => {
  it('turns every CSV and Parquet file into a public table with inferred types', async () => {
    expect(sandbox.tables).toEqual(['public."driver_stats"', 'public."orders"']);
    const described = await client.send(
      new DescribeTableCommand({ ...CLUSTER_TARGET, Schema: 'public', Table: 'driver_stats' }),
    );
    expect(described.ColumnList!.map((c) => [c.name, c.typeName, c.length])).toEqual([
      ['driver_id', 'int8', 0],
      ['conv_rate', 'float8', 0],
      ['active', 'bool', 0],
      ['event_timestamp', 'timestamp', 0],
      ['created', 'timestamptz', 0],
      ['day', 'date', 0],
      ['label', 'varchar', 19],
    ]);
    expect(
      await rows(
        'SELECT CAST(driver_id AS VARCHAR), conv_rate, active, event_timestamp, created, day, label FROM driver_stats ORDER BY 1',
      ),
    ).toEqual([
      [
        { stringValue: '1002' },
        { doubleValue: 0.001 },
        { booleanValue: false },
        { stringValue: '2021-04-12 11:00:00.123456' },
        { stringValue: '2021-04-12 09:00:00+00' },
        { stringValue: '2021-04-13' },
        { stringValue: 'comma, and "quotes"' },
      ],
      [
        { stringValue: '1003' },
        { isNull: true },
        { booleanValue: true },
        { isNull: true },
        { isNull: true },
        { isNull: true },
        { isNull: true },
      ],
      [
        { stringValue: '9007199254740993' },
        { doubleValue: 0.5 },
        { booleanValue: true },
        { stringValue: '2021-04-12 10:59:42' },
        { stringValue: '2021-04-12 08:59:42+00' },
        { stringValue: '2021-04-12' },
        { stringValue: 'plain' },
      ],
    ]);
    const orders = await client.send(
      new DescribeTableCommand({ ...CLUSTER_TARGET, Schema: 'public', Table: 'orders' }),
    );
    expect(orders.ColumnList!.map((c) => [c.name, c.typeName])).toEqual([
      ['order_id', 'int8'],
      ['amount', 'float8'],
      ['ts', 'timestamptz'],
    ]);
    expect(await rows('SELECT order_id, amount, ts FROM orders ORDER BY order_id')).toEqual([
      [{ longValue: 1 }, { doubleValue: 9.5 }, { stringValue: '2021-04-12 10:40:00+00' }],
      [{ longValue: 2 }, { doubleValue: 10.25 }, { stringValue: '2021-04-12 10:40:00.000001+00' }],
    ]);
  });
});

describe('COPY', () => {
  const entityFile = () =>
    parquetFrom(
      [
        new Field('driver_id', new Int64(), true),
        new Field('event_timestamp', new TimestampMicrosecond('UTC'), true),
        new Field('conv_rate', new Float64(), true),
      ],
      [
        int64([9007199254740993n, 1002n, null]),
        timestamps([T0, T0 + 1_000_000n, T0 + 2n], 'UTC'),
        float64([0.25, 0.5, 0.75]),
      ],
    );

  it("loads Feast's CREATE TABLE + COPY ... FORMAT AS PARQUET statement", async () => {
    await put('entity_df/feast_entity_df_1.parquet', entityFile());
    const described = await runStatement(
      client,
      `CREATE TABLE  feast_entity_df_1(driver_id BIGINT, event_timestamp TIMESTAMPTZ, conv_rate FLOAT8); ` +
        `COPY feast_entity_df_1 FROM 's3://stage/entity_df/feast_entity_df_1.parquet' ${ROLE} FORMAT AS PARQUET;`,
    );
    expect(described).toMatchObject({ Status: 'FINISHED', ResultRows: 3 });
    expect(
      await rows(
        'SELECT CAST(driver_id AS VARCHAR), event_timestamp, conv_rate FROM feast_entity_df_1 ORDER BY conv_rate',
      ),
    ).toEqual([
      [{ stringValue: '9007199254740993' }, { stringValue: '2021-04-12 10:40:00+00' }, { doubleValue: 0.25 }],
      [{ stringValue: '1002' }, { stringValue: '2021-04-12 10:40:01+00' }, { doubleValue: 0.5 }],
      [{ isNull: true }, { stringValue: '2021-04-12 10:40:00.000002+00' }, { doubleValue: 0.75 }],
    ]);
  });

  it('maps Parquet columns by position without a column list (the positional bug), by name with one', async () => {
    await put(
      'swap/rates.parquet',
      parquetFrom(
        [new Field('acc_rate', new Float64(), true), new Field('conv_rate', new Float64(), true)],
        [float64([0.9]), float64([0.1])],
      ),
    );
    await runStatement(
      client,
      'CREATE TABLE rates_pos (conv_rate FLOAT8, acc_rate FLOAT8); CREATE TABLE rates_named (conv_rate FLOAT8, acc_rate FLOAT8)',
    );
    expect(
      (
        await runStatement(
          client,
          `COPY rates_pos FROM 's3://stage/swap/rates.parquet' ${ROLE} FORMAT AS PARQUET`,
        )
      ).Status,
    ).toBe('FINISHED');
    expect(await rows('SELECT conv_rate, acc_rate FROM rates_pos')).toEqual([
      [{ doubleValue: 0.9 }, { doubleValue: 0.1 }],
    ]);
    await runStatement(
      client,
      `COPY rates_named (acc_rate, conv_rate) FROM 's3://stage/swap/rates.parquet' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(await rows('SELECT conv_rate, acc_rate FROM rates_named')).toEqual([
      [{ doubleValue: 0.1 }, { doubleValue: 0.9 }],
    ]);
  });

  it('fails like Redshift on incompatible or miscounted Parquet columns', async () => {
    await put(
      'entity_df/out_of_order.parquet',
      parquetFrom(
        [
          new Field('event_timestamp', new TimestampMicrosecond('UTC'), true),
          new Field('driver_id', new Int64(), true),
          new Field('conv_rate', new Float64(), true),
        ],
        [timestamps([T0], 'UTC'), int64([1n]), float64([0.5])],
      ),
    );
    await runStatement(
      client,
      'CREATE TABLE strict_t (driver_id BIGINT, event_timestamp TIMESTAMPTZ, conv_rate FLOAT8)',
    );
    const incompatible = await runStatement(
      client,
      `COPY strict_t FROM 's3://stage/entity_df/out_of_order.parquet' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(incompatible.Status).toBe('FAILED');
    expect(incompatible.Error).toMatch(
      /^ERROR: Spectrum Scan Error\. File 's3:\/\/stage\/entity_df\/out_of_order\.parquet' has an incompatible Parquet schema for column '.*\.driver_id'\. Column type: BIGINT/,
    );
    await runStatement(client, 'CREATE TABLE narrow_t (driver_id BIGINT, conv_rate FLOAT8)');
    const miscounted = await runStatement(
      client,
      `COPY narrow_t FROM 's3://stage/entity_df/out_of_order.parquet' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(miscounted.Error).toMatch(
      /Unmatched number of columns between table and file\. Table columns: 2, Data columns: 3/,
    );
    // A column list maps the file's columns by position (AWS's rule for columnar formats): counts must match.
    const listed = await runStatement(
      client,
      `COPY narrow_t (driver_id, conv_rate) FROM 's3://stage/entity_df/out_of_order.parquet' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(listed.Status).toBe('FAILED');
    expect(listed.Error).toMatch(/Unmatched number of columns between the column list and the file/);
  });

  it('maps a column list by name when the sandbox is started that way', async () => {
    const byName = await startSandbox({ buckets: ['stage'], copyColumnListMapping: 'name' });
    const named = new RedshiftDataClient({ ...sandboxClientConfig(byName).redshiftData, maxAttempts: 1 });
    try {
      byName.store.putObject(
        'stage',
        'wide.parquet',
        parquetFrom(
          [
            new Field('event_timestamp', new TimestampMicrosecond('UTC'), true),
            new Field('driver_id', new Int64(), true),
            new Field('conv_rate', new Float64(), true),
          ],
          [timestamps([T0], 'UTC'), int64([1n]), float64([0.5])],
        ),
      );
      await runStatement(named, 'CREATE TABLE narrow_t (driver_id BIGINT, conv_rate FLOAT8)');
      const copied = await runStatement(
        named,
        `COPY narrow_t (driver_id, conv_rate) FROM 's3://stage/wide.parquet' ${ROLE} FORMAT AS PARQUET`,
      );
      expect(copied.Status).toBe('FINISHED');
      expect((await byName.query('SELECT driver_id, conv_rate FROM narrow_t')).rows).toEqual([['1', '0.5']]);
    } finally {
      named.destroy();
      await byName.stop();
    }
  });

  it('loads every object under a prefix', async () => {
    const file = (ids: bigint[]) => parquetFrom([new Field('id', new Int64(), true)], [int64(ids)]);
    await put('multi/part-0.parquet', file([1n, 2n]));
    await put('multi/part-1.parquet', file([3n]));
    await runStatement(client, 'CREATE TABLE multi_t (id BIGINT)');
    expect(
      await runStatement(client, `COPY multi_t FROM 's3://stage/multi/' ${ROLE} FORMAT AS PARQUET`),
    ).toMatchObject({ Status: 'FINISHED', ResultRows: 3 });
    const missing = await runStatement(
      client,
      `COPY multi_t FROM 's3://stage/nothing-here/' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(missing.Error).toBe("ERROR: The specified S3 prefix 'nothing-here/' does not exist");
    const unauthorized = await runStatement(
      client,
      `COPY multi_t FROM 's3://stage/multi/' FORMAT AS PARQUET`,
    );
    expect(unauthorized.Error).toMatch(/COPY needs IAM_ROLE/);
  });

  it('loads CSV with IGNOREHEADER, DELIMITER, quotes, empty strings and NULLs', async () => {
    await put(
      'csv/people.csv',
      'id;name;joined\n1;"Smith; Jr";2021-04-12 10:00:00\n2;;\n3;"";2021-04-13T00:00:00\n',
    );
    await runStatement(client, 'CREATE TABLE people (id INT, name VARCHAR(20), joined TIMESTAMP)');
    const loaded = await runStatement(
      client,
      `COPY people FROM 's3://stage/csv/people.csv' ${ROLE} CSV DELIMITER ';' IGNOREHEADER 1 TIMEFORMAT 'auto'`,
    );
    expect(loaded).toMatchObject({ Status: 'FINISHED', ResultRows: 3 });
    expect(await rows('SELECT id, name, joined FROM people ORDER BY id')).toEqual([
      [{ longValue: 1 }, { stringValue: 'Smith; Jr' }, { stringValue: '2021-04-12 10:00:00' }],
      [{ longValue: 2 }, { stringValue: '' }, { isNull: true }],
      [{ longValue: 3 }, { stringValue: '' }, { stringValue: '2021-04-13 00:00:00' }],
    ]);
    await runStatement(client, 'TRUNCATE people');
    await runStatement(
      client,
      `COPY people (id, name) FROM 's3://stage/csv/people.csv' ${ROLE} FORMAT AS CSV DELIMITER ';' IGNOREHEADER 1 EMPTYASNULL`,
    ).then((d) => expect(d.Error).toMatch(/Load into table 'people' failed/));
    await put('csv/two.csv', '7,Seven\n');
    await runStatement(client, `COPY people (id, name) FROM 's3://stage/csv/two.csv' ${ROLE} CSV`);
    expect(await rows('SELECT id, name, joined FROM people WHERE id = 7')).toEqual([
      [{ longValue: 7 }, { stringValue: 'Seven' }, { isNull: true }],
    ]);
    await put('csv/pipes.txt', '4|a\\b|\\N\n5||x\n');
    await runStatement(client, 'CREATE TABLE pipes (id INT, a VARCHAR(5), b VARCHAR(5))');
    await runStatement(client, `COPY pipes FROM 's3://stage/csv/pipes.txt' ${ROLE}`);
    expect(await rows('SELECT id, a, b FROM pipes ORDER BY id')).toEqual([
      [{ longValue: 4 }, { stringValue: 'a\\b' }, { isNull: true }],
      [{ longValue: 5 }, { stringValue: '' }, { stringValue: 'x' }],
    ]);
  });
});

describe('UNLOAD', () => {
  beforeAll(async () => {
    await runStatement(
      client,
      `CREATE TABLE unload_src AS
         SELECT g::int8 + 9007199254740000 AS id, g * 0.5::float8 AS rate, g % 2 = 0 AS even, 'row ' || g AS label,
                TIMESTAMPTZ '2021-04-12 10:00:00+00' + g * interval '1 second' AS ts,
                TIMESTAMP '2021-04-12 10:00:00' + g * interval '1 microsecond' AS naive,
                DATE '2021-04-12' + g AS day, (g / 100.0)::numeric(12, 2) AS amount
         FROM generate_series(1, 2500) AS g`,
    );
  });

  it('writes Parquet part files named like Redshift, with exact types and values', async () => {
    const described = await runStatement(
      client,
      `UNLOAD ('SELECT * FROM unload_src') TO 's3://stage/unload/run1/' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(described).toMatchObject({ Status: 'FINISHED', HasResultSet: false, ResultRows: 2500 });
    const keys = await listKeys(s3, 'stage', 'unload/run1/');
    expect(keys).toEqual([
      'unload/run1/0000_part_00.parquet',
      'unload/run1/0000_part_01.parquet',
      'unload/run1/0001_part_00.parquet',
    ]);
    const tables = await Promise.all(
      keys.map(async (key) => arrowFromParquet(await getBytes(s3, 'stage', key))),
    );
    expect(tables.reduce((n, t) => n + t.numRows, 0)).toBe(2500);
    expect(tables[0]!.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'id:Int64',
      'rate:Float64',
      'even:Bool',
      'label:Utf8',
      'ts:Timestamp<MICROSECOND, UTC>',
      'naive:Timestamp<MICROSECOND>',
      'day:Date32<DAY>',
      'amount:Decimal[12e+2]',
    ]);
    const first = tables[0]!;
    // Every id, above 2^53 included (…0993 is not a double), comes back exact.
    const ids = tables
      .flatMap((t) => [...(column(t, 'id') as unknown as BigInt64Array)])
      .sort((a, b) => (a < b ? -1 : 1));
    expect(ids).toEqual(Array.from({ length: 2500 }, (_, i) => 9_007_199_254_740_001n + BigInt(i)));
    expect(ids).toContain(9_007_199_254_740_993n);
    expect(column(first, 'rate')[0]).toBe(0.5);
    expect(first.getChild('label')!.get(0)).toBe('row 1');
    expect((first.getChild('ts')!.data[0]!.values as BigInt64Array)[0]).toBe(1_618_221_601_000_000n);
    expect((first.getChild('naive')!.data[0]!.values as BigInt64Array)[0]).toBe(1_618_221_600_000_001n);
    expect((first.getChild('day')!.data[0]!.values as Int32Array)[0]).toBe(18730);
    expect((first.getChild('amount')!.data[0]!.values as Uint32Array)[0]).toBe(1);
  });

  it('runs the quoted query with Redshift literal rules', async () => {
    await runStatement(
      client,
      String.raw`UNLOAD ('SELECT ''it''''s'' AS a, ''back\\\\slash'' AS b, ''q\\\'s'' AS c') TO 's3://stage/unload/quotes/' ${ROLE} PARQUET PARALLEL OFF`,
    );
    expect(await listKeys(s3, 'stage', 'unload/quotes/')).toEqual(['unload/quotes/000.parquet']);
    const table = arrowFromParquet(await getBytes(s3, 'stage', 'unload/quotes/000.parquet'));
    expect([table.getChild('a')!.get(0), table.getChild('b')!.get(0), table.getChild('c')!.get(0)]).toEqual([
      "it's",
      'back\\slash',
      "q's",
    ]);
  });

  it('writes no file for zero rows', async () => {
    const described = await runStatement(
      client,
      `UNLOAD ('SELECT * FROM unload_src WHERE id < 0') TO 's3://stage/unload/empty/' ${ROLE} FORMAT AS PARQUET`,
    );
    expect(described.Status).toBe('FINISHED');
    expect(await listKeys(s3, 'stage', 'unload/empty/')).toEqual([]);
  });

  it('refuses a prefix that holds objects unless ALLOWOVERWRITE or CLEANPATH', async () => {
    const unload = (options: string) =>
      runStatement(
        client,
        `UNLOAD ('SELECT 1 AS x') TO 's3://stage/unload/reuse/' ${ROLE} FORMAT AS PARQUET ${options}`,
      );
    expect((await unload('')).Status).toBe('FINISHED');
    const again = await unload('');
    expect(again.Error).toBe(
      'ERROR: Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option.',
    );
    sandbox.store.putObject('stage', 'unload/reuse/stray.txt', 'left over');
    expect((await unload('ALLOWOVERWRITE')).Status).toBe('FINISHED');
    expect(await listKeys(s3, 'stage', 'unload/reuse/')).toEqual([
      'unload/reuse/0000_part_00.parquet',
      'unload/reuse/stray.txt',
    ]);
    expect((await unload('CLEANPATH')).Status).toBe('FINISHED');
    expect(await listKeys(s3, 'stage', 'unload/reuse/')).toEqual(['unload/reuse/0000_part_00.parquet']);
  });

  it("runs Feast's temp-table + UNLOAD statement and writes a manifest on request", async () => {
    const described = await runStatement(
      client,
      `CREATE TEMPORARY TABLE _abc AS (SELECT id, label FROM unload_src WHERE id < 9007199254740004);\n` +
        `UNLOAD ('SELECT * FROM _abc') TO 's3://stage/unload/feast/' ${ROLE} FORMAT AS PARQUET MANIFEST`,
    );
    expect(described.Status).toBe('FINISHED');
    const manifest = JSON.parse(
      Buffer.from(await getBytes(s3, 'stage', 'unload/feast/manifest')).toString(),
    ) as {
      entries: { url: string; meta: { content_length: number } }[];
    };
    expect(manifest.entries.map((e) => e.url)).toEqual(['s3://stage/unload/feast/0000_part_00.parquet']);
    expect(manifest.entries[0]!.meta.content_length).toBe(
      sandbox.store.getObject('stage', 'unload/feast/0000_part_00.parquet')!.body.length,
    );
  });

  it('writes CSV with a header, and refuses an outer LIMIT', async () => {
    await runStatement(
      client,
      `UNLOAD ('SELECT id, label FROM unload_src WHERE id < 9007199254740003 ORDER BY id') TO 's3://stage/unload/csv/' ${ROLE} CSV HEADER PARALLEL OFF`,
    );
    expect(Buffer.from(await getBytes(s3, 'stage', 'unload/csv/000')).toString()).toBe(
      'id,label\n9007199254740001,row 1\n9007199254740002,row 2\n',
    );
    const limited = await runStatement(
      client,
      `UNLOAD ('SELECT * FROM unload_src LIMIT 5') TO 's3://stage/unload/limit/' ${ROLE} PARQUET`,
    );
    expect(limited.Error).toBe(
      'ERROR: Limit clause is not supported in the outermost select of an UNLOAD statement',
    );
  });
});
