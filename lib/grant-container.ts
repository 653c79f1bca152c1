import { buildOnCall } from './composition/sources.js';
import { buildReviewPorts } from './composition/reviews.js';
import type { Core } from './core-container.js';
import type { TicketSnapshot } from './domain/ticket.js';
import { makeGrantAccess, type GrantOptions, type GrantOutcome } from './use-cases/grant/grant-access.js';
import { makeReviewLease, type ReviewLease } from './use-cases/review-lease.js';

/** The grant and what it takes beyond the core (PagerDuty, review tasks): the webhooks' and the sweep's (which finishes PENDING grants). */
export interface GrantParts {
  readonly grantAccess: (ticket: TicketSnapshot, actor: string, options?: GrantOptions) => Promise<GrantOutcome>;
  /** Review tasks of on-call and break-glass leases; undefined when no profile grants without a person's approval. */
  readonly reviews: ReviewLease | undefined;
}

/** Builds the grant over the core: the on-call directory when a profile accepts on-call approval, review tasks when one grants without a person. */
export function buildGrant(core: Core): GrantParts {
  const { config, sources, dynamodb, decorate, activity, shared } = core;
  const reviewPorts = buildReviewPorts({ catalog: config.catalog, sources, dynamodb, tableName: config.leasesTable, decorate, activity });
  const reviews = reviewPorts === undefined ? undefined : makeReviewLease({ ...shared, ...reviewPorts, catalog: config.catalog, metrics: core.metrics });
  const directory = buildOnCall(config, core.secret);
  const onCall = directory === undefined ? undefined : decorate('onCall', directory);
  const grantAccess = makeGrantAccess({
    ...shared,
    metrics: core.metrics,
    onCall,
    catalog: config.catalog,
    schedulePrefix: config.schedulePrefix,
    pendingGraceSeconds: config.pendingGraceSeconds,
    announce: core.announce,
    reviews,
  });
  return { grantAccess, reviews };
}
