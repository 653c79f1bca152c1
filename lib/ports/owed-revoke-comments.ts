import type { Lease } from '../domain/lease.js';
import type { OnQueueFinding } from './queue-findings.js';

/** A REVOKED lease whose revoke comment may still be owed, and from when the sweep looks at it. */
export interface OwedRevokeCommentDue {
  readonly leaseId: string;
  readonly dueAt: string;
}

/**
 * Revoke comments left to the holder of a grant's announcement (`Lease.revokeNote`, held until
 * `announceAt`), and the queue that lets the sweep post one whose holder died. The revoke queues the
 * lease (before its REVOKED write, due once the hold has run out); the sweep takes the comment over
 * like a grant's announcement (`take`: one taker at a time), posts it, clears it
 * (OwedAnnouncements.revokeTold) and drops the lease from the queue. Errors: LeaseStoreError.
 */
export interface OwedRevokeComments {
  /** Queues the lease at `dueAt`. Idempotent: queueing again keeps the first due time. */
  queue(leaseId: string, dueAt: Date): Promise<void>;
  /** Moves the due time of a queued lease (a lease no longer queued stays off the queue). */
  postpone(leaseId: string, dueAt: Date): Promise<void>;
  /** Leases due at or before `before`, earliest first; items not the queue's are dropped and told to `onFinding`. */
  due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly OwedRevokeCommentDue[]>;
  /** Takes the lease off the queue (told, or nothing owed). */
  drop(leaseId: string): Promise<void>;
  /**
   * Takes over the revoke comment a REVOKED lease still owes (`revokeNote`) once its hold has run out
   * (`announceAt` at or before `now`, or absent; or later than `beyond`, an end no holder's hold can
   * have): it is held until `until`. Returns the lease as stored, or undefined when nothing is owed
   * any more or the hold has not run out (another taker).
   */
  take(leaseId: string, now: string, until: string, beyond?: string): Promise<Lease | undefined>;
}
