import type { Catalog } from '../catalog.js';
import { leaseAuditFields } from '../domain/audit.js';
import { bindingManifest, type Lease } from '../domain/lease.js';
import { newLease } from '../domain/lease-factory.js';
import { deniedMessage, failedMessage, grantedMessage } from '../domain/messages.js';
import { decide, type DenialCode } from '../domain/policy.js';
import type { TicketSnapshot } from '../domain/ticket.js';
import { describeError, TicketNotFoundError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { Cluster } from '../ports/cluster.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { RevocationScheduler } from '../ports/revocation-scheduler.js';
import type { TicketSource } from '../ports/ticket-source.js';
import { removeLeaseResources } from './lease-resources.js';

export interface GrantAccessDeps {
  readonly catalog: Catalog;
  readonly tickets: TicketSource;
  readonly cluster: Cluster;
  readonly leases: LeaseStore;
  readonly scheduler: RevocationScheduler;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Prefix of schedule (rule) names; IAM permissions are scoped to it. */
  readonly schedulePrefix: string;
  /** A PENDING lease older than this is taken as abandoned by a crashed delivery and finished by the next one. */
  readonly pendingGraceSeconds: number;
}

export interface GrantAccessInput {
  readonly ticketKey: string;
  /** Who delivered the hint, for the audit trail (e.g. `jira-webhook:<delivery id>`). */
  readonly actor: string;
}

export type GrantOutcome =
  | { readonly kind: 'granted'; readonly lease: Lease }
  | { readonly kind: 'duplicate'; readonly lease: Lease }
  | { readonly kind: 'denied'; readonly code: DenialCode | 'ticket-not-found'; readonly reason: string }
  | { readonly kind: 'failed'; readonly lease: Lease; readonly reason: string };

/**
 * Turns an approval hint into a lease: re-read the ticket, decide, record PENDING (the
 * idempotency point), then schedule revocation and create the bindings in parallel, then ACTIVE.
 * Errors that a retry may fix (ITSM or DynamoDB unavailable) are thrown so the webhook answers 5xx.
 */
export function makeGrantAccess(deps: GrantAccessDeps): (input: GrantAccessInput) => Promise<GrantOutcome> {
  const { catalog, tickets, cluster, leases, scheduler, audit, clock, logger } = deps;

  async function comment(key: string, text: string): Promise<void> {
    try {
      await tickets.comment(key, text);
    } catch (error) {
      // The decision stands whether or not the ticket hears of it; the audit log is the record.
      logger.warn('could not comment on ticket', { ticket: key, error: describeError(error) });
    }
  }

  async function denied(ticket: TicketSnapshot, code: DenialCode, reason: string, actor: string): Promise<GrantOutcome> {
    audit.record({
      kind: 'deny',
      at: clock.now().toISOString(),
      actor,
      source: ticket.source,
      ticket: ticket.key,
      ticketUrl: ticket.url,
      requester: ticket.requester?.email ?? ticket.requester?.id,
      approver: ticket.approval?.approver.email ?? ticket.approval?.approver.id,
      profile: ticket.requestedProfile?.slice(0, 100),
      code,
      reason,
    });
    await comment(ticket.key, deniedMessage(reason));
    return { kind: 'denied', code, reason };
  }

  async function fail(lease: Lease, reason: string, actor: string): Promise<GrantOutcome> {
    const now = clock.now().toISOString();
    const moved = await leases.transition(lease, 'FAILED', { at: now, from: 'PENDING', to: 'FAILED', by: actor, note: reason }, { failureReason: reason });
    if (!moved.ok) {
      // Another delivery finished this lease first; its outcome stands.
      if (moved.current?.status === 'ACTIVE') return { kind: 'duplicate', lease: moved.current };
      if (moved.current === undefined) throw new Error(`lease ${lease.id} vanished while failing it`);
      lease = moved.current;
    } else {
      lease = moved.lease;
    }
    // Only now that the lease is terminal may its resources go: a concurrent finisher that
    // created a binding after this point loses its ACTIVE transition and removes it itself.
    const leftovers = await removeLeaseResources(lease, { cluster, scheduler, logger });
    const fullReason = leftovers.length === 0 ? reason : `${reason}; could not remove ${leftovers.join(', ')} (the sweep will)`;
    audit.record({ kind: 'failure', at: clock.now().toISOString(), actor, ...leaseAuditFields(lease), code: 'backend-error', reason: fullReason });
    await comment(lease.ticketKey, failedMessage(lease, fullReason, leftovers.length === 0));
    return { kind: 'failed', lease, reason: fullReason };
  }

  /** Schedule ∥ bindings, then ACTIVE. Safe to run for the same lease from several deliveries at once. */
  async function provision(lease: Lease, actor: string): Promise<GrantOutcome> {
    const steps = await Promise.allSettled([
      scheduler.schedule(lease),
      ...lease.bindings.map((binding) => cluster.applyBinding(lease.cluster, bindingManifest(lease, binding))),
    ]);
    const errors = steps.flatMap((step) => (step.status === 'rejected' ? [describeError(step.reason)] : []));
    if (errors.length > 0) return fail(lease, errors.join('; '), actor);

    const now = clock.now().toISOString();
    const moved = await leases.transition(lease, 'ACTIVE', { at: now, from: 'PENDING', to: 'ACTIVE', by: actor });
    if (!moved.ok) {
      const current = moved.current;
      if (current?.status === 'FAILED') {
        // Lost to a delivery that gave up on this lease: take back what this one created.
        await removeLeaseResources(current, { cluster, scheduler, logger });
        return { kind: 'failed', lease: current, reason: current.failureReason ?? 'failed by another delivery' };
      }
      if (current === undefined) throw new Error(`lease ${lease.id} vanished while activating it`);
      return { kind: 'duplicate', lease: current };
    }
    audit.record({ kind: 'grant', at: now, actor, ...leaseAuditFields(moved.lease), reason: moved.lease.reason });
    await comment(moved.lease.ticketKey, grantedMessage(moved.lease));
    return { kind: 'granted', lease: moved.lease };
  }

  return async function grantAccess({ ticketKey, actor }: GrantAccessInput): Promise<GrantOutcome> {
    let ticket: TicketSnapshot;
    try {
      ticket = await tickets.getTicket(ticketKey);
    } catch (error) {
      if (!(error instanceof TicketNotFoundError)) throw error;
      const reason = error.message;
      audit.record({ kind: 'deny', at: clock.now().toISOString(), actor, source: 'jira', ticket: ticketKey, code: 'ticket-not-found', reason });
      return { kind: 'denied', code: 'ticket-not-found', reason };
    }

    const decision = decide(ticket, catalog);
    if (decision.kind === 'deny') return denied(ticket, decision.code, decision.reason, actor);

    const now = clock.now();
    const lease = newLease(decision.plan, now, deps.schedulePrefix, actor);
    const created = await leases.create(lease);
    if (created.created) return provision(lease, actor);

    const existing = created.existing;
    const abandoned =
      existing.status === 'PENDING' && now.getTime() - Date.parse(existing.createdAt) > deps.pendingGraceSeconds * 1000;
    if (abandoned) {
      logger.warn('finishing a grant abandoned by an earlier delivery', { leaseId: existing.id });
      return provision(existing, actor);
    }
    return { kind: 'duplicate', lease: existing };
  };
}
