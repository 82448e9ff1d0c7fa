/**
 * The Python side of on-demand feature views: finding an interpreter and talking to driver.py in it.
 *
 * One process per retrieval. It is started with a tiny bootstrap (`python -B -c ...`) that reads the driver's
 * source from stdin, so nothing has to be found on disk by Python (packaged apps keep the driver inside an
 * archive). Requests and answers then alternate over stdin/stdout (see exchange.ts for the framing); stderr is
 * kept (its last 64 KiB) for error messages. Every request has a deadline; an AbortSignal kills the process.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { WorkbenchError } from '../contract/errors';

export interface PythonOptions {
  /**
   * The interpreter to use (`--python PATH`, a setting in the app). When given, only this one is tried; else
   * FWB_PYTHON (same rule), else `python3` on PATH, then /usr/bin/python3.
   */
  python?: string;
  /** Environment for FWB_PYTHON, the PATH lookup and the process (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the process (the feature repo, so relative paths in user code behave as in Feast). */
  cwd?: string;
  /** Deadline per batch of rows; default 300 s (starting Python and compiling the views have 300 s each). */
  timeoutMs?: number;
  /** driver.py; by default the file beside this module (bundled builds ship a copy and pass its path). */
  driverPath?: string | URL;
}

export const DEFAULT_TIMEOUT_MS = 300_000;

/** What the chosen interpreter reported about itself. */
export interface PythonInfo {
  /** As given or found (`python3`, `/usr/bin/python3`...). */
  command: string;
  /** sys.executable. */
  executable: string;
  version: string;
  pandas?: string;
  numpy?: string;
}

export interface Message {
  header: Record<string, unknown>;
  body: Uint8Array;
}

/** Reads the driver source without Python's help; bytes after it stay in the pipe for the driver. */
const BOOTSTRAP = [
  'import os, sys',
  'def read(n):',
  "    data = b''",
  '    while len(data) < n:',
  '        chunk = os.read(0, n - len(data))',
  '        if not chunk:',
  '            sys.exit(3)',
  '        data += chunk',
  '    return data',
  "size = int.from_bytes(read(4), 'little')",
  "exec(compile(read(size), 'fwb_odfv_driver.py', 'exec'), {'__name__': '__fwb_driver__'})",
].join('\n');

const STDERR_KEEP = 64 * 1024;

let driverSource: Buffer | undefined;
function loadDriver(driverPath: PythonOptions['driverPath']): Buffer {
  if (driverPath !== undefined) return readFileSync(driverPath);
  driverSource ??= readFileSync(new URL('./driver.py', import.meta.url));
  return driverSource;
}

/** Accumulates stdout chunks and cuts them into messages. */
class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: { resolve: (m: Message) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.deliver();
  }

  fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  next(): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.deliver();
      if (this.waiter && this.failure) this.fail(this.failure);
    });
  }

  /** The first `n` buffered bytes as one Buffer (joining chunks only when needed). */
  private head(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private consume(n: number): void {
    const all = this.head(n);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
  }

  private deliver(): void {
    if (!this.waiter || this.buffered < 4) return;
    const headerBytes = this.head(4).readUInt32LE(0);
    if (this.buffered < 4 + headerBytes) return;
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(this.head(4 + headerBytes).toString('utf8', 4, 4 + headerBytes)) as Record<
        string,
        unknown
      >;
    } catch (error) {
      this.fail(new Error(`unreadable answer from the Python driver: ${String(error)}`));
      return;
    }
    const bodyBytes = Number(header.bodyBytes ?? 0);
    const total = 4 + headerBytes + bodyBytes;
    if (this.buffered < total) return;
    const whole = this.head(total);
    const body = new Uint8Array(whole.buffer, whole.byteOffset + 4 + headerBytes, bodyBytes);
    this.consume(total);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter.resolve({ header, body });
  }
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** For errors: "compiling transformed_conv_rate", "rows 0-9999 of transformed_conv_rate"... */
  operation: string;
  /** The view the request concerns, for TransformFailed. */
  view: string;
}

