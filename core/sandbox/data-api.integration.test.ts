/** The Data API through the real @aws-sdk/client-redshift-data client, over HTTP, against one sandbox. */
import type { RedshiftDataServiceException } from '@aws-sdk/client-redshift-data';
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  DescribeTableCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  GetStatementResultV2Command,
  ListDatabasesCommand,
  ListSchemasCommand,
  ListSessionsCommand,
  ListStatementsCommand,
  ListTablesCommand,
  paginateGetStatementResult,
  RedshiftDataClient,
  ResourceNotFoundException,
  ValidationException,
  type Field,
} from '@aws-sdk/client-redshift-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClientConfig, startSandbox, type Sandbox } from './index';
import { CLUSTER_TARGET, runStatement, waitForStatement } from './testing';

let sandbox: Sandbox;
let client: RedshiftDataClient;

beforeAll(async () => {
  sandbox = await startSandbox({ resultPageRows: 100 });
  client = new RedshiftDataClient({ ...sandboxClientConfig(sandbox).redshiftData, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await sandbox?.stop();
});

async function rowsOf(id: string): Promise<Field[][]> {
  const result = await client.send(new GetStatementResultCommand({ Id: id }));
  return result.Records!;
}

async function fails(promise: Promise<unknown>): Promise<RedshiftDataServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as RedshiftDataServiceException;
  }
  throw new Error('expected the call to fail');
}

