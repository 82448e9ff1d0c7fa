/**
 * Shared by the jobs' integration tests: repo configs for a provisioned cluster and for a Serverless workgroup
 * against one sandbox (with a record of the connection fields every Data API call carried, so a test can prove
 * which target it used), small registries built in code, and Arrow results as plain rows.
 */

import type { RepoConfig } from '../config/model';
import * as arrow from 'apache-arrow';
import { formatTimestampMicros } from '../frames/timestamp';
import { toRegistryModel } from '../registry/convert';
import {
  completeDocument,
  type DataSourceDoc,
  type DeepPartial,
  type FeatureSpecDoc,
  type RegistryDocument,
} from '../registry/document';
import type { RegistryModel, ValueTypeName } from '../registry/model';
import type { RetrievalPlan } from '../plan/types';
import { demoTables, type Dataset } from '../testing/datasets';
import {
  referenceViewsFromPlan,
  type ReferenceRow,
  type ReferenceValue,
  type ReferenceView,
} from '../testing/reference-pit';
import { SOURCE_TYPE_NUMBERS, VALUE_TYPE_NUMBERS } from '../registry/value-types';
import type { Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';

export const TEST_BUCKET = 'fwb-jobs-test';
export const TEST_PROJECT = 'jobs_test';

export type TargetKind = 'cluster' | 'serverless';
export const TARGETS: readonly TargetKind[] = ['cluster', 'serverless'];

export function testConfig(
  target: TargetKind,
  registry: { path: string; format?: 'protobuf' | 'json' } | { s3: string; format?: 'protobuf' | 'json' } = {
    path: '/nonexistent/registry.db',
  },
  project = TEST_PROJECT,
): RepoConfig {
  const location =
    'path' in registry
      ? { kind: 'file' as const, path: registry.path }
      : (() => {
          const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(registry.s3)!;
          return { kind: 's3' as const, bucket: match[1]!, key: match[2]!, uri: registry.s3 };
        })();
  return {
    repoDir: '/nonexistent',
    project,
    provider: 'aws',
    registry: {
      path: 'path' in registry ? registry.path : registry.s3,
      location,
      format: registry.format ?? 'protobuf',
    },
    offlineStore: {
      type: 'redshift',
      region: 'us-west-2',
      database: 'dev',
      s3StagingLocation: `s3://${TEST_BUCKET}/staging`,
      iamRole: 'arn:aws:iam::123456789012:role/redshift_s3_access_role',
      target:
        target === 'cluster'
          ? { kind: 'cluster', clusterId: 'feast-cluster', user: 'awsuser' }
          : { kind: 'serverless', workgroup: 'feast-workgroup' },
    },
    extra: {},
  };
}

/** The connection fields of one Data API call. */
export interface TargetRecord {
  command: string;
  clusterIdentifier?: string;
  dbUser?: string;
  workgroupName?: string;
  /** The SQL of ExecuteStatement, or every SQL of BatchExecuteStatement. */
  sql?: string[];
}

/** A warehouse on the sandbox for `config`, recording the connection fields of every Data API call it makes. */
export function openTestWarehouse(
  sandbox: Sandbox,
  config: RepoConfig,
): { warehouse: Warehouse; calls: TargetRecord[] } {
  const warehouse = openWarehouse(config, { connection: sandboxConnection(sandbox) });
  const calls: TargetRecord[] = [];
  warehouse.clients.redshiftData.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, string | undefined> & { Sqls?: string[] };
      const sql = input.Sqls ?? (input.Sql === undefined ? undefined : [input.Sql]);
      calls.push({
        ...(sql ? { sql } : {}),
        command: context.commandName ?? '',
        ...(input.ClusterIdentifier ? { clusterIdentifier: input.ClusterIdentifier } : {}),
        ...(input.DbUser ? { dbUser: input.DbUser } : {}),
        ...(input.WorkgroupName ? { workgroupName: input.WorkgroupName } : {}),
      });
      return next(args);
    },
    { step: 'initialize', name: 'fwbRecordTarget' },
  );
  return { warehouse, calls };
}

/** The calls that name a target (submissions and DescribeTable), and whether each named only `target`. */
export function targetsUsed(calls: readonly TargetRecord[]): string[] {
  const named = calls.filter((call) => /ExecuteStatement|DescribeTable/.test(call.command));
  return [
    ...new Set(
      named.map((call) =>
        call.workgroupName && !call.clusterIdentifier
          ? `serverless:${call.workgroupName}`
          : call.clusterIdentifier && !call.workgroupName
            ? `cluster:${call.clusterIdentifier}/${call.dbUser ?? ''}`
            : `mixed:${JSON.stringify(call)}`,
      ),
    ),
  ];
}

export const EXPECTED_TARGET: Record<TargetKind, string> = {
  cluster: 'cluster:feast-cluster/awsuser',
  serverless: 'serverless:feast-workgroup',
};

export interface ViewSpec {
  name: string;
  /** A table in schema public, or a query. */
  table?: string;
  query?: string;
  keys: [string, ValueTypeName][];
  features: [string, ValueTypeName][];
  ttlSeconds: number;
  timestampField?: string;
  created?: string;
  fieldMapping?: Record<string, string>;
}

function field(name: string, type: ValueTypeName): FeatureSpecDoc {
  return { name, valueType: VALUE_TYPE_NUMBERS[type], tags: {}, description: '' };
}

