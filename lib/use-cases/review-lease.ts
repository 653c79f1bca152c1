import { leaseAuditFields, type REVIEW_TASK_EVENTS } from '../domain/audit.js';
import { findProfile, type Catalog } from '../domain/catalog.js';
import type { Lease } from '../domain/lease.js';
import { DEFAULT_UNREVIEWED_AFTER_DAYS, hadAccess, needsReview, reviewContent, reviewMarker, unreviewed, type ReviewTask } from '../domain/review-task.js';
import { ConfigError, describeError, KubeLeaseError } from '../errors.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import type { ReviewDue, ReviewRecords, ReviewTaskRef, ReviewTaskRequest, ReviewTaskState, ReviewTaskSystem, ReviewTaskSystems } from '../ports/review-tasks.js';
import type { Metrics } from '../ports/metrics.js';
import type { OnQueueFinding } from '../ports/queue-findings.js';
import { commentSafely, type LeaseDeps } from './lease-deps.js';
import { reviewEvidenceNote } from './review-evidence.js';

/** How long one actor holds a lease's review work: longer than any invocation that does it runs. */
export const REVIEW_HOLD_SECONDS = 300;
/** The queue item written beside the lease comes due this long after: the grant's own attempt goes first. */
export const REVIEW_FIRST_DUE_SECONDS = 120;
/** A failed attempt is tried again this much later. */
const RETRY_SECONDS = 60;
/** An open review task is looked at this often (is it done? is there evidence to add?). */
const CHECK_EVERY_SECONDS = 3600;
/** Evidence not collected this long after the end is not waited for any more. */
const EVIDENCE_WAIT_SECONDS = 2 * 86_400;

export interface ReviewLeaseDeps extends Pick<LeaseDeps, 'tickets' | 'leases' | 'audit' | 'clock' | 'logger'> {
  readonly catalog: Catalog;
  readonly systems: ReviewTaskSystems;
  readonly records: ReviewRecords;
  readonly metrics: Metrics;
  /** Whether a cluster has an audit log (evidence will be collected for its leases). */
  readonly expectsEvidence: (cluster: string) => boolean;
  /** Seconds the evidence is collected after the end: the cluster's audit log delay. */
  readonly evidenceDelaySeconds: (cluster: string) => number;
  /**
   * The evidence key (`mac` undefined: none is configured): only evidence whose seal verifies with
   * it is posted on a review task. Undefined: this actor adds no evidence (the sweep does).
   */
  readonly evidenceKey?: { readonly mac: EvidenceMac | undefined } | undefined;
}

/** What one look at a queued review came to. */
export type ReviewOutcome = 'done' | 'waiting' | 'retry' | 'dropped';

export interface ReviewLease {
  /** Beside the lease's create: queues its review (never throws: the grant is never held up by it). */
  queue(lease: Lease): Promise<void>;
  /** Right after the grant was told, in the grant's invocation: opens the review task (never throws; the sweep retries). */
  open(lease: Lease, actor: string): Promise<void>;
  /** The evidence was stored: the review's queue item is due now, to add it to the task. */
  nudge(lease: Lease): Promise<void>;
  /** The sweep: works the due part of the review queue (items not the queue's: told to `onFinding`) and counts the unreviewed leases. */
  sweep(now: Date, limit: number, step: (what: string, work: () => Promise<void>) => Promise<void>, onFinding?: OnQueueFinding): Promise<void>;
}

/**
 * Review after the fact: one review task per on-call or break-glass lease, exactly once across
 * crashes, retries and concurrent deliveries. A hold on the lease (a conditional write) lets one
 * actor at a time work on it; inside it the ITSM system is searched for the lease's marker before
 * anything is created, so a holder that died between creating the task and recording it is
 * followed by one that finds the task instead of opening a second. The record on the lease is
 * conditional too (never over another). The queue item (written beside the lease) makes the sweep
 * retry whatever the grant's invocation could not do, add the evidence, and look for the task to be
 * done; leases unreviewed for `unreviewedAfterDays` are counted (`UnreviewedEmergencyLeases`).
 * Only a task kube-lease's own account created for the lease is the lease's (one anybody else
 * created, or an older or closed one given the marker, is reported, never adopted), and only a
 * closing of it after it was recorded, by a person other than the requester and kube-lease's
 * account, counts as the review (any other is reported once, on the task too).
 */