describe('ExecuteStatement and DescribeStatement', () => {
  it('runs a statement and describes it in the SDK types', async () => {
    const sql = 'SELECT 1 AS one';
    const executed = await client.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: sql }));
    expect(executed.Id).toMatch(/^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}$/);
    expect(executed.CreatedAt).toBeInstanceOf(Date);
    expect(executed.ClusterIdentifier).toBe('feast-cluster');
    const described = await waitForStatement(client, executed.Id!);
    expect(described).toMatchObject({
      Id: executed.Id,
      Status: 'FINISHED',
      HasResultSet: true,
      ResultRows: 1,
      QueryString: sql,
      Database: 'dev',
      DbUser: 'awsuser',
      ClusterIdentifier: 'feast-cluster',
      ResultFormat: 'JSON',
    });
    expect(described.ResultSize).toBeGreaterThan(0);
    expect(described.CreatedAt).toBeInstanceOf(Date);
    expect(described.UpdatedAt!.getTime()).toBeGreaterThanOrEqual(described.CreatedAt!.getTime());
    expect(typeof described.Duration).toBe('number');
    expect(described.Duration).toBeGreaterThanOrEqual(0);
    expect(typeof described.RedshiftPid).toBe('number');
    expect(typeof described.RedshiftQueryId).toBe('number');
  });

  it('accepts the serverless form (WorkgroupName) and rejects both or neither', async () => {
    const serverless = await runStatement(client, 'SELECT 1', {
      ClusterIdentifier: undefined,
      DbUser: undefined,
      WorkgroupName: 'feast-wg',
    });
    expect(serverless).toMatchObject({ Status: 'FINISHED', WorkgroupName: 'feast-wg' });
    expect(serverless.ClusterIdentifier).toBeUndefined();

    const both = await fails(
      client.send(
        new ExecuteStatementCommand({ ...CLUSTER_TARGET, WorkgroupName: 'feast-wg', Sql: 'SELECT 1' }),
      ),
    );
    expect(both).toBeInstanceOf(ValidationException);
    expect(both.name).toBe('ValidationException');
    expect(both.$metadata.httpStatusCode).toBe(400);
    const neither = await fails(
      client.send(new ExecuteStatementCommand({ Database: 'dev', Sql: 'SELECT 1' })),
    );
    expect(neither.name).toBe('ValidationException');
    const noDatabase = await fails(
      client.send(new ExecuteStatementCommand({ ClusterIdentifier: 'c', DbUser: 'u', Sql: 'SELECT 1' })),
    );
    expect(noDatabase.name).toBe('ValidationException');
    expect(noDatabase.message).toMatch(/database/);
  });

  it('reports a failure with the error text Redshift uses', async () => {
    const described = await runStatement(client, 'SELECT * FROM public.nope');
    expect(described.Status).toBe('FAILED');
    expect(described.Error).toBe('ERROR: relation "public.nope" does not exist');
    expect(described.HasResultSet).toBe(false);
    const noResult = await fails(client.send(new GetStatementResultCommand({ Id: described.Id })));
    expect(noResult).toBeInstanceOf(ResourceNotFoundException);
    expect(noResult.message).toBe(
      'Query does not have result. Please check query status with DescribeStatement.',
    );
  });

  it('answers unknown and malformed ids like the service', async () => {
    const unknown = await fails(
      client.send(new DescribeStatementCommand({ Id: '00000000-0000-0000-0000-000000000000' })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect((unknown as ResourceNotFoundException).ResourceId).toBe('00000000-0000-0000-0000-000000000000');
    const malformed = await fails(client.send(new DescribeStatementCommand({ Id: 'not-an-id' })));
    expect(malformed).toBeInstanceOf(ValidationException);
  });

  it('names Redshift syntax it does not emulate', async () => {
    const described = await runStatement(client, "SELECT LISTAGG(relname, ',') FROM pg_class");
    expect(described.Status).toBe('FAILED');
    expect(described.Error).toBe("ERROR: sandbox: Redshift's LISTAGG function is not emulated");
  });

  it('long-polls with WaitTimeSeconds', async () => {
    const executed = await client.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 42', WaitTimeSeconds: 20 }),
    );
    expect(executed.Status).toBe('FINISHED');
    expect(executed.HasResultSet).toBe(true);
    const tooLong = await fails(
      client.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 1', WaitTimeSeconds: 31 })),
    );
    expect(tooLong.name).toBe('ValidationException');
  });

  it('returns the same statement for a repeated ClientToken', async () => {
    const token = 'c0ffee00-0000-4000-8000-000000000001';
    const first = await client.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 7', ClientToken: token }),
    );
    const again = await client.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 7', ClientToken: token }),
    );
    expect(again.Id).toBe(first.Id);
    const changed = await fails(
      client.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT 8', ClientToken: token })),
    );
    expect(changed.name).toBe('ValidationException');
  });

  it('binds Parameters by name', async () => {
    const described = await runStatement(client, 'SELECT :a::int + 1 AS x, :b AS s', {
      Parameters: [
        { name: 'a', value: '41' },
        { name: 'b', value: "it's" },
      ],
    });
    expect(described.QueryParameters).toEqual([
      { name: 'a', value: '41' },
      { name: 'b', value: "it's" },
    ]);
    expect(await rowsOf(described.Id!)).toEqual([[{ longValue: 42 }, { stringValue: "it's" }]]);
  });

  it('sees a statement STARTED while the worker runs it, then FINISHED', async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: 'SELECT pg_sleep(1.5), 1 AS done' }),
    );
    const seen = new Set<string>();
    let described;
    do {
      described = await client.send(new DescribeStatementCommand({ Id }));
      seen.add(described.Status!);
    } while (described.Status !== 'FINISHED');
    // DescribeStatement was answered while PostgreSQL was busy on the worker thread.
    expect(seen.has('STARTED')).toBe(true);
    expect(described.Duration).toBeGreaterThan(0);
  });
});

