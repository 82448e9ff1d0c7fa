/**
 * The sandbox's SQL worker thread: owns PGlite, loads the data folder, runs statements one at a time, and
 * reaches the S3 store (which lives on the main thread) by message. Long statements block only this thread,
 * so the HTTP side keeps answering DescribeStatement while they run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isWorkbenchError } from '../contract/errors';
import { S3AccessError, type S3Access } from './exec-context';
import { openDatabase, SESSION_SQL } from './pg-image';
import type { FromWorker, S3Call, SerializedError, ToWorker, WorkerOptions } from './protocol';

const port = parentPort;
if (!port) throw new Error('core/sandbox/worker.ts must run in a worker thread');
const options = workerData as WorkerOptions;
const cancelSlot = new Int32Array(options.cancelBuffer);

function post(message: FromWorker): void {
  port!.postMessage(message);
}

function log(line: string): void {
  post({ type: 'log', line });
}

function serializeError(error: unknown): SerializedError {
  if (isWorkbenchError(error)) return { message: error.message, detail: error.detail };
  return { message: error instanceof Error ? error.message : String(error) };
}

let nextS3Id = 1;
const s3Pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

function s3Call(call: S3Call): Promise<unknown> {
  const id = nextS3Id++;
  return new Promise((resolve, reject) => {
    s3Pending.set(id, { resolve, reject });
    post({ type: 's3', id, call });
  });
}

const s3: S3Access = {
  list: (bucket, prefix) =>
    s3Call({ op: 'list', bucket, prefix }) as Promise<{ key: string; size: number }[]>,
  get: (bucket, key) => s3Call({ op: 'get', bucket, key }) as Promise<Uint8Array>,
  put: async (bucket, key, body, contentType) => {
    await s3Call({ op: 'put', bucket, key, body, contentType });
  },
  delete: async (bucket, keys) => {
    await s3Call({ op: 'delete', bucket, keys });
  },
};

/** Work runs strictly one item at a time: PGlite is a single connection. */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

async function main(): Promise<void> {
  // From spawn to here: starting the thread and loading the modules.
  const timings: Record<string, number> = { workerBootMs: Date.now() - options.spawnedAt };
  const started = performance.now();
  // Opening PGlite compiles its WebAssembly in the background; load the rest of the worker meanwhile.
  const opening = openDatabase(options.imageCacheDir!, log);
  const [{ PgSession }, { Executor }, { loadDataFolder }] = await Promise.all([
    import('./pg-session'),
    import('./executor'),
    import('./data-folder'),
  ]);
  const opened = await opening;
  timings[opened.fromCache ? 'openFromImageMs' : 'buildImageMs'] = performance.now() - started;
  const session = new PgSession(opened.pg);
  for (const sql of SESSION_SQL) await session.exec(sql);
  let tables: string[] = [];
  if (options.dataDir) {
    const loadStarted = performance.now();
    tables = await loadDataFolder(session, options.dataDir);
    timings.loadDataMs = performance.now() - loadStarted;
  }
  const executor = new Executor(session, s3, {
    copyColumnListMapping: options.copyColumnListMapping,
    unloadRowsPerFile: options.unloadRowsPerFile,
    internalPrefix: options.internalPrefix,
    log,
  });

  port!.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 's3-reply': {
        const pending = s3Pending.get(message.id);
        s3Pending.delete(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new S3AccessError(message.error.code, message.error.message));
        return;
      }
      case 'run': {
        const unit = message.unit;
        void serial(() =>
          executor.runUnit(unit, () => Atomics.load(cancelSlot, 0) === unit.seq, {
            subStarted: (index) => post({ type: 'sub-started', seq: unit.seq, index }),
            subDone: (index, outcome) => post({ type: 'sub-done', seq: unit.seq, index, outcome }),
          }),
        )
          .catch((error: unknown) => log(`sandbox: unit ${unit.seq} crashed: ${String(error)}`))
          .finally(() => post({ type: 'unit-done', seq: unit.seq }));
        return;
      }
      case 'query':
      case 'catalog':
      case 'drop-session':
      case 'close': {
        const id = message.id;
        const task = (): Promise<unknown> => {
          if (message.type === 'query') return executor.query(message.sql);
          if (message.type === 'catalog') return executor.catalog(message.request);
          if (message.type === 'drop-session') return executor.dropSession(message.schema);
          return opened.pg.close();
        };
        void serial(task).then(
          (value) => post({ type: 'reply', id, ok: true, value }),
          (error: unknown) => post({ type: 'reply', id, ok: false, error: serializeError(error) }),
        );
        return;
      }
    }
  });
  post({ type: 'ready', tables, timings });
}

main().catch((error: unknown) => post({ type: 'init-failed', error: serializeError(error) }));
