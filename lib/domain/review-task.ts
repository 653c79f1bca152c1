import { formatDuration } from './duration.js';
import { accessBeganAt, approvalKindOf, type Lease } from './lease.js';
import { approvalLine } from './messages.js';
import { oneLine, visibleLine } from './own-words.js';
import { personLabel, type TicketSourceName } from './ticket.js';

/**
 * Review after the fact: every on-call or break-glass lease opens one review task in its ITSM system
 * (a Jira issue, a ServiceNow change task), which a person closes once they reviewed what was done.
 */

/** Days after which an emergency lease whose review task is not done counts as unreviewed, unless the catalog says otherwise. */
export const DEFAULT_UNREVIEWED_AFTER_DAYS = 7;

/** A lease's review task as kube-lease recorded it, on the lease. */
export interface ReviewTask {
  readonly system: TicketSourceName;
  /** Jira issue key, ServiceNow task number. */
  readonly key: string;
  /** Jira issue id, ServiceNow sys_id. */
  readonly id: string;
  readonly url: string;
  /** When kube-lease recorded it (created it, or found the one a crashed attempt created). */
  readonly recordedAt: string;
  /** When the activity evidence was added to it as a comment. */
  readonly evidenceAt?: string | undefined;
  /**
   * When kube-lease first saw it done (Jira status category done; ServiceNow Closed Complete) by a
   * person other than the lease's requester and kube-lease's own account.
   */
  readonly doneAt?: string | undefined;
  /** The last closing that did not count as the review (its id in the system's history), reported once. */
  readonly refusedClosing?: string | undefined;
}

/** Whether a lease owes a review task: every on-call and break-glass lease, never a dry run. */
export function needsReview(lease: Pick<Lease, 'approvalKind' | 'dryRun'>): boolean {
  return approvalKindOf(lease) !== 'person' && lease.dryRun !== true;
}

/** Whether access ever existed under the lease (it was ACTIVE once): only then is there something to review. */
export function hadAccess(lease: Pick<Lease, 'history'>): boolean {
  return lease.history.some((h) => h.to === 'ACTIVE');
}

/** The label (Jira) and correlation id (ServiceNow) that find a lease's review task again: `kube-lease-review-<lease id>`. */
export function reviewMarker(leaseId: string): string {
  return `kube-lease-review-${leaseId}`;
}

/** The kube-lease review markers among labels (`kube-lease-review-<id>`; the plain `kube-lease-review` label is none). */
export function markersIn(labels: readonly string[]): string[] {
  // In any case: Jira (7.10 and later) matches labels in JQL regardless of case, so a marker in capitals is one too.
  return [...new Set(labels.map((label) => label.toLowerCase()).filter((label) => /^kube-lease-review-[0-9a-f]{20}$/.test(label)))];
}

/**
 * Whether a task's markers (its labels as Jira's changelog writes them: space-separated; absent
 * counts as changed) differ before and after one edit. A marker added, removed or replaced after
 * the task was created re-points it: it is no one lease's task any more. Other labels do not count.
 */
export function markersChanged(from: string | null | undefined, to: string | null | undefined): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return true;
  const set = (text: string) => markersIn(text.split(/\s+/).filter((l) => l !== '')).sort().join(' ');
  return set(from) !== set(to);
}

/** Why a task of kube-lease's carrying the lease's marker and more than it is no one lease's. */
export const SHARED_TASK = 'it carries another lease\'s review marker too (one task is never two leases\' review)';
/** Why a task whose marker was changed after it was created is no lease's. */
export const REPOINTED_TASK = 'its review marker was changed after it was created (a task re-pointed at the lease)';

/** How far the ITSM system's clock and kube-lease's may disagree when their times are compared. */
export const REVIEW_CLOCK_SKEW_MS = 60_000;

/**
 * Why a task kube-lease's own account created, carrying the lease's marker, is still not the
 * lease's (undefined: it is): kube-lease creates a lease's task after recording the lease, and
 * takes it while it is open, so one created before (`createdAt`, the system's time: an earlier
 * lease's, given the new marker) or closed already was made the lease's by someone else.
 */
