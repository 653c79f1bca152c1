import type { Lease } from '../domain/lease.js';
import type { LeaseStore } from '../ports/lease-store.js';

/** What the sweep has to do now: leases whose window opened, whose expiry passed, and grants abandoned past the grace period. */
export interface DueLeases {
  readonly starting: readonly Lease[];
  readonly expired: readonly Lease[];
  readonly stale: readonly Lease[];
}

/**
 * The one definition of "due", shared by the sweep and the CLI's `sweep --dry-run`: three index
 * queries, at most `limit` leases each, earliest first.
 */
export async function findDueLeases(leases: Pick<LeaseStore, 'listDue'>, now: Date, pendingGraceSeconds: number, limit: number): Promise<DueLeases> {
  const [starting, expired, stale] = await Promise.all([
    leases.listDue('SCHEDULED', now, limit),
    leases.listDue('ACTIVE', now, limit),
    leases.listDue('PENDING', new Date(now.getTime() - pendingGraceSeconds * 1000), limit),
  ]);
  return { starting, expired, stale };
}
