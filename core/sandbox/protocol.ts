/** Messages between the sandbox's main side (HTTP, statement bookkeeping) and its SQL worker thread. */

/** How a value of a column travels in GetStatementResult's Field union. */
export type ValueKind = 'long' | 'double' | 'boolean' | 'string';

/** A result column as the Data API describes it (ColumnMetadata), plus how its values are encoded. */
export interface ColumnMeta {
  name: string;
  label: string;
  typeName: string;
  valueKind: ValueKind;
  precision: number;
  scale: number;
  length: number;
  nullable: number;
  isSigned: boolean;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  schemaName: string;
  tableName: string;
  columnDefault?: string;
}

/** Rows in PostgreSQL's text form (what Redshift's Data API also returns for timestamps and numerics). */
export interface ResultSet {
  columns: ColumnMeta[];
  rows: (string | null)[][];
}

export type FinalStatus = 'FINISHED' | 'FAILED' | 'ABORTED';

export interface SubOutcome {
  status: FinalStatus;
  error?: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  /** A result set when the (last) statement returned rows, even zero rows. */
  result?: ResultSet;
  /** Rows returned or affected; -1 when neither applies. */
  resultRows: number;
  /** Bytes of the result set in text form; -1 without one. */
  resultSize: number;
}

export interface RunUnit {
  seq: number;
  /** One element for ExecuteStatement (which may hold several statements), one per SQL for a batch. */
  sqls: string[];
  batch: boolean;
  /** BatchExecuteStatement's ExecutionMode AUTO_COMMIT: each SQL commits on its own. */
  autoCommit: boolean;
  /** Schema standing in for the session's temporary tables, when the statement runs in a Data API session. */
  sessionSchema?: string;
  parameters?: [string, string][];
  /** Fail without running (a fault knob), with this error text. */
  injectedFailure?: string;
}

export type CatalogRequest =
  | { op: 'schemas'; pattern?: string }
  | { op: 'tables'; schemaPattern?: string; tablePattern?: string }
  | { op: 'columns'; schema?: string; table?: string };

export interface CatalogTable {
  schema: string;
  name: string;
  type: string;
}

export interface SerializedError {
  message: string;
  /** A WorkbenchError's detail, to rebuild it on the main side. */
  detail?: unknown;
}

export type S3Call =
  | { op: 'list'; bucket: string; prefix: string }
  | { op: 'get'; bucket: string; key: string }
  | { op: 'put'; bucket: string; key: string; body: Uint8Array; contentType: string }
  | { op: 'delete'; bucket: string; keys: string[] };

export type ToWorker =
  | { type: 'run'; unit: RunUnit }
  | { type: 'query'; id: number; sql: string }
  | { type: 'catalog'; id: number; request: CatalogRequest }
  | { type: 'drop-session'; id: number; schema: string }
  | { type: 's3-reply'; id: number; ok: true; value: unknown }
  | { type: 's3-reply'; id: number; ok: false; error: { code: string; message: string } }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'ready'; tables: string[]; timings: Record<string, number> }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'sub-started'; seq: number; index: number }
  | { type: 'sub-done'; seq: number; index: number; outcome: SubOutcome }
  | { type: 'unit-done'; seq: number }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: SerializedError }
  | { type: 's3'; id: number; call: S3Call }
  | { type: 'log'; line: string };

export interface WorkerOptions {
  dataDir?: string;
  imageCacheDir?: string;
  /** Int32 slot 0 holds the seq of the unit to cancel. */
  cancelBuffer: SharedArrayBuffer;
  /** How COPY maps file columns when the statement lists columns: by name (default) or by position. */
  copyColumnListMapping: 'name' | 'position';
  /** UNLOAD starts a new part file after this many rows (Redshift splits by slice and size). */
  unloadRowsPerFile: number;
  /** Prefix for names of the sandbox's own objects (session schemas). */
  internalPrefix: string;
  /** Date.now() when the main thread spawned the worker. */
  spawnedAt: number;
}
