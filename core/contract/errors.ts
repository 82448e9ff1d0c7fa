/**
 * Errors cross every boundary (IPC, the browser bridge, the CLI) as plain data. Each member says what went
 * wrong in terms the user can act on; `describeEngineError` turns one into a sentence.
 */

/** A position in a text file the user gave us; line and column are 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface ConfigProblem extends SourcePosition {
  message: string;
}

export type EngineError =
  /** feature_store.yaml (or another config document) does not validate. */
  | { kind: 'ConfigInvalid'; problems: ConfigProblem[] }
  /** A user-supplied file (CSV, Parquet, policy JSON, ...) is malformed at a known position. */
  | { kind: 'InputInvalid'; file: string; line?: number; column?: number; reason: string }
  /** The Feast registry bytes cannot be decoded. `offset` is a byte offset for registry.db. */
  | { kind: 'RegistryInvalid'; source: string; reason: string; offset?: number }
  /** A named object (feature view, feature, service, table, object key...) does not exist. */
  | { kind: 'NotFound'; what: string; name: string; hint?: string }
  /** The request is well-formed but cannot be planned (collisions, missing join keys, ...). */
  | { kind: 'PlanInvalid'; reason: string }
  /** AWS refused the call for lack of permission. */
  | { kind: 'AccessDenied'; action?: string; resource?: string; message: string }
  /** A Redshift statement failed or was aborted by the server. */
  | { kind: 'StatementFailed'; statementId: string; message: string; sqlExcerpt: string }
  /** AWS kept throttling after the retry budget was spent. */
  | { kind: 'Throttled'; operation: string; attempts: number }
  /** An operation exceeded its deadline. */
  | { kind: 'TimedOut'; operation: string; seconds: number; statementId?: string }
  /** The caller cancelled; `phase` is where the work stopped. */
  | { kind: 'Cancelled'; phase: string }
  /** Any other AWS service error, with its code. */
  | { kind: 'AwsError'; service: string; code: string; message: string; requestId?: string }
  /** A local tool the operation needs (python3, pandas...) is missing or unusable. */
  | { kind: 'DependencyMissing'; what: string; fix: string }
  /** A user transformation (on-demand feature view) failed. */
  | { kind: 'TransformFailed'; name: string; message: string; output?: string }
  /**
   * A request crossing a process boundary (IPC, the browser bridge) does not match the contract: an unknown
   * method or a payload that fails its schema. `issues` name the payload path of each mismatch.
   */
  | { kind: 'RequestInvalid'; method: string; issues: { path: string; message: string }[] }
  /** Anything else: a bug in the workbench. */
  | { kind: 'Internal'; message: string };

export type EngineErrorKind = EngineError['kind'];

/** The one exception type the engine throws; it only carries an {@link EngineError}. */
export class WorkbenchError extends Error {
  readonly detail: EngineError;

  constructor(detail: EngineError, options?: { cause?: unknown }) {
    super(describeEngineError(detail), options);
    this.name = `WorkbenchError(${detail.kind})`;
    this.detail = detail;
  }
}

export function isWorkbenchError(value: unknown): value is WorkbenchError {
  return value instanceof WorkbenchError;
}

/** Converts anything thrown into an {@link EngineError}, so no exception shape leaks across a boundary. */
export function toEngineError(value: unknown): EngineError {
  if (value instanceof WorkbenchError) return value.detail;
  if (value instanceof Error) return { kind: 'Internal', message: value.message };
  return { kind: 'Internal', message: String(value) };
}

function at(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}

export function describeEngineError(error: EngineError): string {
  switch (error.kind) {
    case 'ConfigInvalid':
      return error.problems.map((p) => `${at(p.file, p.line, p.column)}: ${p.message}`).join('\n');
    case 'InputInvalid':
      return `${at(error.file, error.line, error.column)}: ${error.reason}`;
    case 'RegistryInvalid':
      return `registry ${error.source}${error.offset === undefined ? '' : ` (byte ${error.offset})`}: ${error.reason}`;
    case 'NotFound':
      return `${error.what} "${error.name}" not found${error.hint ? `; ${error.hint}` : ''}`;
    case 'PlanInvalid':
      return error.reason;
    case 'AccessDenied':
      return error.action
        ? `AccessDenied: ${error.action}${error.resource ? ` on ${error.resource}` : ''}: ${error.message}. ` +
            'Run `fwb iam check` to see which policy statement is missing.'
        : `AccessDenied: ${error.message}`;
    case 'StatementFailed':
      return `statement ${error.statementId} failed: ${error.message}\n  SQL: ${error.sqlExcerpt}`;
    case 'Throttled':
      return `${error.operation} was throttled by AWS ${error.attempts} times in a row; try again shortly`;
    case 'TimedOut':
      return `${error.operation} did not finish within ${error.seconds} s${error.statementId ? ` (statement ${error.statementId})` : ''}`;
    case 'Cancelled':
      return `cancelled during ${error.phase}`;
    case 'AwsError':
      return `${error.service} ${error.code}: ${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
    case 'DependencyMissing':
      return `${error.what} is missing: ${error.fix}`;
    case 'TransformFailed':
      return `on-demand feature view ${error.name} failed: ${error.message}${error.output ? `\n${error.output}` : ''}`;
    case 'RequestInvalid':
      return `request ${error.method} does not match the contract: ${error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
    case 'Internal':
      return `internal error: ${error.message}`;
  }
}
