import { formatDuration } from './duration.js';
import { idleRevokeText } from './idle.js';
import type { Lease, RevokeCause } from './lease.js';
import { onCallLabel } from './on-call.js';
import { personLabel } from './ticket.js';

/** Ticket comments. Plain text so they read the same in Jira and, later, ServiceNow work notes. */
/** Who gets what, where: the lines every grant-like message starts with. */
function accessLines(lease: Lease): string[] {
  return [
    `Who: ${lease.subject.kind} ${lease.subject.name}`,
    `Role: ${lease.roleRef.kind}/${lease.roleRef.name}`,
    `Cluster: ${lease.cluster}`,
    `Namespaces: ${lease.namespaces.join(', ')}`,
  ];
}

export function grantedMessage(lease: Lease): string {
  const seconds = Math.round((Date.parse(lease.expiresAt) - Date.parse(lease.startsAt)) / 1000);
  return [
    `Access granted (lease ${lease.id}).`,
    ...accessLines(lease),
    `Until: ${lease.expiresAt} (${formatDuration(seconds)})`,
    approvalLine(lease),
  ].join('\n');
}

/** Who or what approved the lease, with the approval kind named (see ApprovalKind). */
export function approvalLine(lease: Pick<Lease, 'approvers' | 'approvalKind' | 'onCall'>): string {
  if (lease.approvalKind === 'on-call' && lease.onCall !== undefined) return `Approved (on-call): the requester was ${onCallLabel(lease.onCall)}`;
  if (lease.approvalKind === 'break-glass') return 'Approved (break-glass): the requester approved their own request through break-glass; only a person\'s approval can extend it';
  return `Approved by (${lease.approvalKind ?? 'person'}): ${lease.approvers.map(personLabel).join(', ')}`;
}

export function dryRunMessage(lease: Lease): string {
  return [
    `Dry run (lease ${lease.id}): the cluster accepted the request, but nothing was created. This would have been granted:`,
    ...accessLines(lease),
    `From: ${lease.startsAt}`,
    `Until: ${lease.expiresAt}`,
  ].join('\n');
}

export function scheduledMessage(lease: Lease): string {
  return [
    `Access approved and scheduled (lease ${lease.id}): it begins when the change window opens.`,
    ...accessLines(lease),
    `From: ${lease.startsAt}`,
    `Until: ${lease.expiresAt}`,
  ].join('\n');
}

export function extendedMessage(lease: Lease, previousExpiresAt: string, capped: string | undefined): string {
  return [
    `Access extended (lease ${lease.id}) after a new approval.`,
    `Previous expiry: ${previousExpiresAt}`,
    `New expiry: ${lease.expiresAt}${capped === undefined ? '' : ` (capped by ${capped})`}`,
  ].join('\n');
}

export function notExtendedMessage(lease: Lease, reason: string): string {
  return `Access not extended (lease ${lease.id}): ${reason}. It still ends at ${lease.expiresAt}.`;
}

/**
 * A denial. On a ticket whose earlier access is still open it must not say "nothing was granted":
 * it says this approval changed nothing, and until when the open access lasts.
 */
export function deniedMessage(reason: string, openLeases: readonly Lease[] = []): string {
  if (openLeases.length === 0) return `Access denied, nothing was granted: ${reason}.`;
  const open = openLeases.map((l) => `lease ${l.id} (${l.status.toLowerCase()}, until ${l.expiresAt})`).join(', ');
  return `This approval was not applied: ${reason}. Access already approved on this ticket is unchanged: ${open}.`;
}

export function failedMessage(lease: Lease, reason: string, cleanedUp: boolean): string {
  return [
    cleanedUp
      ? `Access could not be granted (lease ${lease.id}); nothing was left in the cluster.`
      : `Access could not be granted (lease ${lease.id}); some resources are still being removed.`,
    `Reason: ${reason}`,
    'To try again, move the ticket out of its approved status and approve it again.',
  ].join('\n');
}

/** Appended to a grant comment when the change window, not the requested duration, sets the end. */
export function clippedNote(lease: Lease): string {
  return `\nNote: access ends with the change window at ${lease.expiresAt}, before the requested duration.`;
}

const CAUSE_TEXT: Record<RevokeCause, string> = {
  expiry: 'the lease expired',
  sweep: 'the lease expired (found by the periodic sweep)',
  manual: 'an operator revoked it',
  early: 'the ticket was closed, cancelled or its approval withdrawn',
  'dry-run': 'this was a dry run',
  idle: idleRevokeText(undefined),
};

/** `untouched`: bindings (namespace/name) under the lease's names that were not its own and were left alone; `unknown`: not known (an owed comment stored before they were). */
export function revokedMessage(lease: Lease, cause: RevokeCause, at: string, untouched: readonly string[] | 'unknown' = []): string {
  const skipped = untouched === 'unknown' ? [] : untouched;
  const removed = lease.bindings.filter((b) => !skipped.includes(`${b.namespace}/${b.name}`)).map((b) => b.namespace);
  const what = `${lease.roleRef.kind}/${lease.roleRef.name} for ${lease.subject.kind} ${lease.subject.name} in ${lease.cluster}`;
  return [
    `Access revoked (lease ${lease.id}): ${cause === 'idle' ? idleRevokeText(lease.idle?.timeout) : CAUSE_TEXT[cause]}.`,
    untouched === 'unknown'
      ? `Removed the lease's own bindings of ${what}: ${removed.join(', ')} (a binding under its names that was not its own, if any, was left untouched)`
      : removed.length === 0
        ? `Removed no binding of ${what}`
        : `Removed ${what}: ${removed.join(', ')}`,
    ...(skipped.length === 0 ? [] : [`Warning: RoleBinding(s) ${skipped.join(', ')} carry this lease's name but are not its own; they were left untouched and must be checked by a person.`]),
    `Revoked at: ${at}`,
  ].join('\n');
}

/** On a closed ticket whose lease items could not all be read: the close cannot say that all access ended. */
export function unreadableOnCloseMessage(count: number, ticketKey: string): string {
  const what = count === 1 ? '1 lease record of this ticket could not be read' : `${count} lease records of this ticket could not be read`;
  return [
    `Warning: ${what} (it does not match kube-lease's lease format), so kube-lease cannot say that all access granted under this ticket has ended.`,
    `This close did not act on ${count === 1 ? 'that record' : 'those records'}; an operator must check ${count === 1 ? 'it' : 'them'} (kube-lease leases list --ticket ${ticketKey}).`,
  ].join('\n');
}
