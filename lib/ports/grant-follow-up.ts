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
 * index, never a scan). A webhook queues the lease before it creates any access, so a crash at
 * any later point leaves it to the sweep. Errors: LeaseStoreError.
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
}
