import { OPEN_STATUSES, type Lease } from '../../domain/lease.js';
import { idempotencyKey } from '../../domain/lease-factory.js';
import { deniedMessage } from '../../domain/messages.js';
import { onCallApprovalId } from '../../domain/on-call.js';
import { acceptsOnCall } from '../../domain/policy.js';
import { leaseIdFor } from '../../domain/names.js';
import type { DenialCode } from '../../domain/decision.js';
import { personLabel, type TicketSnapshot } from '../../domain/ticket.js';
import { commentSafely } from '../lease-deps.js';
import type { GrantAccessDeps, GrantOptions, GrantOutcome } from './grant-types.js';

/**
 * A denial. Of an identified approval it is recorded under that approval first (the id its lease
 * would have had), so the approval can never grant later and a repeat stays quiet. The comment
 * never says "nothing was granted" on a ticket whose earlier access is still open.
 */
export async function deny(deps: GrantAccessDeps, ticket: TicketSnapshot, code: DenialCode, reason: string, actor: string, options: GrantOptions): Promise<GrantOutcome> {
  const { leases, clock } = deps;
  const ofTicket = options.ticketLeases ?? (await leases.listForTicket(ticket.source, ticket.key));
  // An on-call request is an approval too: decided once, like a person's (see acceptsOnCall).
  const approval =
    ticket.state === 'approved' ? ticket.approval : acceptsOnCall(ticket, deps.catalog) ? { id: onCallApprovalId(ticket.key), approvers: [], at: clock.now().toISOString() } : undefined;
  if (approval !== undefined) {
    // Already applied to a lease (it granted or extended it): decided, and "approved" stands.
    if (ofTicket.some((l) => l.approvals.includes(approval.id))) return { kind: 'already-decided', code, reason };
    const key = idempotencyKey({ ticket, approval });
    const at = clock.now().toISOString();
    const recorded = await leases.recordDenial({ leaseId: leaseIdFor(key), idempotencyKey: key, source: ticket.source, ticketKey: ticket.key, code, reason, at, by: actor });
    if (!recorded) return { kind: 'already-decided', code, reason };
  }
  deps.audit.record({
    kind: 'deny',
    at: clock.now().toISOString(),
    actor,
    source: ticket.source,
    ticket: ticket.key,
    ticketUrl: ticket.url,
    requester: ticket.requester === undefined ? undefined : personLabel(ticket.requester),
    approver: ticket.approval === undefined || ticket.approval.approvers.length === 0 ? undefined : ticket.approval.approvers.map(personLabel).join(', '),
    profile: ticket.requestedProfile?.slice(0, 100),
    code,
    reason,
  });
  const open = ofTicket.filter((l) => OPEN_STATUSES.includes(l.status));
  await commentSafely(deps, ticket.source, ticket.key, deniedMessage(reason, open));
  return { kind: 'denied', code, reason };
}

/**
 * The per-requester cap, exact: the lease takes one of the requester's places before anything is
 * created for it. Refused → the lease ends FAILED before any side effect (the approval is decided)
 * and the ticket hears a denial. Undefined when the lease may go on.
 */
export async function admit(deps: GrantAccessDeps, lease: Lease, ticket: TicketSnapshot, actor: string, options: GrantOptions): Promise<GrantOutcome | undefined> {
  const { leases, clock } = deps;
  const max = deps.catalog.maxActiveLeasesPerRequester;
  if (max === undefined) return undefined;
  const place = await leases.reservePlace(lease, max);
  if (place.ok) return undefined;
  const reason = `the requester already holds ${place.held} open lease(s), the most allowed is ${max}`;
  const at = clock.now().toISOString();
  const moved = await leases.transition(lease, 'FAILED', { at, from: lease.status, to: 'FAILED', by: actor, note: `too-many-leases: ${reason}` }, { failureReason: reason });
  if (!moved.ok) return moved.current === undefined ? { kind: 'failed', lease, reason } : { kind: 'duplicate', lease: moved.current };
  deps.audit.record({
    kind: 'deny',
    at,
    actor,
    source: ticket.source,
    ticket: ticket.key,
    ticketUrl: ticket.url,
    requester: personLabel(lease.requester),
    approver: lease.approvers.map(personLabel).join(', '),
    profile: lease.profile,
    code: 'too-many-leases',
    reason,
  });
  const ofTicket = options.ticketLeases ?? (await leases.listForTicket(ticket.source, ticket.key));
  await commentSafely(deps, ticket.source, ticket.key, deniedMessage(reason, ofTicket.filter((l) => OPEN_STATUSES.includes(l.status) && l.id !== lease.id)));
  return { kind: 'denied', code: 'too-many-leases', reason };
}
