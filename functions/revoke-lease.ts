import { container } from '../lib/container.js';
import { remainingOf, withDeadline } from '../lib/deadline.js';
import { parseLeaseEvent } from '../lib/http/lease-event.js';
import { prepareDuringInit } from '../lib/http/lambda-init.js';

// Secrets, ITSM clients and cluster access are read in parallel while Lambda initialises.
await prepareDuringInit(() => container().prepare());

/** Target of each lease's EventBridge rule. Throws when bindings could not be deleted, so Lambda retries. */
export const handler = async (event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ outcome: string; leaseId: string }> => {
  const leaseId = parseLeaseEvent(event);
  const outcome = await withDeadline(remainingOf(context), () => container().revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' }));
  return { outcome: outcome.kind, leaseId };
};
