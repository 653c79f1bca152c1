import { leaseAuditFields } from '../domain/audit.js';
import { bindingManifest, type Lease } from '../domain/lease.js';
import { describeError, GrantDeferredError, KubeLeaseError, publicReasons } from '../errors.js';
import { newReference } from '../ids.js';
import { sourceOf } from '../ports/ticket-source.js';
import type { TicketSnapshot } from '../domain/ticket.js';
import type { LeaseDeps } from './lease-deps.js';
import { failLease } from './fail-lease.js';
import { verifyAccess } from './verify-access.js';
import { removeLeaseResources } from './lease-resources.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';
import { owedAnnouncement, type AnnounceGrant } from './announce-grant.js';

export interface ActivateLeaseInput {
  readonly leaseId: string;
  readonly actor: string;
}

export type ActivateOutcome =
  | { readonly kind: 'activated'; readonly lease: Lease }
  | { readonly kind: 'cancelled'; readonly reason: string }
  | { readonly kind: 'failed'; readonly lease: Lease; readonly reason: string }
  | { readonly kind: 'not-due' | 'not-scheduled'; readonly lease: Lease }
  | { readonly kind: 'not-found' };

/**
 * Grants a SCHEDULED lease when its change window opens. The ticket is read again first: if it
 * is no longer approved (closed, cancelled, rejected, moved back), the lease is revoked instead.
 */
export function makeActivateLease(
  deps: LeaseDeps & {
    readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
    readonly announce: AnnounceGrant;
  },
): (input: ActivateLeaseInput) => Promise<ActivateOutcome> {
  const { tickets, cluster, leases, scheduler, audit, clock, logger } = deps;

  return async function activateLease({ leaseId, actor }: ActivateLeaseInput): Promise<ActivateOutcome> {
    let lease = await leases.get(leaseId);
    if (lease === undefined) return { kind: 'not-found' };
    if (lease.status !== 'SCHEDULED') return { kind: 'not-scheduled', lease };
    if (clock.now().getTime() < Date.parse(lease.startsAt)) return { kind: 'not-due', lease };
    if (clock.now().getTime() >= Date.parse(lease.expiresAt)) {
      // The whole window passed before activation ran (timers and sweep were down): never grant
      // late. End it as expired; that also removes any binding a crashed activation left.
      await deps.revokeLease({ leaseId, cause: 'expiry', actor });
      return { kind: 'cancelled', reason: 'the access window ended before access could start' };
    }

    const ticket = await sourceOf(tickets, lease.source).getTicket(lease.ticketKey);
    if (voidedApproval(lease, ticket) !== undefined) {
      // A new approval of the same access may have been noted on the lease while the ticket was read: asked again of the lease as it is now.
      const fresh = await leases.get(leaseId);
      if (fresh === undefined) return { kind: 'not-found' };
      if (fresh.status !== 'SCHEDULED') return { kind: 'not-scheduled', lease: fresh };
      const voided = voidedApproval(fresh, ticket);
      if (voided !== undefined) {
        await deps.revokeLease({ leaseId, cause: 'early', actor });
        return { kind: 'cancelled', reason: voided };
      }
      lease = fresh;
    }

    const steps = await Promise.allSettled(lease.bindings.map((b) => cluster.applyBinding(lease.cluster, bindingManifest(lease, b))));
    const errors = steps.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    const at = clock.now().toISOString();
    if (errors.length > 0 && errors.every((e) => e instanceof KubeLeaseError && e.retryable)) {
      // The cluster is unavailable for now: the lease stays SCHEDULED (the bindings made so far are
      // named by it); the timer invocation is retried, and the sweep activates it from the index.
      const ref = newReference();
      logger.error('activation deferred', { reference: ref, leaseId, errors: errors.map(describeError) });
      throw new GrantDeferredError(`activating lease ${leaseId} failed for now (reference ${ref})`);
    }
    if (errors.length > 0) {
      const ref = newReference();
      logger.error('activation failed', { reference: ref, leaseId, errors: errors.map(describeError) });
      const failed = await failLease(deps, lease, `${publicReasons(errors)} (reference ${ref})`, actor);
      if (failed.kind === 'lost') {
        const current = failed.current;
        if (current === undefined) return { kind: 'not-found' };
        // Ended by another attempt (a close, a revoke): take back what this one created after its cleanup.
        if (current.status === 'FAILED' || current.status === 'REVOKED') await removeLeaseResources(current, { cluster, scheduler, logger });
        return { kind: 'not-scheduled', lease: current };
      }
      return failed;
    }
    // Access exists from here: record it ACTIVE owing its announcement (this writer holds it), the
    // access review beside the write; then tell the ticket, as a webhook's grant does. Only the
    // writer that wins the transition records the grant and says it (invariant 14): the sweep and
    // the timer both reach this point at a window's start, and the loser stays silent.
    const reviewing = verifyAccess(deps, lease, 'allowed');
    const moved = await leases.transition(lease, 'ACTIVE', { at, from: 'SCHEDULED', to: 'ACTIVE', by: actor, note: 'change window opened' }, owedAnnouncement(lease, [], new Date(at)));
    if (!moved.ok) {
      if (moved.current?.status === 'REVOKED' || moved.current?.status === 'FAILED') await removeLeaseResources(moved.current, { cluster, scheduler, logger });
      return moved.current === undefined ? { kind: 'not-found' } : { kind: 'not-scheduled', lease: moved.current };
    }
    audit.record({ kind: 'grant', at, actor, ...leaseAuditFields(lease), reason: lease.reason });
    await deps.announce.tell(moved.lease, reviewing, actor).catch((error: unknown) => {
      logger.warn('grant announcement not settled; the sweep finishes it', { leaseId, error: describeError(error) });
    });
    return { kind: 'activated', lease: moved.lease };
  };
}

/**
 * Why the approval a scheduled lease came from no longer holds when its window opens: the ticket
 * left its approved state, carries another approval now, or its request changed after approval.
 */
function voidedApproval(lease: Lease, ticket: TicketSnapshot): string | undefined {
  if (ticket.state !== 'approved') return `the ticket is now "${ticket.statusText}"`;
  if (ticket.approval === undefined || !lease.approvals.includes(ticket.approval.id)) return 'the ticket no longer carries the approval this access came from';
  const integrity = ticket.approvalIntegrity;
  if (integrity?.kind === 'edited') return `the request changed after it was approved (${integrity.fields.join(', ')})`;
  if (integrity?.kind !== 'intact') return 'what was approved could not be checked against the ticket\'s history';
  return undefined;
}
