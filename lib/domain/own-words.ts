import {
  ActivityLogError,
  BindingConflictError,
  ClusterError,
  ConfigError,
  GrantDeferredError,
  KubeLeaseError,
  LeaseStoreError,
  OnCallLookupError,
  publicReason,
  ScheduleQuotaError,
  SchedulerError,
  SecretError,
  TicketNotFoundError,
  TicketSourceError,
} from '../errors.js';

/*
 * The error texts kube-lease stores on a lease item (an access review that could not be made, an
 * audit log that could not be read) are its own fixed phrases: publicReason's, reviewFailure's and
 * AUDIT_LOG_UNCONFIGURED. A table writer can store any text there; anything that is not one of
 * them (or a `publicReasons` join of them) reads as NOT_OUR_WORDS, never as the stored text.
 */

/** What a comment says in place of an error text that is not one of kube-lease's phrases. */
export const NOT_OUR_WORDS = 'an error not recorded in kube-lease\'s words';

/** Why the evidence of a lease whose cluster lost its audit log could not be collected. */
export const AUDIT_LOG_UNCONFIGURED = 'the cluster\'s audit log is no longer configured';

/** Why an access review could not be made, in words fit for a ticket (never the backend's own text). */
export function reviewFailure(error: unknown): string {
  if (error instanceof ClusterError && error.statusCode === 403) return 'kube-lease may not ask it (403): apply the RBAC that npm run rbac prints';
  if (error instanceof KubeLeaseError && error.retryable) return 'the cluster was unavailable';
  return error instanceof ClusterError && error.statusCode !== undefined ? `the cluster refused the review (${error.statusCode})` : 'the review failed';
}

/** Every phrase publicReason and reviewFailure can say: both asked of one failure of each kind (and HTTP status). */
function ownPhrases(): ReadonlySet<string> {
  const statuses = [undefined, ...Array.from({ length: 500 }, (_, i) => i + 100)];
  const failures: unknown[] = [
    new Error('any'),
    new BindingConflictError('ns', 'name', undefined),
    new ScheduleQuotaError('any'),
    new SchedulerError('any'),
    new LeaseStoreError('any'),
    new TicketNotFoundError('any'),
    new OnCallLookupError('any', undefined),
    new SecretError('any'),
    new ConfigError('any'),
    new GrantDeferredError('any'),
    ...[true, false].flatMap((retryable) => [
      new KubeLeaseError('any', { retryable }),
      new ActivityLogError('any', { retryable }),
      new TicketSourceError('any', undefined, { retryable }),
      ...statuses.map((status) => new ClusterError('any', status, { retryable })),
    ]),
  ];
  return new Set([AUDIT_LOG_UNCONFIGURED, ...failures.flatMap((f) => [publicReason(f), reviewFailure(f)])]);
}
const OWN = ownPhrases();
/** Longer than any join of distinct phrases kube-lease writes. */
const MAX_JOIN = 4000;

/** Whether `text` is one of kube-lease's phrases, or several joined by `; ` (publicReasons). */
export function isOwnPhrase(text: string): boolean {
  if (text.length > MAX_JOIN) return false;
  if (OWN.has(text)) return true;
  // A phrase may hold `; ` itself: each split where the part before is a phrase is tried.
  for (let at = text.indexOf('; '); at >= 0; at = text.indexOf('; ', at + 1)) if (OWN.has(text.slice(0, at)) && isOwnPhrase(text.slice(at + 2))) return true;
  return false;
}

/** The error text as a comment may say it: kube-lease's own phrase, else NOT_OUR_WORDS. */
export function ownPhrase(text: string): string {
  return typeof text === 'string' && isOwnPhrase(text) ? text : NOT_OUR_WORDS;
}

/**
 * Characters that hide or reorder what a line shows: zero-width and blank-looking characters (soft
 * hyphen, Hangul fillers, variation selectors, tags), the bidirectional controls (embeddings,
 * overrides, isolates, marks, the Arabic letter mark) and the byte-order mark. A name carrying one
 * can be shown as another, or make a line's own words read in another order.
 */
export const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]|[\u{e0000}-\u{e007f}]|[\u{e0100}-\u{e01ef}]/gu;

/** Whether `text` holds none of INVISIBLE. */
export function allVisible(text: string): boolean {
  return text.search(INVISIBLE) < 0;
}

/** Outside text as oneLine makes it, with each INVISIBLE character shown as U+FFFD (for text no seal covers). */
export function visibleLine(text: string, max: number): string {
  return oneLine(String(text).replace(INVISIBLE, '\ufffd'), max);
}

/** Characters that break or hide a line: C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
export const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Text from outside kube-lease (an API server's reason, a PodDisruptionBudget's message, a command
 * line, an email) as a comment may carry it: one line (every control character a space), at most
 * `max` characters (the last an ellipsis). Unchanged when it already is: what kube-lease stored
 * reads back as it was written (the evidence digest covers some of it).
 */
export function oneLine(text: string, max: number): string {
  const line = String(text).replace(LINE_BREAKING, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
