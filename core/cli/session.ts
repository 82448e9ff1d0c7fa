/**
 * What every warehouse command starts from: the repo's feature_store.yaml and registry, and a connection to
 * Redshift, or to the embedded sandbox when --sandbox DATA_DIR is given. One place, so every command takes
 * the same connection options and cleans up the same way.
 */

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadRepoConfig } from '../config/load';
import type { RepoConfig } from '../config/model';
import { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import type { EntityFrame } from '../frames/types';
import type { ProgressEvent } from '../jobs/progress';
import { loadRegistry } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { parseS3Uri } from '../warehouse/s3';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';
import { UsageError, type CliIO } from './command';

/** parseArgs options shared by every command that reaches the warehouse. */
export const CONNECTION_OPTIONS = {
  repo: { type: 'string' },
  sandbox: { type: 'string' },
  profile: { type: 'string' },
  'staging-schema': { type: 'string' },
  'timeout-seconds': { type: 'string' },
} as const;

export const CONNECTION_USAGE =
  '  --repo DIR               the Feast repository folder holding feature_store.yaml\n' +
  '  --sandbox DATA_DIR       run against the embedded Redshift sandbox loaded from DATA_DIR\n' +
  '                           (every .csv/.parquet file becomes a table public.<name>)\n' +
  '  --profile NAME           AWS named profile (default: the standard credential chain)\n' +
  '  --staging-schema NAME    schema for staging tables (default: public)\n' +
  '  --timeout-seconds N      deadline per Redshift statement (default: 7200)';

export interface ConnectionValues {
  repo?: string;
  sandbox?: string;
  profile?: string;
  'staging-schema'?: string;
  'timeout-seconds'?: string;
}

export interface WorkbenchSession {
  config: RepoConfig;
  registry: RegistryModel;
  warehouse: Warehouse;
  sandbox?: Sandbox;
  timeoutMs?: number;
  close(): Promise<void>;
}

async function requireFolder(dir: string, option: string): Promise<void> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`${option} ${dir} is not a folder`);
}

export async function openSession(values: ConnectionValues, io: CliIO): Promise<WorkbenchSession> {
  if (!values.repo) throw new UsageError('--repo is required');
  const repoDir = path.resolve(io.cwd, values.repo);
  await requireFolder(repoDir, '--repo');
  let timeoutMs: number | undefined;
  if (values['timeout-seconds'] !== undefined) {
    const seconds = Number(values['timeout-seconds']);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new UsageError('--timeout-seconds must be a positive number');
    timeoutMs = seconds * 1000;
  }
  const config = await loadRepoConfig(repoDir, { env: io.env });

  let sandbox: Sandbox | undefined;
  if (values.sandbox !== undefined) {
    const dataDir = path.resolve(io.cwd, values.sandbox);
    await requireFolder(dataDir, '--sandbox');
    sandbox = await startSandbox({
      dataDir,
      buckets: [parseS3Uri(config.offlineStore.s3StagingLocation).bucket],
    });
  }
  try {
    const warehouse = openWarehouse(config, {
      connection: sandbox
        ? sandboxConnection(sandbox)
        : { ...(values.profile ? { profile: values.profile } : {}) },
      ...(values['staging-schema'] ? { stagingSchema: values['staging-schema'] } : {}),
      ...(timeoutMs ? { statementTimeoutMs: timeoutMs } : {}),
    });
    let registry: RegistryModel;
    try {
      // An s3:// registry is read with the same credentials and endpoints as the warehouse.
      registry = await loadRegistry(config, { s3: warehouse.clients.s3, signal: io.signal });
    } catch (error) {
      warehouse.close();
      throw error;
    }
    return {
      config,
      registry,
      warehouse,
      ...(sandbox ? { sandbox } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      async close() {
        warehouse.close();
        await sandbox?.stop();
      },
    };
  } catch (error) {
    await sandbox?.stop();
    throw error;
  }
}

/** Reads and types a CSV entity frame, reporting unreadable files as InputInvalid. */
export async function readEntityCsv(file: string, io: CliIO): Promise<EntityFrame> {
  const full = path.resolve(io.cwd, file);
  const bytes = await readFile(full).catch((error: NodeJS.ErrnoException) => {
    throw new WorkbenchError(
      { kind: 'InputInvalid', file: full, reason: `cannot read the file: ${error.message}` },
      { cause: error },
    );
  });
  const frame = readCsvEntityFrame(bytes, { file });
  for (const warning of frame.warnings) io.stderr(`warning: ${warning}\n`);
  return frame;
}

/** Comma-separated `view:feature` references. */
export function parseFeatureRefs(text: string): string[] {
  const refs = text
    .split(',')
    .map((ref) => ref.trim())
    .filter((ref) => ref !== '');
  if (refs.length === 0) throw new UsageError('--features lists no feature');
  return refs;
}

/**
 * Progress lines on stderr, but only once a run takes longer than a moment: quick runs print nothing, slow
 * ones show every phase from the start. A phase prints when it starts, its statement states as they change,
 * and how long it took when it finishes.
 */
export function progressPrinter(
  io: CliIO,
  quietMs = 1000,
): { listener: (event: ProgressEvent) => void; stop(): void } {
  const pending: string[] = [];
  const startedAt = new Map<string, number>();
  let live = false;
  const print = (text: string) => {
    if (live) io.stderr(text);
    else pending.push(text);
  };
  const timer = setTimeout(() => {
    live = true;
    for (const text of pending.splice(0)) io.stderr(text);
  }, quietMs);
  timer.unref?.();
  return {
    listener(event) {
      const at = `${(event.elapsedMs / 1000).toFixed(1).padStart(6)}s ${event.phase.padEnd(9)}`;
      if (event.state === 'started') {
        startedAt.set(event.phase, event.elapsedMs);
        print(`${at}${event.message}\n`);
      } else if (event.state === 'running') {
        print(
          `${at}  ${event.message}${event.statementId && !event.message.includes(event.statementId) ? ` (statement ${event.statementId})` : ''}\n`,
        );
      } else {
        const took = ((event.elapsedMs - (startedAt.get(event.phase) ?? event.elapsedMs)) / 1000).toFixed(1);
        print(`${at}  done in ${took} s${event.phase === 'cleanup' ? `: ${event.message}` : ''}\n`);
      }
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
