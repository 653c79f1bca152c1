import { DEMO_CATALOG, withBreakGlass, withOnCall } from './demo-catalog.js';

/**
 * The catalog with review tasks on: Jira review issues in project SEC (type Task, linked
 * "Relates" to the lease's ticket), and the emergency profiles naming their approvers (bob, and
 * the ServiceNow group `payments-approvers`), who are told of the review task.
 */
export function withReview(catalog: string, days?: number): string {
  const review = catalog.replace('  closedStatuses: [Done, Declined]\n', '  closedStatuses: [Done, Declined]\n  review: { project: SEC, issueType: Task, linkType: Relates }\n');
  const approvers = review.replace(/(    onCall: [^\n]+\n|    breakGlass:\n)/g, '    approvers: [bob@example.com]\n    approverGroups: [payments-approvers]\n$1');
  return days === undefined ? approvers : approvers.replace('subject:\n', `unreviewedAfterDays: ${days}\nsubject:\n`);
}

/** The demo catalog with the on-call (`incident-debug`) and break-glass (`break-glass-debug`) profiles and review tasks on. */
export const REVIEW_CATALOG = withReview(withBreakGlass(withOnCall(DEMO_CATALOG)));

/** The demo catalog with the break-glass profile only (no PagerDuty needed) and review tasks on. */
export const BREAK_GLASS_REVIEW_CATALOG = withReview(withBreakGlass(DEMO_CATALOG));
