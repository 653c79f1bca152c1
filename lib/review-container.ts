import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { loadConfig, type Config } from './config.js';
import { reviewParts, type ReviewOverrides } from './composition/review.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';
import { makeReviewPacks } from './use-cases/review-packs.js';
import { makeScheduledReview } from './use-cases/scheduled-review.js';

/** The access review (`kube-lease review`, the scheduled review): its use cases over the ports composition/review.ts builds. */
export function reviewPacks(config: Config, env: NodeJS.ProcessEnv, overrides: ReviewOverrides & { readonly clock?: Clock; readonly logger?: Logger } = {}) {
  const parts = reviewParts(config, env, overrides);
  const packs = makeReviewPacks(parts);
  const logger = overrides.logger ?? new PowertoolsLogger({ serviceName: 'kube-lease' });
  return { ...packs, desk: parts.desk, close: () => parts.close(), scheduled: makeScheduledReview({ packs, clock: overrides.clock ?? systemClock, logger, ...parts.settings }) };
}

/** The review pack function's root: configuration from the environment, nothing of the lease functions' (no cluster, no grant). */
export function lambdaReviewPacks(env: NodeJS.ProcessEnv = process.env): ReturnType<typeof reviewPacks> {
  return reviewPacks(loadConfig(env), env);
}