function source(view: ViewSpec): DeepPartial<DataSourceDoc> {
  return {
    type: SOURCE_TYPE_NUMBERS.BATCH_REDSHIFT,
    name: `${view.name}_source`,
    project: TEST_PROJECT,
    timestampField: view.timestampField ?? 'event_timestamp',
    createdTimestampColumn: view.created ?? '',
    fieldMapping: view.fieldMapping ?? {},
    redshiftOptions: view.table
      ? { table: view.table, schema: 'public' }
      : { query: view.query ?? '', table: '', schema: '' },
    dataSourceClassType: 'feast.infra.offline_stores.redshift_source.RedshiftSource',
  };
}

/** A registry of `views` (entityless ones stored with Feast's __dummy, as Feast stores them). */
export function testRegistry(
  views: ViewSpec[],
  extra: DeepPartial<RegistryDocument> = {},
): { document: RegistryDocument; model: RegistryModel } {
  const keyNames = new Map<string, ValueTypeName>();
  for (const view of views) for (const [name, type] of view.keys) keyNames.set(name, type);
  const document = completeDocument({
    registrySchemaVersion: '1',
    projects: [{ spec: { name: TEST_PROJECT } }],
    entities: [
      ...[...keyNames].map(([name, type]) => ({
        spec: { name, project: TEST_PROJECT, joinKey: name, valueType: VALUE_TYPE_NUMBERS[type] },
      })),
      { spec: { name: '__dummy', project: TEST_PROJECT, joinKey: '__dummy_id' } },
    ],
    dataSources: views.map(source),
    featureViews: views.map((view) => ({
      spec: {
        name: view.name,
        project: TEST_PROJECT,
        entities: view.keys.length === 0 ? ['__dummy'] : view.keys.map(([name]) => name),
        entityColumns:
          view.keys.length === 0
            ? [field('__dummy_id', 'STRING')]
            : view.keys.map(([name, type]) => field(name, type)),
        features: view.features.map(([name, type]) => field(name, type)),
        ttl: { seconds: view.ttlSeconds, nanos: 0 },
        batchSource: source(view),
        online: true,
      },
    })),
    ...extra,
  });
  return { document, model: toRegistryModel(document, TEST_PROJECT) };
}

export type PlainValue = number | string | boolean | null;

function timestampMicros(value: bigint, unit: arrow.TimeUnit): bigint {
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return value * 1_000_000n;
    case arrow.TimeUnit.MILLISECOND:
      return value * 1_000n;
    case arrow.TimeUnit.MICROSECOND:
      return value;
    default:
      return value / 1_000n;
  }
}

/**
 * Rows of a small table as plain objects: timestamps as ISO-8601 UTC text, integers as numbers (exact below
 * 2^53, checked), floats as numbers, strings and booleans as they are, NULL as null.
 */
export function plainRows(table: arrow.Table): Record<string, PlainValue>[] {
  const rows: Record<string, PlainValue>[] = Array.from({ length: table.numRows }, () => ({}));
  for (const fieldDef of table.schema.fields) {
    let row = 0;
    for (const data of table.getChild(fieldDef.name)!.data) {
      const vector = arrow.makeVector(data);
      for (let i = 0; i < data.length; i++, row++) {
        const value: unknown = vector.get(i);
        let plain: PlainValue;
        if (value === null || value === undefined) plain = null;
        else if (arrow.DataType.isTimestamp(data.type)) {
          const raw = (data.values as BigInt64Array)[data.offset + i]!;
          plain = formatTimestampMicros(timestampMicros(raw, (data.type as arrow.Timestamp).unit));
        } else if (typeof value === 'bigint') {
          if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
            throw new Error(`${fieldDef.name}: ${value} is beyond 2^53`);
          }
          plain = Number(value);
        } else plain = value as PlainValue;
        rows[row]![fieldDef.name] = plain;
      }
    }
  }
  return rows;
}

/** Rows sorted by their JSON text: for comparing results that come in no particular order. */
export function sortedRows(rows: Record<string, PlainValue>[]): Record<string, PlainValue>[] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** `2026-01-07T00:00:00Z` from epoch milliseconds, as plainRows writes timestamps. */
export function iso(ms: number): string {
  return formatTimestampMicros(BigInt(ms) * 1000n);
}

/** A generated dataset as reference rows (timestamps as Dates). */
export function referenceRowsOf(dataset: Dataset): ReferenceRow[] {
  const rows: Record<string, ReferenceValue>[] = Array.from({ length: dataset.rowCount }, () => ({}));
  for (const column of dataset.columns) {
    column.values.forEach((value, i) => {
      rows[i]![column.name] =
        column.type === 'timestamp' && value !== null ? new Date(value as number) : (value as ReferenceValue);
    });
  }
  return rows;
}

/** The demo repo's source tables as reference rows, by table name. */
export function demoSourceRows(): Map<string, ReferenceRow[]> {
  return new Map(demoTables().map((dataset) => [dataset.name, referenceRowsOf(dataset)]));
}

/** Reference views of a plan's groups over the demo tables. */
export function demoReferenceViews(plan: Pick<RetrievalPlan, 'groups'>): ReferenceView[] {
  const rows = demoSourceRows();
  return referenceViewsFromPlan(plan, (group) => {
    if (group.source.kind !== 'table') throw new Error(`${group.name} reads a query`);
    const found = rows.get(group.source.table);
    if (!found) throw new Error(`no demo table ${group.source.table}`);
    return found;
  });
}

/** A reference value as plainRows writes it (Dates as ISO-8601 UTC text). */
export function plainValue(value: ReferenceValue): PlainValue {
  if (value instanceof Date) return iso(value.getTime());
  if (typeof value === 'bigint') return Number(value);
  return value;
}
