import type { Lease } from '../../domain/lease.js';
import type { GrantAccessDeps } from './grant-types.js';

/**
 * A close this long before the lease was recorded still counts: the grant read its ticket before
 * that (the clocks of two invocations may differ a little too). A ticket reopened and approved again
 * within it is refused once (less access, never more): approving it again grants.
 */
export const CLOSE_MARK_MARGIN_SECONDS = 60;

/**
 * Whether the lease's ticket was closed while its grant ran: the reason the grant ends with (said on
 * the ticket), or undefined. Read from the ticket's close mark, strongly consistent, after the lease
 * was created: a close either lists the lease, or wrote its mark before this read.
 */
export async function closedMeanwhile(deps: Pick<GrantAccessDeps, 'closeMarks'>, lease: Lease): Promise<string | undefined> {
  if (deps.closeMarks === undefined || lease.ticketId === undefined) return undefined;
  const mark = await deps.closeMarks.get(lease.source, lease.ticketId);
  if (mark === undefined || Date.parse(mark.closedAt) < Date.parse(lease.createdAt) - CLOSE_MARK_MARGIN_SECONDS * 1000) return undefined;
  return `the ticket was closed (at ${mark.closedAt}) while access was being granted`;
}
