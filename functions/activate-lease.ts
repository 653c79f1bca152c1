import { timerContainer } from '../lib/timer-container.js';
import { remainingOf, remainingTime, withDeadline } from '../lib/deadline.js';
import { readLeaseEvent } from '../lib/http/lease-event.js';
import { prepareDuringInit } from '../lib/http/lambda-init.js';

// Secrets, ITSM clients and cluster access are read in parallel while Lambda initialises.
await prepareDuringInit(() => timerContainer().prepare());

/**
 * Target of a SCHEDULED lease's start timer, which fires ahead of the start: waits for the change
 * window to open (never past the invocation's remaining time), then grants it and tells the ticket.
 * An event of another shape is refused and logged, not retried: a retry cannot fix it.
 */
export const handler = async (event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ outcome: string; leaseId: string }> => {
  const read = readLeaseEvent(event);
  if ('refused' in read) {
    timerContainer().logger.error('activate event refused', { reason: read.refused });
    return { outcome: 'rejected', leaseId: '' };
  }
  const { leaseId } = read;
  const outcome = await withDeadline(remainingOf(context), () => timerContainer().activateOnTime({ leaseId, remainingMs: remainingTime }));
  return { outcome: outcome.kind, leaseId };
};
