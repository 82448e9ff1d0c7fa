/**
 * Runs SQL on Redshift through the Data API: submit, poll, cancel, time out, retry throttled calls, and
 * report failures with the statement id, Redshift's own message and the part of the SQL it points at.
 */

import { randomUUID } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  DescribeTableCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type ColumnMetadata,
  type Field as DataApiField,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { WorkbenchError } from '../contract/errors';
import type { RedshiftTarget } from '../config/model';
import { awsError, type AwsCallContext } from './aws-errors';
import { DEFAULT_RETRY_POLICY, sleep, withRetries, type RetryPolicy } from './retry';

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

export interface StatementEvent {
  statementId: string;
  status: StatementStatus;
  label: string;
  elapsedMs: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Overall deadline for this statement; the executor's default when absent. */
  timeoutMs?: number;
  /** Sent as StatementName so the statement is recognisable in the console and SYS views. */
  label?: string;
  onStatus?: (event: StatementEvent) => void;
}

export interface SubStatementOutcome {
  id: string;
  status: StatementStatus;
  hasResultSet: boolean;
  resultRows: number;
}

export interface StatementOutcome {
  id: string;
  hasResultSet: boolean;
  resultRows: number;
  durationMs: number;
  subStatements: SubStatementOutcome[];
}

/** How quickly completion is noticed: first check after `firstMs`, then growing by `factor` up to `maxMs`. */
export interface PollPolicy {
  firstMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { firstMs: 50, factor: 1.6, maxMs: 2_000 };

/** Redshift statements may run for up to 24 h; the workbench's default deadline is generous but finite. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 2 * 60 * 60 * 1000;

/** The Data API's statement size limit. */
export const MAX_STATEMENT_BYTES = 100 * 1024;

export interface ExecutorOptions {
  client: RedshiftDataClient;
  database: string;
  target: RedshiftTarget;
  /** Account and region, only to name ARNs in access-denied errors. */
  region?: string;
  poll?: PollPolicy;
  retry?: RetryPolicy;
  defaultTimeoutMs?: number;
}

export interface ResultPage {
  columns: ColumnMetadata[];
  records: DataApiField[][];
}

export interface TableColumn {
  name: string;
  typeName: string;
  nullable: boolean;
  length?: number;
  precision?: number;
  scale?: number;
}

const TERMINAL: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'ABORTED']);

/** The lines of `sql` around the character Redshift's error points at, or its start. */
export function sqlExcerpt(sql: string, error?: string, width = 240): string {
  const position = error ? /Position:\s*(\d+)/i.exec(error) : null;
  const flat = (text: string) => text.replace(/\s+/g, ' ').trim();
  if (position) {
    const at = Number(position[1]) - 1;
    const start = Math.max(0, at - width / 2);
    const end = Math.min(sql.length, at + width / 2);
    return `${start > 0 ? '...' : ''}${flat(sql.slice(start, at))} >>>${flat(sql.slice(at, end))}${end < sql.length ? '...' : ''}`;
  }
  const text = flat(sql);
  return text.length > width ? `${text.slice(0, width)}...` : text;
}

export class RedshiftExecutor {
  readonly database: string;
  readonly target: RedshiftTarget;
  private readonly client: RedshiftDataClient;
  private readonly poll: PollPolicy;
  private readonly retry: RetryPolicy;
  private readonly defaultTimeoutMs: number;

  constructor(options: ExecutorOptions) {
    this.client = options.client;
    this.database = options.database;
    this.target = options.target;
    this.poll = options.poll ?? DEFAULT_POLL_POLICY;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  }

  private get connection() {
    return this.target.kind === 'cluster'
      ? { ClusterIdentifier: this.target.clusterId, DbUser: this.target.user, Database: this.database }
      : { WorkgroupName: this.target.workgroup, Database: this.database };
  }

  private async call<T>(
    operation: string,
    send: () => Promise<T>,
    idempotent: boolean,
    signal?: AbortSignal,
  ) {
    const context: AwsCallContext = {
      service: 'redshift-data',
      operation,
      action: `redshift-data:${operation}`,
    };
    try {
      return await withRetries(send, {
        operation: `redshift-data ${operation}`,
        policy: this.retry,
        signal,
        idempotent,
      });
    } catch (error) {
      // The SDK reports an aborted request as an AbortError; the caller cancelled, nothing failed.
      if (signal?.aborted) {
        throw new WorkbenchError(
          { kind: 'Cancelled', phase: `redshift-data ${operation}` },
          { cause: error },
        );
      }
      throw awsError(error, context);
    }
  }

