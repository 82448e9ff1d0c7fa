/**
 * Data API statements on the main thread: their status machine (SUBMITTED -> PICKED -> STARTED -> FINISHED /
 * FAILED / ABORTED), sub-statements of batches, sessions, results kept for paging, and the scheduler that
 * feeds the SQL worker one unit at a time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Faults } from './faults';
import type { FinalStatus, ResultSet, RunUnit, SubOutcome } from './protocol';
import type { WorkerHost } from './worker-host';

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | FinalStatus;

/** An API error: the SDK turns `type` into the exception class of that name. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

export interface ConnectionInfo {
  clusterIdentifier?: string;
  workgroupName?: string;
  dbUser?: string;
  secretArn?: string;
  database?: string;
}

export interface SubStatement {
  id: string;
  sql: string;
  status: StatementStatus;
  error?: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  endedAt?: number;
  result?: ResultSet;
  resultRows: number;
  resultSize: number;
  queryId: number;
}

export interface Statement {
  id: string;
  batch: boolean;
  subs: SubStatement[];
  status: StatementStatus;
  error?: string;
  createdAt: number;
  updatedAt: number;
  connection: ConnectionInfo;
  resultFormat: 'JSON' | 'CSV';
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT';
  sessionId?: string;
  statementName?: string;
  parameters?: { name: string; value: string }[];
  pid: number;
  queryId: number;
  seq: number;
  delay?: NodeJS.Timeout;
  waiters: (() => void)[];
}

export interface Session {
  id: string;
  schema: string;
  connection: ConnectionInfo;
  keepAliveSeconds: number;
  createdAt: number;
  updatedAt: number;
  /** Epoch ms when the session closes; undefined while a statement runs. */
  expiresAt?: number;
  busyWith?: string;
  closed: boolean;
  pid: number;
  timer?: NodeJS.Timeout;
}

export interface SubmitInput {
  sqls: string[];
  batch: boolean;
  connection: ConnectionInfo;
  resultFormat: 'JSON' | 'CSV';
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT';
  statementName?: string;
  parameters?: { name: string; value: string }[];
  sessionId?: string;
  sessionKeepAliveSeconds?: number;
  clientToken?: string;
  /** Set when the database named does not exist: the statement fails the way a connection would. */
  connectFailure?: string;
}

const MAX_KEEP_ALIVE_SECONDS = 24 * 60 * 60;
const RETENTION_MS = 24 * 60 * 60 * 1000;
const CLIENT_TOKEN_MS = 8 * 60 * 60 * 1000;
const FINAL = new Set<StatementStatus>(['FINISHED', 'FAILED', 'ABORTED']);

export function isFinal(status: StatementStatus): boolean {
  return FINAL.has(status);
}

export class StatementService {
  readonly statements = new Map<string, Statement>();
  readonly sessions = new Map<string, Session>();
  private readonly ready: Statement[] = [];
  private readonly clientTokens = new Map<string, { id: string; fingerprint: string; at: number }>();
  private running?: Statement;
  private seq = 0;
  private queryIds = 1000;
  private stopped = false;
  private pumpScheduled = false;

  constructor(
    private readonly host: WorkerHost,
    private readonly faults: Faults,
    private readonly internalPrefix: string,
    private readonly log: (line: string) => void,
  ) {}

