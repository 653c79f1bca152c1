import type { RoleRules } from '../domain/least-privilege.js';
import { previousPeriod, type ReviewPeriodKind } from '../domain/review-period.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { FileOutcome, ReviewPacks } from './review-packs.js';

export interface ScheduledReviewDeps {
  readonly packs: ReviewPacks;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly period: ReviewPeriodKind;
  readonly fileFindings: boolean;
  readonly roles: () => RoleRules | undefined;
}

/** What a scheduled run did. */
export interface ScheduledReviewResult {
  readonly period: string;
  readonly digest: string;
  readonly filed: FileOutcome;
  readonly findings: number;
}

/**
 * The scheduled review (off by default): the pack of the last whole period before now, filed once
 * (a rerun finds the ticket and files nothing twice), and its findings when REVIEW_FILE_FINDINGS
 * says so. A pack that differs from the one filed is logged, never filed again: the ticket keeps
 * what was reviewed.
 */
export function makeScheduledReview(deps: ScheduledReviewDeps): () => Promise<ScheduledReviewResult> {
  return async () => {
    const period = previousPeriod(deps.period, deps.clock.now());
    const built = await deps.packs.build(period, { roles: deps.roles() });
    const filed = await deps.packs.file(built);
    if (filed.outcome === 'differs') {
      deps.logger.warn('the review ticket of this period states another digest: the records changed since it was filed; nothing was changed on it', { period: period.label, key: filed.key, stated: filed.statedDigest, now: built.digest });
    }
    const findings = deps.fileFindings && filed.outcome !== 'differs' ? await deps.packs.findings(filed.key, built) : [];
    if (filed.planted !== undefined) deps.logger.warn('tickets carrying the review pack\'s label were not created by kube-lease: not taken for its own', { period: period.label, planted: filed.planted.map((t) => t.key) });
    deps.logger.info('access review pack filed', { period: period.label, key: filed.key, outcome: filed.outcome, digest: built.digest, findings: findings.length });
    return { period: period.label, digest: built.digest, filed, findings: findings.length };
  };
}