  /** Runs one SQL text (which may hold several statements separated by semicolons) to completion. */
  async execute(sql: string, options: RunOptions = {}): Promise<StatementOutcome> {
    return this.submitAndWait([sql], options);
  }

  /** Runs several statements in one transaction (BatchExecuteStatement): all of them or none. */
  async executeBatch(sqls: string[], options: RunOptions = {}): Promise<StatementOutcome> {
    if (sqls.length === 0)
      throw new WorkbenchError({ kind: 'Internal', message: 'executeBatch needs at least one statement' });
    return this.submitAndWait(sqls, options, true);
  }

  private checkSize(sql: string): void {
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > MAX_STATEMENT_BYTES) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason:
          `the statement is ${bytes} bytes; the Redshift Data API accepts at most ${MAX_STATEMENT_BYTES} bytes ` +
          'per statement. Split the request (fewer features per retrieval) or let the planner stage it.',
      });
    }
  }

  private async submitAndWait(sqls: string[], options: RunOptions, batch = false): Promise<StatementOutcome> {
    sqls.forEach((sql) => this.checkSize(sql));
    const label = options.label ?? 'fwb';
    if (options.signal?.aborted) throw new WorkbenchError({ kind: 'Cancelled', phase: label });
    // One token for every retry of this submission: the Data API then runs it at most once.
    const clientToken = randomUUID();
    const common = { ...this.connection, ClientToken: clientToken, StatementName: label.slice(0, 500) };
    // The submit call itself is not aborted mid-flight: if it reached the service we need its id to cancel it.
    const submitted = batch
      ? await this.call(
          'BatchExecuteStatement',
          () => this.client.send(new BatchExecuteStatementCommand({ ...common, Sqls: sqls })),
          true,
        )
      : await this.call(
          'ExecuteStatement',
          () => this.client.send(new ExecuteStatementCommand({ ...common, Sql: sqls[0] })),
          true,
        );
    const id = submitted.Id;
    if (!id) throw new WorkbenchError({ kind: 'Internal', message: 'the Data API returned no statement id' });
    return this.waitFor(id, sqls, options, label);
  }

  private async describe(id: string, signal?: AbortSignal): Promise<DescribeStatementCommandOutput> {
    return this.call(
      'DescribeStatement',
      () => this.client.send(new DescribeStatementCommand({ Id: id }), signal ? { abortSignal: signal } : {}),
      true,
      signal,
    );
  }

  private async waitFor(
    id: string,
    sqls: string[],
    options: RunOptions,
    label: string,
  ): Promise<StatementOutcome> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let delay = this.poll.firstMs;
    let lastStatus = '';
    for (;;) {
      const remaining = timeoutMs - (Date.now() - started);
      if (remaining <= 0) {
        // Settled, so the caller's cleanup does not race a statement that is still writing.
        await this.cancelAndSettle(id);
        throw new WorkbenchError({
          kind: 'TimedOut',
          operation: label,
          // As given: a 0.5 s deadline is not "0 s" (nor "1 s").
          seconds: timeoutMs / 1000,
          statementId: id,
        });
      }
      try {
        await sleep(Math.min(delay, remaining), options.signal);
      } catch {
        return this.cancelled(id, label, started);
      }
      delay = Math.min(this.poll.maxMs, delay * this.poll.factor);
      let description: DescribeStatementCommandOutput;
      try {
        description = await this.describe(id, options.signal);
      } catch (error) {
        if (options.signal?.aborted) return this.cancelled(id, label, started);
        throw error;
      }
      const status = (description.Status ?? 'SUBMITTED') as StatementStatus;
      if (status !== lastStatus) {
        lastStatus = status;
        options.onStatus?.({ statementId: id, status, label, elapsedMs: Date.now() - started });
      }
      if (!TERMINAL.has(status)) continue;
      if (status === 'FINISHED') return outcomeOf(id, description, started);
      throw this.failure(id, description, sqls, status);
    }
  }

  private failure(
    id: string,
    description: DescribeStatementCommandOutput,
    sqls: string[],
    status: StatementStatus,
  ) {
    const failedSub =
      description.SubStatements?.findIndex((sub) => sub.Status === 'FAILED' || sub.Status === 'ABORTED') ??
      -1;
    const sql = (failedSub >= 0 ? sqls[failedSub] : sqls[0]) ?? '';
    const message =
      description.Error ??
      (failedSub >= 0 ? description.SubStatements?.[failedSub]?.Error : undefined) ??
      (status === 'ABORTED'
        ? 'the statement was aborted (by a user, a WLM rule, or the cluster)'
        : 'the statement failed');
    return new WorkbenchError({
      kind: 'StatementFailed',
      statementId: failedSub >= 0 ? `${id}:${failedSub + 1}` : id,
      message,
      sqlExcerpt: sqlExcerpt(sql, message),
    });
  }

  /** Asks Redshift to cancel; never throws (the statement may already be done). */
  async cancelQuietly(id: string): Promise<void> {
    try {
      await withRetries(() => this.client.send(new CancelStatementCommand({ Id: id })), {
        operation: 'redshift-data CancelStatement',
        policy: this.retry,
        idempotent: true,
      });
    } catch {
      // Already finished, or unreachable: the caller reports the cancellation either way.
    }
  }

  /**
   * The caller aborted: cancel, wait (briefly) until the statement has stopped, and throw Cancelled. A statement
   * that finished before the cancel reached it has committed its work, so it is reported as finished: saying
   * "cancelled" there would hide rows that were really written. The caller's next step sees the aborted signal.
   */
  private async cancelled(id: string, label: string, started: number): Promise<StatementOutcome> {
    const settled = await this.cancelAndSettle(id);
    if (settled?.Status === 'FINISHED') return outcomeOf(id, settled, started);
    throw new WorkbenchError({ kind: 'Cancelled', phase: label });
  }

  /** Cancels and polls until the statement is in a final state; returns that description when it could be read. */
  private async cancelAndSettle(id: string): Promise<DescribeStatementCommandOutput | undefined> {
    await this.cancelQuietly(id);
    const deadline = Date.now() + 30_000;
    let delay = this.poll.firstMs;
    while (Date.now() < deadline) {
      try {
        const description = await this.describe(id);
        if (TERMINAL.has(description.Status ?? '')) return description;
      } catch {
        return undefined;
      }
      await sleep(delay);
      delay = Math.min(this.poll.maxMs, delay * this.poll.factor);
    }
    return undefined;
  }

  /** Every page of a finished statement's result set (GetStatementResult with NextToken). */
  async *resultPages(statementId: string, signal?: AbortSignal): AsyncGenerator<ResultPage> {
    let nextToken: string | undefined;
    let columns: ColumnMetadata[] = [];
    do {
      const page = await this.call(
        'GetStatementResult',
        () =>
          this.client.send(
            new GetStatementResultCommand({
              Id: statementId,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          ),
        true,
        signal,
      );
      if (page.ColumnMetadata && page.ColumnMetadata.length > 0) columns = page.ColumnMetadata;
      yield { columns, records: page.Records ?? [] };
      nextToken = page.NextToken || undefined;
    } while (nextToken);
  }

  /** Columns of a table (DescribeTable, all pages). Empty when the table does not exist. */
  async describeTable(schema: string, table: string, signal?: AbortSignal): Promise<TableColumn[]> {
    const columns: TableColumn[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call(
        'DescribeTable',
        () =>
          this.client.send(
            new DescribeTableCommand({
              ...this.connection,
              Schema: schema,
              Table: table,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          ),
        true,
        signal,
      );
      for (const column of page.ColumnList ?? []) {
        columns.push({
          name: column.name ?? '',
          typeName: column.typeName ?? '',
          nullable: column.nullable !== 0,
          ...(column.length !== undefined ? { length: column.length } : {}),
          ...(column.precision !== undefined ? { precision: column.precision } : {}),
          ...(column.scale !== undefined ? { scale: column.scale } : {}),
        });
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return columns;
  }
}

function outcomeOf(
  id: string,
  description: DescribeStatementCommandOutput,
  started: number,
): StatementOutcome {
  return {
    id,
    hasResultSet: description.HasResultSet ?? false,
    resultRows: Number(description.ResultRows ?? 0),
    durationMs: Date.now() - started,
    subStatements: (description.SubStatements ?? []).map((sub) => ({
      id: sub.Id ?? '',
      status: (sub.Status ?? 'FINISHED') as StatementStatus,
      hasResultSet: sub.HasResultSet ?? false,
      resultRows: Number(sub.ResultRows ?? 0),
    })),
  };
}

export { DEFAULT_RETRY_POLICY };
