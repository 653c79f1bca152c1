import { parseTicketDate } from '../../domain/ticket-date.js';
import { leaseAuditFields } from '../../domain/audit.js';
import { extendedExpiry } from '../../domain/extension.js';
import type { Lease } from '../../domain/lease.js';
import { idempotencyKey } from '../../domain/lease-factory.js';
import { extendedMessage, notExtendedMessage } from '../../domain/messages.js';
import { leaseIdFor } from '../../domain/names.js';
import type { GrantPlan } from '../../domain/decision.js';
import { approvalRecords } from '../../domain/ticket.js';
import { describeError, LeaseRaceError } from '../../errors.js';
import { ownerOf } from '../../ports/cluster.js';
import { commentSafely, ticketPatch } from '../lease-deps.js';
import type { GrantAccessDeps, GrantOutcome } from './grant-types.js';

/** How many times an extension re-reads and retries after losing a compare-and-swap. */
const EXTEND_ATTEMPTS = 4;

/**
 * A new approval on a ticket whose lease is still open moves that lease's expiry (the rule is
 * `extendedExpiry`); never a second binding. The approval is claimed first, under the id a lease
 * of it would have: one item per approval holds its decision, so it extends once.
 */
export async function extend(deps: GrantAccessDeps, existing: Lease, plan: GrantPlan, actor: string): Promise<GrantOutcome> {
  const { leases, clock } = deps;
  const approvalId = plan.approval.id;
  const records = approvalRecords(plan.approval).map((r) => r.id);
  const claim = await leases.claimApproval(leaseIdFor(idempotencyKey(plan)), idempotencyKey(plan), existing.id);
  if (claim.kind === 'denied') return { kind: 'already-decided', code: claim.denial.code, reason: claim.denial.reason };
  if (claim.kind === 'held' && claim.leaseId !== existing.id) {
    const other = await leases.get(claim.leaseId);
    if (other !== undefined) return { kind: 'duplicate', lease: other };
  }
  // As the lease is now (the ticket's lease list may be older): what the ticket is told must be true of it.
  let lease: Lease | undefined = (await leases.get(existing.id)) ?? existing;
  for (let attempt = 0; attempt < EXTEND_ATTEMPTS && lease !== undefined; attempt += 1) {
    if (lease.approvals.includes(approvalId)) return { kind: 'duplicate', lease };
    // A concurrent decision spent a record this one relied on (its lease list was older): decide
    // again from the lease as it is now (the retry subtracts what was spent meanwhile).
    if (records.some((r) => lease?.approvalRecords?.includes(r))) {
      throw new LeaseRaceError(`approval ${approvalId} relied on an approval record that extended lease ${existing.id} meanwhile`);
    }
    const now = clock.now();
    if (Date.parse(plan.startsAt) > now.getTime() && lease.status === 'ACTIVE') {
      // An approval of a window that opens later never extends an open lease now (it would grant times nobody approved).
      const reason = `this approval is for a window that opens at ${plan.startsAt}; an active lease is not moved to a later window now (if the ticket is sent again once that window has opened, this approval extends the lease from then)`;
      await commentSafely(deps, lease.source, lease.ticketKey, notExtendedMessage(lease, reason));
      return { kind: 'not-extended', lease, reason };
    }
    if (lease.status === 'SCHEDULED' && !sameTimes(lease, plan)) {
      // Another window or duration: a scheduled lease's times are never changed (its activation may be
      // creating its bindings with them), and this approval is not its own, so its activation cancels it.
      const reason = `it has not begun yet, and this approval is for other times (from ${plan.startsAt} until ${plan.expiresAt}): the lease keeps its own and, unless its activation has begun, ends without being activated, as the ticket's approval is no longer its own; approve again after that for the new times`;
      await commentSafely(deps, lease.source, lease.ticketKey, notExtendedMessage(lease, reason));
      return { kind: 'not-extended', lease, reason };
    }
    if (lease.status === 'SCHEDULED') {
      // The same times: not extended, but the approval is the lease's from here on (the activation finds
      // the ticket's approval among its own). An activation this write overtakes finds its bindings exactly the lease's.
      const noted = await leases.transition(
        lease,
        'SCHEDULED',
        { at: now.toISOString(), from: 'SCHEDULED', to: 'SCHEDULED', by: actor, note: `approval ${approvalId} noted; a scheduled lease is not extended` },
        { approvals: [...lease.approvals, approvalId], approvalRecords: [...new Set([...(lease.approvalRecords ?? []), ...records])], ...ticketPatch(lease, plan.ticket) },
      );
      if (!noted.ok) {
        lease = noted.current;
        continue;
      }
      const opens = Date.parse(noted.lease.startsAt) > now.getTime() ? `its window opens at ${noted.lease.startsAt}` : 'its activation has not finished';
      const reason = `it has not begun yet (${opens}); this approval is noted for it; approve again once it is active to extend it`;
      await commentSafely(deps, noted.lease.source, noted.lease.ticketKey, notExtendedMessage(noted.lease, reason));
      return { kind: 'not-extended', lease: noted.lease, reason };
    }
    if (lease.status !== 'ACTIVE') {
      const reason = `the lease ended (${lease.status}) before the new approval could extend it; approve again for new access`;
      await commentSafely(deps, lease.source, lease.ticketKey, notExtendedMessage(lease, reason));
      return { kind: 'not-extended', lease, reason };
    }
    const { expiresAt, grows, cappedBy } = extendedExpiry(lease, plan, now);
    const previousExpiresAt = lease.expiresAt;
    const note = grows ? `extended from ${previousExpiresAt} to ${expiresAt}` : `approval ${approvalId} did not move the expiry`;
    const moved = await leases.transition(
      lease,
      lease.status,
      { at: now.toISOString(), from: lease.status, to: lease.status, by: actor, note },
      // The ticket as the API shows it now: a moved issue's lease shows its current key from here on.
      { expiresAt, approvals: [...lease.approvals, approvalId], approvalRecords: [...new Set([...(lease.approvalRecords ?? []), ...records])], ...ticketPatch(lease, plan.ticket) },
    );
    if (!moved.ok) {
      lease = moved.current;
      continue;
    }
    const updated = moved.lease;
    if (!grows) {
      const reason = cappedBy === undefined ? 'it already lasts at least as long as the new approval asks' : `it is already at ${cappedBy}`;
      await commentSafely(deps, updated.source, updated.ticketKey, notExtendedMessage(updated, reason));
      return { kind: 'not-extended', lease: updated, reason };
    }
    await moveTimersAndAnnotations(deps, updated);
    deps.audit.record({ kind: 'extend', at: now.toISOString(), actor, ...leaseAuditFields(updated), previousExpiresAt, reason: note });
    await commentSafely(deps, updated.source, updated.ticketKey, extendedMessage(updated, previousExpiresAt, cappedBy));
    return { kind: 'extended', lease: updated, previousExpiresAt };
  }
  throw new LeaseRaceError(`could not extend lease ${existing.id}: it kept changing`);
}

