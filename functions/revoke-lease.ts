import { timerContainer } from '../lib/timer-container.js';
import { remainingOf, remainingTime, withDeadline } from '../lib/deadline.js';
import { parseLeaseEvent } from '../lib/http/lease-event.js';
import { prepareDuringInit } from '../lib/http/lambda-init.js';

// Secrets, ITSM clients and cluster access are read in parallel while Lambda initialises.
await prepareDuringInit(() => timerContainer().prepare());

/**
 * Target of each lease's expiry timer, which fires ahead of the expiry: waits for it (never past the
 * invocation's remaining time), then revokes. Throws when bindings could not be deleted, so Lambda retries.
 */
export const handler = async (event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ outcome: string; leaseId: string }> => {
  const leaseId = parseLeaseEvent(event);
  const outcome = await withDeadline(remainingOf(context), () => timerContainer().revokeOnTime({ leaseId, remainingMs: remainingTime }));
  return { outcome: outcome.kind, leaseId };
};
