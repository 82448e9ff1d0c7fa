/**
 * What the services answer: plain data that crosses IPC (structured clone) and the browser bridge (wire.ts)
 * unchanged. Engine models that are already plain data (the registry, the plan, IAM results) are reused by
 * type; anything holding live objects (Arrow tables, clients) is replaced here by an id plus a description,
 * and tabular data travels as Arrow IPC bytes, never as JSON rows.
 *
 * Only `import type` from core/ here: the renderer type-checks this file and must not pull runtime code in.
 */
import type { RedshiftTarget } from '../config/model';
import type { EntityColumn, TimestampStats } from '../frames/types';
import type { CommandCheck } from '../iam/check';
import type { PolicyFinding } from '../iam/policy';
import type { CheckMode, FeastCommand } from '../iam/requirements';
import type { GeneratedPolicy } from '../iam/minimal-policy';
import type { ProgressEvent, RunPhase } from '../jobs/progress';
import type { RetrievalPlan } from '../plan/types';
import type { RegistryModel } from '../registry/model';
import type { ConfigProblem, EngineError } from './errors';

export type { RedshiftTarget, EntityColumn, TimestampStats, CommandCheck, PolicyFinding, CheckMode };
export type { FeastCommand, GeneratedPolicy, ProgressEvent, RunPhase, RetrievalPlan, RegistryModel };
export type { ConfigProblem, EngineError };

/** Every method answers this: the value, or what went wrong as data (never a thrown shape). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: EngineError };

// ---------------------------------------------------------------------------------------------- session

/** How the host reaches Redshift and S3. Credentials never leave the host: only a profile's name travels. */
export type ConnectionInfo =
  { kind: 'sandbox'; endpoint: string; tables: string[] } | { kind: 'aws'; profile?: string; region: string };

/** The repo config as far as it is valid; absent while feature_store.yaml has problems. */
export interface RepoSummary {
  project: string;
  region: string;
  database: string;
  target: RedshiftTarget;
  /** "Redshift cluster feast-cluster as awsuser". */
  targetText: string;
  s3StagingLocation: string;
  registryPath: string;
}

export interface SessionInfo {
  /** Absolute folder holding feature_store.yaml. */
  repoDir: string;
  /** The folder's name, for the top bar. */
  repoName: string;
  /** The demo repo the workbench opens on first start (a private copy, so edits never touch the checkout). */
  isDemo: boolean;
  /** Present once the connection is set up. */
  connection?: ConnectionInfo;
  /** Present when feature_store.yaml (as last loaded) is valid. */
  repo?: RepoSummary;
  stagingSchema: string;
  /** Why the session is not fully usable (invalid config, unreadable registry, sandbox failure...). */
  problem?: EngineError;
  /** Problems of the file on disk when the session keeps an earlier valid config (a save with mistakes). */
  pendingProblems: ConfigProblem[];
  /** Registry objects loaded, for the status line; 0 until the registry is read. */
  featureViewCount: number;
}

export interface AwsProfiles {
  /** Profile names from the AWS config and credentials files (names only: never keys). */
  profiles: string[];
}

// ----------------------------------------------------------------------------------------------- config

export interface ConfigDocument {
  /** Absolute path of feature_store.yaml. */
  path: string;
  text: string;
  problems: ConfigProblem[];
  /** One line naming what a valid config points at. */
  summary?: string;
}

export interface ConfigValidation {
  problems: ConfigProblem[];
  summary?: string;
}

export interface ConfigSaved {
  path: string;
  bytes: number;
  problems: ConfigProblem[];
  /** The session after the save: reloaded when the new text is valid, else unchanged with pendingProblems. */
  session: SessionInfo;
}

export interface ConfigEdited {
  /** The new text, comments and layout kept; nothing is written until a save. */
  text: string;
  problems: ConfigProblem[];
  summary?: string;
}

// ----------------------------------------------------------------------------------------------- registry

export interface RegistryView {
  /** Where it was read from: an absolute path or an s3:// URI. */
  source: string;
  model: RegistryModel;
}

// ----------------------------------------------------------------------------------------------- frames