describe('results', () => {
  it('types each field the way the Data API does', async () => {
    const described = await runStatement(
      client,
      `SELECT 1::int2 AS i2, 2::int4 AS i4, 3::int8 AS i8, 1.5::float4 AS f4, 2.25::float8 AS f8,
        12.345::numeric(10, 3) AS n, true AS b, 'x'::varchar(5) AS v, 'ab'::char(3) AS c,
        DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
        TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tstz, NULL::int AS nothing, JSON_PARSE('{"a": [1, 2]}') AS doc`,
    );
    const result = await client.send(new GetStatementResultCommand({ Id: described.Id }));
    expect(result.Records).toEqual([
      [
        { longValue: 1 },
        { longValue: 2 },
        { longValue: 3 },
        { doubleValue: 1.5 },
        { doubleValue: 2.25 },
        { stringValue: '12.345' },
        { booleanValue: true },
        { stringValue: 'x' },
        { stringValue: 'ab ' },
        { stringValue: '2024-02-29' },
        { stringValue: '2024-01-02 03:04:05.123456' },
        { stringValue: '2024-01-02 01:04:05+00' },
        { isNull: true },
        { stringValue: '{"a": [1, 2]}' },
      ],
    ]);
    expect(result.TotalNumRows).toBe(1);
    const metadata = result.ColumnMetadata!;
    expect(metadata.map((c) => c.typeName)).toEqual([
      'int2',
      'int4',
      'int8',
      'float4',
      'float8',
      'numeric',
      'bool',
      'varchar',
      'bpchar',
      'date',
      'timestamp',
      'timestamptz',
      'int4',
      'super',
    ]);
    expect(metadata[5]).toMatchObject({ name: 'n', label: 'n', precision: 10, scale: 3, isSigned: true });
    expect(metadata[7]).toMatchObject({ length: 5, precision: 5, isCaseSensitive: true, isSigned: false });
    expect(metadata[0]).toMatchObject({ nullable: 1, schemaName: '', tableName: '', isCurrency: false });
  });

  it('sends non-finite doubles the way the SDK reads them', async () => {
    const described = await runStatement(
      client,
      "SELECT 'NaN'::float8 AS a, 'Infinity'::float8 AS b, 1e300::float8 * 10 AS c",
    );
    const [[a, b, c]] = (await client.send(new GetStatementResultCommand({ Id: described.Id }))).Records! as [
      Field[],
    ];
    expect(Number.isNaN(a!.doubleValue)).toBe(true);
    expect(b!.doubleValue).toBe(Infinity);
    expect(c!.doubleValue).toBe(1e301);
  });

  it('gives table columns their schema, table and nullability', async () => {
    await runStatement(client, 'CREATE TABLE meta_t (id BIGINT NOT NULL, name VARCHAR(30))');
    const described = await runStatement(client, 'SELECT id, name, id + 1 AS next FROM meta_t');
    const { ColumnMetadata } = await client.send(new GetStatementResultCommand({ Id: described.Id }));
    expect(ColumnMetadata!.map((c) => [c.name, c.schemaName, c.tableName, c.nullable])).toEqual([
      ['id', 'public', 'meta_t', 0],
      ['name', 'public', 'meta_t', 1],
      ['next', '', '', 1],
    ]);
  });

  it('keeps int8 above 2^53 exact on the wire; JSON parsing in the SDK rounds it, as with real Redshift', async () => {
    const described = await runStatement(
      client,
      'SELECT 9007199254740993::int8 AS id, CAST(9007199254740993::int8 AS VARCHAR) AS id_text',
      { ResultFormat: 'CSV' },
    );
    const result = await client.send(new GetStatementResultV2Command({ Id: described.Id }));
    expect(result.Records).toEqual([{ CSVRecords: 'id,id_text\n9007199254740993,9007199254740993\n' }]);
    const json = await runStatement(
      client,
      'SELECT 9007199254740993::int8 AS id, CAST(9007199254740993::int8 AS VARCHAR) AS t',
    );
    expect(await rowsOf(json.Id!)).toEqual([
      [{ longValue: 9007199254740992 }, { stringValue: '9007199254740993' }],
    ]);
  });

  it('pages with NextToken and the SDK paginator crosses every page', async () => {
    const described = await runStatement(
      client,
      'SELECT g AS n FROM generate_series(1, 250) AS g ORDER BY g',
    );
    const first = await client.send(new GetStatementResultCommand({ Id: described.Id }));
    expect(first.Records).toHaveLength(100);
    expect(first.TotalNumRows).toBe(250);
    expect(first.NextToken).toBeDefined();
    const values: number[] = [];
    let pages = 0;
    for await (const page of paginateGetStatementResult({ client }, { Id: described.Id })) {
      pages++;
      values.push(...page.Records!.map((row) => row[0]!.longValue!));
    }
    expect(pages).toBe(3);
    expect(values).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const bad = await fails(
      client.send(new GetStatementResultCommand({ Id: described.Id, NextToken: 'garbage' })),
    );
    expect(bad.name).toBe('ValidationException');
  });

  it('serves CSV through GetStatementResultV2 and refuses the wrong result call', async () => {
    const csv = await runStatement(client, `SELECT 'a,b' AS s, 'say "hi"' AS q, NULL AS z`, {
      ResultFormat: 'CSV',
    });
    const result = await client.send(new GetStatementResultV2Command({ Id: csv.Id }));
    expect(result.ResultFormat).toBe('CSV');
    expect(result.Records).toEqual([{ CSVRecords: 's,q,z\n"a,b","say ""hi""",\n' }]);
    expect(result.ColumnMetadata!.map((c) => c.name)).toEqual(['s', 'q', 'z']);
    expect((await fails(client.send(new GetStatementResultCommand({ Id: csv.Id })))).name).toBe(
      'ValidationException',
    );
    const json = await runStatement(client, 'SELECT 1');
    expect((await fails(client.send(new GetStatementResultV2Command({ Id: json.Id })))).name).toBe(
      'ValidationException',
    );
  });

  it('returns EXPLAIN as rows of one column named QUERY PLAN', async () => {
    const described = await runStatement(client, 'EXPLAIN SELECT * FROM pg_class WHERE relname = $$x$$');
    const result = await client.send(new GetStatementResultCommand({ Id: described.Id }));
    expect(result.ColumnMetadata!.map((c) => [c.name, c.typeName])).toEqual([['QUERY PLAN', 'varchar']]);
    expect(result.Records!.length).toBeGreaterThan(0);
    expect(result.Records![0]![0]!.stringValue).toMatch(/Scan/);
  });
});