export function makeReviewLease(deps: ReviewLeaseDeps): ReviewLease {
  const { records, clock, logger, audit } = deps;
  const days = deps.catalog.unreviewedAfterDays ?? DEFAULT_UNREVIEWED_AFTER_DAYS;
  const later = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  const systemOf = (lease: Lease): ReviewTaskSystem => {
    const system = deps.systems[lease.source];
    if (system === undefined) throw new ConfigError(`no review tasks can be opened in ${lease.source} (for Jira: set jira.review in the catalog)`);
    return system;
  };
  const requestOf = (lease: Lease): ReviewTaskRequest => {
    const profile = findProfile(deps.catalog, lease.profile);
    const approvers = profile?.approvers ?? [];
    return { lease, content: reviewContent(lease, approvers, deps.expectsEvidence(lease.cluster)), marker: reviewMarker(lease.id), approvers, approverGroup: profile?.approverGroups?.[0] };
  };
  const event = (lease: Lease, task: ReviewTaskRef, what: (typeof REVIEW_TASK_EVENTS)[number], reason: string, actor: string) =>
    audit.record({ kind: 'review', at: clock.now().toISOString(), actor, ...leaseAuditFields(lease), reviewTask: { system: task.system, key: task.key, url: task.url, event: what }, reason });

  /** Under the hold: the task found or created and recorded, then the evidence added. The lease as it stands after. */
  async function work(held: Lease, until: string, actor: string): Promise<Lease> {
    const system = systemOf(held);
    let lease = held;
    if (lease.review === undefined) {
      const request = requestOf(lease);
      const { own, planted } = await system.find(lease, request.marker);
      for (const other of planted) {
        // Someone else's issue with the lease's marker: a finding, never the lease's task.
        logger.warn('a task carrying a lease\'s review marker was not created by kube-lease: not taken for its review task', { leaseId: lease.id, task: other.key });
        event(lease, other, 'planted', `carries the lease's review marker but ${other.why ?? 'kube-lease\'s own account did not create it'}: not taken for the review task (seen by ${actor})`, actor);
      }
      const task = own ?? (await system.open(request));
      // Before the record, so that a crash between the two leaves the event to the next attempt (at least once).
      event(lease, task, 'opened', own === undefined ? `opened by ${actor}` : `found by ${actor}: an interrupted attempt had opened it`, actor);
      await system.notify(task, request).catch((error: unknown) => logger.warn('could not tell the approvers of a review task', { leaseId: lease.id, task: task.key, error: describeError(error) }));
      const record: ReviewTask = { ...task, recordedAt: clock.now().toISOString() };
      const stored = await records.recordReview(lease.id, until, record);
      if (stored === undefined) return lease;
      lease = stored;
      // Only the attempt whose record stands tells the ticket (at most once).
      if (stored.review?.recordedAt === record.recordedAt && stored.review.key === record.key) {
        const kind = stored.approvalKind ?? 'person';
        const evidence = deps.expectsEvidence(stored.cluster) ? '\nThe activity evidence is added to it once collected.' : '';
        await commentSafely(deps, stored.source, stored.ticketKey, `A review task was opened for this ${kind} lease (${stored.id}): ${task.key} ${task.url}${evidence}`);
      }
    }
    const task = lease.review;
    const evidence = lease.evidence;
    const key = deps.evidenceKey;
    if (task !== undefined && evidence !== undefined && task.evidenceAt === undefined && key !== undefined && deps.expectsEvidence(lease.cluster)) {
      const ended = Date.parse(lease.revokedAt ?? lease.expiresAt);
      const note = await reviewEvidenceNote({ mac: key.mac, logger }, lease, evidence, deps.evidenceDelaySeconds(lease.cluster), clock.now().getTime() - ended >= EVIDENCE_WAIT_SECONDS * 1000);
      if (note === undefined) return lease;
      await system.comment(task, note.text);
      if (await records.markReviewEvidence(lease.id, until, clock.now().toISOString())) event(lease, task, 'evidence-added', note.reason, actor);
      lease = { ...lease, review: { ...task, evidenceAt: clock.now().toISOString() } };
    }
    return lease;
  }

  /** Takes the hold and works; undefined when another actor holds it (or the lease is gone). Errors are thrown after the hold is given back. */
  async function held(lease: Lease, actor: string): Promise<Lease | undefined> {
    const now = clock.now();
    const until = later(REVIEW_HOLD_SECONDS).toISOString();
    const taken = await records.claimReview(lease.id, now.toISOString(), until);
    if (taken === undefined) return undefined;
    try {
      return await work(taken, until, actor);
    } finally {
      await records.releaseReview(lease.id, until).catch(() => undefined);
    }
  }

  /** A closing that is no review: reported once per closing (audit event, log, a comment on the task). */
  async function notCounted(lease: Lease, task: ReviewTaskRef, state: ReviewTaskState): Promise<void> {
    if (!(await records.markReviewRefused(lease.id, state.closing ?? 'unknown'))) return;
    const why = `${state.notCounted ?? ''}${state.closedBy === undefined ? '' : ` (closed by ${state.closedBy})`}`;
    logger.warn('a review task was closed, but not as a review that counts', { leaseId: lease.id, task: task.key, why });
    event(lease, task, 'not-counted', `the review task was closed, but kube-lease does not count it as reviewed: ${why}`, 'sweep');
    const text = `kube-lease does not count this closing as a review of lease ${lease.id}: ${why}. The lease stays unreviewed until a person other than its requester and kube-lease's account closes this task as done.`;
    await systemOf(lease).comment(task, text).catch((error: unknown) => logger.warn('could not comment on a review task', { leaseId: lease.id, task: task.key, error: describeError(error) }));
  }

  /** One look at a queued review. */
  async function look(due: ReviewDue): Promise<ReviewOutcome> {
    const lease = await deps.leases.get(due.leaseId);
    if (lease === undefined || !needsReview(lease) || ((lease.status === 'FAILED' || lease.status === 'REVOKED') && !hadAccess(lease))) {
      await records.finishReview(due.leaseId);
      return 'dropped';
    }
    if (lease.status === 'SCHEDULED' || lease.status === 'PENDING') {
      const start = Date.parse(lease.startsAt);
      await records.postponeReview(lease.id, new Date(Math.max(start, later(RETRY_SECONDS).getTime())), false);
      return 'waiting';
    }
    let current = lease;
    // A failure a retry may fix is retried in a minute; one it cannot (no review settings) hourly.
    let retryIn = RETRY_SECONDS;
    if (lease.review === undefined || (lease.evidence !== undefined && lease.review.evidenceAt === undefined)) {
      try {
        current = (await held(lease, 'sweep')) ?? lease;
      } catch (error) {
        logger.warn('could not open or update a review task; retrying later', { leaseId: lease.id, error: describeError(error) });
        if (!(error instanceof KubeLeaseError && error.retryable)) retryIn = CHECK_EVERY_SECONDS;
      }
    }
    const now = clock.now();
    const task = current.review;
    if (task === undefined) {
      await records.postponeReview(lease.id, later(retryIn), unreviewed(current, now, days));
      return 'retry';
    }
    let done = task.doneAt !== undefined;
    if (!done) {
      let state: ReviewTaskState = { done: false };
      try {
        state = await systemOf(current).isDone(task, current);
      } catch (error) {
        logger.warn('could not read a review task', { leaseId: lease.id, task: task.key, error: describeError(error) });
      }
      done = state.done;
      if (done) {
        await records.markReviewDone(lease.id, now.toISOString());
        event(current, task, 'done', `the review task was closed as done${state.closedBy === undefined ? '' : ` by ${state.closedBy}`}`, 'sweep');
      } else if (state.notCounted !== undefined) {
        await notCounted(current, task, state);
      }
    }
    const ended = current.status === 'REVOKED' ? Date.parse(current.revokedAt ?? current.expiresAt) : undefined;
    const evidenceOwed =
      current.evidence === undefined
        ? ended === undefined || (deps.expectsEvidence(current.cluster) && now.getTime() - ended < EVIDENCE_WAIT_SECONDS * 1000)
        : deps.expectsEvidence(current.cluster) && (current.review?.evidenceAt ?? task.evidenceAt) === undefined;
    if (done && !evidenceOwed) {
      await records.finishReview(lease.id);
      return 'done';
    }
    await records.postponeReview(lease.id, later(CHECK_EVERY_SECONDS), !done && unreviewed(current, now, days));
    return done ? 'done' : 'waiting';
  }

  return {
    async queue(lease) {
      if (!needsReview(lease)) return;
      await records.queueReview(lease.id, new Date(Date.parse(lease.createdAt) + REVIEW_FIRST_DUE_SECONDS * 1000)).catch((error: unknown) => {
        // The grant's own attempt below, and every repeat of this create, queue it again.
        logger.warn('could not queue a lease\'s review', { leaseId: lease.id, error: describeError(error) });
      });
    },
    async open(lease, actor) {
      if (!needsReview(lease)) return;
      try {
        // Queued again (idempotent) in case the write beside the create failed.
        await records.queueReview(lease.id, new Date(Date.parse(lease.createdAt) + REVIEW_FIRST_DUE_SECONDS * 1000));
        const after = await held(lease, actor);
        if (after?.review !== undefined) await records.postponeReview(lease.id, later(CHECK_EVERY_SECONDS), false);
      } catch (error) {
        logger.warn('could not open the review task now; the sweep retries', { leaseId: lease.id, error: describeError(error) });
      }
    },
    async nudge(lease) {
      if (!needsReview(lease)) return;
      await records.nudgeReview(lease.id, clock.now());
    },
    async sweep(now, limit, step, onFinding) {
      for (const due of await records.dueReviews(now, limit, onFinding)) {
        await step(`look at the review of lease ${due.leaseId}`, async () => {
          try {
            await look(due);
          } catch (error) {
            // Behind the rest of the queue: an item that fails every time (a lease item no read accepts) is never first in line for good.
            await records.postponeReview(due.leaseId, later(RETRY_SECONDS), due.overdue === true).catch(() => undefined);
            throw error;
          }
        });
      }
      await step('count unreviewed emergency leases', async () => {
        deps.metrics.count('UnreviewedEmergencyLeases', {}, await records.countOverdueReviews());
      });
    },
  };
}
