/**
 * The executor's polling schedule, deadline and cancellation on a fake clock, against a scripted Data API client
 * (the integration tests run the same paths through the SDK and the sandbox, where time cannot be controlled).
 */

import {
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeEngineError, WorkbenchError, type EngineError } from '../contract/errors';
import {
  DEFAULT_POLL_POLICY,
  RedshiftExecutor,
  sqlExcerpt,
  type PollPolicy,
  type StatementEvent,
} from './executor';

const ID = '0f0e0d0c-0b0a-4909-8807-060504030201';

/** A Data API that runs one statement: STARTED until `finishAtMs` after submission, ABORTED once cancelled. */
class ScriptedDataApi {
  submittedAt = 0;
  describedAt: number[] = [];
  cancelledAt: number[] = [];
  /** Calls in order, e.g. ['describe', 'cancel', 'describe']. */
  calls: string[] = [];
  constructor(private readonly finishAtMs: number) {}

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ExecuteStatementCommand) {
      this.submittedAt = Date.now();
      return { Id: ID };
    }
    if (command instanceof DescribeStatementCommand) {
      const elapsed = Date.now() - this.submittedAt;
      this.describedAt.push(elapsed);
      this.calls.push('describe');
      const status =
        this.cancelledAt.length > 0 ? 'ABORTED' : elapsed >= this.finishAtMs ? 'FINISHED' : 'STARTED';
      return { Id: ID, Status: status, HasResultSet: true, ResultRows: 3 };
    }
    if (command instanceof CancelStatementCommand) {
      this.cancelledAt.push(Date.now() - this.submittedAt);
      this.calls.push('cancel');
      return { Status: true };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
}

function executorOn(api: ScriptedDataApi, poll: PollPolicy = DEFAULT_POLL_POLICY): RedshiftExecutor {
  return new RedshiftExecutor({
    client: api as unknown as RedshiftDataClient,
    database: 'dev',
    target: { kind: 'cluster', clusterId: 'c', user: 'u' },
    poll,
  });
}

/** Settles `promise` while the fake clock runs, up to `limitMs`. */
async function runClock<T>(promise: Promise<T>, limitMs: number): Promise<T | EngineError> {
  let settled = false;
  const outcome = promise.then(
    (value) => value,
    (error: unknown) => (error instanceof WorkbenchError ? error.detail : Promise.reject(error)),
  );
  void outcome.finally(() => (settled = true));
  for (let t = 0; t < limitMs && !settled; t += 10) await vi.advanceTimersByTimeAsync(10);
  expect(settled).toBe(true);
  return outcome;
}

function intervals(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('polling', () => {
  it('checks first after firstMs, then backs off by the factor up to the cap', async () => {
    const api = new ScriptedDataApi(20_000);
    const outcome = await runClock(executorOn(api).execute('SELECT 1'), 30_000);
    expect(outcome).toMatchObject({ id: ID, hasResultSet: true, resultRows: 3 });
    expect(api.describedAt[0]).toBe(DEFAULT_POLL_POLICY.firstMs);
    const gaps = intervals(api.describedAt);
    // 50 * 1.6 = 80, * 1.6 = 128, * 1.6 = 204.8 (the clock counts whole milliseconds).
    expect(gaps.slice(0, 2)).toEqual([80, 128]);
    expect(Math.abs(gaps[2]! - 204.8)).toBeLessThan(1);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(Math.max(...gaps)).toBe(DEFAULT_POLL_POLICY.maxMs);
    // Completion is noticed within one capped interval.
    expect(api.describedAt.at(-1)! - 20_000).toBeLessThanOrEqual(DEFAULT_POLL_POLICY.maxMs);
    expect(api.describedAt.at(-2)!).toBeLessThan(20_000);
  });

  it('notices a quick statement at the first check', async () => {
    const api = new ScriptedDataApi(0);
    await runClock(executorOn(api).execute('SELECT 1'), 1_000);
    expect(api.describedAt).toEqual([DEFAULT_POLL_POLICY.firstMs]);
  });

  it('reports each status once', async () => {
    const api = new ScriptedDataApi(1_000);
    const events: StatementEvent[] = [];
    await runClock(executorOn(api).execute('SELECT 1', { onStatus: (e) => events.push(e) }), 5_000);
    expect(events.map((e) => e.status)).toEqual(['STARTED', 'FINISHED']);
    expect(events.map((e) => e.statementId)).toEqual([ID, ID]);
  });
});

describe('deadline and cancellation', () => {
  it('times out at the deadline (not an interval later) and cancels the statement', async () => {
    const api = new ScriptedDataApi(Number.POSITIVE_INFINITY);
    const error = await runClock(
      executorOn(api).execute('SELECT 1', { timeoutMs: 5_000, label: 'the join' }),
      10_000,
    );
    expect(error).toEqual({ kind: 'TimedOut', operation: 'the join', seconds: 5, statementId: ID });
    expect(api.cancelledAt).toEqual([5_000]);
    // It waited until the statement had stopped, so the caller's cleanup does not race it (an UNLOAD still
    // writing parts into a prefix being deleted).
    expect(api.calls.slice(-2)).toEqual(['cancel', 'describe']);
  });

  it('says a sub-second or fractional deadline as it was given', async () => {
    const api = new ScriptedDataApi(Number.POSITIVE_INFINITY);
    const error = await runClock(
      executorOn(api).execute('SELECT 1', { timeoutMs: 1_500, label: 'q' }),
      5_000,
    );
    expect(error).toMatchObject({ kind: 'TimedOut', seconds: 1.5 });
    expect(describeEngineError(error as EngineError)).toBe(`q did not finish within 1.5 s (statement ${ID})`);
  });

  it('cancels when aborted while waiting, and waits until the statement has stopped', async () => {
    const api = new ScriptedDataApi(Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_000);
    const error = await runClock(
      executorOn(api).execute('SELECT 1', { signal: controller.signal, label: 'the join' }),
      5_000,
    );
    expect(error).toEqual({ kind: 'Cancelled', phase: 'the join' });
    expect(api.cancelledAt).toEqual([1_000]);
    // After the cancel, it checked again and saw ABORTED.
    expect(api.calls.slice(-2)).toEqual(['cancel', 'describe']);
  });
});

describe('sqlExcerpt', () => {
  it('marks the position Redshift reports (1-based characters)', () => {
    expect(sqlExcerpt('SELECT a FORM t', 'ERROR: syntax error at or near "FORM"\n  Position: 10')).toBe(
      'SELECT a >>>FORM t',
    );
    expect(sqlExcerpt('FORM t', 'Position: 1')).toBe(' >>>FORM t');
  });

  it('cuts long SQL around the position and flattens whitespace', () => {
    const sql = `${'a,\n   '.repeat(100)}BAD${'\n  b,'.repeat(100)}`;
    const excerpt = sqlExcerpt(sql, `Position: ${sql.indexOf('BAD') + 1}`, 40);
    expect(excerpt.startsWith('...')).toBe(true);
    expect(excerpt.endsWith('...')).toBe(true);
    expect(excerpt).toContain('>>>BAD b, b,');
    expect(excerpt).not.toContain('\n');
  });

  it('shows the start of the SQL when there is no position', () => {
    expect(sqlExcerpt('SELECT  1\nFROM t', 'ERROR: permission denied')).toBe('SELECT 1 FROM t');
    expect(sqlExcerpt('x'.repeat(300))).toBe(`${'x'.repeat(240)}...`);
  });
});