describe('transactions', () => {
  it('runs several statements in one ExecuteStatement; temp tables end with it', async () => {
    const described = await runStatement(
      client,
      'CREATE TEMP TABLE tmp_x AS SELECT 5 AS x; SELECT x * 2 AS y FROM tmp_x;',
    );
    expect(described.Status).toBe('FINISHED');
    expect(await rowsOf(described.Id!)).toEqual([[{ longValue: 10 }]]);
    const later = await runStatement(client, 'SELECT * FROM tmp_x');
    expect(later.Error).toBe('ERROR: relation "tmp_x" does not exist');
  });

  it('rolls back every effect of a statement that fails', async () => {
    const failed = await runStatement(
      client,
      'CREATE TABLE rollback_t (a int); INSERT INTO rollback_t VALUES (1); SELECT 1/0',
    );
    expect(failed.Status).toBe('FAILED');
    expect(failed.Error).toBe('ERROR: division by zero');
    expect((await runStatement(client, 'SELECT * FROM rollback_t')).Status).toBe('FAILED');
  });

  it('runs a batch in one transaction with sub-statement ids', async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...CLUSTER_TARGET,
        Sqls: [
          'CREATE TABLE batch_ok (a int)',
          'INSERT INTO batch_ok VALUES (1), (2)',
          'SELECT count(*) AS n FROM batch_ok',
        ],
      }),
    );
    const described = await waitForStatement(client, Id!);
    expect(described.Status).toBe('FINISHED');
    expect(described.HasResultSet).toBe(true);
    expect(described.SubStatements!.map((s) => [s.Id, s.Status, s.HasResultSet])).toEqual([
      [`${Id}:1`, 'FINISHED', false],
      [`${Id}:2`, 'FINISHED', false],
      [`${Id}:3`, 'FINISHED', true],
    ]);
    expect(described.SubStatements![1]!.ResultRows).toBe(2);
    const parent = await fails(client.send(new GetStatementResultCommand({ Id })));
    expect(parent.message).toBe('BatchExecuteStatement result can only be retrieved with sub-statement id.');
    expect(await rowsOf(`${Id}:3`)).toEqual([[{ longValue: 2 }]]);
    const sub = await client.send(new DescribeStatementCommand({ Id: `${Id}:2` }));
    expect(sub).toMatchObject({
      Id: `${Id}:2`,
      Status: 'FINISHED',
      QueryString: 'INSERT INTO batch_ok VALUES (1), (2)',
    });
  });

  it('undoes a whole batch when one SQL fails', async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...CLUSTER_TARGET,
        Sqls: [
          'CREATE TABLE batch_bad (a int)',
          'INSERT INTO batch_bad VALUES (1)',
          'SELECT * FROM nope',
          'SELECT 1',
        ],
      }),
    );
    const described = await waitForStatement(client, Id!);
    expect(described.Status).toBe('FAILED');
    expect(described.Error).toBe('ERROR: relation "nope" does not exist');
    expect(described.SubStatements!.map((s) => s.Status)).toEqual([
      'FINISHED',
      'FINISHED',
      'FAILED',
      'ABORTED',
    ]);
    expect((await runStatement(client, 'SELECT * FROM batch_bad')).Status).toBe('FAILED');
  });

  it('commits each SQL of an AUTO_COMMIT batch on its own', async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...CLUSTER_TARGET,
        ExecutionMode: 'AUTO_COMMIT',
        Sqls: ['CREATE TABLE batch_auto (a int)', 'INSERT INTO batch_auto VALUES (1)', 'SELECT * FROM nope'],
      }),
    );
    expect((await waitForStatement(client, Id!)).Status).toBe('FAILED');
    const kept = await runStatement(client, 'SELECT a FROM batch_auto');
    expect(await rowsOf(kept.Id!)).toEqual([[{ longValue: 1 }]]);
  });

  it('cancels a batch between sub-statements and rolls it back', async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...CLUSTER_TARGET,
        Sqls: [
          'CREATE TABLE batch_cancel (a int)',
          'SELECT pg_sleep(1)',
          'INSERT INTO batch_cancel VALUES (1)',
        ],
      }),
    );
    let described;
    do described = await client.send(new DescribeStatementCommand({ Id }));
    while (described.SubStatements![1]!.Status !== 'STARTED');
    expect(await client.send(new CancelStatementCommand({ Id }))).toMatchObject({ Status: true });
    described = await waitForStatement(client, Id!);
    expect(described.Status).toBe('ABORTED');
    expect(described.SubStatements![2]!.Status).toBe('ABORTED');
    expect((await runStatement(client, 'SELECT * FROM batch_cancel')).Status).toBe('FAILED');
    const again = await fails(client.send(new CancelStatementCommand({ Id })));
    expect(again.name).toBe('ValidationException');
  });
});