/** The lease record is the truth; if these fail, the sweep still revokes at the new expiry. */
async function moveTimersAndAnnotations(deps: GrantAccessDeps, lease: Lease): Promise<void> {
  const results = await Promise.allSettled([
    deps.scheduler.schedule(lease),
    ...(lease.status === 'ACTIVE' ? lease.bindings.map((b) => deps.cluster.setExpiry(lease.cluster, b, ownerOf(lease), lease.expiresAt)) : []),
  ]);
  for (const result of results) {
    if (result.status === 'rejected') deps.logger.warn('extension: could not update a timer or annotation', { leaseId: lease.id, error: describeError(result.reason) });
  }
}

/**
 * Whether a new approval asks for a scheduled lease's own times: the plan's, or (its window opened,
 * the activation late) the ticket's requested start and duration, which the plan counts from now.
 */
function sameTimes(lease: Lease, plan: GrantPlan): boolean {
  if (plan.startsAt === lease.startsAt && plan.expiresAt === lease.expiresAt) return true;
  const start = Date.parse(lease.startsAt);
  const requested = plan.ticket.windowStart?.trim() ? parseTicketDate(plan.ticket.windowStart) : undefined;
  const end = Math.min(start + plan.durationSeconds * 1000, plan.windowEnd === undefined ? Number.POSITIVE_INFINITY : Date.parse(plan.windowEnd));
  return requested === start && end === Date.parse(lease.expiresAt);
}
