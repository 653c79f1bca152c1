import type { AccessVerification, HistoryEntry, Lease } from '../domain/lease.js';

/**
 * The announcement of a grant a webhook answered (the access review, its audit event and the
 * ticket comment), run after the answer in another invocation: the activate target, asked with
 * the lease id. Best effort and prompt; the announcement queue (see AnnouncementQueue) and the
 * sweep make it happen if the request is lost. Errors: SchedulerError.
 */
export interface GrantFollowUp {
  /**
   * Asks for the lease's announcement. `written` settles once the lease is recorded ACTIVE: an
   * in-process follow-up waits for it; a remote one is sent at once, beside that write (the
   * announcement reads the lease again if the write has not landed yet).
   */
  request(leaseId: string, written: Promise<unknown>): Promise<void>;
}

/** A grant whose announcement is due, and since when. */
export interface AnnouncementDue {
  readonly leaseId: string;
  readonly dueAt: string;
}

/**
 * Leases whose grant is still to be announced, beside the lease records (read from the status
 * index, never a scan), and the announcement's own marks on the lease. A webhook queues the lease
 * before it can turn ACTIVE, so a crash at any later point leaves it to the sweep. The marks never
 * change the lease's version: a revoke or an extension meanwhile is never refused for them.
 * Errors: LeaseStoreError.
 */
export interface AnnouncementQueue {
  /** Queues the lease for announcement at `dueAt`. Idempotent: queueing again keeps the first due time. */
  queue(leaseId: string, dueAt: Date): Promise<void>;
  /** Moves the lease's due time (its grant is still in flight). */
  postpone(leaseId: string, dueAt: Date): Promise<void>;
  /** Leases whose announcement is due at or before `before`, earliest first. */
  due(before: Date, limit: number): Promise<readonly AnnouncementDue[]>;
  /** Takes the lease off the queue (announced, or nothing to announce). */
  drop(leaseId: string): Promise<void>;
  /**
   * Takes the announcement of an ACTIVE lease that still waits for one (`grantNote` set) and that
   * no run is announcing, or whose run started before `staleBefore` (it died): notes `announcing:
   * at` on the lease. Returns the lease as stored, or undefined when there is nothing to take.
   */
  claim(leaseId: string, at: string, staleBefore: string): Promise<Lease | undefined>;
  /**
   * Ends the run that claimed at `at`: stores the review as `verification.granted` (beside a revoke's
   * review, if one came meanwhile), clears `grantNote` and `announcing`, appends `entry` to the
   * history. False when another run took the announcement over.
   */
  finish(leaseId: string, at: string, review: AccessVerification, entry: HistoryEntry): Promise<boolean>;
  /** Gives the run that claimed at `at` back (the ticket could not be told yet): a later run announces. */
  release(leaseId: string, at: string): Promise<void>;
  /**
   * Replaces the lines the announcement will add, if no run has taken the announcement yet.
   * False when one has (or it is done): the lines then have to be told some other way.
   */
  amendNote(leaseId: string, note: string): Promise<boolean>;
}
