/**
 * Retries for AWS calls. The SDK clients are built with maxAttempts 1 so this is the only retry layer:
 * one policy, one place that counts attempts, and errors that say how many attempts were made.
 */

import { WorkbenchError } from '../contract/errors';

export interface RetryPolicy {
  /** Attempts in all, including the first. */
  maxAttempts: number;
  /** Backoff base and cap; the delay before retry n is uniform in [0, min(cap, base * 2^n)] (full jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 };

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'ActiveStatementsExceededException',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTCONN',
  'ECONNABORTED',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function isThrottlingError(error: unknown): boolean {
  const e = shape(error);
  return THROTTLING_CODES.has(e.name ?? '') || e.$metadata?.httpStatusCode === 429;
}

/** Errors where the request may not have reached the service, or the service failed transiently. */
export function isTransientError(error: unknown): boolean {
  const e = shape(error);
  if (TRANSIENT_NETWORK_CODES.has(e.code ?? '')) return true;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout' || e.name === 'RequestTimeoutException')
    return true;
  if (/socket hang up|ECONNRESET|other side closed/i.test(e.message ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return (
    e.name === 'InternalServerException' ||
    e.name === 'InternalError' ||
    e.name === 'ServiceUnavailable' ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504
  );
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryContext {
  /** Shown in the Throttled error, e.g. "redshift-data ExecuteStatement". */
  operation: string;
  policy?: RetryPolicy;
  signal?: AbortSignal;
  /** Only calls that are safe to repeat are retried after a network failure. */
  idempotent: boolean;
  /** Called before each retry, for progress reporting. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/**
 * Runs `call` with retries on throttling (always) and on transient failures (idempotent calls only).
 * When throttling outlasts the budget the error is a WorkbenchError Throttled with the attempt count.
 */
export async function withRetries<T>(call: () => Promise<T>, context: RetryContext): Promise<T> {
  const policy = context.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const throttled = isThrottlingError(error);
      const retryable = throttled || (context.idempotent && isTransientError(error));
      if (!retryable || context.signal?.aborted) throw error;
      if (attempt >= policy.maxAttempts) {
        if (throttled) {
          throw new WorkbenchError(
            { kind: 'Throttled', operation: context.operation, attempts: attempt },
            { cause: error },
          );
        }
        throw error;
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      context.onRetry?.(attempt, error, delayMs);
      await sleep(delayMs, context.signal);
    }
  }
}
