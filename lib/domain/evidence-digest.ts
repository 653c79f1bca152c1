import { createHash } from 'node:crypto';
import type { ActivitySummary } from './activity.js';

/** JSON with keys in a fixed order, so the same value always has the same digest. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `sha256:<hex>` of the evidence's canonical JSON (its window, its count and its summary): a report
 * recomputes it to show that the record was not edited after it was posted.
 */
export function evidenceDigest(evidence: { readonly from: string; readonly to: string; readonly events: number; readonly summary: ActivitySummary }): string {
  const { from, to, events, summary } = evidence;
  return `sha256:${createHash('sha256').update(canonical({ from, to, events, summary })).digest('hex')}`;
}
