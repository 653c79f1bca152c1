import type { RequestCount } from './activity.js';
import type { SealCheck } from './evidence-digest.js';
import type { Lease } from './lease.js';

/**
 * What the evidence says of a lease's use: `used` (at least one request through its bindings),
 * `unused` (evidence collected, zero requests), or `not known` (no evidence, evidence that could
 * not be collected, or evidence whose seal shows it altered). Never `unused` without evidence.
 */
export type LeaseUse = 'used' | 'unused' | 'not known';

/** A lease's use, with why it is not known and, when every request row was kept, the requests it made. */
export interface LeaseUseFinding {
  readonly use: LeaseUse;
  /** Requests the lease's bindings let through, as far as the evidence lists them (with evidence). */
  readonly requests?: number | undefined;
  /** Why the use is not known. */
  readonly why?: string | undefined;
  /** The evidence's rows of allowed requests: what the lease's verbs×resources are learned from. */
  readonly rows?: readonly RequestCount[] | undefined;
  /** Whether `rows` lists every allowed request (none was left out beyond the summary's limit): only then does a verb missing from them mean it was not used. */
  readonly complete?: boolean | undefined;
  /** The evidence's first and last request through the lease's bindings, when the evidence recorded them. */
  readonly firstAt?: string | undefined;
  readonly lastAt?: string | undefined;
}

/** The use of a lease as its evidence shows it; `seal` is the verdict on the evidence's seal, if it was checked. */
export function leaseUse(lease: Lease, seal: SealCheck | undefined): LeaseUseFinding {
  const evidence = lease.evidence;
  if (evidence === undefined) return { use: 'not known', why: 'no activity evidence (not collected yet, or no audit log for the cluster)' };
  if (evidence.summary === undefined) return { use: 'not known', why: `the evidence could not be collected: ${evidence.error ?? 'no summary'}` };
  if (seal?.kind === 'invalid') return { use: 'not known', why: 'the evidence record was altered (its seal does not verify)' };
  const summary = evidence.summary;
  // No request in evidence that may miss some is no proof of none: never `unused` on it.
  if (summary.byRequest.length === 0) {
    if (seal?.kind === 'unsealed' && seal.keyed) return { use: 'not known', why: 'the evidence has no seal although seals are verified: it may have been removed' };
    if (summary.unreadable !== undefined && (summary.unreadable.count > 0 || !summary.unreadable.complete)) return { use: 'not known', why: 'audit events of its window were cut off by the log: activity may be missing' };
    if ((evidence.findings ?? []).length > 0) return { use: 'not known', why: `the evidence window is not the cluster's record alone: ${evidence.findings?.[0] ?? ''}` };
  }
  const allowed = summary.byRequest.reduce((n, r) => n + r.count, 0);
  const times = summary.firstAt !== undefined && summary.lastAt !== undefined ? { firstAt: summary.firstAt, lastAt: summary.lastAt } : {};
  // Rows beyond the summary's limit were counted, not listed: which verbs were not used is then not known.
  // Refused requests went through no binding: a lease whose every request was refused was not used.
  return { use: summary.byRequest.length > 0 ? 'used' : 'unused', requests: allowed, rows: summary.byRequest, complete: summary.omitted === 0, ...times };
}
