/**
 * The staging janitor: finds what crashed runs left behind (staging tables, S3 objects under
 * `<staging>/fwb/<run id>/`) and removes it. Only names that follow the run-id pattern exactly are the
 * workbench's: anything else is never listed for removal, whatever it is called. Runs younger than the
 * threshold may still be working and are kept.
 */

import { quoteLiteral, quoteQualified } from '../plan/sql';
import { s3Uri, type S3Location } from '../warehouse/s3';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import { stagingLocation, type Warehouse } from '../warehouse/warehouse';
import { RUN_ID_PATTERN, runStartedAt, STAGING_FOLDER, type RunId } from './naming';
import { formatBytes } from './progress';

export const DEFAULT_OLDER_THAN_MS = 24 * 60 * 60 * 1000;

/** `<run id>_<part>`, the only staging table names the workbench creates (stagingTableName). */
const STAGING_TABLE = /^(fwb_\d{8}t\d{6}_[0-9a-f]{8})_([a-z0-9_]+)$/;

/** True when `runId` matches the pattern and names a real UTC second (no 2026-02-30, no 25:00). */
export function isRunId(runId: string): runId is RunId {
  const match = RUN_ID_PATTERN.exec(runId);
  const started = runStartedAt(runId);
  if (!match || !started) return false;
  const iso = started.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return stamp === `${match[1]}${match[2]}`;
}

/** The run that created a staging table, or undefined when the name is not exactly `<run id>_<part>`. */
export function runIdOfStagingTable(name: string): RunId | undefined {
  const match = STAGING_TABLE.exec(name);
  return match && isRunId(match[1]!) ? match[1]! : undefined;
}

/**
 * The run that wrote an object, from its key below `<staging>/fwb/`: `<run id>/<anything>`. Undefined for
 * anything else (an object directly under fwb/, a folder whose name is not a run id).
 */
