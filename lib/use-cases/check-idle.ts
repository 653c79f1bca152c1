import { activeSince, decideIdle, idleReadWindow, idleRevokeText, IDLE_RETRY_SECONDS, lastRequestThrough, type IdleWatch } from '../domain/idle.js';
import type { Lease } from '../domain/lease.js';
import { describeError } from '../errors.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { Clock } from '../ports/clock.js';
import type { IdleWatches } from '../ports/idle-watches.js';
import type { Logger } from '../ports/logger.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

export interface CheckIdleDeps {
  readonly activity: ActivityLog;
  readonly watches: IdleWatches;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
}

/**
 * revoked: idle, and revoked now (cause `idle`); watching: used, or too young to tell, looked at
 * again later; unknown: the audit log could not tell (unreadable, or the lease cannot be seen in it),
 * nothing is revoked; skipped: nothing to check (not watched, no longer ACTIVE, or another writer
 * changed the lease first).
 */
export type IdleCheck = 'revoked' | 'watching' | 'unknown' | 'skipped';

/**
 * The sweep's idle check of one ACTIVE lease with an idle watch, due now (see domain/idle.ts): reads
 * the subject's requests in the audit log from where the last check stopped up to the log's delay,
 * then revokes the lease if none went through its bindings for its timeout, or stores how far it
 * read and when to look again. Never revokes on missing data: a read that fails leaves the lease
 * as it is, looked at again in IDLE_RETRY_SECONDS. The grant and the access path are never touched.
 */
export function makeCheckIdle(deps: CheckIdleDeps): (lease: Lease) => Promise<IdleCheck> {
  const { activity, watches, clock, logger } = deps;

  async function store(lease: Lease, next: IdleWatch): Promise<IdleCheck> {
    return (await watches.record(lease, next)) ? 'watching' : 'skipped';
  }

  return async function checkIdle(lease: Lease): Promise<IdleCheck> {
    const watch = lease.idle;
    if (watch === undefined || lease.status !== 'ACTIVE' || lease.revokeRequested !== undefined) return 'skipped';
    const now = clock.now().getTime();
    const expiresAt = Date.parse(lease.expiresAt);
    if (now >= expiresAt) return 'skipped';
    const later = (seconds: number) => ({ ...watch, checkAt: new Date(Math.min(now + seconds * 1000, expiresAt)).toISOString() });
    if (!activity.configured(lease.cluster) || lease.subject.kind !== 'User') {
      // The catalog changed under a running lease: it can no longer be seen, so it runs to its expiry.
      logger.warn('idle check: the lease cannot be seen in an audit log; it is not revoked for idleness and runs to its expiry', { leaseId: lease.id, cluster: lease.cluster, subject: lease.subject.kind });
      return (await watches.record(lease, { ...watch, checkAt: lease.expiresAt })) ? 'unknown' : 'skipped';
    }
    const delayMs = activity.delaySeconds(lease.cluster) * 1000;
    const since = activeSince(lease);
    const window = idleReadWindow(watch, since, now, delayMs);
    let read: { to: number; lastRequest: number | undefined } | undefined;
    if (window !== undefined) {
      try {
        const events = await activity.read({ cluster: lease.cluster, username: lease.subject.name, from: window.from, to: window.to });
        read = { to: window.to.getTime(), lastRequest: lastRequestThrough(events, lease.bindings) };
      } catch (error) {
        // Missing data is never idleness: the lease stays, and is looked at again shortly (counted as BackendFailures{activity}).
        logger.warn('idle check could not read the audit log: the lease is not revoked, the check is retried', { leaseId: lease.id, cluster: lease.cluster, error: describeError(error) });
        return (await watches.record(lease, later(IDLE_RETRY_SECONDS))) ? 'unknown' : 'skipped';
      }
    }
    const decision = decideIdle({ now, delayMs, watch, since, expiresAt, read });
    if (decision.kind === 'watch') return store(lease, decision.watch);
    const horizon = new Date(now - delayMs).toISOString();
    const note =
      decision.lastRequestAt === undefined
        ? `${idleRevokeText(watch.timeout)}: none from its activation (${new Date(since).toISOString()}) up to ${horizon}`
        : `${idleRevokeText(watch.timeout)}: the last at ${decision.lastRequestAt}, none after it up to ${horizon}`;
    const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'idle', actor: 'sweep', note });
    return outcome.kind === 'revoked' ? 'revoked' : 'skipped';
  };
}

/** The sweep's idle checks of the leases due for one, each a step of its run (see makeSweepLeases); returns how many were revoked. */
export async function checkIdleLeases(due: readonly Lease[], checkIdle: (lease: Lease) => Promise<IdleCheck>, step: (what: string, work: () => Promise<void>) => Promise<void>): Promise<number> {
  let revoked = 0;
  for (const lease of due) {
    await step(`check lease ${lease.id} for idleness`, async () => {
      if ((await checkIdle(lease)) === 'revoked') revoked += 1;
    });
  }
  return revoked;
}
