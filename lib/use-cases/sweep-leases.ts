import type { Metrics } from '../ports/metrics.js';
import type { Catalog } from '../domain/catalog.js';
import { lastActivityAt, type Lease } from '../domain/lease.js';
import { describeError } from '../errors.js';
import { ownerOf } from '../ports/cluster.js';
import type { ActivateLeaseInput, ActivateOutcome } from './activate-lease.js';
import type { GrantOutcome } from './grant/grant-access.js';
import type { LeaseDeps } from './lease-deps.js';
import { makeFinishPending } from './finish-pending.js';
import { findDueLeases } from './due-leases.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';
import type { TicketSnapshot } from '../domain/ticket.js';
import type { EvidenceDue, EvidenceStore } from '../ports/evidence-store.js';
import type { EvidenceOutcome } from './collect-evidence.js';
import type { AnnounceGrant } from './announce-grant.js';
import { checkIdleLeases, type IdleCheck } from './check-idle.js';
import type { ReviewLease } from './review-lease.js';
import { FIX_KINDS, type SweepSummary } from './sweep-summary.js';
import type { OwedRevokes } from './owed-revoke-comments.js';
import type { CloseMarks } from '../ports/close-marks.js';
import type { OnQueueFinding } from '../ports/queue-findings.js';
import { sweepCloses } from './sweep-closes.js';
import { makeUnreadableTally, type UnreadableTally } from './unreadable-leases.js';

export interface SweepLeasesDeps extends LeaseDeps {
  readonly catalog: Catalog;
  /** Each run's fixes are counted by kind (`SweepFixes`): a steady stream means something upstream keeps failing. */
  readonly metrics: Metrics;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
  readonly grantAccess: (ticket: TicketSnapshot, actor: string) => Promise<GrantOutcome>;
  /** Most leases of each kind handled in one run; the rest wait for the next run. */
  readonly batchSize: number;
  /** A PENDING lease older than this was abandoned by a crashed grant. */
  readonly pendingGraceSeconds: number;
  /**
   * The cluster-wide scan (orphan bindings) reads every managed binding of this deployment, so
   * their cost grows with everything that exists; they run once every this many minutes (in a UTC
   * minute divisible by it, once in that minute however often the sweep runs), while the
   * index-driven part runs on every sweep.
   */
  readonly scanEveryMinutes: number;
  /** Posts a grant's owed announcement that its holder could not (the ticket was down) or did not finish (it died). */
  readonly announce: AnnounceGrant;
  /** The idle check of a lease whose idle watch is due (absent: no cluster has an audit log); see check-idle.ts. */
  readonly checkIdle?: ((lease: Lease) => Promise<IdleCheck>) | undefined;
  /** Posts a revoke comment left to a grant announcement's holder that died owing it. */
  readonly owedRevokes: Pick<OwedRevokes, 'due' | 'tell'>;
  /** Closed tickets whose leases are listed again once the index has caught up (see close-ticket.ts). */
  readonly closeMarks?: Pick<CloseMarks, 'due' | 'done' | 'postpone'> | undefined;
  /** Activity evidence due for posting (absent: no cluster has an audit log). */
  readonly evidence?: { readonly store: EvidenceStore; readonly collect: (due: EvidenceDue) => Promise<EvidenceOutcome> } | undefined;
  /** Review tasks of emergency leases: opened, given their evidence, checked for done; unreviewed ones counted. */
  readonly reviews?: ReviewLease | undefined;
}

export type { SweepSummary } from './sweep-summary.js';

/**
 * The reconciler that makes "nothing outlives its expiry" hold even when a step failed:
 * activates SCHEDULED leases whose window opened, revokes ACTIVE leases past expiry, finishes or
 * rolls back grants abandoned in PENDING, tells tickets of grants they were not told of (owed
 * announcements), and deletes our bindings that no open lease names (orphans). Leases come from
 * the status index (never a scan), so the cost grows with what is due. Idempotent, and safe to run concurrently with itself and with grants.
 */
export interface SweepOptions {
  /** Milliseconds left before the run must stop (Lambda's remaining time less a margin). */
  readonly deadline?: () => number;
  /** Run the cluster-wide scans now, whatever the minute. */
  readonly scan?: boolean;
}