export interface EntityFramePreview {
  /** Names the frame in later requests (plan, run); the frame itself stays in the host. */
  frameId: string;
  fileName: string;
  byteLength: number;
  rowCount: number;
  columns: EntityColumn[];
  timestampColumn: string;
  timestampStats: TimestampStats;
  /** Earliest and latest event timestamps (ISO-8601 UTC), when the frame has rows. */
  timestampRange?: { min: string; max: string };
  warnings: string[];
  /** The first rows as an Arrow IPC stream (at most {@link FRAME_PREVIEW_ROWS}). */
  preview: Uint8Array;
  previewRows: number;
}

export const FRAME_PREVIEW_ROWS = 500;

// ----------------------------------------------------------------------------------------------- plan

export interface PlanPreview {
  plan: RetrievalPlan;
  /**
   * `frame`: planned against the loaded entity frame. `assumed`: no frame yet, so the plan assumes one with the
   * join keys of the chosen views and an `event_timestamp` column (listed in assumedColumns).
   */
  entities: 'frame' | 'assumed';
  assumedColumns?: EntityColumn[];
}

export interface ExplainResult {
  plan: RetrievalPlan;
  /** Redshift's EXPLAIN output, one line per row. */
  lines: string[];
  /** The plan as an indented operator tree with cost, rows and width columns (`[!n]` marks a warning). */
  tree: string[];
  /** Data movement, nested loops and Redshift's notes, each with what to do about it. */
  warnings: { line: number; subject: string; message: string }[];
}

// ----------------------------------------------------------------------------------------------- runs

/** One column of a result, with what the results header shows. */
export interface ResultColumn {
  name: string;
  /** Arrow type, e.g. "Int64", "Float64", "Timestamp<MICROSECOND, UTC>", "Utf8". */
  type: string;
  kind: 'entity' | 'feature' | 'onDemand' | 'other';
  nulls: number;
  /** For features: the feature view (or alias) it comes from. */
  featureView?: string;
}

/** Events of retrieval.run, in order: `started`, `progress`* , `batch`* (after the data is decoded). */
export type RetrievalEvent =
  | { type: 'started'; resultId: string; startedAt: string }
  | { type: 'progress'; progress: ProgressEvent }
  /**
   * Rows `offset .. offset + rows` of the result as a self-contained Arrow IPC stream (schema + one or more
   * record batches), a few MB at most.
   */
  | { type: 'batch'; index: number; offset: number; rows: number; arrow: Uint8Array };

export interface RunSummary {
  resultId: string;
  rows: number;
  columns: ResultColumn[];
  batches: number;
  /** Bytes of Arrow IPC sent. */
  arrowBytes: number;
  elapsedMs: number;
  warnings: string[];
}

/** Events of plan.explain: the staging and EXPLAIN progress. */
export type ExplainEvent = { type: 'progress'; progress: ProgressEvent };

export type ExportFormat = 'csv' | 'parquet' | 'arrow';

/** Events of results.export: the file's bytes in order, a few MB per chunk. */
export type ExportEvent = { type: 'chunk'; offset: number; bytes: Uint8Array };

export interface ExportDone {
  fileName: string;
  format: ExportFormat;
  mimeType: string;
  rows: number;
  bytes: number;
}

// ----------------------------------------------------------------------------------------------- iam

export interface IamCheckResult {
  mode: CheckMode;
  checks: CommandCheck[];
  /** Warnings on the policy documents (errors come back as InputInvalid instead). */
  findings: PolicyFinding[];
  allowed: boolean;
}

export interface MinimalPolicyResult extends GeneratedPolicy {
  /** The policy as pretty-printed JSON, ready to copy. */
  text: string;
}

// ----------------------------------------------------------------------------------------------- sandbox

export interface SandboxStatus {
  running: boolean;
  endpoint?: string;
  dataDir?: string;
  tables: string[];
  startup?: { fromCache: boolean; timings: Record<string, number> };
}

/** Ok-shaped helpers, shared by every side. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(error: EngineError): Result<T> {
  return { ok: false, error };
}
