import { DEFAULT_ACCESS_CHECK } from './catalog.js';
import type { Lease, RevokeCause } from './lease.js';
import { clippedNote, revokedMessage } from './messages.js';
import { revokeVerifiedLine } from './verification.js';
import { sessionsLines } from './activity-messages.js';
import { BINDING_PATH, GRANT_NOTES, type GrantNote, type RevokeFacts } from './owed-notes.js';

/** The warning behind each timer code (the grant's comment, the log and the audit event say the same). */
export const TIMER_WARNINGS: Readonly<Record<Exclude<GrantNote, 'clipped'>, string>> = {
  'timers-quota': 'no EventBridge rule could be created (quota reached); the periodic sweep will end this access on time',
  'timers-unavailable': 'the timers could not be set now; the periodic sweep will start and end this access on time',
  'timer-not-armed': 'the revoke timer could not be set; the periodic sweep will end this access on time',
};

/** The lines a grant's comment adds for `notes`, in kube-lease's words (each begins with a newline); anything but a known code says nothing. */
export function grantNoteText(lease: Lease, notes: readonly GrantNote[]): string {
  const known: readonly GrantNote[] = Array.isArray(notes) ? notes.filter((n): n is GrantNote => (GRANT_NOTES as readonly unknown[]).includes(n)) : [];
  return known.map((n) => (n === 'clipped' ? clippedNote(lease) : `\nNote: ${TIMER_WARNINGS[n]}.`)).join('');
}

export const EVIDENCE_FOLLOWS = 'What the subject did during the lease will follow on this ticket, from the audit log, once it is complete.';

/**
 * A revoke's comment: what the revoke posts itself, and what the holder of the grant's announcement
 * (or the sweep) posts when the revoke left it to them. Built from the lease as revoked (its review
 * and sessions) and `facts`, never from stored text.
 */
export function revokeComment(lease: Lease, cause: RevokeCause, at: string, facts: RevokeFacts): string {
  const review = lease.verification?.revoked;
  // Bindings that are not all Kubernetes names (or facts that are not facts) read as not known.
  const untouched = Array.isArray(facts.untouched) && facts.untouched.every((b) => typeof b === 'string' && BINDING_PATH.test(b)) ? facts.untouched : 'unknown';
  return [
    revokedMessage(lease, cause, at, untouched),
    ...(review === undefined ? [] : [revokeVerifiedLine(lease, lease.accessCheck ?? DEFAULT_ACCESS_CHECK, review)]),
    ...sessionsLines(lease.sessions),
    ...(facts.evidence === true ? [EVIDENCE_FOLLOWS] : []),
  ].join('\n');
}

/** The revoke comment a REVOKED lease owes (its `revokeNote`), or undefined when it owes none (or lacks what the comment says). */
export function owedRevokeComment(lease: Lease): string | undefined {
  const { revokeNote, revokeCause, revokedAt } = lease;
  if (lease.status !== 'REVOKED' || revokeNote === undefined || revokeCause === undefined || revokedAt === undefined) return undefined;
  return revokeComment(lease, revokeCause, revokedAt, revokeNote);
}
