/**
 * A sandbox and a warehouse on it for the write integration tests, in the cluster or the Serverless form, with
 * COPY column lists mapped by position (as AWS documents Parquet COPY) or by name.
 */

import type { RedshiftTarget, RepoConfig } from '../config/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';

export const WRITE_TEST_BUCKET = 'fwb-write-tests';

export type TargetKind = RedshiftTarget['kind'];

export const WRITE_TEST_SETUPS = [
  { target: 'cluster', mapping: 'position' },
  { target: 'serverless', mapping: 'position' },
  { target: 'cluster', mapping: 'name' },
  { target: 'serverless', mapping: 'name' },
] as const satisfies { target: TargetKind; mapping: 'name' | 'position' }[];

export function writeTestConfig(target: TargetKind): RepoConfig {
  return {
    repoDir: '/nonexistent',
    project: 'write_tests',
    provider: 'aws',
    registry: {
      path: 'registry.db',
      location: { kind: 'file', path: '/nonexistent/registry.db' },
      format: 'protobuf',
    },
    offlineStore: {
      type: 'redshift',
      region: 'us-west-2',
      database: 'dev',
      s3StagingLocation: `s3://${WRITE_TEST_BUCKET}/staging`,
      iamRole: 'arn:aws:iam::123456789012:role/redshift_s3_access_role',
      target:
        target === 'cluster'
          ? { kind: 'cluster', clusterId: 'feast-cluster', user: 'awsuser' }
          : { kind: 'serverless', workgroup: 'feast-workgroup' },
    },
    extra: {},
  };
}

export interface WriteSandbox {
  sandbox: Sandbox;
  warehouse: Warehouse;
  /** Rows of a query in Redshift text form. */
  rows(sql: string): Promise<(string | null)[][]>;
  /** Keys left under the staging location. */
  stagedKeys(): string[];
  stop(): Promise<void>;
}

export async function startWriteSandbox(
  target: TargetKind,
  mapping: 'name' | 'position' = 'position',
): Promise<WriteSandbox> {
  const sandbox = await startSandbox({ buckets: [WRITE_TEST_BUCKET], copyColumnListMapping: mapping });
  const warehouse = openWarehouse(writeTestConfig(target), {
    connection: sandboxConnection(sandbox),
    poll: { firstMs: 5, factor: 1.5, maxMs: 50 },
  });
  return {
    sandbox,
    warehouse,
    rows: async (sql) => (await sandbox.query(sql)).rows,
    stagedKeys: () => sandbox.store.listKeys(WRITE_TEST_BUCKET, 'staging/'),
    async stop() {
      warehouse.close();
      await sandbox.stop();
    },
  };
}
