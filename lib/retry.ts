import { remainingTime } from './deadline.js';
import { KubeLeaseError, TicketSourceError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** First back-off; doubles each attempt, with full jitter. */
  readonly baseDelayMs: number;
  /** No single wait is longer than this (a longer Retry-After gives up instead). */
  readonly maxDelayMs: number;
  /** Milliseconds left for the whole call; default: the invocation's deadline (see deadline.ts). */
  readonly remainingMs?: () => number;
  /** Injected so tests can record the waits instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries a call that failed with a retryable KubeLeaseError (429, 5xx, timeouts): exponential
 * back-off with full jitter, or the server's Retry-After when it sent one, never past the time left.
 * Anything else, and the last failure, is thrown as it is.
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof KubeLeaseError) || !error.retryable || attempt >= policy.attempts) throw error;
      const retryAfterMs = error instanceof TicketSourceError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = retryAfterMs ?? Math.round(random() * backoff);
      const left = policy.remainingMs?.() ?? remainingTime();
      if (left - delay < 1_000) throw error;
      await sleep(delay);
    }
  }
}