  private activeCount(): number {
    let count = 0;
    for (const s of this.statements.values()) if (!isFinal(s.status)) count++;
    return count;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.statements)
      if (isFinal(s.status) && now - s.updatedAt > RETENTION_MS) this.statements.delete(id);
    for (const [token, entry] of this.clientTokens)
      if (now - entry.at > CLIENT_TOKEN_MS) this.clientTokens.delete(token);
  }

  submit(input: SubmitInput): { statement: Statement; session?: Session } {
    const now = Date.now();
    this.sweep(now);
    const fingerprint = JSON.stringify({ ...input, clientToken: undefined });
    if (input.clientToken !== undefined) {
      const previous = this.clientTokens.get(input.clientToken);
      if (previous) {
        if (previous.fingerprint !== fingerprint)
          throw new ApiError(
            'ValidationException',
            'The ClientToken was already used with different request parameters.',
          );
        const statement = this.statements.get(previous.id);
        if (statement)
          return {
            statement,
            session: statement.sessionId ? this.sessions.get(statement.sessionId) : undefined,
          };
      }
    }
    if (this.activeCount() >= this.faults.maxActiveStatements)
      throw new ApiError(
        'ActiveStatementsExceededException',
        'Active statements exceeded the allowed quota.',
      );

    let session: Session | undefined;
    if (input.sessionId !== undefined) {
      session = this.sessions.get(input.sessionId);
      if (!session || session.closed)
        throw new ApiError(
          'ValidationException',
          `Session ${input.sessionId} is not available: it was closed or does not exist.`,
        );
      if (session.busyWith)
        throw new ApiError(
          'ValidationException',
          `Session ${session.id} is busy running statement ${session.busyWith}; wait for it to finish before submitting another.`,
        );
      if (input.sessionKeepAliveSeconds !== undefined)
        session.keepAliveSeconds = input.sessionKeepAliveSeconds;
    } else if (input.sessionKeepAliveSeconds !== undefined) {
      if (
        !Number.isInteger(input.sessionKeepAliveSeconds) ||
        input.sessionKeepAliveSeconds < 0 ||
        input.sessionKeepAliveSeconds > MAX_KEEP_ALIVE_SECONDS
      )
        throw new ApiError('ValidationException', 'SessionKeepAliveSeconds must be between 0 and 86400.');
      const id = randomUUID();
      session = {
        id,
        schema: `${this.internalPrefix}${randomBytes(8).toString('hex')}`,
        connection: input.connection,
        keepAliveSeconds: input.sessionKeepAliveSeconds,
        createdAt: now,
        updatedAt: now,
        closed: false,
        pid: 1_073_741_824 + Math.floor(Math.random() * 1_000_000),
      };
      this.sessions.set(id, session);
    }

    const id = randomUUID();
    const queryId = this.queryIds++;
    const statement: Statement = {
      id,
      batch: input.batch,
      subs: input.sqls.map((sql, index) => ({
        id: input.batch ? `${id}:${index + 1}` : id,
        sql,
        status: 'SUBMITTED',
        createdAt: now,
        updatedAt: now,
        resultRows: -1,
        resultSize: -1,
        queryId: input.batch ? this.queryIds++ : queryId,
      })),
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      connection: session ? { ...session.connection } : input.connection,
      resultFormat: input.resultFormat,
      executionMode: input.executionMode,
      sessionId: session?.id,
      statementName: input.statementName,
      parameters: input.parameters,
      pid: session?.pid ?? 1_073_741_824 + Math.floor(Math.random() * 1_000_000),
      queryId,
      seq: ++this.seq,
      waiters: [],
    };
    this.statements.set(id, statement);
    if (input.clientToken !== undefined)
      this.clientTokens.set(input.clientToken, { id, fingerprint, at: now });
    if (session) {
      session.busyWith = id;
      session.expiresAt = undefined;
      if (session.timer) clearTimeout(session.timer);
      session.timer = undefined;
    }
    setImmediate(() => this.pick(statement, input.connectFailure));
    return { statement, session };
  }

  private setStatus(statement: Statement, status: StatementStatus): void {
    const now = Date.now();
    statement.status = status;
    statement.updatedAt = now;
    for (const sub of statement.subs) {
      if (!isFinal(sub.status) && (status === 'PICKED' || (status === 'STARTED' && !statement.batch))) {
        sub.status = status;
        sub.updatedAt = now;
        if (status === 'STARTED') sub.startedAt ??= now;
      }
    }
    if (isFinal(status)) this.settle(statement);
  }

  /** The scheduler takes the statement: fault knobs apply here. */
  private pick(statement: Statement, connectFailure: string | undefined): void {
    if (this.stopped || statement.status !== 'SUBMITTED') return;
    this.setStatus(statement, 'PICKED');
    const sqls = statement.subs.map((s) => s.sql);
    const failure = connectFailure ?? this.faults.takeStatementFailure(sqls);
    const delay = this.faults.takeStatementDelay(sqls);
    const proceed = () => {
      statement.delay = undefined;
      if (isFinal(statement.status)) return;
      if (failure !== undefined) {
        this.setStatus(statement, 'STARTED');
        this.finishWithFailure(statement, failure);
        return;
      }
      this.ready.push(statement);
      this.pump();
    };
    if (delay !== undefined) {
      this.setStatus(statement, 'STARTED');
      statement.delay = setTimeout(proceed, delay);
    } else proceed();
  }

  private finishWithFailure(statement: Statement, error: string): void {
    const now = Date.now();
    statement.subs.forEach((sub, index) => {
      sub.status = index === 0 ? 'FAILED' : 'ABORTED';
      if (index === 0) sub.error = error;
      sub.startedAt ??= now;
      sub.endedAt = now;
      sub.updatedAt = now;
    });
    statement.error = error;
    this.setStatus(statement, 'FAILED');
  }

  private pump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.stopped || this.running) return;
    const statement = this.ready.shift();
    if (!statement) return;
    if (isFinal(statement.status)) return this.dispatch();
    this.running = statement;
    const session = statement.sessionId ? this.sessions.get(statement.sessionId) : undefined;
    const unit: RunUnit = {
      seq: statement.seq,
      sqls: statement.subs.map((s) => s.sql),
      batch: statement.batch,
      autoCommit: statement.executionMode === 'AUTO_COMMIT',
      sessionSchema: session?.schema,
      parameters: statement.parameters?.map((p) => [p.name, p.value]),
    };
    try {
      this.host.run(unit, {
        subStarted: (index) => {
          if (isFinal(statement.status)) return;
          if (statement.status !== 'STARTED') this.setStatus(statement, 'STARTED');
          const sub = statement.subs[index];
          if (sub && !isFinal(sub.status)) {
            sub.status = 'STARTED';
            sub.startedAt ??= Date.now();
            sub.updatedAt = Date.now();
          }
        },
        subDone: (index, outcome) => this.subDone(statement, index, outcome),
        done: () => {
          this.completeUnit(statement);
          this.running = undefined;
          this.pump();
        },
      });
    } catch (error) {
      this.running = undefined;
      this.finishWithFailure(statement, `ERROR: ${(error as Error).message}`);
      this.pump();
    }
  }

  private subDone(statement: Statement, index: number, outcome: SubOutcome): void {
    const sub = statement.subs[index];
    if (!sub) return;
    sub.status = outcome.status;
    sub.error = outcome.error;
    sub.startedAt = outcome.startedAt;
    sub.endedAt = outcome.endedAt;
    sub.updatedAt = outcome.endedAt;
    sub.result = outcome.result;
    sub.resultRows = outcome.resultRows;
    sub.resultSize = outcome.resultSize;
  }

  private completeUnit(statement: Statement): void {
    if (isFinal(statement.status)) return;
    const now = Date.now();
    for (const sub of statement.subs) {
      // A worker that stops mid-unit (a crash in PGlite) reports no outcome for the rest.
      if (!isFinal(sub.status)) {
        sub.status = 'FAILED';
        sub.error = 'ERROR: the sandbox worker stopped before the statement finished';
        sub.endedAt = now;
        sub.updatedAt = now;
      }
    }
    const failed = statement.subs.find((s) => s.status === 'FAILED');
    const aborted = statement.subs.some((s) => s.status === 'ABORTED') && !failed;
    if (failed) {
      statement.error = failed.error;
      this.setStatus(statement, 'FAILED');
    } else if (aborted) this.setStatus(statement, 'ABORTED');
    else this.setStatus(statement, 'FINISHED');
  }

  /** Final bookkeeping: session keep-alive, waiters. */
  private settle(statement: Statement): void {
    const session = statement.sessionId ? this.sessions.get(statement.sessionId) : undefined;
    if (session && session.busyWith === statement.id) {
      session.busyWith = undefined;
      session.updatedAt = Date.now();
      this.armSession(session);
    }
    const waiters = statement.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  private armSession(session: Session): void {
    if (session.closed || this.stopped) return;
    session.expiresAt = Date.now() + session.keepAliveSeconds * 1000;
    if (session.timer) clearTimeout(session.timer);
    session.timer = setTimeout(() => void this.closeSession(session), session.keepAliveSeconds * 1000);
    // An idle session must not keep a CLI or test process alive.
    session.timer.unref();
  }

  private async closeSession(session: Session): Promise<void> {
    if (session.closed || session.busyWith) return;
    session.closed = true;
    session.updatedAt = Date.now();
    try {
      await this.host.dropSession(session.schema);
    } catch (error) {
      this.log(`sandbox: could not drop session schema ${session.schema}: ${String(error)}`);
    }
  }

  /** A statement or one of a batch's sub-statements (`<id>:<n>`). */
  find(id: string): { statement: Statement; sub?: SubStatement } {
    const match = /^(.*?)(?::(\d+))?$/.exec(id)!;
    const statement = this.statements.get(match[1]!);
    if (statement && match[2] === undefined) return { statement };
    const sub = statement?.batch ? statement.subs[Number(match[2]) - 1] : undefined;
    if (statement && sub) return { statement, sub };
    throw new ApiError('ResourceNotFoundException', `Query does not exist.`, 400, { ResourceId: id });
  }

  cancel(id: string): void {
    const { statement } = this.find(id);
    if (isFinal(statement.status))
      throw new ApiError(
        'ValidationException',
        `Could not cancel a query that is already in ${statement.status} state.`,
      );
    if (statement.delay) {
      clearTimeout(statement.delay);
      statement.delay = undefined;
    }
    if (this.running === statement) {
      // The worker stops at its next checkpoint and rolls back; the status follows when it reports.
      this.host.cancel(statement.seq);
      return;
    }
    const index = this.ready.indexOf(statement);
    if (index >= 0) this.ready.splice(index, 1);
    const now = Date.now();
    for (const sub of statement.subs) {
      if (!isFinal(sub.status)) {
        sub.status = 'ABORTED';
        sub.endedAt = now;
        sub.updatedAt = now;
      }
    }
    this.setStatus(statement, 'ABORTED');
  }

  /** Resolves when the statement is final or after `seconds` (the Data API's WaitTimeSeconds). */
  waitFor(statement: Statement, seconds: number): Promise<void> {
    if (seconds <= 0 || isFinal(statement.status)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      statement.waiters.push(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const statement of this.statements.values()) {
      if (statement.delay) clearTimeout(statement.delay);
      for (const wake of statement.waiters.splice(0)) wake();
    }
    for (const session of this.sessions.values()) if (session.timer) clearTimeout(session.timer);
  }
}
