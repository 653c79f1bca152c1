import { findProfile, type Catalog } from '../../domain/catalog.js';
import type { DecisionContext } from '../../domain/decision.js';
import type { Lease } from '../../domain/lease.js';
import { onCallApprovalId, type OnCallFinding } from '../../domain/on-call.js';
import type { TicketSnapshot } from '../../domain/ticket.js';
import type { OnCallDirectory } from '../../ports/on-call-directory.js';
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

/**
 * Whether the requester of an open ticket naming an on-call profile is on call now. A lease that
 * already holds this ticket's on-call approval (a redelivery, the sweep finishing the grant) keeps
 * the finding it was granted on: PagerDuty is not asked again and the approval is decided once.
 * PagerDuty's failures propagate (OnCallLookupError, retryable): the webhook answers 503.
 */
export async function gatherOnCall(directory: OnCallDirectory | undefined, catalog: Catalog, ticket: TicketSnapshot, ticketLeases: readonly Lease[], now: Date): Promise<DecisionContext> {
  const held = ticketLeases.find((l) => l.approvals.includes(onCallApprovalId(ticket.id)) && l.onCall !== undefined);
  if (held?.onCall !== undefined) return { approverGroups: new Map(), linkedTickets: [], onCall: { kind: 'on-call', proof: held.onCall } };
  const rule = ticket.requestedProfile === undefined ? undefined : findProfile(catalog, ticket.requestedProfile)?.onCall;
  let onCall: OnCallFinding;
  if (rule === undefined) onCall = { kind: 'not-on-call', reason: 'the profile does not accept on-call approval' };
  else if (directory === undefined) onCall = { kind: 'not-on-call', reason: 'no on-call directory (PagerDuty) is configured' };
  else if (ticket.requester?.email === undefined) onCall = { kind: 'not-on-call', reason: "the requester's email is not visible to kube-lease, so PagerDuty cannot be asked" };
  else onCall = await directory.findOnCall(ticket.requester.email, rule, now);
  return { approverGroups: new Map(), linkedTickets: [], onCall };
}
