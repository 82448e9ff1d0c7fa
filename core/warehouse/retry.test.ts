/** The one retry layer: what is retried, how long it waits (full jitter), and the error once the budget is spent. */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { isThrottlingError, isTransientError, withRetries, type RetryPolicy } from './retry';

const POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 3 };

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

/** A call that fails with the given errors, in turn, then returns 'ok'. */
function failing(errors: Error[]): { call: () => Promise<string>; attempts: () => number } {
  let attempts = 0;
  return {
    call: async () => {
      const error = errors[attempts++];
      if (error) throw error;
      return 'ok';
    },
    attempts: () => attempts,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('classification', () => {
  it('knows throttling by name or HTTP 429', () => {
    for (const name of [
      'ThrottlingException',
      'SlowDown',
      'ActiveStatementsExceededException',
      'Throttling',
    ]) {
      expect(isThrottlingError(sdkError(name))).toBe(true);
    }
    expect(isThrottlingError(sdkError('Whatever', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isThrottlingError(sdkError('ValidationException'))).toBe(false);
  });

  it('knows transient failures: resets, timeouts, 5xx', () => {
    expect(isTransientError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(new Error('socket hang up'))).toBe(true);
    expect(isTransientError(sdkError('InternalServerException'))).toBe(true);
    expect(isTransientError(sdkError('X', { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isTransientError(sdkError('ValidationException', { $metadata: { httpStatusCode: 400 } }))).toBe(
      false,
    );
  });
});

describe('withRetries', () => {
  it('retries throttling until the call succeeds, with delays under the growing ceiling', async () => {
    const calls = failing([
      sdkError('ThrottlingException'),
      sdkError('ThrottlingException'),
      sdkError('SlowDown'),
    ]);
    const delays: [number, number][] = [];
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const result = await withRetries(calls.call, {
      operation: 'op',
      policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
      idempotent: false,
      onRetry: (attempt, _error, delayMs) => delays.push([attempt, delayMs]),
    });
    expect(result).toBe('ok');
    expect(calls.attempts()).toBe(4);
    // Ceilings 1, 2, then capped at 2; random just below 1 gives the ceiling.
    expect(delays).toEqual([
      [1, 1],
      [2, 2],
      [3, 2],
    ]);
  });

  it('draws each delay uniformly from zero to the ceiling (full jitter)', async () => {
    const calls = failing([sdkError('ThrottlingException')]);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const delays: number[] = [];
    await withRetries(calls.call, {
      operation: 'op',
      policy: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 5000 },
      idempotent: true,
      onRetry: (_attempt, _error, delayMs) => delays.push(delayMs),
    });
    expect(delays).toEqual([0]);
  });

  it('throws Throttled with the attempt count once the budget is spent, keeping the cause', async () => {
    const last = sdkError('ThrottlingException');
    const calls = failing(Array.from({ length: 10 }, () => last));
    const error = await withRetries(calls.call, {
      operation: 's3 PutObject',
      policy: POLICY,
      idempotent: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkbenchError);
    expect((error as WorkbenchError).detail).toEqual({
      kind: 'Throttled',
      operation: 's3 PutObject',
      attempts: 5,
    });
    expect((error as WorkbenchError).cause).toBe(last);
    expect(calls.attempts()).toBe(5);
  });

  it('retries a transient failure only when the call is safe to repeat', async () => {
    const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const repeatable = failing([reset()]);
    await expect(
      withRetries(repeatable.call, { operation: 'op', policy: POLICY, idempotent: true }),
    ).resolves.toBe('ok');
    const once = failing([reset()]);
    await expect(
      withRetries(once.call, { operation: 'op', policy: POLICY, idempotent: false }),
    ).rejects.toThrow(/ECONNRESET/);
    expect(once.attempts()).toBe(1);
  });

  it('does not retry other errors, or anything once the caller has aborted', async () => {
    const invalid = failing([sdkError('ValidationException')]);
    await expect(
      withRetries(invalid.call, { operation: 'op', policy: POLICY, idempotent: true }),
    ).rejects.toThrow(/ValidationException/);
    expect(invalid.attempts()).toBe(1);
    const controller = new AbortController();
    controller.abort();
    const throttled = failing([sdkError('ThrottlingException')]);
    await expect(
      withRetries(throttled.call, {
        operation: 'op',
        policy: POLICY,
        idempotent: true,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/ThrottlingException/);
    expect(throttled.attempts()).toBe(1);
  });
});
