/**
 * The host's state behind the services: the open repo (config, registry), its connection (the embedded sandbox
 * or AWS through a named profile), entity frames waiting for a run, and results kept for export. One per host
 * process; the renderer only ever sees ids and descriptions of what lives here.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { CONFIG_FILE_NAME, parseRepoConfig } from '../config/load';
import type { RepoConfig } from '../config/model';
import type { Environment } from '../config/env-vars';
import { describeRedshiftTarget } from '../config/summary';
import { WorkbenchError, toEngineError, type ConfigProblem, type EngineError } from '../contract/errors';
import type { ConnectionInfo, SessionInfo } from '../contract/types';
import type { EntityFrame } from '../frames/types';
import { loadRegistry, registrySourceName } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { sandboxConnection } from '../warehouse/clients';
import { parseS3Uri } from '../warehouse/s3';
import { DEFAULT_STAGING_SCHEMA, openWarehouse, type Warehouse } from '../warehouse/warehouse';

export type ConnectionChoice = { kind: 'sandbox' } | { kind: 'aws'; profile?: string };

export interface WorkspaceOptions {
  /** The demo repo shipped with the workbench (assets/demo). */
  demoSourceDir: string;
  /** Where the demo is copied before it is opened, so saves never touch the shipped files. */
  demoDir: string;
  /** Where the sandbox caches its prepared database image. */
  imageCacheDir?: string;
  /** The sandbox worker's module, for bundled builds. */
  workerUrl?: URL;
  /** For `$VAR` references in feature_store.yaml, as Feast expands them. */
  env?: Environment;
  log?: (line: string) => void;
}

interface StoredFrame {
  fileName: string;
  byteLength: number;
  frame: EntityFrame;
}

/** Kept in memory for export; older ones are dropped first. */
const MAX_RESULTS = 4;
const MAX_FRAMES = 8;

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/** Copies the shipped demo repo once; later starts keep the user's edits. */
export async function ensureDemoCopy(sourceDir: string, targetDir: string): Promise<void> {
  const exists = await stat(path.join(targetDir, CONFIG_FILE_NAME)).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await mkdir(path.dirname(targetDir), { recursive: true });
  await cp(sourceDir, targetDir, { recursive: true, errorOnExist: false });
}

