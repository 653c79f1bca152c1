import { activitySpan } from '../domain/activity-span.js';
import { inWindow, openedSessions, podsCreated, summarizeActivity, type AuditEvent, type SessionPod, type SessionSeen } from '../domain/activity.js';
import { attributeTo } from '../domain/activity-attribution.js';
import { evidenceWindow } from '../domain/binding-lifecycle.js';
import { EVIDENCE_SEAL_VERSION, evidenceDigest, evidenceMacMessage, type EvidenceSeal } from '../domain/evidence-digest.js';
import { evidenceMessage } from '../domain/activity-messages.js';
import { leaseAuditFields } from '../domain/audit.js';
import type { ActivityEvidence } from '../domain/activity.js';
import { accessBeganAt, type Lease } from '../domain/lease.js';
import { AUDIT_LOG_UNCONFIGURED } from '../domain/own-words.js';
import { describeError, KubeLeaseError, publicReason } from '../errors.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { EvidenceDue, EvidenceStore } from '../ports/evidence-store.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import { sourceOf } from '../ports/ticket-source.js';
import { storedEvidenceVerifies } from './check-evidence.js';
import type { LeaseDeps } from './lease-deps.js';
import { endPods } from './revoke-sessions.js';
import type { ReviewLease } from './review-lease.js';
import { unreadableIn } from './unreadable-activity.js';

/** A failed read or comment is tried again this much later (behind newer evidence). */
const RETRY_AFTER_MS = 60_000;
/** The cluster's record of the lease's bindings is searched from this long before the item's earliest time. */
const LOOKBACK_MS = 60 * 60_000;

export interface CollectEvidenceDeps extends Pick<LeaseDeps, 'tickets' | 'leases' | 'audit' | 'clock' | 'logger' | 'cluster'> {
  readonly activity: ActivityLog;
  readonly evidence: EvidenceStore;
  /** A read or comment that keeps failing for this long after the due time is given up (and said so). */
  readonly giveUpAfterSeconds: number;
  /**
   * Seals the evidence with a MAC under a key the table's writers do not hold, so a report can tell
   * a record rewritten in the table. Absent: stored unsealed (a report says it is not verifiable).
   */
  readonly mac?: EvidenceMac | undefined;
  /** An emergency lease's review task gets the evidence too (its queue item is made due). */
  readonly reviews?: Pick<ReviewLease, 'nudge'> | undefined;
}

/** posted: on the ticket; waiting: its revoke has not finished, or the audit log is not complete for it yet; retry: a failure the next run may fix; dropped: nothing to do. */
export type EvidenceOutcome = 'posted' | 'waiting' | 'retry' | 'dropped';

/**
 * Posts what a lease's subject did during it, from the cluster's audit log, once the log is
 * complete for the lease's window: the log shows the lease's bindings deleted and its delay has
 * passed since (the queue's due time is only when to look). Steps, each safe to repeat: read and
 * summarize → store on the lease once (the first stored evidence the sweep sealed stands; anything
 * else stored there is replaced, never posted) → audit and comment → mark posted → leave the queue.
 * A crash before the comment posts the stored evidence on the next run; one between the comment and
 * the mark posts it twice.
 */
