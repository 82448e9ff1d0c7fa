/**
 * A tiny benchmark harness. A bench file is `bench/<name>.bench.ts` whose default export is `defineBench(...)`;
 * `npm run bench` runs them all, `npm run bench -- <name>` only the named ones. Figures are medians of several
 * runs after a warm-up; tests never assert timings, so this is where speed is tracked.
 */

export interface MeasureOptions {
  /** Timed runs (default 5, or `--runs N` on the command line). */
  runs?: number;
  /** Untimed runs first, so the JIT has compiled the code (default 1). */
  warmup?: number;
  /** Bytes processed per run: adds an MB/s figure. */
  bytes?: number;
  /** Rows processed per run: adds a rows/s figure. */
  rows?: number;
}

export interface Measurement {
  suite: string;
  name: string;
  runs: number;
  /** The first (warm-up) run: what a cold process sees. */
  firstMs?: number;
  medianMs: number;
  minMs: number;
  mbPerSecond?: number;
  rowsPerSecond?: number;
}

export interface Note {
  suite: string;
  name: string;
  value: string;
}

export interface BenchApi {
  /** Times `fn` and records the figures; returns the value of the last run. */
  measure<T>(name: string, options: MeasureOptions, fn: () => T | Promise<T>): Promise<T>;
  /** Records a figure that is not a timing (a file size, a ratio...). */
  note(name: string, value: string): void;
}

export interface BenchSuite {
  readonly kind: 'bench-suite';
  readonly name: string;
  readonly run: (bench: BenchApi) => Promise<void>;
}

export function defineBench(name: string, run: (bench: BenchApi) => Promise<void>): BenchSuite {
  return { kind: 'bench-suite', name, run };
}

export function isBenchSuite(value: unknown): value is BenchSuite {
  return typeof value === 'object' && value !== null && (value as BenchSuite).kind === 'bench-suite';
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Recorder extends BenchApi {
  readonly measurements: Measurement[];
  readonly notes: Note[];
}

/** A BenchApi that records into arrays; `defaultRuns` overrides each measure's own default when set. */
export function createRecorder(
  suite: string,
  defaultRuns?: number,
  onRecord?: (line: string) => void,
): Recorder {
  const measurements: Measurement[] = [];
  const notes: Note[] = [];
  return {
    measurements,
    notes,
    async measure(name, options, fn) {
      const runs = defaultRuns ?? options.runs ?? 5;
      let firstMs: number | undefined;
      for (let i = 0; i < (options.warmup ?? 1); i++) {
        const start = performance.now();
        await fn();
        firstMs ??= performance.now() - start;
      }
      const times: number[] = [];
      let result!: Awaited<ReturnType<typeof fn>>;
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        result = await fn();
        times.push(performance.now() - start);
      }
      const medianMs = median(times);
      const m: Measurement = { suite, name, runs, medianMs, minMs: Math.min(...times) };
      if (firstMs !== undefined) m.firstMs = firstMs;
      if (options.bytes !== undefined) m.mbPerSecond = options.bytes / 1e6 / (medianMs / 1000);
      if (options.rows !== undefined) m.rowsPerSecond = options.rows / (medianMs / 1000);
      measurements.push(m);
      onRecord?.(`  ${name}: ${medianMs.toFixed(1)} ms`);
      return result;
    },
    note(name, value) {
      notes.push({ suite, name, value });
      onRecord?.(`  ${name}: ${value}`);
    },
  };
}

function formatRate(value: number | undefined, digits: number): string {
  if (value === undefined) return '';
  return value >= 1e6 && digits === 0 ? `${(value / 1e6).toFixed(2)} M` : value.toFixed(digits);
}

/** The figures as a plain-text table; MB/s and rows/s are from the median. */
export function formatTable(measurements: readonly Measurement[], notes: readonly Note[]): string {
  const header = ['suite', 'case', 'first ms', 'median ms', 'min ms', 'runs', 'MB/s', 'rows/s'];
  const rows = measurements.map((m) => [
    m.suite,
    m.name,
    m.firstMs === undefined ? '' : m.firstMs.toFixed(1),
    m.medianMs.toFixed(1),
    m.minMs.toFixed(1),
    String(m.runs),
    formatRate(m.mbPerSecond, 1),
    formatRate(m.rowsPerSecond, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7]);
  const line = (cells: string[]) =>
    cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (notes.length > 0) {
    out.push('');
    const nameWidth = Math.max(...notes.map((n) => `${n.suite} ${n.name}`.length));
    for (const n of notes) out.push(`${`${n.suite} ${n.name}`.padEnd(nameWidth)}  ${n.value}`);
  }
  return out.join('\n');
}
