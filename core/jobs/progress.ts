/** Progress of a run, phase by phase, as the CLI's stderr lines and the run strip in the UI show it. */

export type RunPhase =
  'plan' | 'upload' | 'copy' | 'query' | 'unload' | 'download' | 'decode' | 'write' | 'transform' | 'cleanup';

export interface ProgressEvent {
  phase: RunPhase;
  state: 'started' | 'running' | 'finished';
  /** A short sentence: "uploading entities.parquet (1.2 MB)". */
  message: string;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  bytes?: number;
  rows?: number;
  statementId?: string;
  /** Data API status of the statement, when the phase waits on one. */
  status?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Emits events with elapsed time filled in; a no-op when nobody listens. */
export class ProgressReporter {
  private readonly started = Date.now();
  private current: RunPhase = 'plan';

  constructor(private readonly listener?: ProgressListener) {}

  emit(event: Omit<ProgressEvent, 'elapsedMs'>): void {
    this.listener?.({ ...event, elapsedMs: Date.now() - this.started });
  }

  /** Reports a Data API status change of a statement that the current phase waits on. */
  statementStatus(statementId: string, status: string): void {
    this.emit({
      phase: this.current,
      state: 'running',
      message: `statement ${status.toLowerCase()}`,
      statementId,
      status,
    });
  }

  /** Runs `work` as one phase: started and finished events around it. */
  async phase<T>(
    phase: RunPhase,
    message: string,
    work: () => Promise<T>,
    done?: (result: T) => Partial<ProgressEvent>,
  ): Promise<T> {
    this.current = phase;
    this.emit({ phase, state: 'started', message });
    const result = await work();
    this.emit({ phase, state: 'finished', message, ...(done ? done(result) : {}) });
    return result;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
