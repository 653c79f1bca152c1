import { sameAccess } from '../../domain/extension.js';
import { lastActivityAt, type DeniedApproval, type Lease } from '../../domain/lease.js';
import type { CreateResult } from '../../ports/lease-store.js';
import { keyedIdempotencyKey, newLease } from '../../domain/lease-factory.js';
import { leaseIdFor } from '../../domain/names.js';
import { EMPTY_CONTEXT } from '../../domain/decision.js';
import { acceptsOnCall, asksBreakGlass, decide, notARequest } from '../../domain/policy.js';
import { unspentApproval } from '../../domain/spent-approvals.js';
import { ticketRefOf, type TicketSnapshot } from '../../domain/ticket.js';
import { LeaseRaceError } from '../../errors.js';
import { gatherContext, gatherOnCall } from './decision-context.js';
import { admit, admitBreakGlass, deny } from './deny.js';
import { extend } from './extend.js';
import type { GrantAccessDeps, GrantOptions, GrantOutcome } from './grant-types.js';
import { provision } from './provision.js';
import { ticketPatch } from '../lease-deps.js';
import { wholeList } from '../unreadable-leases.js';

export type { GrantAccessDeps, GrantOptions, GrantOutcome } from './grant-types.js';

/**
 * Turns an approved ticket into a lease: decide (`deny`), record the lease (the idempotency point),
 * then schedule its timers and create the bindings in parallel, then ACTIVE (`provision`). A new
 * approval of a ticket whose lease is still open extends that lease instead (`extend`). Errors
 * that a retry may fix (ITSM or DynamoDB unavailable) are thrown so the webhook answers 5xx.
 */
