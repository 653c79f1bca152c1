import { accessCheckOf } from './catalog.js';
import type { GrantPlan } from './decision.js';
import { firstIdleWatch } from './idle.js';
import type { Lease } from './lease.js';
import { bindingName, leaseIdFor, scheduleName } from './names.js';
import { onCallLabel } from './on-call.js';
import { approvalRecords, personLabel } from './ticket.js';

/**
 * The idempotency key of an approval: one approval event of one ticket in one ITSM system. The
 * ticket is named by its immutable id, so a ticket whose key changed (a Jira *Move issue*) cannot
 * decide the same approval a second time under its new key.
 */
export function idempotencyKey(plan: { readonly ticket: Pick<GrantPlan['ticket'], 'source' | 'id'>; readonly approval: Pick<GrantPlan['approval'], 'id'> }): string {
  return `${plan.ticket.source}#${plan.ticket.id}#${plan.approval.id}`;
}

/**
 * The idempotency key the same approval had before leases were filed by ticket id (by the key the
 * ticket has now): a decision recorded under it still counts.
 */
export function keyedIdempotencyKey(plan: { readonly ticket: Pick<GrantPlan['ticket'], 'source' | 'key'>; readonly approval: Pick<GrantPlan['approval'], 'id'> }): string {
  return `${plan.ticket.source}#${plan.ticket.key}#${plan.approval.id}`;
}

/**
 * A new lease for a plan: PENDING when access starts now, SCHEDULED when the change window opens
 * later. `now` comes from the Clock port; nothing here reads time itself.
 */
export function newLease(plan: GrantPlan, now: Date, schedulePrefix: string, actor: string): Lease {
  const key = idempotencyKey(plan);
  const id = leaseIdFor(key);
  const createdAt = now.toISOString();
  const status = Date.parse(plan.startsAt) > now.getTime() ? 'SCHEDULED' : 'PENDING';
  const name = bindingName(plan.profile.name, id);
  return {
    id,
    idempotencyKey: key,
    source: plan.ticket.source,
    ticketId: plan.ticket.id,
    ticketKey: plan.ticket.key,
    ticketUrl: plan.ticket.url,
    requester: plan.requester,
    approvers: plan.approval.approvers,
    approvals: [plan.approval.id],
    approvalRecords: approvalRecords(plan.approval).map((r) => r.id),
    ...(plan.approval.kind === undefined || plan.approval.kind === 'person' ? {} : { approvalKind: plan.approval.kind }),
    ...(plan.approval.onCall === undefined ? {} : { onCall: plan.approval.onCall }),
    subject: plan.subject,
    profile: plan.profile.name,
    cluster: plan.cluster,
    namespaces: plan.namespaces,
    roleRef: plan.roleRef,
    reason: plan.ticket.justification.trim().slice(0, 1000),
    createdAt,
    startsAt: plan.startsAt,
    expiresAt: plan.expiresAt,
    windowEnd: plan.windowEnd,
    ...(plan.dryRun ? { dryRun: true } : {}),
    accessCheck: accessCheckOf(plan.profile),
    ...(plan.profile.onRevoke?.sessions === 'end' ? { endSessions: true, endStreams: [...plan.profile.onRevoke.streams], podsPerController: plan.profile.onRevoke.podsPerController } : {}),
    // Copied, like endSessions: a catalog edit never changes a running lease.
    ...(plan.profile.idleTimeout === undefined || plan.dryRun ? {} : { idle: firstIdleWatch(plan.profile.idleTimeout, plan.startsAt, plan.expiresAt) }),
    status,
    bindings: plan.namespaces.map((namespace) => ({ namespace, name })),
    scheduleName: scheduleName(schedulePrefix, id),
    history: [{ at: createdAt, from: null, to: status, by: actor, note: plan.approval.onCall === undefined ? `approved by ${plan.approval.approvers.map(personLabel).join(', ')}` : `approved: ${onCallLabel(plan.approval.onCall)}` }],
    version: 1,
  };
}
