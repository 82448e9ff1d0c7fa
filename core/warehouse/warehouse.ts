/**
 * One connection to a Redshift target (cluster or Serverless workgroup) and its S3 staging location, as the
 * jobs use it. Built from feature_store.yaml plus connection options; the sandbox is just other endpoints.
 */

import type { RepoConfig } from '../config/model';
import { createAwsClients, type AwsClients, type ConnectionOptions } from './clients';
import { RedshiftExecutor, type PollPolicy } from './executor';
import type { RetryPolicy } from './retry';
import { parseS3Uri, S3Staging, type S3Location } from './s3';

export interface WarehouseOptions {
  connection?: ConnectionOptions;
  /**
   * Schema for the workbench's staging tables (entity frames, split plans). Feast creates them in the first
   * schema of the search path, which often lacks CREATE permission (Feast issue 3652).
   */
  stagingSchema?: string;
  poll?: PollPolicy;
  retry?: RetryPolicy;
  /** Deadline for each statement. */
  statementTimeoutMs?: number;
}

export const DEFAULT_STAGING_SCHEMA = 'public';

export interface Warehouse {
  readonly config: RepoConfig;
  readonly clients: AwsClients;
  readonly executor: RedshiftExecutor;
  readonly s3: S3Staging;
  readonly stagingSchema: string;
  /** Bucket and key prefix of offline_store.s3_staging_location (no trailing slash). */
  readonly stagingRoot: S3Location;
  readonly iamRole: string;
  close(): void;
}

export function openWarehouse(config: RepoConfig, options: WarehouseOptions = {}): Warehouse {
  const clients = createAwsClients(config, options.connection);
  const root = parseS3Uri(config.offlineStore.s3StagingLocation);
  return {
    config,
    clients,
    executor: new RedshiftExecutor({
      client: clients.redshiftData,
      database: config.offlineStore.database,
      target: config.offlineStore.target,
      region: config.offlineStore.region,
      ...(options.poll ? { poll: options.poll } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.statementTimeoutMs ? { defaultTimeoutMs: options.statementTimeoutMs } : {}),
    }),
    s3: new S3Staging(clients.s3, options.retry),
    stagingSchema: options.stagingSchema ?? DEFAULT_STAGING_SCHEMA,
    stagingRoot: { bucket: root.bucket, key: root.key.replace(/\/+$/, '') },
    iamRole: config.offlineStore.iamRole,
    close: () => clients.destroy(),
  };
}

/** `<staging prefix>/<relative>` as an S3 location in the staging bucket. */
export function stagingLocation(warehouse: Warehouse, relative: string): S3Location {
  const prefix = warehouse.stagingRoot.key;
  return { bucket: warehouse.stagingRoot.bucket, key: prefix ? `${prefix}/${relative}` : relative };
}