export function runIdOfStagingKey(relativeKey: string): RunId | undefined {
  const slash = relativeKey.indexOf('/');
  if (slash < 0) return undefined;
  const runId = relativeKey.slice(0, slash);
  return isRunId(runId) ? runId : undefined;
}

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90m`, `6h`, `2d`, `1h30m`, `45s`, `1w`, or `0`; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '0') return 0;
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    total += Number(amount) * DURATION_UNITS[unit!]!;
  }
  return Math.round(total);
}

/** `3d 4h`, `25m`, `40s`: the two largest units. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first < 0) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

export interface StagingTable {
  schema: string;
  name: string;
}

export interface StagingObjects {
  bucket: string;
  /** `<staging>/fwb/<run id>/`. */
  prefix: string;
  /** The keys found under the prefix: exactly these are removed. */
  keys: string[];
  bytes: number;
  /** The newest LastModified among them. */
  lastModified?: Date;
}

export interface LeftoverRun {
  runId: RunId;
  /** From the run id. */
  startedAt: Date;
  /** The later of the start and the newest staged object: a long run keeps writing. */
  lastActivity: Date;
  /** Time since the last activity. */
  ageMs: number;
  tables: StagingTable[];
  objects?: StagingObjects;
}

export interface FindOptions {
  /** Look for staging tables in every schema, not just the warehouse's staging schema. */
  allSchemas?: boolean;
  /** The time ages are measured from (tests). */
  now?: Date;
  signal?: AbortSignal;
}

/**
 * Staging tables whose names follow the run-id pattern. information_schema.tables exists on Redshift (cluster
 * and Serverless) and PostgreSQL alike; LIKE only narrows the list, the pattern check is ours.
 */
async function listStagingTables(warehouse: Warehouse, options: FindOptions): Promise<StagingTable[]> {
  const schemaFilter = options.allSchemas
    ? "table_schema NOT IN ('pg_catalog', 'information_schema')"
    : `LOWER(table_schema) = ${quoteLiteral(warehouse.stagingSchema.toLowerCase())}`;
  const sql =
    'SELECT table_schema, table_name FROM information_schema.tables\n' +
    `WHERE table_type = 'BASE TABLE' AND table_name LIKE 'fwb%' AND ${schemaFilter}\n` +
    'ORDER BY table_schema, table_name';
  const statement = await warehouse.executor.execute(sql, {
    label: 'fwb janitor: list staging tables',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const result = await resultPagesToArrow(warehouse.executor.resultPages(statement.id, options.signal));
  const schemas = result.getChildAt(0);
  const names = result.getChildAt(1);
  const tables: StagingTable[] = [];
  for (let i = 0; i < result.numRows; i++) {
    const schema = String(schemas?.get(i) ?? '');
    const name = String(names?.get(i) ?? '');
    if (runIdOfStagingTable(name)) tables.push({ schema, name });
  }
  return tables;
}

/** Where the workbench's staged objects live: `<staging location>/fwb/`. */
export function stagingFolder(warehouse: Warehouse): S3Location {
  return stagingLocation(warehouse, `${STAGING_FOLDER}/`);
}

/** Every run that left staging tables or objects, oldest first. Nothing is changed. */
export async function findLeftoverRuns(
  warehouse: Warehouse,
  options: FindOptions = {},
): Promise<LeftoverRun[]> {
  const now = options.now ?? new Date();
  const runs = new Map<RunId, LeftoverRun>();
  const runOf = (runId: RunId): LeftoverRun => {
    let run = runs.get(runId);
    if (!run) {
      const startedAt = runStartedAt(runId)!;
      run = { runId, startedAt, lastActivity: startedAt, ageMs: 0, tables: [] };
      runs.set(runId, run);
    }
    return run;
  };
  for (const table of await listStagingTables(warehouse, options)) {
    runOf(runIdOfStagingTable(table.name)!).tables.push(table);
  }
  const folder = stagingFolder(warehouse);
  for (const object of await warehouse.s3.list(folder, options.signal)) {
    const runId = runIdOfStagingKey(object.key.slice(folder.key.length));
    if (!runId) continue;
    const run = runOf(runId);
    run.objects ??= { bucket: folder.bucket, prefix: `${folder.key}${runId}/`, keys: [], bytes: 0 };
    run.objects.keys.push(object.key);
    run.objects.bytes += object.size;
    if (
      object.lastModified &&
      (!run.objects.lastModified || object.lastModified > run.objects.lastModified)
    ) {
      run.objects.lastModified = object.lastModified;
    }
  }
  for (const run of runs.values()) {
    const modified = run.objects?.lastModified;
    if (modified && modified > run.lastActivity) run.lastActivity = modified;
    run.ageMs = now.getTime() - run.lastActivity.getTime();
  }
  return [...runs.values()].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
}

export interface RemovalOutcome {
  /** What was (or, in a dry run, would be) removed: `"schema"."table"` or `s3://bucket/prefix`. */
  target: string;
  removed: boolean;
  /** Objects under an S3 prefix. */
  objects?: number;
  bytes?: number;
  error?: string;
}

export interface RunCleanup {
  run: LeftoverRun;
  tables: RemovalOutcome[];
  objects?: RemovalOutcome;
}

export interface JanitorOptions extends FindOptions {
  /** Runs whose last activity is more recent are kept (they may still be working). */
  olderThanMs?: number;
  /** List only. */
  dryRun?: boolean;
}