export function notTheLeasesTask(lease: Pick<Lease, 'createdAt'>, createdAt: string | undefined, closed: boolean): string | undefined {
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (Number.isNaN(created)) return 'kube-lease\'s own account created it, but when is not shown';
  if (created < Date.parse(lease.createdAt) - REVIEW_CLOCK_SKEW_MS) return 'it was created before the lease was recorded (an earlier lease\'s task, relabelled)';
  return closed ? 'it was closed before kube-lease took it for the lease\'s review task' : undefined;
}

/**
 * Why a closing of the lease's recorded task does not count by its time (undefined: it may): only
 * one after kube-lease recorded the task as the lease's (`review.recordedAt`) is a review of it.
 */
export function closedTooEarly(review: Pick<ReviewTask, 'recordedAt'> | undefined, closedAt: string | undefined): string | undefined {
  if (review === undefined) return undefined;
  const closed = closedAt === undefined ? Number.NaN : Date.parse(closedAt);
  if (Number.isNaN(closed)) return 'its history does not show when it was closed';
  return closed < Date.parse(review.recordedAt) - REVIEW_CLOCK_SKEW_MS ? 'it was closed before kube-lease recorded it as the lease\'s review task' : undefined;
}

/**
 * An emergency lease whose review task is not done `days` after its access began (with or without
 * a task: one that could never be created is not reviewed either). Person-approved leases never are.
 */
export function unreviewed(lease: Lease, now: Date, days: number): boolean {
  if (!needsReview(lease) || !hadAccess(lease) || lease.review?.doneAt !== undefined) return false;
  return now.getTime() - Date.parse(accessBeganAt(lease)) >= days * 86_400_000;
}

/** What a review task says: who, what, why, when, approved how, and the lease's ticket. */
export interface ReviewContent {
  readonly summary: string;
  readonly description: string;
}

/** The review task's text (plain, so it reads the same in Jira and ServiceNow). */
export function reviewContent(lease: Lease, approvers: readonly string[], evidenceExpected = true): ReviewContent {
  const kind = approvalKindOf(lease);
  const seconds = Math.round((Date.parse(lease.expiresAt) - Date.parse(lease.startsAt)) / 1000);
  // Text from the ticket (and the table) is one line each: never a line of its own; the reason quoted.
  const [ticket, url, who, profile] = [lease.ticketKey, lease.ticketUrl, personLabel(lease.requester), lease.profile].map((text) => visibleLine(text, 256));
  const description = [
    `kube-lease granted access without a person's approval (${kind}). Review what was done and close this task.`,
    '',
    `Ticket: ${ticket} ${url}`,
    `Lease: ${lease.id}`,
    `Who: ${who} as ${lease.subject.kind} ${oneLine(lease.subject.name, 256)}`,
    `What: profile ${profile}, ${lease.roleRef.kind}/${lease.roleRef.name} on cluster ${lease.cluster}, namespaces ${lease.namespaces.join(', ')}`,
    `Why: ${JSON.stringify(visibleLine(lease.reason, 1000))}`,
    `When: from ${accessBeganAt(lease)} until ${lease.expiresAt} (${formatDuration(seconds)})`,
    approvalLine(lease),
    `Profile approvers: ${approvers.length === 0 ? '(none named in the catalog)' : approvers.join(', ')}`,
    '',
    evidenceExpected
      ? 'The activity evidence (what the subject did, from the cluster\'s audit log) is added here as a comment once it is collected.'
      : 'The cluster has no audit log configured: kube-lease cannot say what the subject did.',
  ].join('\n');
  return { summary: clipSummary(`Review ${kind} access of ${who} (${profile}, ${ticket})`), description };
}

/** Jira summaries and ServiceNow short descriptions are at most 255 characters; keep well inside. */
function clipSummary(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}
