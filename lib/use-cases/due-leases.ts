import type { Lease } from '../domain/lease.js';
import { joinLeaseLists, type UnreadableLease } from '../domain/lease-list.js';
import type { LeaseStore } from '../ports/lease-store.js';

/**
 * What the sweep has to do now: leases whose window opened, whose expiry passed, grants abandoned
 * past the grace period, grants whose announcement is owed and no longer held, and idle checks due.
 */
export interface DueLeases {
  readonly starting: readonly Lease[];
  readonly expired: readonly Lease[];
  readonly stale: readonly Lease[];
  /** ACTIVE, not expired, announcement owed (the status index has them at `announceAt`). */
  readonly owed: readonly Lease[];
  /** Open leases whose revoke was asked for (a close) and could not finish then: revoked with that cause. */
  readonly closing: readonly Lease[];
  /** ACTIVE, not expired, no announcement owed, with an idle watch due (the status index has them at `idle.checkAt`). */
  readonly idling: readonly Lease[];
  /** Items of the three queries that are not readable leases: counted and logged by the sweep, never acted on. */
  readonly unreadable: readonly UnreadableLease[];
}

/**
 * The one definition of "due", shared by the sweep and the CLI's `sweep --dry-run`: three index
 * queries (the ACTIVE one split into expired and owed), at most `limit` leases each, earliest first.
 */
export async function findDueLeases(leases: Pick<LeaseStore, 'listDue'>, now: Date, pendingGraceSeconds: number, limit: number): Promise<DueLeases> {
  const [scheduled, due, pending] = await Promise.all([
    leases.listDue('SCHEDULED', now, limit),
    leases.listDue('ACTIVE', now, limit),
    leases.listDue('PENDING', new Date(now.getTime() - pendingGraceSeconds * 1000), limit),
  ]);
  const [starting, active, stale] = [scheduled.leases, due.leases, pending.leases];
  // An expired lease is revoked, owed announcement or not: the revoke clears it (nothing is said after).
  const owes = (lease: Lease) => lease.grantNote !== undefined && now.getTime() < Date.parse(lease.expiresAt);
  // A remembered close comes first: it is revoked (its cause), never activated, finished or announced.
  const closes = (lease: Lease) => lease.revokeRequested !== undefined;
  const open = active.filter((l) => !closes(l));
  const idles = (lease: Lease) => lease.idle !== undefined && !owes(lease) && now.getTime() < Date.parse(lease.expiresAt);
  return {
    starting: starting.filter((l) => !closes(l)),
    expired: open.filter((l) => !owes(l) && !idles(l)),
    idling: open.filter(idles),
    stale: stale.filter((l) => !closes(l)),
    owed: open.filter(owes),
    closing: [...active, ...stale].filter(closes),
    unreadable: joinLeaseLists([scheduled, due, pending]).unreadable,
  };
}
