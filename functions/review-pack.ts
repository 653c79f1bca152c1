import { lambdaReviewPacks } from '../lib/review-container.js';
import type { ScheduledReviewResult } from '../lib/use-cases/scheduled-review.js';

/** Off by default (its schedule is disabled): the access review pack of the last whole period, filed once (docs/review-packs.md). */
export const handler = async (): Promise<ScheduledReviewResult> => {
  const review = lambdaReviewPacks();
  try {
    return await review.scheduled();
  } finally {
    review.close();
  }
};
