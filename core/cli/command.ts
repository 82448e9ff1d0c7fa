import { describeEngineError, toEngineError, type EngineError } from '../contract/errors';

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Working directory that relative paths in arguments resolve against. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl+C; long commands pass it down so cleanup runs. */
  signal: AbortSignal;
}

export interface CliCommand {
  /** Words that select the command, e.g. ['config', 'check']. */
  path: string[];
  summary: string;
  usage: string;
  /** Returns the process exit code. Throwing is allowed: the runner prints the error and exits 1. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function exitCodeFor(error: EngineError): number {
  switch (error.kind) {
    case 'Cancelled':
      return 130;
    case 'Internal':
      return 70;
    default:
      return 1;
  }
}

export function formatError(error: unknown): string {
  return describeEngineError(toEngineError(error));
}
