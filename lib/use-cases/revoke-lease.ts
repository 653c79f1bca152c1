import { leaseAuditFields } from '../domain/audit.js';
import type { Lease, RevokeCause } from '../domain/lease.js';
import { revokedMessage } from '../domain/messages.js';
import { describeError, KubeLeaseError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { Cluster } from '../ports/cluster.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { RevocationScheduler } from '../ports/revocation-scheduler.js';
import type { TicketSource } from '../ports/ticket-source.js';

export interface RevokeLeaseDeps {
  readonly tickets: TicketSource;
  readonly cluster: Cluster;
  readonly leases: LeaseStore;
  readonly scheduler: RevocationScheduler;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RevokeLeaseInput {
  readonly leaseId: string;
  readonly cause: RevokeCause;
  readonly actor: string;
}

export type RevokeOutcome =
  | { readonly kind: 'revoked'; readonly lease: Lease }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-due'; readonly lease: Lease }
  | { readonly kind: 'not-active'; readonly lease: Lease };

/** Raised when bindings could not be deleted; the lease stays ACTIVE so a retry or the sweep finishes it. */
export class RevokeIncompleteError extends KubeLeaseError {}

/**
 * Takes access away: delete the lease's bindings (gone already counts), then mark it REVOKED,
 * then remove its schedule and tell the ticket. Running it twice, or concurrently, revokes once.
 */
export function makeRevokeLease(deps: RevokeLeaseDeps): (input: RevokeLeaseInput) => Promise<RevokeOutcome> {
  const { tickets, cluster, leases, scheduler, audit, clock, logger } = deps;

  async function cancelSchedule(lease: Lease): Promise<void> {
    try {
      await scheduler.cancel(lease);
    } catch (error) {
      // A leftover schedule only fires a revoke that finds nothing to do.
      logger.warn('could not remove revocation schedule', { leaseId: lease.id, error: describeError(error) });
    }
  }

  return async function revokeLease({ leaseId, cause, actor }: RevokeLeaseInput): Promise<RevokeOutcome> {
    const lease = await leases.get(leaseId);
    if (lease === undefined) {
      logger.warn('revoke requested for an unknown lease', { leaseId, cause });
      return { kind: 'not-found' };
    }
    if (lease.status !== 'ACTIVE') {
      if (lease.status === 'REVOKED' || lease.status === 'FAILED') await cancelSchedule(lease);
      return { kind: 'not-active', lease };
    }
    const now = clock.now();
    if ((cause === 'expiry' || cause === 'sweep') && now.getTime() < Date.parse(lease.expiresAt)) {
      // Access never ends before its expiry; a schedule firing early is simply ignored.
      return { kind: 'not-due', lease };
    }

    const results = await Promise.allSettled(lease.bindings.map((b) => cluster.deleteBinding(lease.cluster, b, lease.id)));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [describeError(r.reason)] : []));
    if (errors.length > 0) {
      const reason = `could not delete bindings: ${errors.join('; ')}`;
      audit.record({ kind: 'failure', at: now.toISOString(), actor, ...leaseAuditFields(lease), code: 'backend-error', cause, reason });
      throw new RevokeIncompleteError(`revoking lease ${lease.id}: ${reason}`);
    }

    const at = clock.now().toISOString();
    const moved = await leases.transition(
      lease,
      'REVOKED',
      { at, from: 'ACTIVE', to: 'REVOKED', by: actor, note: cause },
      { revokedAt: at, revokeCause: cause },
    );
    if (!moved.ok) {
      if (moved.current === undefined) return { kind: 'not-found' };
      return { kind: 'not-active', lease: moved.current };
    }
    await cancelSchedule(moved.lease);
    audit.record({ kind: 'revoke', at, actor, ...leaseAuditFields(moved.lease), cause, reason: cause });
    try {
      await tickets.comment(moved.lease.ticketKey, revokedMessage(moved.lease, cause, at));
    } catch (error) {
      logger.warn('could not comment on ticket', { ticket: moved.lease.ticketKey, error: describeError(error) });
    }
    return { kind: 'revoked', lease: moved.lease };
  };
}
