import { findProfile, type Catalog } from '../../domain/catalog.js';
import type { DecisionContext } from '../../domain/decision.js';
import type { TicketSnapshot } from '../../domain/ticket.js';
import { sourceOf, type TicketSources } from '../../ports/ticket-source.js';

/**
 * The facts the policy needs from I/O, read only when the requested profile asks for them: the
 * approvers' group memberships and the linked tickets' states, both through the ITSM API.
 */
export async function gatherContext(tickets: TicketSources, catalog: Catalog, ticket: TicketSnapshot): Promise<DecisionContext> {
  const profile = ticket.requestedProfile === undefined ? undefined : findProfile(catalog, ticket.requestedProfile);
  const approverGroups = new Map<string, readonly string[]>();
  const wanted = profile?.approverGroups;
  if (wanted !== undefined && ticket.approval !== undefined) {
    const source = sourceOf(tickets, ticket.source);
    const memberships = await Promise.all(ticket.approval.approvers.map((a) => source.groupsOf(a, wanted)));
    ticket.approval.approvers.forEach((a, i) => approverGroups.set(a.id, memberships[i] ?? []));
  }
  let linkedTickets: DecisionContext['linkedTickets'] = [];
  if (profile?.linkedTicket !== undefined) {
    linkedTickets = await sourceOf(tickets, ticket.source).linkedTickets(ticket.key, {
      field: profile.linkedTicket.serviceNowField,
      table: profile.linkedTicket.serviceNowTable,
    });
  }
  return { approverGroups, linkedTickets };
}
