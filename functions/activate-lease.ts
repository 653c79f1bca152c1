import { container } from '../lib/container.js';
import { remainingOf, withDeadline } from '../lib/deadline.js';
import { parseLeaseEvent } from '../lib/http/lease-event.js';
import { prepareDuringInit } from '../lib/http/lambda-init.js';

// Secrets, ITSM clients and cluster access are read in parallel while Lambda initialises.
await prepareDuringInit(() => container().prepare());

/** Target of a SCHEDULED lease's start rule: grants it when the change window opens. */
export const handler = async (event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ outcome: string; leaseId: string }> => {
  const leaseId = parseLeaseEvent(event);
  const outcome = await withDeadline(remainingOf(context), () => container().activateLease({ leaseId, actor: 'eventbridge' }));
  return { outcome: outcome.kind, leaseId };
};
