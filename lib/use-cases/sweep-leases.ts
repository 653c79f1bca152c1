import { describeError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

export interface SweepLeasesDeps {
  readonly leases: LeaseStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  /** Most leases handled in one run; the rest wait for the next run. */
  readonly batchSize: number;
}

export interface SweepSummary {
  readonly due: number;
  readonly revoked: number;
  readonly failed: number;
  readonly skipped: number;
}

/**
 * The backstop for a revocation schedule that never fired: revokes every ACTIVE lease past its
 * expiry, found through the status/expiry index (never a scan), so its cost grows with what is due.
 */
export function makeSweepLeases(deps: SweepLeasesDeps): () => Promise<SweepSummary> {
  return async function sweepLeases(): Promise<SweepSummary> {
    const now = deps.clock.now();
    const due = await deps.leases.listExpiring('ACTIVE', now, deps.batchSize);
    let revoked = 0;
    let failed = 0;
    let skipped = 0;
    for (const lease of due) {
      try {
        const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'sweep', actor: 'sweep' });
        if (outcome.kind === 'revoked') revoked += 1;
        else skipped += 1;
      } catch (error) {
        failed += 1;
        deps.logger.error('sweep could not revoke lease', { leaseId: lease.id, error: describeError(error) });
      }
    }
    const summary = { due: due.length, revoked, failed, skipped };
    deps.logger.info('sweep finished', { ...summary });
    return summary;
  };
}