describe('sessions', () => {
  it('keeps temporary tables across the statements of a session, and only there', async () => {
    const created = await client.send(
      new ExecuteStatementCommand({
        ...CLUSTER_TARGET,
        Sql: 'CREATE TEMP TABLE sess_t AS SELECT 3 AS v',
        SessionKeepAliveSeconds: 60,
      }),
    );
    expect(created.SessionId).toBeDefined();
    await waitForStatement(client, created.Id!);
    const { Id } = await client.send(
      new ExecuteStatementCommand({ Sql: 'SELECT v FROM sess_t', SessionId: created.SessionId }),
    );
    const described = await waitForStatement(client, Id!);
    expect(described).toMatchObject({ Status: 'FINISHED', SessionId: created.SessionId, Database: 'dev' });
    expect(await rowsOf(Id!)).toEqual([[{ longValue: 3 }]]);
    expect((await runStatement(client, 'SELECT v FROM sess_t')).Status).toBe('FAILED');
    const sessions = await client.send(new ListSessionsCommand({ SessionId: created.SessionId }));
    expect(sessions.Sessions).toEqual([
      expect.objectContaining({ SessionId: created.SessionId, Status: 'AVAILABLE', SessionAliveSeconds: 60 }),
    ]);
    const tables = await client.send(new ListTablesCommand({ ...CLUSTER_TARGET, TablePattern: 'sess_t' }));
    expect(tables.Tables).toEqual([]);
  });

  it('refuses a second statement while the session is busy, and a closed session', async () => {
    const created = await client.send(
      new ExecuteStatementCommand({
        ...CLUSTER_TARGET,
        Sql: 'SELECT pg_sleep(0.5)',
        SessionKeepAliveSeconds: 1,
      }),
    );
    const busy = await fails(
      client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', SessionId: created.SessionId })),
    );
    expect(busy.name).toBe('ValidationException');
    expect(busy.message).toMatch(/busy/);
    await waitForStatement(client, created.Id!);
    let closed: string | undefined;
    while (!closed) {
      const sessions = await client.send(new ListSessionsCommand({ SessionId: created.SessionId }));
      if (sessions.Sessions![0]!.Status === 'CLOSED') closed = 'CLOSED';
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const gone = await fails(
      client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', SessionId: created.SessionId })),
    );
    expect(gone.name).toBe('ValidationException');
    expect(gone.message).toMatch(/not available/);
  });
});

describe('catalog operations', () => {
  it('describes a table, with paging', async () => {
    await runStatement(
      client,
      `CREATE TABLE described_t (id BIGINT NOT NULL DEFAULT 5, name VARCHAR, ts TIMESTAMPTZ, amount NUMERIC(12, 3))
       DISTSTYLE KEY DISTKEY(id) SORTKEY(ts)`,
    );
    const all = await client.send(
      new DescribeTableCommand({ ...CLUSTER_TARGET, Schema: 'public', Table: 'described_t' }),
    );
    expect(all.TableName).toBe('described_t');
    expect(
      all.ColumnList!.map((c) => [c.name, c.typeName, c.nullable, c.length, c.precision, c.scale]),
    ).toEqual([
      ['id', 'int8', 0, 0, 19, 0],
      ['name', 'varchar', 1, 256, 256, 0],
      ['ts', 'timestamptz', 1, 0, 35, 6],
      ['amount', 'numeric', 1, 0, 12, 3],
    ]);
    expect(all.ColumnList![0]).toMatchObject({
      columnDefault: '5',
      schemaName: 'public',
      tableName: 'described_t',
    });
    const first = await client.send(
      new DescribeTableCommand({ ...CLUSTER_TARGET, Schema: 'public', Table: 'described_t', MaxResults: 3 }),
    );
    expect(first.ColumnList).toHaveLength(3);
    const second = await client.send(
      new DescribeTableCommand({
        ...CLUSTER_TARGET,
        Schema: 'public',
        Table: 'described_t',
        MaxResults: 3,
        NextToken: first.NextToken,
      }),
    );
    expect(second.ColumnList!.map((c) => c.name)).toEqual(['amount']);
    expect(second.NextToken).toBeUndefined();
    const missingTable = await client.send(
      new DescribeTableCommand({ ...CLUSTER_TARGET, Schema: 'public', Table: 'absent' }),
    );
    expect(missingTable.ColumnList).toEqual([]);
  });

  it('lists schemas, tables and databases', async () => {
    await runStatement(
      client,
      'CREATE SCHEMA listed; CREATE TABLE listed.a (x int); CREATE VIEW listed.b AS SELECT 1 AS y',
    );
    const schemas = await client.send(new ListSchemasCommand({ ...CLUSTER_TARGET, SchemaPattern: 'list%' }));
    expect(schemas.Schemas).toEqual(['listed']);
    const everySchema = await client.send(new ListSchemasCommand(CLUSTER_TARGET));
    expect(everySchema.Schemas).toEqual(
      expect.arrayContaining(['public', 'pg_catalog', 'information_schema', 'listed']),
    );
    const tables = await client.send(new ListTablesCommand({ ...CLUSTER_TARGET, SchemaPattern: 'listed' }));
    expect(tables.Tables).toEqual([
      { schema: 'listed', name: 'a', type: 'TABLE' },
      { schema: 'listed', name: 'b', type: 'VIEW' },
    ]);
    const paged = await client.send(
      new ListTablesCommand({ ...CLUSTER_TARGET, SchemaPattern: 'listed', MaxResults: 1 }),
    );
    expect(paged.Tables).toHaveLength(1);
    expect(paged.NextToken).toBeDefined();
    const databases = await client.send(new ListDatabasesCommand(CLUSTER_TARGET));
    expect(databases.Databases).toEqual(['dev']);
  });

  it('lists statements by name', async () => {
    await runStatement(client, 'SELECT 1', { StatementName: 'workbench-list-test' });
    const listed = await client.send(new ListStatementsCommand({ StatementName: 'workbench-list' }));
    expect(listed.Statements).toEqual([
      expect.objectContaining({
        StatementName: 'workbench-list-test',
        Status: 'FINISHED',
        QueryString: 'SELECT 1',
        IsBatchStatement: false,
      }),
    ]);
  });
});
