/**
 * The main-thread side of the SQL worker: starts it (from TypeScript source under tsx or vitest, or from a
 * built .js file), relays its S3 calls to the store, and turns its messages into promises and callbacks.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WorkbenchError, type EngineError } from '../contract/errors';
import type {
  CatalogRequest,
  FromWorker,
  ResultSet,
  RunUnit,
  S3Call,
  SerializedError,
  SubOutcome,
  ToWorker,
  WorkerOptions,
} from './protocol';
import { S3Error, type S3Store } from './s3-store';

export interface UnitCallbacks {
  subStarted(index: number): void;
  subDone(index: number, outcome: SubOutcome): void;
  done(): void;
}

/**
 * Where the worker's code is. From source (tsx, vitest) the entry is worker.ts and the thread needs tsx's
 * loader, registered by a tiny bootstrap module; a bundled build ships worker.js next to this module (or
 * passes its own URL) and starts it directly. This is the seam for the Electron build.
 */
export function workerEntry(override?: URL): { url: URL; needsTsx: boolean } {
  if (override) return { url: override, needsTsx: override.pathname.endsWith('.ts') };
  const here = import.meta.url;
  const source = here.endsWith('.ts');
  return { url: new URL(source ? './worker.ts' : './worker.js', here), needsTsx: source };
}

function spawn(entry: { url: URL; needsTsx: boolean }, workerData: WorkerOptions): Worker {
  if (!entry.needsTsx) return new Worker(entry.url, { workerData });
  // Worker execArgv cannot carry `--import tsx` on Node 20 (the hooks do not reach the worker's entry), so
  // the thread starts from a data: module that registers tsx's ESM hooks and then imports the real entry.
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
  ).href;
  const bootstrap =
    `import { register } from ${JSON.stringify(tsxApi)};\n` +
    `register();\n` +
    `await import(${JSON.stringify(entry.url.href)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData });
}

function rebuildError(error: SerializedError): Error {
  if (error.detail && typeof error.detail === 'object' && 'kind' in error.detail)
    return new WorkbenchError(error.detail as EngineError);
  return new Error(error.message);
}

export class WorkerHost {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly units = new Map<number, UnitCallbacks>();
  private readonly cancelSlot: Int32Array;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    cancelBuffer: SharedArrayBuffer,
    private readonly store: S3Store,
    private readonly log: (line: string) => void,
  ) {
    this.cancelSlot = new Int32Array(cancelBuffer);
  }

  /** Starts the worker and waits until its database is open and the data folder loaded. */
  static start(
    options: Omit<WorkerOptions, 'cancelBuffer' | 'spawnedAt'>,
    store: S3Store,
    log: (line: string) => void,
    entryOverride?: URL,
  ): Promise<{ host: WorkerHost; tables: string[]; timings: Record<string, number> }> {
    const cancelBuffer = new SharedArrayBuffer(4);
    const worker = spawn(workerEntry(entryOverride), { ...options, cancelBuffer, spawnedAt: Date.now() });
    const host = new WorkerHost(worker, cancelBuffer, store, log);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          ready = true;
          resolve({ host, tables: message.tables, timings: message.timings });
        } else if (message.type === 'init-failed') {
          void worker.terminate();
          reject(rebuildError(message.error));
        } else host.onMessage(message);
      });
      worker.on('error', (error) => {
        host.failAll(error);
        if (!ready) reject(error);
        else log(`sandbox: the SQL worker failed: ${error.stack ?? error.message}`);
      });
      worker.on('exit', (code) => {
        host.exited = true;
        host.failAll(new Error(`the sandbox's SQL worker exited (code ${code})`));
        if (!ready) reject(new Error(`the sandbox's SQL worker exited during start-up (code ${code})`));
      });
    });
  }

  private send(message: ToWorker): void {
    if (this.exited) throw new Error("the sandbox's SQL worker is not running");
    this.worker.postMessage(message);
  }

  private request<T>(build: (id: number) => ToWorker): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.send(build(id));
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    for (const [seq, callbacks] of this.units) {
      this.units.delete(seq);
      const now = Date.now();
      callbacks.subDone(0, {
        status: 'FAILED',
        error: `ERROR: ${error.message}`,
        startedAt: now,
        endedAt: now,
        resultRows: -1,
        resultSize: -1,
      });
      callbacks.done();
    }
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'log':
        this.log(message.line);
        return;
      case 'reply': {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve(message.value);
        else pending.reject(rebuildError(message.error));
        return;
      }
      case 'sub-started':
        this.units.get(message.seq)?.subStarted(message.index);
        return;
      case 'sub-done':
        this.units.get(message.seq)?.subDone(message.index, message.outcome);
        return;
      case 'unit-done': {
        const callbacks = this.units.get(message.seq);
        this.units.delete(message.seq);
        callbacks?.done();
        return;
      }
      case 's3':
        this.answerS3(message.id, message.call);
        return;
      default:
        return;
    }
  }

  private answerS3(id: number, call: S3Call): void {
    try {
      let value: unknown;
      switch (call.op) {
        case 'list':
          value = this.store.listKeys(call.bucket, call.prefix).map((key) => ({
            key,
            size: this.store.getObject(call.bucket, key)!.body.length,
          }));
          break;
        case 'get':
          value = new Uint8Array(this.store.requireObject(call.bucket, call.key).body);
          break;
        case 'put':
          this.store.putObject(call.bucket, call.key, call.body, { contentType: call.contentType });
          value = null;
          break;
        case 'delete':
          for (const key of call.keys) this.store.deleteObject(call.bucket, key);
          value = null;
          break;
      }
      this.send({ type: 's3-reply', id, ok: true, value });
    } catch (error) {
      const code = error instanceof S3Error ? error.code : 'InternalError';
      this.send({ type: 's3-reply', id, ok: false, error: { code, message: (error as Error).message } });
    }
  }

  /** Starts a unit; callbacks report progress and the end. */
  run(unit: RunUnit, callbacks: UnitCallbacks): void {
    this.units.set(unit.seq, callbacks);
    try {
      this.send({ type: 'run', unit });
    } catch (error) {
      this.units.delete(unit.seq);
      throw error;
    }
  }

  /** Asks the running unit to stop at its next checkpoint (between statements, files, fetches). */
  cancel(seq: number): void {
    Atomics.store(this.cancelSlot, 0, seq);
  }

  query(sql: string): Promise<ResultSet & { affectedRows: number }> {
    return this.request((id) => ({ type: 'query', id, sql }));
  }

  catalog<T>(request: CatalogRequest): Promise<T> {
    return this.request((id) => ({ type: 'catalog', id, request }));
  }

  dropSession(schema: string): Promise<void> {
    return this.request((id) => ({ type: 'drop-session', id, schema }));
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        await Promise.race([
          this.request((id) => ({ type: 'close', id })),
          new Promise((resolve) => setTimeout(resolve, 2000).unref()),
        ]);
      } catch {
        // The worker is going away regardless.
      }
    }
    await this.worker.terminate();
  }
}
