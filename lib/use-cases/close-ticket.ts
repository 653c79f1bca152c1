import { OPEN_STATUSES } from '../domain/lease.js';
import { ticketRefOf, type TicketSnapshot } from '../domain/ticket.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

export type CloseOutcome = { readonly kind: 'closed'; readonly revoked: readonly string[] } | { readonly kind: 'ignored'; readonly reason: string };

/**
 * Early revoke: the ITSM API says the ticket is closed, cancelled or its approval was rejected, so
 * every open lease of it (scheduled, being granted or active) ends now, through the revoke path.
 */
export function makeCloseTicket(deps: {
  readonly leases: LeaseStore;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
}): (ticket: TicketSnapshot, actor: string) => Promise<CloseOutcome> {
  return async function closeTicket(ticket: TicketSnapshot, actor: string): Promise<CloseOutcome> {
    // By the ticket's immutable id (a moved Jira issue keeps it), and by every key it is known to have
    // had for leases recorded before kube-lease filed them by id.
    const open = (await deps.leases.listForTicketRef(ticket.source, ticketRefOf(ticket))).filter((l) => OPEN_STATUSES.includes(l.status));
    if (open.length === 0) return { kind: 'ignored', reason: `ticket is ${ticket.statusText} and has no open lease` };
    const revoked: string[] = [];
    for (const lease of open) {
      // The revoke files the lease under the id and shows the key the ticket has now.
      const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'early', actor, ticket });
      if (outcome.kind === 'revoked') revoked.push(lease.id);
    }
    return { kind: 'closed', revoked };
  };
}
