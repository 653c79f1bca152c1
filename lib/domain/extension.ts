import type { Lease } from './lease.js';
import type { GrantPlan } from './decision.js';

/** Where a new approval moves an open lease's expiry, and why it stops there. */
export interface Extension {
  /** The new expiry: the old one when the approval does not move it further. */
  readonly expiresAt: string;
  /** Whether the expiry moves later. */
  readonly grows: boolean;
  /** What capped the new expiry, in words (the profile maximum or the change end), if anything did. */
  readonly cappedBy: string | undefined;
}

/**
 * The extension rule: a new approval of an open lease runs for the approved duration from now (or
 * from the start, when the lease has not started), capped by the profile's maximum counted from the
 * lease's start and by the change's end; an expiry never moves earlier.
 */
export function extendedExpiry(lease: Lease, plan: Pick<GrantPlan, 'durationSeconds' | 'profile' | 'windowEnd'>, now: Date): Extension {
  const startMs = Date.parse(lease.startsAt);
  const from = Math.max(now.getTime(), startMs);
  const caps: [number, string][] = [[startMs + plan.profile.maxDuration * 1000, `the profile maximum counted from ${lease.startsAt}`]];
  const windowEnd = plan.windowEnd ?? lease.windowEnd;
  if (windowEnd !== undefined) caps.push([Date.parse(windowEnd), 'the change end']);
  let until = from + plan.durationSeconds * 1000;
  let cappedBy: string | undefined;
  for (const [cap, why] of caps) {
    if (cap < until) {
      until = cap;
      cappedBy = why;
    }
  }
  const grows = until > Date.parse(lease.expiresAt);
  return { expiresAt: grows ? new Date(until).toISOString() : lease.expiresAt, grows, cappedBy };
}

/**
 * Whether a lease grants exactly what a plan asks for (profile, cluster, role, subject, requester
 * and namespaces): only then may a new approval extend it. Anything else is a new lease.
 */
export function sameAccess(lease: Lease, plan: GrantPlan): boolean {
  return (
    lease.profile === plan.profile.name &&
    lease.cluster === plan.cluster &&
    lease.roleRef.kind === plan.roleRef.kind &&
    lease.roleRef.name === plan.roleRef.name &&
    lease.subject.kind === plan.subject.kind &&
    lease.subject.name === plan.subject.name &&
    lease.requester.id === plan.requester.id &&
    [...lease.namespaces].sort().join(',') === [...plan.namespaces].sort().join(',')
  );
}
