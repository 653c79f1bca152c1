/** Stands for the lease id when a key builder's shape is read (no key holds it). */
const HOLE = '\u0000';

/**
 * The lease id in a queue item's own key when the key is one that `key` builds (an id of at least
 * one character, without `#`), else undefined. `leaseIdInKey(evidenceKey, 'evidence#a1')` is `a1`;
 * `leaseIdInKey(reviewKey, 'lease#a1#revoke-comment')` is undefined.
 */
export function leaseIdInKey(key: (leaseId: string) => string, pk: string): string | undefined {
  const [prefix = '', suffix = ''] = key(HOLE).split(HOLE);
  if (pk.length <= prefix.length + suffix.length || !pk.startsWith(prefix) || !pk.endsWith(suffix)) return undefined;
  const id = pk.slice(prefix.length, pk.length - suffix.length);
  return id.includes('#') || key(id) !== pk ? undefined : id;
}
