import { ownerOf } from '../ports/cluster.js';
import { leaseAuditFields } from '../domain/audit.js';
import { bindingManifest, TIMED_CAUSES, type Lease, type RevokeCause } from '../domain/lease.js';
import { revokeComment } from '../domain/owed-comments.js';
import { describeError, publicReasons, RevokeIncompleteError } from '../errors.js';
import { newReference } from '../ids.js';
import { DEFAULT_ACCESS_CHECK } from '../domain/catalog.js';
import { auditVerification } from '../domain/verification.js';
import { commentSafely, ticketPatch, type LeaseDeps } from './lease-deps.js';
import type { TicketSnapshot } from '../domain/ticket.js';
import { verifyAccess } from './verify-access.js';
import { removeLeaseResources } from './lease-resources.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { EvidenceStore } from '../ports/evidence-store.js';
import { auditSessions, sessionsAtRevoke, watchesActivity } from './revoke-sessions.js';
import { diedHolding } from './announce-grant.js';
import { announcedBefore, announcementHeld, type OwedRevokes } from './owed-revoke-comments.js';

export type RevokeLeaseDeps = LeaseDeps & {
  /** The clusters' audit logs: streams listed (and ended) at revoke, evidence queued. Absent: neither. */
  readonly activity?: ActivityLog | undefined;
  readonly evidence?: EvidenceStore | undefined;
  /** Revoke comments left to a grant announcement's holder: queued for the sweep, or posted here when the holder was gone by the write. */
  readonly owedRevokes: Pick<OwedRevokes, 'queue' | 'tell'>;
  /** Overrides the time for ending sessions (tests). */
  readonly podsBudgetMs?: number | undefined;
};

export interface RevokeLeaseInput {
  readonly leaseId: string;
  readonly cause: RevokeCause;
  readonly actor: string;
  /** Why, in words (an operator's manual revoke); recorded in the history and the audit event. */
  readonly note?: string | undefined;
  /**
   * The lease's ticket as its API shows it now (an early revoke): the revoke records its id and
   * current key on the lease (see `ticketPatch`), and the ticket hears of it under that key.
   */
  readonly ticket?: Pick<TicketSnapshot, 'id' | 'key' | 'url'> | undefined;
}

export type RevokeOutcome =
  | { readonly kind: 'revoked'; readonly lease: Lease }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-due'; readonly lease: Lease }
  | { readonly kind: 'not-active'; readonly lease: Lease };

/**
 * Takes access away: delete the lease's bindings (gone already counts), then mark it REVOKED,
 * then remove its timers and tell the ticket. Running it twice, or concurrently, revokes once.
 * A lease still being granted (PENDING) is marked first and cleaned after, so a concurrent
 * grant that finishes late loses its ACTIVE transition and removes what it made.
 */
