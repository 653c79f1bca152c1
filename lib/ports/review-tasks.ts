import type { Lease } from '../domain/lease.js';
import type { ReviewContent, ReviewTask } from '../domain/review-task.js';
import type { TicketSourceName } from '../domain/ticket.js';
import type { OnQueueFinding } from './queue-findings.js';

/** A review task in its ITSM system, as that system names it. */
export type ReviewTaskRef = Pick<ReviewTask, 'system' | 'key' | 'id' | 'url'>;

/** What opening a lease's review task needs. */
export interface ReviewTaskRequest {
  readonly lease: Lease;
  readonly content: ReviewContent;
  /** The idempotency marker the task carries (a Jira label, a ServiceNow correlation id): see reviewMarker. */
  readonly marker: string;
  /** The profile's approvers as the catalog names them (Jira: made watchers). */
  readonly approvers: readonly string[];
  /** The profile's first approver group (ServiceNow: the task's assignment group). */
  readonly approverGroup?: string | undefined;
}

/**
 * What the search for a lease's marker found: the task kube-lease's own integration account created
 * for the lease (if any: after the lease was recorded, still open), and every other task carrying
 * the marker (someone else created it, or made an older or closed one carry it: never adopted).
 */
export interface FoundReviewTasks {
  readonly own?: ReviewTaskRef | undefined;
  /** `why`: why it is not the lease's task, when kube-lease's own account created it (notTheLeasesTask). */
  readonly planted: readonly (ReviewTaskRef & { readonly why?: string | undefined })[];
}

/**
 * What a look at a review task found: `done` only when it is closed as done by a person other than
 * the lease's requester and kube-lease's own account; `notCounted` says why a closed task is not
 * (with `closing`, an id of the closing that the system recorded, so it is reported once).
 */
export interface ReviewTaskState {
  readonly done: boolean;
  /** Who closed it, as the system names them. */
  readonly closedBy?: string | undefined;
  readonly notCounted?: string | undefined;
  readonly closing?: string | undefined;
}

/**
 * One ITSM system's review tasks (Jira: an issue in a configured project; ServiceNow: a change_task
 * of the lease's change). Errors: TicketSourceError (retryable on 429/5xx and network failures),
 * ConfigError when the system has no review settings.
 */
export interface ReviewTaskSystem {
  /** The tasks carrying the lease's marker: kube-lease's own (a crashed attempt may have created it) and any other. */
  find(lease: Lease, marker: string): Promise<FoundReviewTasks>;
  /** Creates the task, carrying the marker. */
  open(request: ReviewTaskRequest): Promise<ReviewTaskRef>;
  /** Tells the profile's approvers (Jira: adds them as watchers; idempotent). ServiceNow: the assignment group, set at creation. */
  notify(task: ReviewTaskRef, request: ReviewTaskRequest): Promise<void>;
  /** Adds a comment (Jira) or work note (ServiceNow). */
  comment(task: ReviewTaskRef, text: string): Promise<void>;
  /**
   * Whether it is closed as done (Jira status category `done`; ServiceNow state Closed Complete, 3)
   * by someone whose review counts: the task still carries the lease's marker, and the history of
   * the closing (Jira changelog, ServiceNow sys_audit) names a person other than the lease's
   * requester and kube-lease's own account, closing it after the task was recorded (closedTooEarly).
   */
  isDone(task: ReviewTaskRef, lease: Lease): Promise<ReviewTaskState>;
}

export type ReviewTaskSystems = Readonly<Partial<Record<TicketSourceName, ReviewTaskSystem>>>;

/** A lease on the review queue, and since when it is due. */
export interface ReviewDue {
  readonly leaseId: string;
  readonly dueAt: string;
  /** Counted as unreviewed (see postponeReview). */
  readonly overdue?: true;
}

/**
 * The review queue (an item per emergency lease, in the status index, read only where due) and the
 * review task's record on the lease item, whose writes leave the lease's version alone: a
 * transition is never refused for them. `claimReview` holds a lease's review work for one actor at a
 * time (until `until`, after which another may take it: a holder that died). Errors: LeaseStoreError.
 */
export interface ReviewRecords {
  /** Queues the lease at `dueAt`; idempotent (queueing again keeps the first due time). */
  queueReview(leaseId: string, dueAt: Date): Promise<void>;
  /** Due now (back on the queue if it left it): new evidence to add. */
  nudgeReview(leaseId: string, at: Date): Promise<void>;
  /** Queue items due at or before `before` (unreviewed ones included), earliest first; items not the queue's are dropped and told to `onFinding`. */
  dueReviews(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly ReviewDue[]>;
  /** Due again at `dueAt`; `overdue`: counted as unreviewed until its task is done. */
  postponeReview(leaseId: string, dueAt: Date, overdue: boolean): Promise<void>;
  /** Leaves the queue: nothing more to do (reviewed, evidence added, or nothing to review). */
  finishReview(leaseId: string): Promise<void>;
  /** Leases on the queue found unreviewed too long (see postponeReview). */
  countOverdueReviews(): Promise<number>;
  /** Holds the lease's review work until `until` if nobody holds it at `now`; the lease as stored, or undefined. */
  claimReview(leaseId: string, now: string, until: string): Promise<Lease | undefined>;
  /** Records the task on the lease while held so, unless one is recorded; the lease as stored after (undefined: gone). */
  recordReview(leaseId: string, heldUntil: string, task: ReviewTask): Promise<Lease | undefined>;
  /** Notes that the evidence was added to the task, while held so. */
  markReviewEvidence(leaseId: string, heldUntil: string, at: string): Promise<boolean>;
  /** Notes when the task was first seen done. */
  markReviewDone(leaseId: string, at: string): Promise<void>;
  /** Notes a closing that did not count (its id); false when it was noted already (report it once). */
  markReviewRefused(leaseId: string, closing: string): Promise<boolean>;
  /** Gives the hold back (a failure, or the work is done). */
  releaseReview(leaseId: string, heldUntil: string): Promise<void>;
}
