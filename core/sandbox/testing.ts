/**
 * Helpers for tests that drive the sandbox through the real SDK clients: run a statement and wait for it,
 * read a Parquet object back, write a Parquet file from columns.
 */
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type DescribeStatementResponse,
  type ExecuteStatementInput,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  type Field,
} from 'apache-arrow';
import { readParquet, Table as WasmTable, writeParquet } from 'parquet-wasm';

/** The connection fields of a provisioned cluster, as Feast sends them. */
export const CLUSTER_TARGET = {
  ClusterIdentifier: 'feast-cluster',
  DbUser: 'awsuser',
  Database: 'dev',
} as const;

const FINAL = new Set(['FINISHED', 'FAILED', 'ABORTED']);

/** Polls DescribeStatement until the statement is FINISHED, FAILED or ABORTED. */
export async function waitForStatement(
  client: RedshiftDataClient,
  id: string,
): Promise<DescribeStatementResponse> {
  for (;;) {
    const described = await client.send(new DescribeStatementCommand({ Id: id }));
    if (FINAL.has(described.Status ?? '')) return described;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** ExecuteStatement (cluster form unless overridden) and wait for the end. */
export async function runStatement(
  client: RedshiftDataClient,
  sql: string,
  extra: Partial<ExecuteStatementInput> = {},
): Promise<DescribeStatementResponse> {
  const { Id } = await client.send(new ExecuteStatementCommand({ ...CLUSTER_TARGET, Sql: sql, ...extra }));
  return waitForStatement(client, Id!);
}

/** Parquet bytes from Arrow fields and their data. */
export function parquetFrom(fields: Field[], children: ReturnType<typeof makeData>[]): Uint8Array {
  const length = children[0]?.length ?? 0;
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  const table = new Table([new RecordBatch(new Schema(fields), struct)]);
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')));
}

export function arrowFromParquet(bytes: Uint8Array): Table {
  return tableFromIPC(readParquet(bytes).intoIPCStream());
}

/** Every object under a prefix (ListObjectsV2 with paging), sorted by key. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToByteArray();
}