export function makeGrantAccess(deps: GrantAccessDeps): (ticket: TicketSnapshot, actor: string, options?: GrantOptions) => Promise<GrantOutcome> {
  const { catalog, leases, clock, logger } = deps;

  return async function grantAccess(ticket: TicketSnapshot, actor: string, options: GrantOptions = {}): Promise<GrantOutcome> {
    const ignored = notARequest(ticket, catalog);
    if (ignored !== undefined) {
      logger.debug('not an access request', { source: ticket.source, ticket: ticket.key, reason: ignored });
      deps.metrics?.count('Ignored', { source: ticket.source });
      return { kind: 'ignored', reason: ignored };
    }
    const now = clock.now();
    // The ticket's leases (the webhook read them beside the ticket): what they used of its approval
    // never counts again, for a new lease or an extension.
    const ofTicket = options.ticketLeases ?? wholeList(await leases.listForTicketRef(ticket.source, ticketRefOf(ticket)), `ticket ${ticket.key}`);
    const known = { ...options, ticketLeases: ofTicket };
    const unspent = ticket.state === 'approved' && ticket.approval !== undefined ? unspentApproval(ticket.approval, ofTicket) : undefined;
    if (unspent?.kind === 'unknown') return deny(deps, ticket, 'approval-unverifiable', unspent.reason, actor, known);
    const fresh: TicketSnapshot = unspent === undefined ? ticket : { ...ticket, approval: unspent.approval };
    // PagerDuty is read only for an open ticket of a profile that accepts on-call approval.
    const context =
      fresh.state === 'approved'
        ? await gatherContext(deps.tickets, catalog, fresh)
        : acceptsOnCall(fresh, catalog) && !asksBreakGlass(fresh, catalog)
          ? await gatherOnCall(deps.onCall, catalog, fresh, ofTicket, now)
          : EMPTY_CONTEXT;
    const decision = decide(fresh, catalog, now, context);
    if (decision.kind === 'deny') return deny(deps, fresh, decision.code, decision.reason, actor, known);
    const plan = decision.plan;

    // Only a lease of exactly the same access is extended; a re-approval of a request that now
    // names someone or something else is a new lease.
    const open = ofTicket.filter((l) => (l.status === 'ACTIVE' || l.status === 'SCHEDULED') && sameAccess(l, plan));
    const current = open.at(-1);
    if (current !== undefined && !current.approvals.includes(plan.approval.id)) return extend(deps, current, plan, actor);

    const lease = newLease(plan, now, deps.schedulePrefix, actor);
    // This approval is on a lease of this ticket under another id already (a lease it extended, or one
    // recorded before leases were filed by ticket id, whose id came from the key): decided, never a
    // second lease. A grant of it left unfinished is finished below, as for its own id.
    const holder = ofTicket.find((l) => l.id !== lease.id && l.approvals.includes(plan.approval.id));
    let existing: Lease;
    if (holder !== undefined) existing = holder;
    else {
      // Beside the create (no round trip added): a denial of this approval recorded before leases were
      // filed by ticket id, under the id the key gave it. It still decides.
      const keyedId = leaseIdFor(keyedIdempotencyKey(plan));
      // An emergency lease's review is queued beside it too (no round trip added; it never fails the create).
      const [created, keyedDenial] = await Promise.all([leases.create(lease), keyedId === lease.id ? Promise.resolve(undefined) : leases.denial(keyedId), deps.reviews?.queue(lease)]);
      if (keyedDenial !== undefined) return decidedBefore(deps, lease, created, keyedDenial, actor);
      if (created.created) return (await admit(deps, lease, ticket, actor, known)) ?? (await admitBreakGlass(deps, lease, ticket, actor, known)) ?? provision(deps, lease, actor, plan.endClipped, options);
      // The approval was decided "no" before (it may qualify now, but an approval is decided once).
      if ('denied' in created) return { kind: 'already-decided', code: created.denied.code, reason: created.denied.reason };
      // This approval already extended a lease; it never creates one of its own.
      if ('extended' in created) {
        const extendedLease = await leases.get(created.extended);
        if (extendedLease !== undefined) return { kind: 'duplicate', lease: extendedLease };
        throw new LeaseRaceError(`approval extended lease ${created.extended}, which is gone`);
      }
      existing = created.existing;
    }

    const abandoned = existing.status === 'PENDING' && now.getTime() - lastActivityAt(existing) > deps.pendingGraceSeconds * 1000;
    if (existing.status === 'PENDING' && (abandoned || existing.deferredReason !== undefined)) {
      logger.warn('finishing a grant left by an earlier attempt', { leaseId: existing.id, deferred: existing.deferredReason });
      // Take the lease over first (a compare-and-swap on its version): one attempt at a time, and
      // the sweep and the orphan scan see it in flight from now on.
      const taken = await leases.transition(existing, 'PENDING', { at: now.toISOString(), from: 'PENDING', to: 'PENDING', by: actor, note: 'finishing the grant' }, { deferredReason: null, ...ticketPatch(existing, ticket) });
      if (!taken.ok) return taken.current === undefined ? { kind: 'failed', lease: existing, reason: 'lease vanished' } : { kind: 'duplicate', lease: taken.current };
      return (await admit(deps, taken.lease, ticket, actor, known)) ?? (await admitBreakGlass(deps, taken.lease, ticket, actor, known)) ?? provision(deps, taken.lease, actor, false, options);
    }
    return { kind: 'duplicate', lease: existing };
  };
}

/**
 * The approval was denied before leases were filed by ticket id: the lease this run recorded
 * meanwhile (nothing was made for it yet) ends FAILED at once, and the approval stays decided.
 */
async function decidedBefore(deps: GrantAccessDeps, lease: Lease, created: CreateResult, denial: DeniedApproval, actor: string): Promise<GrantOutcome> {
  if (created.created) {
    const reason = `this approval was denied before (${denial.code}): an approval is decided once`;
    const at = deps.clock.now().toISOString();
    await deps.leases.transition(lease, 'FAILED', { at, from: lease.status, to: 'FAILED', by: actor, note: reason }, { failureReason: reason });
  }
  return { kind: 'already-decided', code: denial.code, reason: denial.reason };
}
