import type { IdleWatch } from '../domain/idle.js';
import type { Lease } from '../domain/lease.js';

/**
 * The idle watches on the lease items (see IdleWatch): the sweep's progress through the audit log,
 * and when it next looks, which is also where the lease sits in the status index. Writes leave
 * the lease's version alone, so a revoke or an extension is never refused for them. Errors:
 * LeaseStoreError.
 */
export interface IdleWatches {
  /**
   * Stores `next` on the lease if it is still ACTIVE with no revoke asked for, and its idle watch,
   * expiry and owed announcement are as in `lease` (as read); the lease is then due at the first of
   * `next.checkAt`, its expiry and its owed announcement. False when the lease changed meanwhile
   * (nothing is written: it stays due, and the next sweep looks again).
   */
  record(lease: Lease, next: IdleWatch): Promise<boolean>;
}
