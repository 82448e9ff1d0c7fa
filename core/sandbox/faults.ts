/**
 * Fault knobs and call counters, for reliability tests. Knobs are consumed as requests arrive: `times` says
 * how many matching calls a knob affects (pass Infinity to keep it until `reset()`).
 */

/** Data API operations, as named in X-Amz-Target (`RedshiftData.<Operation>`). */
export type DataApiOperation =
  | 'BatchExecuteStatement'
  | 'CancelStatement'
  | 'DescribeStatement'
  | 'DescribeTable'
  | 'ExecuteStatement'
  | 'GetStatementResult'
  | 'GetStatementResultV2'
  | 'ListDatabases'
  | 'ListSchemas'
  | 'ListSessions'
  | 'ListStatements'
  | 'ListTables';

/** S3 operations the stand-in distinguishes (the names the SDK's commands carry). */
export type S3Operation =
  | 'AbortMultipartUpload'
  | 'CompleteMultipartUpload'
  | 'CopyObject'
  | 'CreateBucket'
  | 'CreateMultipartUpload'
  | 'DeleteBucket'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'GetBucketLocation'
  | 'GetObject'
  | 'HeadBucket'
  | 'HeadObject'
  | 'ListBuckets'
  | 'ListMultipartUploads'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'UploadPart';

export type Operation = DataApiOperation | S3Operation;

export interface StatementFaultOptions {
  /** Only statements whose SQL matches (any SQL of a batch). Without it, the next statements. */
  match?: RegExp;
  /** How many statements this affects; default 1. */
  times?: number;
}

export interface S3FaultOptions {
  times?: number;
  /** HTTP status; default 500. */
  status?: number;
  /** S3 error code; default InternalError. */
  code?: string;
  message?: string;
}

export interface DropOptions {
  times?: number;
  /**
   * Carry the request out, then drop the connection instead of answering: the caller cannot know it
   * succeeded (what ClientToken idempotency is for). By default the request is dropped unprocessed.
   */
  afterProcessing?: boolean;
}

export interface SandboxFaults {
  /** The next `times` calls of `operation` are answered with ThrottlingException (S3: 503 SlowDown). */
  throttle(operation: Operation, times?: number): void;
  /** The next `times` requests of `operation` get their socket destroyed without a response. */
  dropConnection(operation: Operation, options?: DropOptions): void;
  /** Matching statements go FAILED with `message` (e.g. `ERROR: could not serialize access`), without running. */
  failStatements(message: string, options?: StatementFaultOptions): void;
  /** Matching statements stay STARTED for `ms` before they run; CancelStatement during the wait aborts them. */
  delayStatements(ms: number, options?: StatementFaultOptions): void;
  /** The next `times` calls of an S3 operation fail with an S3 error. */
  failS3(operation: S3Operation, options?: S3FaultOptions): void;
  /** Statements that may be SUBMITTED, PICKED or STARTED at once before ActiveStatementsExceededException. */
  maxActiveStatements: number;
  /** Removes every knob (counters and maxActiveStatements stay). */
  reset(): void;
  /** Calls of one operation seen so far (every request that reached the sandbox, faulted ones included). */
  calls(operation: Operation): number;
  /** Calls per operation seen so far. */
  counts(): Partial<Record<Operation, number>>;
  resetCounts(): void;
}

interface Budget {
  remaining: number;
}

interface StatementKnob extends Budget {
  match?: RegExp;
  message?: string;
  ms?: number;
}

/** The default cap on active statements, the Data API's documented quota per cluster. */
export const DEFAULT_MAX_ACTIVE_STATEMENTS = 200;

export class Faults implements SandboxFaults {
  maxActiveStatements = DEFAULT_MAX_ACTIVE_STATEMENTS;
  private readonly throttles = new Map<Operation, Budget>();
  private readonly drops = new Map<Operation, Budget & { afterProcessing: boolean }>();
  private readonly s3Failures = new Map<S3Operation, Budget & Required<Omit<S3FaultOptions, 'times'>>>();
  private statementFailures: StatementKnob[] = [];
  private statementDelays: StatementKnob[] = [];
  private readonly callCounts = new Map<Operation, number>();

  throttle(operation: Operation, times = 1): void {
    this.throttles.set(operation, { remaining: times });
  }

  dropConnection(operation: Operation, options: DropOptions = {}): void {
    this.drops.set(operation, {
      remaining: options.times ?? 1,
      afterProcessing: options.afterProcessing ?? false,
    });
  }

  failStatements(message: string, options: StatementFaultOptions = {}): void {
    this.statementFailures.push({ message, match: options.match, remaining: options.times ?? 1 });
  }

  delayStatements(ms: number, options: StatementFaultOptions = {}): void {
    this.statementDelays.push({ ms, match: options.match, remaining: options.times ?? 1 });
  }

  failS3(operation: S3Operation, options: S3FaultOptions = {}): void {
    this.s3Failures.set(operation, {
      remaining: options.times ?? 1,
      status: options.status ?? 500,
      code: options.code ?? 'InternalError',
      message: options.message ?? 'We encountered an internal error. Please try again.',
    });
  }

  reset(): void {
    this.throttles.clear();
    this.drops.clear();
    this.s3Failures.clear();
    this.statementFailures = [];
    this.statementDelays = [];
  }

  calls(operation: Operation): number {
    return this.callCounts.get(operation) ?? 0;
  }

  counts(): Partial<Record<Operation, number>> {
    return Object.fromEntries(this.callCounts);
  }

  resetCounts(): void {
    this.callCounts.clear();
  }

  // ---- used by the servers and the statement scheduler ----

  /** Counts a call; returns what to do with it. */
  onRequest(operation: Operation): { drop?: 'before' | 'after'; throttle?: boolean } {
    this.callCounts.set(operation, this.calls(operation) + 1);
    const drop = take(this.drops, operation);
    if (drop) return { drop: drop.afterProcessing ? 'after' : 'before' };
    if (take(this.throttles, operation)) return { throttle: true };
    return {};
  }

  takeS3Failure(operation: S3Operation): Required<Omit<S3FaultOptions, 'times'>> | undefined {
    return take(this.s3Failures, operation);
  }

  takeStatementFailure(sqls: readonly string[]): string | undefined {
    return takeStatementKnob(this.statementFailures, sqls)?.message;
  }

  takeStatementDelay(sqls: readonly string[]): number | undefined {
    return takeStatementKnob(this.statementDelays, sqls)?.ms;
  }
}

function take<K, V extends Budget>(map: Map<K, V>, key: K): V | undefined {
  const knob = map.get(key);
  if (!knob || knob.remaining <= 0) return undefined;
  knob.remaining--;
  if (knob.remaining <= 0) map.delete(key);
  return knob;
}

function takeStatementKnob(knobs: StatementKnob[], sqls: readonly string[]): StatementKnob | undefined {
  const matches = (pattern: RegExp, sql: string) => {
    pattern.lastIndex = 0; // a /g pattern keeps state between test() calls
    return pattern.test(sql);
  };
  const knob = knobs.find((k) => k.remaining > 0 && (!k.match || sqls.some((sql) => matches(k.match!, sql))));
  if (knob) knob.remaining--;
  return knob;
}