export function makeSweepLeases(deps: SweepLeasesDeps): (options?: SweepOptions) => Promise<SweepSummary> {
  const { leases, clock, logger, cluster, audit } = deps;
  const finishPending = makeFinishPending(deps);
  /** When this process last ran the scan: a sweep more often than once a minute (local mode) scans once in such a minute. */
  let lastScanAt: number | undefined;
  const scanDue = (now: Date) =>
    now.getUTCMinutes() % deps.scanEveryMinutes === 0 && (lastScanAt === undefined || now.getTime() - lastScanAt >= 60_000);

  return async function sweepLeases(options = {}): Promise<SweepSummary> {
    const remaining = options.deadline ?? (() => Number.POSITIVE_INFINITY);
    const counts = { due: 0, revoked: 0, activated: 0, announced: 0, finishedPending: 0, rolledBackPending: 0, orphanBindingsDeleted: 0, failed: 0, skipped: 0, evidencePosted: 0, idleRevoked: 0, malformedQueueItems: 0 };
    let outOfTime = false;
    /** Runs one unit of work unless the budget is spent; a failure is counted and logged, never thrown. */
    const step = async (what: string, work: () => Promise<void>): Promise<void> => {
      if (remaining() <= 0) {
        outOfTime = true;
        return;
      }
      try {
        await work();
      } catch (error) {
        counts.failed += 1;
        logger.error(`sweep could not ${what}`, { error: describeError(error) });
      }
    };

    /** A queue's item that is not the queue's: only a table writer makes one (key only: it wrote the rest). */
    const found: OnQueueFinding = (finding) => {
      counts.malformedQueueItems += finding.skipped ?? 1;
      if (finding.skipped !== undefined) logger.error('queue items under keys the sweep may not write were skipped unread (an operator deletes them)', { ...finding });
      else logger.error(`a queue item is not its queue's (its key is none of the queue's, or its body names another lease or ticket): ${finding.dropped ? 'dropped' : 'not dropped (the write was refused)'}`, { ...finding });
    };
    const now = clock.now();
    // An item of the status index that is not a readable lease is logged and counted; the rest are worked as usual.
    const unreadable = makeUnreadableTally(logger);
    const { starting, expired, stale, owed, closing, idling, unreadable: dueUnreadable } = await findDueLeases(leases, now, deps.pendingGraceSeconds, deps.batchSize);
    unreadable.note('reading the due leases', dueUnreadable);
    counts.due = starting.length + expired.length + stale.length + owed.length + closing.length + idling.length;

    for (const lease of closing) {
      // A close that could not revoke then: finished now, with the cause it was asked with.
      const cause = lease.revokeRequested?.cause ?? 'early';
      await step(`finish the requested revoke of lease ${lease.id}`, async () => {
        const outcome = await deps.revokeLease({ leaseId: lease.id, cause, actor: 'sweep' });
        if (outcome.kind === 'revoked') counts.revoked += 1;
        else counts.skipped += 1;
      });
    }

    for (const lease of starting) {
      await step(`activate lease ${lease.id}`, async () => {
        const outcome = await deps.activateLease({ leaseId: lease.id, actor: 'sweep' });
        if (outcome.kind === 'activated') counts.activated += 1;
        else counts.skipped += 1;
      });
    }
    for (const lease of expired) {
      await step(`revoke lease ${lease.id}`, async () => {
        const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'sweep', actor: 'sweep' });
        if (outcome.kind === 'revoked') counts.revoked += 1;
        else counts.skipped += 1;
      });
    }
    if (deps.checkIdle !== undefined) counts.idleRevoked = await checkIdleLeases(idling, deps.checkIdle, step);
    for (const lease of stale) {
      await step(`settle abandoned lease ${lease.id}`, async () => {
        const settled = await finishPending(lease);
        if (settled === 'busy') counts.skipped += 1;
        else if (settled) counts.finishedPending += 1;
        else counts.rolledBackPending += 1;
      });
    }
    for (const lease of owed) {
      await step(`announce the grant of lease ${lease.id}`, async () => {
        if ((await deps.announce.takeOver(lease, 'sweep')).kind === 'announced') counts.announced += 1;
      });
    }
    if (options.scan ?? scanDue(now)) {
      lastScanAt = now.getTime();
      await step('delete orphan bindings', async () => {
        counts.orphanBindingsDeleted += await deleteOrphans(now, unreadable);
      });
    }

    const closeMarks = deps.closeMarks;
    if (closeMarks !== undefined) await step('read the closed tickets', () => sweepCloses({ ...deps, closeMarks }, now, step, counts, unreadable.note, found));
    await step('read the owed revoke comments', async () => {
      for (const due of await deps.owedRevokes.due(now, deps.batchSize, found)) await step(`post the owed revoke comment of lease ${due.leaseId}`, async () => void (await deps.owedRevokes.tell(due.leaseId)));
    });
    // Last: after the revokes (a lease revoked in this run is REVOKED) and the scan (cleanup comes before reporting).
    const evidence = deps.evidence;
    if (evidence !== undefined) {
      await step('read the evidence queue', async () => {
        for (const due of await evidence.store.due(now, deps.batchSize, found)) {
          await step(`post the evidence of lease ${due.leaseId}`, async () => {
            if ((await evidence.collect(due)) === 'posted') counts.evidencePosted += 1;
          });
        }
      });
    }
    // After the evidence: a review whose lease's evidence was stored in this run adds it at once.
    const reviews = deps.reviews;
    if (reviews !== undefined) await step('work the review queue', () => reviews.sweep(now, deps.batchSize, step, found));
    const summary: SweepSummary = { ...counts, unreadableLeaseItems: unreadable.count(), outOfTime };
    // A run that found nothing to do is routine: debug, so an idle local mode stays quiet.
    const busy = summary.due > 0 || summary.unreadableLeaseItems > 0 || summary.announced > 0 || summary.evidencePosted > 0 || summary.orphanBindingsDeleted > 0 || summary.failed > 0 || summary.malformedQueueItems > 0 || summary.outOfTime;
    (busy ? logger.info : logger.debug).call(logger, 'sweep finished', { ...summary });
    for (const kind of FIX_KINDS) {
      if (summary[kind] > 0) deps.metrics.count('SweepFixes', { kind }, summary[kind]);
    }
    if (summary.unreadableLeaseItems > 0) deps.metrics.count('UnreadableLeaseItems', {}, summary.unreadableLeaseItems);
    if (summary.malformedQueueItems > 0) deps.metrics.count('MalformedQueueItems', {}, summary.malformedQueueItems);
    return summary;
  };

  /** Our bindings (by label) that no open lease names: their lease is gone, ended, or does not list them. */
  async function deleteOrphans(now: Date, unreadable: UnreadableTally): Promise<number> {
    const graceMs = deps.pendingGraceSeconds * 1000;
    let deleted = 0;
    const targets = new Map<string, Set<string>>();
    // Several bindings share a lease: read each lease once per run.
    const seen = new Map<string, Promise<Lease | 'unreadable' | undefined>>();
    const leaseOf = (id: string) => {
      let lease = seen.get(id);
      if (lease === undefined) {
        // A record that cannot be read leaves its bindings alone (counted), and the scan goes on.
        lease = leases.get(id).catch((error: unknown) => (unreadable.unreadableLease(id, error) ? 'unreadable' : Promise.reject(error)));
        seen.set(id, lease);
      }
      return lease;
    };
    for (const profile of deps.catalog.profiles) {
      const set = targets.get(profile.cluster) ?? new Set<string>();
      profile.namespaces.forEach((n) => set.add(n));
      targets.set(profile.cluster, set);
    }
    for (const [clusterName, namespaces] of targets) {
      for (const namespace of namespaces) {
        for (const binding of await cluster.listManaged(clusterName, namespace)) {
          if (binding.leaseId === undefined) {
            logger.warn('binding with our managed-by label but no lease id: left for a person to check', { cluster: clusterName, namespace, name: binding.name });
            continue;
          }
          const lease = await leaseOf(binding.leaseId);
          if (lease === 'unreadable') continue;
          const named = lease?.cluster === clusterName && lease.bindings.some((b) => b.namespace === namespace && b.name === binding.name);
          // A grant or activation in flight creates bindings before its lease turns ACTIVE: leave those alone.
          const inFlight =
            named &&
            lease !== undefined &&
            ((lease.status === 'PENDING' && now.getTime() - lastActivityAt(lease) <= graceMs) ||
              (lease.status === 'SCHEDULED' && now.getTime() - Date.parse(lease.startsAt) <= graceMs));
          if (named && (lease.status === 'ACTIVE' || inFlight)) continue;
          // With its record, the binding must be exactly the lease's; without one (the record is gone),
          // only this deployment's labels vouch for it, and removing it only takes access away.
          const result = await cluster.deleteBinding(clusterName, binding, lease === undefined ? { leaseId: binding.leaseId } : ownerOf(lease));
          if (result === 'deleted') {
            deleted += 1;
            audit.record({
              kind: 'revoke',
              at: clock.now().toISOString(),
              actor: 'sweep',
              leaseId: binding.leaseId,
              cluster: clusterName,
              namespaces: [namespace],
              cause: 'sweep',
              reason: lease === undefined ? `orphan binding ${binding.name}: no lease record` : `orphan binding ${binding.name}: lease is ${lease.status}`,
            });
          }
        }
      }
    }
    return deleted;
  }
}