export function makeRevokeLease(deps: RevokeLeaseDeps): (input: RevokeLeaseInput) => Promise<RevokeOutcome> {
  const { cluster, leases, scheduler, audit, clock, logger } = deps;

  async function cancelTimers(lease: Lease): Promise<void> {
    try {
      await scheduler.cancel(lease);
    } catch (error) {
      // A leftover timer only fires a revoke or activation that finds nothing to do.
      logger.warn('could not remove lease timers', { leaseId: lease.id, error: describeError(error) });
    }
  }

  /** Deletes the lease's bindings; returns those found under its names that are not its own (left untouched). */
  async function deleteBindings(lease: Lease, cause: RevokeCause, actor: string): Promise<string[]> {
    const results = await Promise.allSettled(lease.bindings.map((b) => cluster.deleteBinding(lease.cluster, b, ownerOf(lease))));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length === 0) {
      return lease.bindings.filter((_, i) => {
        const result = results[i];
        return result?.status === 'fulfilled' && result.value === 'not-ours';
      }).map((b) => `${b.namespace}/${b.name}`);
    }
    const ref = newReference();
    const detail = errors.map(describeError).join('; ');
    logger.error('revoke could not delete bindings', { reference: ref, leaseId: lease.id, errors: detail });
    audit.record({ kind: 'failure', at: clock.now().toISOString(), actor, ...leaseAuditFields(lease), code: 'backend-error', cause, reason: `could not delete bindings: ${publicReasons(errors)} (reference ${ref})` });
    throw new RevokeIncompleteError(`revoking lease ${lease.id}: could not delete bindings: ${detail}`);
  }

  /** Per namespace of the lease, the other open leases (of this deployment) binding the same subject; undefined when they cannot be listed. */
  async function otherLeasesOf(lease: Lease): Promise<ReadonlyMap<string, readonly string[]> | undefined> {
    try {
      const found = new Map<string, string[]>();
      const lists = await Promise.all(lease.namespaces.map((namespace) => cluster.listManaged(lease.cluster, namespace)));
      for (const binding of lists.flat()) {
        if (binding.leaseId === undefined || binding.leaseId === lease.id) continue;
        if (binding.subject?.kind !== lease.subject.kind || binding.subject.name !== lease.subject.name) continue;
        found.set(binding.namespace, [...(found.get(binding.namespace) ?? []), binding.leaseId]);
      }
      return found;
    } catch (error) {
      logger.warn('could not list the subject\'s other leases: the revoke is not verified', { leaseId: lease.id, error: describeError(error) });
      return undefined;
    }
  }

  /** Puts back the bindings of a lease this revoke found extended too late; what fails is logged (access lost, never gained). */
  async function restoreBindings(lease: Lease): Promise<void> {
    const results = await Promise.allSettled(lease.bindings.map((b) => cluster.applyBinding(lease.cluster, bindingManifest(lease, b))));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [describeError(r.reason)] : []));
    if (errors.length > 0) logger.error('an extended lease lost bindings to a revoke and some could not be put back', { leaseId: lease.id, errors });
    else logger.warn('a revoke at expiry met an extension: the bindings it had deleted are back', { leaseId: lease.id });
  }

  return (input: RevokeLeaseInput) => revokeOnce(input, false);

  async function revokeOnce(input: RevokeLeaseInput, again: boolean): Promise<RevokeOutcome> {
    const { leaseId, cause, actor, note, ticket } = input;
    const lease = await leases.get(leaseId);
    if (lease === undefined) {
      logger.warn('revoke requested for an unknown lease', { leaseId, cause });
      return { kind: 'not-found' };
    }
    if (lease.status === 'REVOKED' || lease.status === 'FAILED') {
      await cancelTimers(lease);
      return { kind: 'not-active', lease };
    }
    const now = clock.now();
    const timed = TIMED_CAUSES.includes(cause);
    if (timed && now.getTime() < Date.parse(lease.expiresAt)) {
      // Access never ends before its expiry; a timer firing early is simply ignored.
      return { kind: 'not-due', lease };
    }
    if (lease.status === 'PENDING' && timed) return { kind: 'not-active', lease };

    // An ACTIVE lease keeps its status until its bindings are gone, so a failure can be retried.
    // Beside it: the subject's other open leases there, which rightly keep their access.
    const [foreign, others] = lease.status === 'ACTIVE' ? await Promise.all([deleteBindings(lease, cause, actor), otherLeasesOf(lease)]) : [[], undefined];
    // Then ask whether the access is gone. Read-only, before the state change: a crash here makes
    // the retry delete (nothing) and ask again, so the answer is never lost. Without the list of
    // other leases an answer could not be told apart from standing access: nothing is claimed then.
    // Beside it, the streams the subject opened (they outlive the binding): listed, or ended.
    const check = lease.accessCheck ?? DEFAULT_ACCESS_CHECK;
    const [verification, sessions] = await Promise.all([
      others === undefined ? undefined : verifyAccess(deps, lease, 'denied', others),
      lease.status === 'ACTIVE' ? sessionsAtRevoke(deps, lease, actor) : undefined,
    ]);
    // Queued before the state change, so a crash cannot lose it; queueing again changes nothing.
    const { activity, evidence } = deps;
    const evidenceQueued = lease.status === 'ACTIVE' && evidence !== undefined && watchesActivity(activity, lease);
    if (evidenceQueued) await evidence.queue(lease.id, new Date(clock.now().getTime() + activity.delaySeconds(lease.cluster) * 1000));

    const at = clock.now().toISOString();
    // The comment's facts the REVOKED lease does not hold; an owed comment is built from them and the lease, never stored as text.
    const facts = { untouched: foreign, evidence: evidenceQueued };
    const told = (l: Lease) => revokeComment(l, cause, at, facts);
    const revoke = async (from: Lease) => {
      // A grant not announced yet never is now. Its holder still posting it (its hold kept) is owed the
      // revoke's comment and posts it after its own; otherwise the revoke's comment is the ticket's last word.
      // Owed: queued first (a crash cannot lose it), so the sweep posts it if the holder dies owing it.
      const held = announcementHeld(from, clock.now());
      if (held) await deps.owedRevokes.queue(from);
      const owed = from.grantNote === undefined && from.announceAt === undefined ? {} : held ? { grantNote: null, revokeNote: facts } : { grantNote: null, announceAt: null };
      // The announcement this write clears is still held by the writer that made the lease ACTIVE: that
      // writer may have died before recording its grant, and once cleared nothing tells a recovery so.
      // Recorded before the write, as that writer makes it (same time and actor: one event, however
      // often it is written; true whoever wins the write, as the lease did become ACTIVE).
      const lost = diedHolding(from);
      if (lost !== undefined) audit.record({ kind: 'grant', at: lost.at, actor: lost.by, ...leaseAuditFields(from), reason: from.reason });
      return leases.transition(
        from,
        'REVOKED',
        { at, from: from.status, to: 'REVOKED', by: actor, note: note === undefined ? cause : `${cause}: ${note}` },
        {
          revokedAt: at,
          revokeCause: cause,
          ...owed,
          ...(verification === undefined ? {} : { revokeVerification: verification }),
          ...(sessions === undefined ? {} : { sessions }),
          ...ticketPatch(from, ticket),
        },
      );
    };
    // A grant announcement in flight posts its comment first (access is gone already; only the
    // record and the revoke's comment wait). It stores its review on the lease without a new
    // version: the lease is read again so that the revoke's write keeps it.
    let moved = await revoke(lease.grantNote !== undefined ? await announcedBefore(deps, (await leases.get(leaseId)) ?? lease) : lease);
    // The lease changed under the revoke while its bindings went (a note, an extension): it is still
    // open, so the revoke stands, unless a timed revoke now meets a later expiry.
    for (let attempt = 0; !moved.ok && moved.current?.status === lease.status && attempt < 2; attempt += 1) {
      const current: Lease = moved.current;
      if (timed && clock.now().getTime() < Date.parse(current.expiresAt)) {
        // A new approval extended it while its bindings went: the lease owns them until its new expiry.
        if (current.status === 'ACTIVE') await restoreBindings(current);
        return { kind: 'not-due', lease: current };
      }
      moved = await revoke(current);
    }
    if (!moved.ok) {
      if (moved.current === undefined) return { kind: 'not-found' };
      // A grant or an activation still in flight when this revoke read the lease made it ACTIVE
      // meanwhile, with bindings this revoke never saw: revoke it again, from the top.
      if (!again && !timed && moved.current.status === 'ACTIVE' && lease.status !== 'ACTIVE') return revokeOnce(input, true);
      return { kind: 'not-active', lease: moved.current };
    }
    if (lease.status !== 'ACTIVE') {
      const leftovers = await removeLeaseResources(moved.lease, { cluster, scheduler, logger });
      if (leftovers.length > 0) logger.error('revoked lease left resources behind; the sweep will remove them', { leaseId, leftovers });
    } else {
      await cancelTimers(moved.lease);
    }
    audit.record({
      kind: 'revoke',
      at,
      actor,
      ...leaseAuditFields(moved.lease),
      cause,
      reason: note ?? cause,
      ...(verification === undefined ? {} : { verification: auditVerification(check, verification) }),
      ...(sessions === undefined ? {} : { sessions: auditSessions(sessions) }),
    });
    if (foreign.length > 0) {
      // A binding under the lease's name that is not the lease's own (another role, subject or
      // deployment): never touched, never reported as removed. Alarmed through RevokeFailures.
      const reason = `RoleBinding(s) ${foreign.join(', ')} carry this lease's name but are not its own; they were left untouched and must be checked by a person`;
      audit.record({ kind: 'failure', at, actor, ...leaseAuditFields(moved.lease), code: 'backend-error', cause, reason });
    }
    // Owed to a holder of the announcement: it says it (the sweep, if it dies; and if it deferred the
    // grant's just before this write). A holder that settled just before this write is gone: said here.
    const { revokeNote, announceAt } = moved.lease;
    if (revokeNote === undefined) await commentSafely(deps, moved.lease.source, moved.lease.ticketKey, told(moved.lease));
    else if (announceAt === undefined) await deps.owedRevokes.tell(leaseId).catch((error: unknown) => logger.warn('owed revoke comment left to the sweep', { leaseId, error: describeError(error) }));
    return { kind: 'revoked', lease: moved.lease };
  }
}
