import { approvalKindOf, OPEN_STATUSES, type Lease } from '../../domain/lease.js';
import { findProfile } from '../../domain/catalog.js';
import { idempotencyKey, keyedIdempotencyKey } from '../../domain/lease-factory.js';
import { deniedMessage } from '../../domain/messages.js';
import { breakGlassApprovalId, onCallApprovalId } from '../../domain/on-call.js';
import { acceptsOnCall, asksBreakGlass } from '../../domain/policy.js';
import { leaseIdFor } from '../../domain/names.js';
import type { DenialCode } from '../../domain/decision.js';
import { personLabel, ticketRefOf, type TicketSnapshot } from '../../domain/ticket.js';
import { commentSafely } from '../lease-deps.js';
import { wholeList } from '../unreadable-leases.js';
import type { GrantAccessDeps, GrantOptions, GrantOutcome } from './grant-types.js';

/**
 * A denial. Of an identified approval it is recorded under that approval first (the id its lease
 * would have had), so the approval can never grant later and a repeat stays quiet. The comment
 * never says "nothing was granted" on a ticket whose earlier access is still open.
 */
export async function deny(deps: GrantAccessDeps, ticket: TicketSnapshot, code: DenialCode, reason: string, actor: string, options: GrantOptions): Promise<GrantOutcome> {
  const { leases, clock } = deps;
  const ofTicket = options.ticketLeases ?? wholeList(await leases.listForTicketRef(ticket.source, ticketRefOf(ticket)), `ticket ${ticket.key}`);
  // An on-call or break-glass request is an approval too: decided once, like a person's.
  const emergencyKind = asksBreakGlass(ticket, deps.catalog) ? 'break-glass' : acceptsOnCall(ticket, deps.catalog) ? 'on-call' : undefined;
  const emergency = emergencyKind === 'break-glass' ? breakGlassApprovalId(ticket.id) : emergencyKind === 'on-call' ? onCallApprovalId(ticket.id) : undefined;
  const approval = ticket.state === 'approved' ? ticket.approval : emergency === undefined ? undefined : { id: emergency, approvers: [], at: clock.now().toISOString() };
  if (approval !== undefined) {
    // Already applied to a lease (it granted or extended it): decided, and "approved" stands.
    if (ofTicket.some((l) => l.approvals.includes(approval.id))) return { kind: 'already-decided', code, reason };
    const key = idempotencyKey({ ticket, approval });
    const at = clock.now().toISOString();
    // Beside it: a denial of the same approval recorded before leases were filed by ticket id (under
    // the id the key gave it): decided then, so this one stays quiet too.
    const keyedId = leaseIdFor(keyedIdempotencyKey({ ticket, approval }));
    const [recorded, keyedDenial] = await Promise.all([
      leases.recordDenial({
        ...{ leaseId: leaseIdFor(key), idempotencyKey: key, source: ticket.source, ticketId: ticket.id, ticketKey: ticket.key, code, reason, at, by: actor },
        // The people, for the access report: who asked, who approved (nobody for on-call or break-glass), and how.
        ...(ticket.requester === undefined ? {} : { requester: ticket.requester }),
        approvers: approval.approvers,
        approvalKind: ticket.state === 'approved' ? (approval.kind ?? 'person') : (emergencyKind ?? 'person'),
      }),
      keyedId === leaseIdFor(key) ? Promise.resolve(undefined) : leases.denial(keyedId),
    ]);
    if (!recorded || keyedDenial !== undefined) return { kind: 'already-decided', code, reason };
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
  const max = deps.catalog.maxActiveLeasesPerRequester;
  if (max === undefined) return undefined;
  const place = await deps.leases.reservePlace(lease, max);
  if (place.ok) return undefined;
  return refuse(deps, lease, ticket, actor, options, 'too-many-leases', `the requester already holds ${place.held} open lease(s), the most allowed is ${max}`);
}

/**
 * The break-glass limit, exact: a break-glass lease counts one of its requester's uses of the day
 * (UTC, the lease's creation day) before anything is created for it; over the profile's `perDay`,
 * it ends FAILED before any side effect and the ticket hears a denial.
 */
export async function admitBreakGlass(deps: GrantAccessDeps, lease: Lease, ticket: TicketSnapshot, actor: string, options: GrantOptions): Promise<GrantOutcome | undefined> {
  if (lease.approvalKind !== 'break-glass') return undefined;
  const perDay = findProfile(deps.catalog, lease.profile)?.breakGlass?.perDay ?? 0;
  const use = await deps.leases.reserveBreakGlass(lease, perDay, lease.createdAt.slice(0, 10));
  if (use.ok) return undefined;
  return refuse(deps, lease, ticket, actor, options, 'break-glass-limit', `the requester already used break-glass ${use.used} time(s) today (UTC), the most profile "${lease.profile}" allows is ${perDay}; a person must approve`);
}

/** A recorded lease refused before any side effect: FAILED, a denial event, and the ticket told. */
async function refuse(deps: GrantAccessDeps, lease: Lease, ticket: TicketSnapshot, actor: string, options: GrantOptions, code: DenialCode, reason: string): Promise<GrantOutcome> {
  const { leases, clock } = deps;
  const at = clock.now().toISOString();
  const moved = await leases.transition(lease, 'FAILED', { at, from: lease.status, to: 'FAILED', by: actor, note: `${code}: ${reason}` }, { failureReason: reason });
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
    approvalKind: approvalKindOf(lease),
    profile: lease.profile,
    code,
    reason,
  });
  const ofTicket = options.ticketLeases ?? wholeList(await leases.listForTicketRef(ticket.source, ticketRefOf(ticket)), `ticket ${ticket.key}`);
  await commentSafely(deps, ticket.source, ticket.key, deniedMessage(reason, ofTicket.filter((l) => OPEN_STATUSES.includes(l.status) && l.id !== lease.id)));
  return { kind: 'denied', code, reason };
}
