import type { Lease } from '../domain/lease.js';

/** Fires the revoke function for a lease at (never before) its expiry. Errors: SchedulerError. */
export interface RevocationScheduler {
  /** Idempotent: scheduling the same lease twice leaves one schedule. */
  schedule(lease: Lease): Promise<void>;
  /** Idempotent: a schedule that is already gone counts as cancelled. */
  cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void>;
}
