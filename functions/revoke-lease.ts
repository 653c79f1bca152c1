import { container } from '../lib/container.js';
import { parseLeaseEvent } from '../lib/http/lease-event.js';

/** Target of each lease's EventBridge rule. Throws when bindings could not be deleted, so Lambda retries. */
export const handler = async (event: unknown): Promise<{ outcome: string; leaseId: string }> => {
  const leaseId = parseLeaseEvent(event);
  const outcome = await container().revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
  return { outcome: outcome.kind, leaseId };
};
