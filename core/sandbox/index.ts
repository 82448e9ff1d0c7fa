/**
 * The sandbox: a local Redshift stand-in on 127.0.0.1 that the real AWS SDK clients reach over HTTP. One port
 * serves both the Redshift Data API (requests carrying `X-Amz-Target: RedshiftData.*`) and S3 (path-style or
 * `<bucket>.localhost`). SQL runs in PGlite on a worker thread. See core/sandbox/README.md.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RedshiftDataClientConfig } from '@aws-sdk/client-redshift-data';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { WorkbenchError } from '../contract/errors';
import { handleDataApiRequest, isDataApiRequest } from './data-api';
import { Faults, type SandboxFaults } from './faults';
import { defaultImageCacheDir } from './pg-image';
import type { ColumnMeta } from './protocol';
import { handleS3Request } from './s3-server';
import { S3Store, type S3Error } from './s3-store';
import { StatementService } from './statements';
import { WorkerHost } from './worker-host';

export type { SandboxFaults } from './faults';
export type { DataApiOperation, Operation, S3Operation } from './faults';
export { S3Store, S3Error, type StoredObject } from './s3-store';

export interface SandboxOptions {
  /** Every .csv and .parquet file here becomes table public.<file name>. */
  dataDir?: string;
  /** Buckets that exist from the start (e.g. the one of the config's s3_staging_location). */
  buckets?: string[];
  /** Port on 127.0.0.1; default: any free port. */
  port?: number;
  log?: (line: string) => void;
  /** Databases that exist; by default any Database name is accepted (all reach the same tables). */
  databases?: string[];
  /** Rows per GetStatementResult page (default 1000). */
  resultPageRows?: number;
  /** UNLOAD starts another part file after this many rows (default 1,000,000). */
  unloadRowsPerFile?: number;
  /**
   * How COPY maps Parquet columns when the statement lists columns: by position (default: what AWS's
   * documentation describes for columnar formats, so the engine is tested against the stricter rule) or by
   * name (see the README).
   */
  copyColumnListMapping?: 'name' | 'position';
  /** Where the prepared database image is cached (default node_modules/.cache/fwb-sandbox). */
  imageCacheDir?: string;
  /** The worker's module, for bundled builds that do not ship core/sandbox/worker.ts (see worker-host.ts). */
  workerUrl?: URL;
}

export interface QueryResult {
  columns: ColumnMeta[];
  /** Values in PostgreSQL/Redshift text form; null for SQL NULL. */
  rows: (string | null)[][];
  /** Rows affected by INSERT/UPDATE/DELETE/COPY/UNLOAD; -1 for other commands. */
  affectedRows: number;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>`: the Data API endpoint (AWS_ENDPOINT_URL_REDSHIFT_DATA). */
  dataApiEndpoint: string;
  /** The same server, for S3 (AWS_ENDPOINT_URL_S3); clients must use path-style addressing. */
  s3Endpoint: string;
  port: number;
  faults: SandboxFaults;
  /** The S3 stand-in's contents: list, read and write objects directly. */
  store: S3Store;
  /** Tables created from the data folder, as `public."name"`. */
  tables: string[];
  /** How the start went: whether the database image came from the cache, and timings in ms. */
  startup: { fromCache: boolean; timings: Record<string, number> };
  /** Runs Redshift SQL directly (COPY, UNLOAD and shims included), outside the Data API. */
  query(sql: string): Promise<QueryResult>;
  /** Closes sockets, the worker and timers; the process can exit afterwards. */
  stop(): Promise<void>;
}

const INTERNAL_PREFIX = 'fwb_session_';

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => undefined);
  const store = new S3Store();
  for (const bucket of options.buckets ?? []) {
    if (store.hasBucket(bucket)) continue;
    try {
      store.createBucket(bucket);
    } catch (error) {
      const s3Error = error as S3Error;
      throw new WorkbenchError({
        kind: 'AwsError',
        service: 's3',
        code: s3Error.code,
        message: `bucket "${bucket}": ${s3Error.message}`,
      });
    }
  }
  const faults = new Faults();
  const { host, tables, timings } = await WorkerHost.start(
    {
      dataDir: options.dataDir,
      imageCacheDir: options.imageCacheDir ?? defaultImageCacheDir(),
      copyColumnListMapping: options.copyColumnListMapping ?? 'position',
      unloadRowsPerFile: options.unloadRowsPerFile ?? 1_000_000,
      internalPrefix: INTERNAL_PREFIX,
    },
    store,
    log,
    options.workerUrl,
  );
  const statements = new StatementService(host, faults, INTERNAL_PREFIX, log);
  const dataApi = {
    statements,
    host,
    faults,
    databases: options.databases,
    pageRows: options.resultPageRows ?? 1000,
    log,
  };
  const server: Server = createServer((req, res) => {
    const handler = isDataApiRequest(req)
      ? handleDataApiRequest(req, res, dataApi)
      : handleS3Request(req, res, { store, faults, log });
    handler.catch((error: unknown) => {
      log(`sandbox: request failed: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    statements.stop();
    await host.stop();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  log(`sandbox: listening on ${endpoint} (tables: ${tables.join(', ') || 'none'})`);
  let stopping: Promise<void> | undefined;
  return {
    dataApiEndpoint: endpoint,
    s3Endpoint: endpoint,
    port,
    faults,
    store,
    tables,
    startup: { fromCache: timings.openFromImageMs !== undefined, timings },
    query: (sql) => host.query(sql),
    stop() {
      stopping ??= (async () => {
        statements.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await host.stop();
      })();
      return stopping;
    },
  };
}

export interface SandboxClientConfigs {
  redshiftData: RedshiftDataClientConfig;
  s3: S3ClientConfig;
}

/** Options for the AWS SDK clients to reach the sandbox (dummy credentials; signatures are not checked). */
export function sandboxClientConfig(
  sandbox: Pick<Sandbox, 'dataApiEndpoint' | 's3Endpoint'>,
): SandboxClientConfigs {
  const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
  const region = 'us-east-1';
  return {
    redshiftData: { endpoint: sandbox.dataApiEndpoint, region, credentials },
    s3: { endpoint: sandbox.s3Endpoint, region, credentials, forcePathStyle: true },
  };
}

/** Environment variables that point SDK clients built without an endpoint at the sandbox. */
export function sandboxEnvironment(
  sandbox: Pick<Sandbox, 'dataApiEndpoint' | 's3Endpoint'>,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_REDSHIFT_DATA: sandbox.dataApiEndpoint,
    AWS_ENDPOINT_URL_S3: sandbox.s3Endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  };
}
