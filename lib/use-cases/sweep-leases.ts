import { describeError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { ActivateLeaseInput, ActivateOutcome } from './activate-lease.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

export interface SweepLeasesDeps {
  readonly leases: LeaseStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
  /** Most leases handled in one run; the rest wait for the next run. */
  readonly batchSize: number;
}

export interface SweepSummary {
  readonly due: number;
  readonly revoked: number;
  readonly activated: number;
  readonly failed: number;
  readonly skipped: number;
}

/**
 * The backstop for a timer that never fired: activates every SCHEDULED lease whose window opened
 * and revokes every ACTIVE lease past its expiry, found through the status index (never a scan),
 * so its cost grows with what is due, not with what exists.
 */
export function makeSweepLeases(deps: SweepLeasesDeps): () => Promise<SweepSummary> {
  return async function sweepLeases(): Promise<SweepSummary> {
    const now = deps.clock.now();
    const expired = await deps.leases.listDue('ACTIVE', now, deps.batchSize);
    const starting = await deps.leases.listDue('SCHEDULED', now, deps.batchSize);
    let revoked = 0;
    let activated = 0;
    let failed = 0;
    let skipped = 0;
    for (const lease of starting) {
      try {
        const outcome = await deps.activateLease({ leaseId: lease.id, actor: 'sweep' });
        if (outcome.kind === 'activated') activated += 1;
        else skipped += 1;
      } catch (error) {
        failed += 1;
        deps.logger.error('sweep could not activate lease', { leaseId: lease.id, error: describeError(error) });
      }
    }
    for (const lease of expired) {
      try {
        const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'sweep', actor: 'sweep' });
        if (outcome.kind === 'revoked') revoked += 1;
        else skipped += 1;
      } catch (error) {
        failed += 1;
        deps.logger.error('sweep could not revoke lease', { leaseId: lease.id, error: describeError(error) });
      }
    }
    const due = expired.length + starting.length;
    const summary = { due, revoked, activated, failed, skipped };
    deps.logger.info('sweep finished', { ...summary });
    return summary;
  };
}