/** Writes through a temporary file and a rename, so a crash never leaves half a feature_store.yaml. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, file);
}

export class Workspace {
  repoDir = '';
  isDemo = true;
  connection: ConnectionChoice = { kind: 'sandbox' };
  stagingSchema = DEFAULT_STAGING_SCHEMA;
  config: RepoConfig | undefined;
  problem: EngineError | undefined;
  pendingProblems: ConfigProblem[] = [];
  registry: RegistryModel | undefined;
  registrySource = '';
  warehouse: Warehouse | undefined;
  sandbox: Sandbox | undefined;
  private sandboxDataDir: string | undefined;
  readonly frames = new Map<string, StoredFrame>();
  readonly results = new Map<string, arrow.Table>();
  /** Serializes opens and reloads; every handler waits for the one in flight. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: WorkspaceOptions) {}

  get env(): Environment {
    return this.options.env ?? process.env;
  }

  /** feature_store.yaml of the open repo; never a path relative to the process's folder. */
  get configPath(): string {
    if (!this.repoDir) {
      throw new WorkbenchError({
        kind: 'NotFound',
        what: 'open repo',
        name: CONFIG_FILE_NAME,
        hint: 'open a folder holding feature_store.yaml (the top bar, or --repo)',
      });
    }
    return path.join(this.repoDir, CONFIG_FILE_NAME);
  }

  /** Runs `work` after every earlier open or reload has finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for the open or reload in flight, if any. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** Opens a repo (the demo when repoDir is undefined) on a connection. Problems are kept, not thrown. */
  open(
    repoDir: string | undefined,
    connection?: ConnectionChoice,
    stagingSchema?: string,
  ): Promise<SessionInfo> {
    return this.exclusive(async () => {
      let dir: string;
      if (repoDir === undefined) {
        await ensureDemoCopy(this.options.demoSourceDir, this.options.demoDir);
        dir = path.resolve(this.options.demoDir);
      } else {
        dir = path.resolve(repoDir);
        const isDir = await stat(dir).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (!isDir) {
          throw new WorkbenchError({
            kind: 'NotFound',
            what: 'folder',
            name: dir,
            hint: 'give the folder holding feature_store.yaml',
          });
        }
      }
      this.repoDir = dir;
      this.isDemo = dir === path.resolve(this.options.demoDir);
      if (connection) this.connection = connection;
      if (stagingSchema) this.stagingSchema = stagingSchema;
      this.frames.clear();
      this.results.clear();
      await this.loadFromDisk();
      return this.info();
    });
  }

  /** Re-reads feature_store.yaml and the registry after a save; keeps the old config when the new one is invalid. */
  reloadAfterSave(problems: ConfigProblem[]): Promise<SessionInfo> {
    return this.exclusive(async () => {
      if (problems.length > 0 && this.config) {
        this.pendingProblems = problems;
        return this.info();
      }
      await this.loadFromDisk();
      return this.info();
    });
  }

  private async loadFromDisk(): Promise<void> {
    this.closeWarehouse();
    this.config = undefined;
    this.registry = undefined;
    this.problem = undefined;
    this.pendingProblems = [];
    let text: string;
    try {
      text = await readFile(this.configPath, 'utf8');
    } catch (error) {
      this.problem = {
        kind: 'NotFound',
        what: CONFIG_FILE_NAME,
        name: this.configPath,
        hint: `${this.repoDir} is not a Feast repository; open the folder holding feature_store.yaml`,
      };
      this.options.log?.(`workspace: ${(error as Error).message}`);
      return;
    }
    const { config, problems } = parseRepoConfig(text, {
      file: CONFIG_FILE_NAME,
      repoDir: this.repoDir,
      env: this.env,
    });
    if (!config) {
      this.problem = { kind: 'ConfigInvalid', problems };
      return;
    }
    this.config = config;
    try {
      this.warehouse = await this.connect(config);
      this.registry = await loadRegistry(config, { s3: this.warehouse.clients.s3 });
      this.registrySource = registrySourceName(config);
    } catch (error) {
      this.problem = toEngineError(error);
    }
  }

  private async connect(config: RepoConfig): Promise<Warehouse> {
    const bucket = parseS3Uri(config.offlineStore.s3StagingLocation).bucket;
    if (this.connection.kind === 'aws') {
      await this.stopSandbox();
      return openWarehouse(config, {
        connection: this.connection.profile ? { profile: this.connection.profile } : {},
        stagingSchema: this.stagingSchema,
      });
    }
    const dataDir = path.join(this.repoDir, 'data');
    const hasData = await stat(dataDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const wanted = hasData ? dataDir : undefined;
    if (this.sandbox && this.sandboxDataDir !== wanted) await this.stopSandbox();
    if (!this.sandbox) {
      this.sandbox = await startSandbox({
        ...(wanted ? { dataDir: wanted } : {}),
        buckets: [bucket],
        ...(this.options.imageCacheDir ? { imageCacheDir: this.options.imageCacheDir } : {}),
        ...(this.options.workerUrl ? { workerUrl: this.options.workerUrl } : {}),
        ...(this.options.log ? { log: this.options.log } : {}),
      });
      this.sandboxDataDir = wanted;
    } else if (!this.sandbox.store.hasBucket(bucket)) {
      this.sandbox.store.createBucket(bucket);
    }
    return openWarehouse(config, {
      connection: sandboxConnection(this.sandbox),
      stagingSchema: this.stagingSchema,
    });
  }

  private closeWarehouse(): void {
    this.warehouse?.close();
    this.warehouse = undefined;
  }

  private async stopSandbox(): Promise<void> {
    const sandbox = this.sandbox;
    this.sandbox = undefined;
    this.sandboxDataDir = undefined;
    await sandbox?.stop();
  }

  connectionInfo(): ConnectionInfo | undefined {
    if (this.connection.kind === 'sandbox') {
      return this.sandbox
        ? { kind: 'sandbox', endpoint: this.sandbox.dataApiEndpoint, tables: this.sandbox.tables }
        : undefined;
    }
    return {
      kind: 'aws',
      ...(this.connection.profile ? { profile: this.connection.profile } : {}),
      region: this.config?.offlineStore.region ?? '',
    };
  }

  info(): SessionInfo {
    const config = this.config;
    const connection = this.connectionInfo();
    return {
      repoDir: this.repoDir,
      repoName: path.basename(this.repoDir),
      isDemo: this.isDemo,
      ...(connection ? { connection } : {}),
      ...(config
        ? {
            repo: {
              project: config.project,
              region: config.offlineStore.region,
              database: config.offlineStore.database,
              target: config.offlineStore.target,
              targetText: describeRedshiftTarget(config.offlineStore.target),
              s3StagingLocation: config.offlineStore.s3StagingLocation,
              registryPath: config.registry.path,
            },
          }
        : {}),
      stagingSchema: this.stagingSchema,
      ...(this.problem ? { problem: this.problem } : {}),
      pendingProblems: this.pendingProblems,
      featureViewCount: this.registry?.featureViews.length ?? 0,
    };
  }

  /** The config, or the reason there is none, as a thrown WorkbenchError. */
  requireConfig(): RepoConfig {
    if (this.config) return this.config;
    throw new WorkbenchError(this.problem ?? { kind: 'Internal', message: 'no repo is open' });
  }

  requireRegistry(): RegistryModel {
    if (this.registry) return this.registry;
    throw new WorkbenchError(this.problem ?? { kind: 'Internal', message: 'the registry is not loaded' });
  }

  requireWarehouse(): Warehouse {
    this.requireRegistry();
    if (this.warehouse) return this.warehouse;
    throw new WorkbenchError(this.problem ?? { kind: 'Internal', message: 'no connection is open' });
  }

  addFrame(fileName: string, byteLength: number, frame: EntityFrame): string {
    const id = newId('frame');
    this.frames.set(id, { fileName, byteLength, frame });
    while (this.frames.size > MAX_FRAMES) this.frames.delete(this.frames.keys().next().value!);
    return id;
  }

  requireFrame(frameId: string): StoredFrame {
    const frame = this.frames.get(frameId);
    if (frame) return frame;
    throw new WorkbenchError({
      kind: 'NotFound',
      what: 'entity frame',
      name: frameId,
      hint: 'open the CSV again (frames are forgotten when another repo is opened)',
    });
  }

  addResult(id: string, table: arrow.Table): void {
    this.results.set(id, table);
    while (this.results.size > MAX_RESULTS) this.results.delete(this.results.keys().next().value!);
  }

  requireResult(resultId: string): arrow.Table {
    const table = this.results.get(resultId);
    if (table) return table;
    throw new WorkbenchError({
      kind: 'NotFound',
      what: 'result',
      name: resultId,
      hint: 'only the last few results are kept; run the retrieval again',
    });
  }

  async close(): Promise<void> {
    await this.settled();
    this.closeWarehouse();
    await this.stopSandbox();
  }
}