/** A running driver.py. */
export class PythonProcess {
  private readonly reader = new MessageReader();
  private stderrTail = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private busy = false;
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly command: string,
    private readonly defaultTimeoutMs: number,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.reader.push(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP);
    });
    // Writes to a process that died fail with EPIPE, and a failed kill is an 'error' event: the close handler
    // reports what happened.
    child.stdin!.on('error', () => undefined);
    child.on('error', () => undefined);
    child.on('close', (code, signal) => {
      this.exit = { code, signal };
      this.reader.fail(new Error('the Python process ended'));
    });
  }

  /** Spawns `command` with the bootstrap and hands it the driver. Spawn errors (ENOENT...) reject. */
  static async spawn(command: string, options: PythonOptions): Promise<PythonProcess> {
    const source = loadDriver(options.driverPath);
    const child = spawn(command, ['-B', '-c', BOOTSTRAP], {
      cwd: options.cwd,
      env: {
        ...(options.env ?? globalThis.process.env),
        PYTHONIOENCODING: 'utf-8',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    const started = new PythonProcess(child, command, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(source.length, 0);
    child.stdin!.write(size);
    child.stdin!.write(source);
    return started;
  }

  /** What the process wrote on stderr (the last 64 KiB). */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Sends one request and waits for its answer. */
  async request(
    header: Record<string, unknown>,
    pieces: Uint8Array[],
    options: RequestOptions,
  ): Promise<Message> {
    if (this.busy)
      throw new WorkbenchError({ kind: 'Internal', message: 'two requests at once to the Python driver' });
    if (options.signal?.aborted) throw new WorkbenchError({ kind: 'Cancelled', phase: options.operation });
    this.busy = true;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const answer = this.reader.next();
      const bodyBytes = pieces.reduce((n, p) => n + p.byteLength, 0);
      const json = Buffer.from(JSON.stringify({ ...header, bodyBytes }), 'utf8');
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(json.length, 0);
      const stdin = this.child.stdin!;
      stdin.write(prefix);
      stdin.write(json);
      for (const piece of pieces) if (piece.byteLength > 0) stdin.write(piece);
      const stopped = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.kill();
          reject(
            new WorkbenchError({
              kind: 'TimedOut',
              operation: `${options.operation} in Python (${this.command})`,
              seconds: timeoutMs / 1000,
            }),
          );
        }, timeoutMs);
        onAbort = () => {
          this.kill();
          reject(new WorkbenchError({ kind: 'Cancelled', phase: options.operation }));
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([answer, stopped]);
      } catch (error) {
        if (error instanceof WorkbenchError) throw error;
        throw await this.diedError(options);
      }
    } finally {
      this.busy = false;
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The error for a process that ended in the middle of a request: exit status and what it printed. */
  private async diedError(options: RequestOptions): Promise<WorkbenchError> {
    if (!this.exit) await new Promise((resolve) => this.child.once('close', resolve));
    const { code, signal } = this.exit ?? { code: null, signal: null };
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    return new WorkbenchError({
      kind: 'TransformFailed',
      name: options.view,
      message: `the Python process (${this.command}) ${how} while ${options.operation}`,
      ...(this.stderrTail.trim() ? { output: this.stderrTail.trimEnd() } : {}),
    });
  }

  /** Asks the driver to stop and waits for the process to end (killing it if it does not within 2 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.exit) {
      const ended = new Promise((resolve) => this.child.once('close', resolve));
      const json = Buffer.from(JSON.stringify({ op: 'close', bodyBytes: 0 }), 'utf8');
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(json.length, 0);
      this.child.stdin!.end(Buffer.concat([prefix, json]));
      const timer = setTimeout(() => this.kill(), 2000);
      await ended;
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }
}

/** A candidate interpreter and where it came from, for messages. */
interface Candidate {
  command: string;
  origin: string;
  /** Chosen explicitly (option or FWB_PYTHON): no fallback to others. */
  explicit: boolean;
}

function candidates(options: PythonOptions): Candidate[] {
  if (options.python) return [{ command: options.python, origin: '--python', explicit: true }];
  const fromEnv = (options.env ?? globalThis.process.env).FWB_PYTHON;
  if (fromEnv) return [{ command: fromEnv, origin: 'FWB_PYTHON', explicit: true }];
  return [
    { command: 'python3', origin: 'python3 on PATH', explicit: false },
    { command: '/usr/bin/python3', origin: '/usr/bin/python3', explicit: false },
  ];
}

export interface StartedPython {
  process: PythonProcess;
  info: PythonInfo;
}

/**
 * Finds a Python that can run the views (`needPandas` for pandas mode) and starts the driver in it. Throws
 * DependencyMissing naming every interpreter tried and why it did not do, with the fix.
 */
export async function startPython(
  needPandas: boolean,
  options: PythonOptions,
  signal: AbortSignal | undefined,
  purpose: string,
): Promise<StartedPython> {
  const tried: string[] = [];
  const list = candidates(options);
  for (const candidate of list) {
    let process: PythonProcess;
    try {
      process = await PythonProcess.spawn(candidate.command, options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      tried.push(
        `${candidate.origin === candidate.command ? candidate.command : `${candidate.command} (${candidate.origin})`}: ` +
          (code === 'ENOENT' ? 'not found' : `cannot be started (${code ?? String(error)})`),
      );
      continue;
    }
    let answer: Message;
    try {
      // Importing pandas can take seconds on a busy machine; the batch deadline is not meant for it.
      answer = await process.request({ op: 'hello', needPandas }, [], {
        signal,
        timeoutMs: DEFAULT_TIMEOUT_MS,
        operation: 'starting',
        view: purpose,
      });
    } catch (error) {
      process.kill();
      if (error instanceof WorkbenchError && error.detail.kind !== 'TransformFailed') throw error;
      const stderr = process.stderr.trim().split('\n').slice(-3).join(' / ');
      tried.push(
        `${candidate.command} (${candidate.origin}): does not run the driver${stderr ? ` (${stderr})` : ''}`,
      );
      continue;
    }
    const h = answer.header;
    const label = `${candidate.command} (${candidate.origin}, Python ${String(h.python)})`;
    if (typeof h.problem === 'string') {
      await process.close();
      tried.push(`${label}: ${h.problem}`);
      continue;
    }
    if (needPandas && typeof h.pandas !== 'string') {
      await process.close();
      tried.push(`${label}: cannot import pandas (${String(h.pandasError ?? 'unknown error')})`);
      continue;
    }
    return {
      process,
      info: {
        command: candidate.command,
        executable: String(h.executable),
        version: String(h.python),
        ...(typeof h.pandas === 'string' ? { pandas: h.pandas } : {}),
        ...(typeof h.numpy === 'string' ? { numpy: h.numpy } : {}),
      },
    };
  }
  const explicit = list[0]!.explicit ? list[0]! : undefined;
  const need = needPandas ? 'Python 3 with pandas' : 'Python 3';
  const install = needPandas
    ? 'install pandas for it (Debian/Ubuntu: `sudo apt-get install python3-pandas`; elsewhere `python3 -m pip install pandas`)'
    : 'install Python 3 (Debian/Ubuntu: `sudo apt-get install python3`)';
  throw new WorkbenchError({
    kind: 'DependencyMissing',
    what: `${need} (to run ${purpose})`,
    fix:
      `tried ${tried.join('; ')}. ` +
      (explicit
        ? `Point ${explicit.origin === 'FWB_PYTHON' ? 'FWB_PYTHON' : '--python'} at an interpreter that has ${needPandas ? 'pandas' : 'Python 3.8 or later'}, or ${install}.`
        : `Either ${install}, or choose an interpreter with --python PATH (or the FWB_PYTHON environment variable).`),
  });
}
