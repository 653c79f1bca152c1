import type { Lease } from '../domain/lease.js';
import type { LeaseList, UnreadableLease } from '../domain/lease-list.js';
import { LeaseStoreError } from '../errors.js';
import type { Logger } from '../ports/logger.js';

/**
 * Logs each lease item a list read could not read, at error level: its key and the fields the
 * schema refused, never its values (a table writer chose them). Someone must repair or remove it.
 */
export function logUnreadable(logger: Logger, during: string, unreadable: readonly UnreadableLease[]): void {
  for (const item of unreadable) {
    logger.error(`a lease item could not be read (it does not match the lease schema) while ${during}; it is left as it is, and its access is not known`, { pk: item.pk, paths: item.paths });
  }
}

/** What one sweep run could not read: list items (`note`), and leases a `get` refused (`unreadableLease`). */
export interface UnreadableTally {
  readonly note: (during: string, unreadable: readonly UnreadableLease[]) => void;
  /** True (logged, counted) when `error` is the store's refusal of the lease's item, not a failure a retry may fix. */
  readonly unreadableLease: (leaseId: string, error: unknown) => boolean;
  readonly count: () => number;
}

/**
 * The items one sweep run could not read, each logged and counted once however many of the run's
 * reads met it.
 */
export function makeUnreadableTally(logger: Logger): UnreadableTally {
  const seen = new Set<string>();
  return {
    unreadableLease(leaseId, error) {
      if (!(error instanceof LeaseStoreError) || error.retryable || seen.has(`lease#${leaseId}`)) return false;
      seen.add(`lease#${leaseId}`);
      logger.error('a lease item could not be read while checking the bindings that name it; they are left as they are', { leaseId, error: error.message });
      return true;
    },
    note(during, unreadable) {
      const fresh = unreadable.filter((item) => !seen.has(item.pk));
      fresh.forEach((item) => seen.add(item.pk));
      logUnreadable(logger, during, fresh);
    },
    count: () => seen.size,
  };
}

/**
 * The leases of a list that a decision needs whole (a grant or a denial weighs every lease of its
 * ticket): an unreadable item fails it with a typed error, as a `get` of one would. Not retryable:
 * the item stays unreadable until someone repairs it.
 */
export function wholeList(list: LeaseList, what: string): readonly Lease[] {
  if (list.unreadable.length === 0) return list.leases;
  throw new LeaseStoreError(`${list.unreadable.length} lease item(s) of ${what} could not be read (${list.unreadable.map((u) => u.pk).join(', ')}): nothing is decided without them`);
}