export function makeCollectEvidence(deps: CollectEvidenceDeps): (due: EvidenceDue) => Promise<EvidenceOutcome> {
  const { leases, activity, evidence, clock, logger } = deps;
  const givenUp = (due: EvidenceDue) => clock.now().getTime() - Date.parse(due.dueAt) > deps.giveUpAfterSeconds * 1000;
  /** Tries again a minute later (at the back of the queue), unless it has been failing for too long. */
  const later = async (due: EvidenceDue): Promise<EvidenceOutcome> => {
    await evidence.postpone(due.leaseId, new Date(clock.now().getTime() + RETRY_AFTER_MS));
    return 'retry';
  };

  /**
   * The lease's evidence, or when to look again (the log is not complete yet), or undefined (try
   * later). The window, subject and bindings come from the cluster's record of the lease's bindings
   * (evidenceWindow), never from the lease item alone: a table writer may have rewritten the item.
   */
  async function read(lease: Lease, due: EvidenceDue): Promise<ActivityEvidence | Date | undefined> {
    const now = clock.now();
    const fallback = { collectedAt: now.toISOString(), from: accessBeganAt(lease), to: lease.revokedAt ?? due.dueAt };
    if (!activity.configured(lease.cluster)) return { ...fallback, events: 0, error: AUDIT_LOG_UNCONFIGURED };
    try {
      // From a little before anything the item says (a later start in the item only loses the create: a finding).
      const since = Math.min(Date.parse(accessBeganAt(lease)), Date.parse(lease.startsAt), Date.parse(lease.createdAt)) - LOOKBACK_MS;
      const changes = await activity.bindingChanges({ cluster: lease.cluster, leaseId: lease.id, from: new Date(since), to: now });
      const window = evidenceWindow(lease, changes, now, activity.delaySeconds(lease.cluster) * 1000);
      if (window.kind === 'wait') return window.until;
      const { from, to, subject, findings } = window;
      const base = { collectedAt: fallback.collectedAt, from: from.toISOString(), to: to.toISOString() };
      const events = (await activity.read({ cluster: lease.cluster, username: subject.name, from, to })).filter((e) => inWindow(e, subject.name, from, to));
      // Only what this lease's bindings allowed (and what was refused): overlapping access answers for the rest.
      const { mine, elsewhere } = attributeTo(events, window.bindings);
      // Lines the log cut off (a padded request URI) that may be the subject's: counted, so the window never reads as complete.
      const cut = await unreadableIn(activity, { ...lease, subject }, from, to, 'all');
      const unreadable = cut.unreadable.count > 0 || !cut.unreadable.complete ? { unreadable: cut.unreadable } : {};
      const summary = { ...summarizeActivity(mine, undefined, events), ...activitySpan(mine), ...(elsewhere > 0 ? { elsewhere } : {}), ...unreadable };
      const other = subject.kind !== lease.subject.kind || subject.name !== lease.subject.name;
      const counted = { ...base, sealVersion: EVIDENCE_SEAL_VERSION, events: mine.length, summary, ...(findings.length > 0 ? { findings } : {}), ...(other ? { subject } : {}) };
      // Sealed before any pod is ended, so a key that cannot be used now is tried later before anything is done.
      const first = await sealOf(lease, counted, due);
      if (first === 'later') return undefined;
      // Streams the log showed only after the revoke (it lags): ended now, or reported as not ended, under the seal too.
      const late = await lateStreams(lease, mine, events, cut.streams);
      const sealed = { ...counted, ...(late.length > 0 ? { pods: late } : {}) };
      const seal = late.length === 0 || first === undefined ? first : await sealOf(lease, sealed, due);
      if (seal === 'later') return undefined;
      return { ...sealed, digest: evidenceDigest(sealed), ...(seal === undefined ? {} : { mac: seal }) };
    } catch (error) {
      logger.warn('could not read the audit log for a lease\'s evidence', { leaseId: lease.id, error: describeError(error) });
      if (error instanceof KubeLeaseError && error.retryable && !givenUp(due)) return undefined;
      return { ...fallback, events: 0, error: publicReason(error) };
    }
  }

  /**
   * Whether the evidence stored on the lease is the sweep's own: sealed by its key, for this lease,
   * as stored. Anything else (unsealed, another seal, written by a table writer) is never posted or
   * sealed: the sweep collects its own. A key that cannot be asked: try later (then: recollect).
   */
  async function ownEvidence(lease: Lease, due: EvidenceDue): Promise<boolean | 'later'> {
    if (deps.mac === undefined) return false;
    try {
      return await storedEvidenceVerifies(lease, deps.mac);
    } catch (error) {
      logger.warn('could not verify the seal of a lease\'s stored evidence', { leaseId: lease.id, error: describeError(error) });
      return givenUp(due) ? false : 'later';
    }
  }

  /**
   * The MAC of the evidence, before anything is stored (the first stored evidence stands). A key
   * that cannot be used is tried again later; once given up, the evidence is stored unsealed (and
   * a report says so) rather than never.
   */
  async function sealOf(lease: Lease, counted: Parameters<typeof evidenceMacMessage>[1], due: EvidenceDue): Promise<EvidenceSeal | 'later' | undefined> {
    if (deps.mac === undefined) {
      logger.warn('no evidence key (EVIDENCE_KMS_KEY_ID or EVIDENCE_KEY_FILE): this evidence is stored without a MAC, and reports say it is not verifiable', { leaseId: lease.id });
      return undefined;
    }
    try {
      return await deps.mac.generate(evidenceMacMessage(lease, counted));
    } catch (error) {
      logger.error('could not seal a lease\'s evidence with the evidence key', { leaseId: lease.id, error: describeError(error) });
      return givenUp(due) ? undefined : 'later';
    }
  }

  /** With `endSessions`: the streams in the complete log whose pods the revoke did not handle (it read the log before it was complete). */
  async function lateStreams(lease: Lease, mine: readonly AuditEvent[], all: readonly AuditEvent[], cutOff: readonly SessionSeen[]): Promise<SessionPod[]> {
    if (lease.endSessions !== true || lease.sessions === undefined) return [];
    const handled = new Set(lease.sessions.pods.map((p) => `${p.namespace}/${p.pod}`));
    const missed = [...openedSessions(mine, all), ...cutOff].filter((x) => lease.namespaces.includes(x.namespace) && !handled.has(`${x.namespace}/${x.pod}`));
    // The pods the revoke evicted count toward each controller's limit.
    return missed.length === 0 ? [] : endPods(deps, lease, 'sweep', missed, lease.sessions.pods, podsCreated(mine));
  }

  return async function collectEvidence(due: EvidenceDue): Promise<EvidenceOutcome> {
    try {
      return await collectOnce(due);
    } catch (error) {
      // Behind the rest of the queue: an item that fails every time (a lease item no read accepts) is never first in line for good.
      await evidence.postpone(due.leaseId, new Date(clock.now().getTime() + RETRY_AFTER_MS)).catch(() => undefined);
      throw error;
    }
  };

  async function collectOnce(due: EvidenceDue): Promise<EvidenceOutcome> {
    const lease = await leases.get(due.leaseId);
    if (lease === undefined || lease.status === 'FAILED' || lease.evidence?.postedAt !== undefined) {
      await evidence.drop(due.leaseId);
      return 'dropped';
    }
    // Queued by a revoke before its state change: that revoke (or the sweep) finishes it first.
    if (lease.status !== 'REVOKED') return givenUp(due) ? dropped(due) : later(due);
    let stored: Lease | undefined = lease;
    const own = lease.evidence === undefined ? false : await ownEvidence(lease, due);
    if (own === 'later') return later(due);
    if (!own) {
      const collected = await read(lease, due);
      if (collected === undefined) return later(due);
      // The log is not complete for the lease yet (an early due time is only an early look).
      if (collected instanceof Date) {
        await evidence.postpone(lease.id, collected);
        return 'waiting';
      }
      stored = await evidence.record(lease.id, collected, lease.evidence?.collectedAt);
      // Another record stood (another run's, or a table writer's meanwhile): posted only as the sweep's own, sealed.
      const kept = stored?.evidence;
      const mine = kept !== undefined && kept.collectedAt === collected.collectedAt && kept.digest === collected.digest && kept.mac?.mac === collected.mac?.mac;
      if (stored !== undefined && kept !== undefined && !mine && deps.mac !== undefined && (await ownEvidence(stored, due)) !== true) return later(due);
    }
    const found = stored?.evidence;
    if (stored === undefined || found === undefined) return dropped(due);
    // Before the ticket's comment: a crash after it still leaves the review's queue item due.
    await deps.reviews?.nudge(stored);
    try {
      await sourceOf(deps.tickets, stored.source).comment(stored.ticketKey, evidenceMessage(stored, found, activity.delaySeconds(stored.cluster)));
    } catch (error) {
      logger.warn('could not post a lease\'s evidence on its ticket', { leaseId: stored.id, ticket: stored.ticketKey, error: describeError(error) });
      return givenUp(due) ? dropped(due) : later(due);
    }
    // Once per posting (twice only after a crash between the comment and the mark).
    deps.audit.record({
      kind: 'activity',
      at: clock.now().toISOString(),
      actor: 'sweep',
      ...leaseAuditFields(stored),
      evidence: {
        from: found.from,
        to: found.to,
        events: found.events,
        ...(found.summary === undefined ? {} : { requests: found.summary.requests }),
        ...(found.digest === undefined ? {} : { digest: found.digest }),
        ...(found.error === undefined ? {} : { error: found.error }),
        ...(found.summary?.reusedAuditIds === undefined ? {} : { reusedAuditIds: found.summary.reusedAuditIds.map((x) => x.id) }),
        ...(found.summary?.unreadable === undefined ? {} : { unreadable: found.summary.unreadable }),
        ...(found.findings === undefined ? {} : { findings: [...found.findings] }),
      },
    });
    await evidence.markPosted(stored.id, clock.now().toISOString());
    await evidence.drop(stored.id);
    return 'posted';
  }

  async function dropped(due: EvidenceDue): Promise<EvidenceOutcome> {
    await evidence.drop(due.leaseId);
    return 'dropped';
  }
}
