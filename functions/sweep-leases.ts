import { sweepContainer } from '../lib/sweep-container.js';
import { remainingOf, withDeadline } from '../lib/deadline.js';
import type { SweepSummary } from '../lib/use-cases/sweep-leases.js';
import { prepareDuringInit } from '../lib/http/lambda-init.js';

// Secrets, ITSM clients and cluster access are read in parallel while Lambda initialises.
await prepareDuringInit(() => sweepContainer().prepare());

/** Leave this much of the Lambda's time unused, so a run always ends cleanly and reports. */
const SAFETY_MS = 5_000;

/** `rate(1 minute)`: the reconciling sweep, bounded by the time Lambda gives it. */
export const handler = async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<SweepSummary> => {
  const remaining = remainingOf(context);
  return withDeadline(remaining, () => sweepContainer().sweepLeases(remaining === undefined ? {} : { deadline: () => remaining() - SAFETY_MS }));
};
