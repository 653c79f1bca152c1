import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<() => number>();

/**
 * Runs `work` with a deadline every retry inside it can see (Lambda's remaining time), so no
 * back-off outlasts the invocation. Outside any deadline, the time left is unbounded.
 */
export function withDeadline<T>(remainingMs: (() => number) | undefined, work: () => Promise<T>): Promise<T> {
  return remainingMs === undefined ? work() : storage.run(remainingMs, work);
}

/** Milliseconds left in the current invocation, or Infinity outside one. */
export function remainingTime(): number {
  const remaining = storage.getStore();
  return remaining === undefined ? Number.POSITIVE_INFINITY : remaining();
}

/** The remaining-time function of a Lambda context, called as a method (it may rely on `this`). */
export function remainingOf(context: { getRemainingTimeInMillis?: () => number } | undefined): (() => number) | undefined {
  const get = context?.getRemainingTimeInMillis;
  return context === undefined || get === undefined ? undefined : () => get.call(context);
}
