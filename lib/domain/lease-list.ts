import type { Lease } from './lease.js';

/**
 * A lease item that a list read could not read: it does not match the lease schema (a table writer
 * stored it by hand, or a bug did). Where it is and which fields were refused, never its values:
 * whoever wrote it chose them.
 */
export interface UnreadableLease {
  /** The item's key (`lease#<id>`), kept to the characters a key of ours has and 200 of them. */
  readonly pk: string;
  /** The fields the schema refused, as dotted paths (`requester`, `bindings.0.name`). */
  readonly paths: readonly string[];
}

/**
 * What a list read found: every lease it could read, and every item it could not. A reader never
 * drops an item silently; its caller decides what an unreadable one means (the sweep counts it, a
 * close says it cannot tell that all access ended, the CLI and the report say it is missing).
 */
export interface LeaseList {
  readonly leases: readonly Lease[];
  readonly unreadable: readonly UnreadableLease[];
}

/** Several list reads as one (a lease or an item found twice, by key, is kept once). */
export function joinLeaseLists(lists: readonly LeaseList[]): LeaseList {
  const leases = new Map(lists.flatMap((l) => l.leases).map((lease) => [lease.id, lease]));
  const unreadable = new Map(lists.flatMap((l) => l.unreadable).map((item) => [item.pk, item]));
  return { leases: [...leases.values()], unreadable: [...unreadable.values()] };
}

/** "N lease item(s) could not be read: <pk>, …" for an operator (the CLI, the report); empty when none. */
export function unreadableLeasesLine(unreadable: readonly UnreadableLease[]): string {
  if (unreadable.length === 0) return '';
  const shown = unreadable.slice(0, 10).map((u) => `${u.pk} (${u.paths.join(', ')})`);
  const more = unreadable.length > shown.length ? `, and ${unreadable.length - shown.length} more` : '';
  return `${unreadable.length} lease item(s) could not be read: ${shown.join(', ')}${more}. They do not match the lease schema; what access they stand for is not known, and this answer is incomplete.\n`;
}
