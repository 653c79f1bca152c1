import { ZodError } from 'zod';
import type { Lease } from '../../domain/lease.js';
import type { UnreadableLease } from '../../domain/lease-list.js';
import { fromItem } from './lease-item.js';

/** A key as the writer stored it, kept to what a key of ours can hold (it is shown to operators and logged). */
function safeKey(pk: unknown): string {
  const text = typeof pk === 'string' ? pk.replace(/[^A-Za-z0-9#:._@+-]/g, '?') : '(no key)';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The fields a schema refused, as dotted paths; never the values (nor zod's messages, which quote them). */
export function refusedPaths(error: unknown): string[] {
  const zod = error instanceof ZodError ? error : error instanceof Error && error.cause instanceof ZodError ? error.cause : undefined;
  if (zod === undefined) return ['(not a lease item)'];
  const paths = zod.issues.map((issue) => (issue.path.length === 0 ? '(item)' : issue.path.map((p) => (typeof p === 'symbol' ? '?' : String(p))).join('.')));
  return [...new Set(paths)];
}

/** Adds one item of a list read to `list`, as a lease or as unreadable; true when it was a lease. */
export function addLeaseItem(list: { leases: Lease[]; unreadable: UnreadableLease[] }, item: Record<string, unknown>): boolean {
  try {
    list.leases.push(fromItem(item));
    return true;
  } catch (error) {
    list.unreadable.push({ pk: safeKey(item.pk), paths: refusedPaths(error) });
    return false;
  }
}

/**
 * Reads the items of a list query item by item: each one the lease schema refuses is set aside as
 * unreadable (its key and the fields refused) instead of failing the whole list. A single `get`
 * stays strict (its caller acts on that one lease).
 *
 * @example
 * const { leases, unreadable } = readLeaseItems(page.Items ?? []);
 */
export function readLeaseItems(items: readonly Record<string, unknown>[]): { leases: Lease[]; unreadable: UnreadableLease[] } {
  const list = { leases: [] as Lease[], unreadable: [] as UnreadableLease[] };
  for (const item of items) addLeaseItem(list, item);
  return list;
}
