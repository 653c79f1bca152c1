import type { ActivityEvidence } from '../domain/activity.js';
import type { Lease } from '../domain/lease.js';
import type { OnQueueFinding } from './queue-findings.js';

/** A lease waiting for its activity evidence, and since when it is due. */
export interface EvidenceDue {
  readonly leaseId: string;
  readonly dueAt: string;
}

/**
 * Activity evidence beside the lease records: a queue of leases whose evidence is due (read from
 * the status index, never a scan) and the evidence on the lease itself. Errors: LeaseStoreError.
 */
export interface EvidenceStore {
  /** Queues the lease for evidence at `dueAt`. Idempotent: queueing again keeps the first due time. */
  queue(leaseId: string, dueAt: Date): Promise<void>;
  /** Moves the lease's due time (a retry later, behind newer evidence). */
  postpone(leaseId: string, dueAt: Date): Promise<void>;
  /** Leases whose evidence is due at or before `before`, earliest first; items not the queue's are dropped and told to `onFinding`. */
  due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly EvidenceDue[]>;
  /** Takes the lease off the queue (done, or nothing to do). */
  drop(leaseId: string): Promise<void>;
  /**
   * Stores the evidence on the REVOKED lease unless evidence is stored already: what is stored
   * first stays (its digest never changes). `replacing`: the `collectedAt` of stored evidence, not
   * posted, that the sweep does not vouch for (no seal of its key): replaced only if it is still the
   * one stored. Returns the lease as stored, or undefined if it is gone.
   */
  record(leaseId: string, evidence: ActivityEvidence, replacing?: string): Promise<Lease | undefined>;
  /** Notes that the stored evidence was posted on the ticket. */
  markPosted(leaseId: string, at: string): Promise<void>;
}
