import type { Lease } from '../domain/lease.js';

/**
 * Fires the lease's timers: revocation at (never before) its expiry and, for a SCHEDULED lease,
 * activation at (never before) its start. Errors: SchedulerError.
 */
export interface LeaseScheduler {
  /** Idempotent: scheduling the same lease twice leaves one timer of each kind, at the lease's current times. */
  schedule(lease: Lease): Promise<void>;
  /** Idempotent: timers that are already gone count as cancelled. */
  cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void>;
}