export interface JanitorReport {
  olderThanMs: number;
  dryRun: boolean;
  /** The schema searched, or undefined with allSchemas. */
  schema?: string;
  folder: S3Location;
  /** Runs old enough: removed (or listed, in a dry run). */
  cleaned: RunCleanup[];
  /** Runs too recent to touch. */
  kept: LeftoverRun[];
  /** How many removals failed. */
  failures: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Removes the staging leftovers of runs older than the threshold: each table with `DROP TABLE IF EXISTS` on
 * its quoted name, each run's objects by their listed keys. A failure is reported and the rest goes on.
 */
export async function cleanStaging(
  warehouse: Warehouse,
  options: JanitorOptions = {},
): Promise<JanitorReport> {
  const olderThanMs = options.olderThanMs ?? DEFAULT_OLDER_THAN_MS;
  const dryRun = options.dryRun ?? false;
  const runs = await findLeftoverRuns(warehouse, options);
  const report: JanitorReport = {
    olderThanMs,
    dryRun,
    ...(options.allSchemas ? {} : { schema: warehouse.stagingSchema }),
    folder: stagingFolder(warehouse),
    cleaned: [],
    kept: [],
    failures: 0,
  };
  for (const run of runs) {
    if (run.ageMs < olderThanMs) {
      report.kept.push(run);
      continue;
    }
    const cleanup: RunCleanup = { run, tables: [] };
    report.cleaned.push(cleanup);
    for (const table of run.tables) {
      const target = quoteQualified(table.schema, table.name);
      const outcome: RemovalOutcome = { target, removed: false };
      cleanup.tables.push(outcome);
      if (dryRun) continue;
      try {
        await warehouse.executor.execute(`DROP TABLE IF EXISTS ${target}`, {
          label: `fwb janitor: drop ${run.runId}`,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        outcome.removed = true;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        outcome.error = message(error);
        report.failures++;
      }
    }
    if (run.objects) {
      const { bucket, prefix, keys, bytes } = run.objects;
      const outcome: RemovalOutcome = {
        target: `s3://${bucket}/${prefix}`,
        removed: false,
        objects: keys.length,
        bytes,
      };
      cleanup.objects = outcome;
      if (dryRun) continue;
      try {
        await warehouse.s3.deleteKeys(bucket, keys, options.signal);
        outcome.removed = true;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        outcome.error = message(error);
        report.failures++;
      }
    }
  }
  return report;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The report as the terminal shows it: one block per run, then what was kept and a total. */
export function formatJanitorReport(report: JanitorReport): string[] {
  const threshold = formatDuration(report.olderThanMs);
  const where = `${report.schema === undefined ? 'every schema' : `schema "${report.schema}"`} and ${s3Uri(report.folder)}`;
  const out: string[] = [];
  if (report.cleaned.length === 0) {
    out.push(`No staging leftovers older than ${threshold} in ${where}.`);
  } else {
    out.push(`Staging leftovers older than ${threshold} in ${where}:`);
    const verb = (outcome: RemovalOutcome) =>
      outcome.error ? 'FAILED      ' : outcome.removed ? 'removed     ' : 'would remove';
    for (const { run, tables, objects } of report.cleaned) {
      out.push(`${run.runId}  started ${utc(run.startedAt)}, last activity ${formatDuration(run.ageMs)} ago`);
      for (const table of tables) {
        out.push(`  ${verb(table)}  table ${table.target}${table.error ? `: ${table.error}` : ''}`);
      }
      if (objects) {
        const size = `${plural(objects.objects ?? 0, 'object')}, ${formatBytes(objects.bytes ?? 0)}`;
        out.push(
          `  ${verb(objects)}  ${objects.target} (${size})${objects.error ? `: ${objects.error}` : ''}`,
        );
      }
    }
  }
  if (report.kept.length > 0) {
    const kept = report.kept.map((run) => `${run.runId} (${formatDuration(run.ageMs)})`).join(', ');
    out.push(`Kept ${plural(report.kept.length, 'run')} active less than ${threshold} ago: ${kept}`);
  }
  if (report.cleaned.length > 0) {
    const tables = report.cleaned.flatMap((c) => c.tables);
    const prefixes = report.cleaned.flatMap((c) => (c.objects ? [c.objects] : []));
    const done = (list: RemovalOutcome[]) => list.filter((o) => o.removed);
    const objects = (list: RemovalOutcome[]) => list.reduce((sum, o) => sum + (o.objects ?? 0), 0);
    if (report.dryRun) {
      out.push(
        `Dry run: would remove ${plural(tables.length, 'table')} and ${plural(objects(prefixes), 'object')} ` +
          `of ${plural(report.cleaned.length, 'run')}; run without --dry-run to remove them.`,
      );
    } else {
      out.push(
        `Removed ${plural(done(tables).length, 'table')} and ${plural(objects(done(prefixes)), 'object')} ` +
          `of ${plural(report.cleaned.length, 'run')}` +
          (report.failures > 0 ? `; ${report.failures} removal(s) failed.` : '.'),
      );
    }
  }
  return out;
}
