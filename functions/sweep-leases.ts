import { container } from '../lib/container.js';
import type { SweepSummary } from '../lib/use-cases/sweep-leases.js';

/** `rate(1 minute)`: revokes every ACTIVE lease past its expiry whose rule did not fire. */
export const handler = async (): Promise<SweepSummary> => container().sweepLeases();
