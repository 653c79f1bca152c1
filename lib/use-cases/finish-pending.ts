import type { Catalog } from '../domain/catalog.js';
import { acceptsOnCall, asksBreakGlass } from '../domain/emergency-policy.js';
import { approvalKindOf, lastActivityAt, type Lease } from '../domain/lease.js';
import { breakGlassApprovalId, onCallApprovalId } from '../domain/on-call.js';
import type { TicketSnapshot } from '../domain/ticket.js';
import { sourceOf } from '../ports/ticket-source.js';
import { failLease } from './fail-lease.js';
import type { GrantOutcome } from './grant/grant-access.js';
import type { LeaseDeps } from './lease-deps.js';

export interface FinishPendingDeps extends LeaseDeps {
  readonly catalog: Catalog;
  readonly grantAccess: (ticket: TicketSnapshot, actor: string) => Promise<GrantOutcome>;
  /** A PENDING lease untouched for longer than this was abandoned by a crashed (or deferred) grant. */
  readonly pendingGraceSeconds: number;
}

/**
 * Whether the ticket, as it is now, still asks for the very approval the lease was recorded for:
 * - a person's: the ticket is approved, by that approval;
 * - on-call: the ticket is open (not closed, not approved) in a status that asks for on-call approval
 *   (Jira: `jira.onCallStatuses`; ServiceNow: any open state) and not for break-glass, and the lease
 *   holds this ticket's on-call approval with its PagerDuty finding (decided once: the grant reuses
 *   it, PagerDuty is not asked again);
 * - break-glass: the ticket is open on the break-glass path (Jira: `jira.breakGlassStatuses`;
 *   ServiceNow: an emergency change), and the lease holds this ticket's break-glass approval.
 */
export function stillAsksFor(lease: Lease, ticket: TicketSnapshot, catalog: Catalog): boolean {
  switch (approvalKindOf(lease)) {
    case 'person':
      return ticket.state === 'approved' && ticket.approval !== undefined && lease.approvals.includes(ticket.approval.id);
    case 'on-call':
      return acceptsOnCall(ticket, catalog) && !asksBreakGlass(ticket, catalog) && lease.onCall !== undefined && lease.approvals.includes(onCallApprovalId(ticket.id));
    case 'break-glass':
      return asksBreakGlass(ticket, catalog) && lease.approvals.includes(breakGlassApprovalId(ticket.id));
  }
}

/**
 * The sweep's repair of a grant abandoned in PENDING: finished (through the grant use case, on the
 * lease as it was recorded: its window, subject and bindings, never longer) if the ticket still asks
 * for this very approval; otherwise rolled back (FAILED, what it created removed, the ticket told).
 * `true`: finished; `false`: rolled back; `busy`: another attempt holds it (left for the next run).
 */
export function makeFinishPending(deps: FinishPendingDeps): (lease: Lease) => Promise<boolean | 'busy'> {
  const { clock, leases } = deps;
  return async function finishPending(lease) {
    // Another attempt took the lease over recently (a retry finishing it): not abandoned.
    if (clock.now().getTime() - lastActivityAt(lease) <= deps.pendingGraceSeconds * 1000) return 'busy';
    const ticket = await sourceOf(deps.tickets, lease.source).getTicket(lease.ticketKey);
    if (stillAsksFor(lease, ticket, deps.catalog)) {
      const outcome = await deps.grantAccess(ticket, 'sweep');
      // Another attempt (a concurrent sweep, Jira's retry) took the lease over moments ago and is finishing it.
      const other = outcome.kind === 'duplicate' && outcome.lease.id === lease.id && outcome.lease.status === 'PENDING' ? outcome.lease : undefined;
      if (other !== undefined && clock.now().getTime() - lastActivityAt(other) <= deps.pendingGraceSeconds * 1000) return 'busy';
      const after = await leases.get(lease.id);
      if (after?.status === 'ACTIVE' || after?.status === 'REVOKED') return true;
    }
    const current = await leases.get(lease.id);
    if (current === undefined || current.status !== 'PENDING') return current?.status === 'ACTIVE';
    const failed = await failLease(deps, current, 'the grant was interrupted and the ticket no longer qualifies for it', 'sweep');
    return failed.kind === 'lost' && failed.current?.status === 'ACTIVE';
  };
}
