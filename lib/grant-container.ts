import { buildOnCall } from './composition/sources.js';
import { buildReviewPorts } from './composition/reviews.js';
import type { Core } from './core-container.js';
import type { TicketSnapshot } from './domain/ticket.js';
import type { EvidenceMac } from './ports/evidence-mac.js';
import { makeGrantAccess, type GrantOptions, type GrantOutcome } from './use-cases/grant/grant-access.js';
import { makeReviewLease, type ReviewLease } from './use-cases/review-lease.js';

/** The grant and what it takes beyond the core (PagerDuty, review tasks): the webhooks' and the sweep's (which finishes PENDING grants). */
export interface GrantParts {
  readonly grantAccess: (ticket: TicketSnapshot, actor: string, options?: GrantOptions) => Promise<GrantOutcome>;
  /** Review tasks of on-call and break-glass leases; undefined when no profile grants without a person's approval. */
  readonly reviews: ReviewLease | undefined;
}

/**
 * Builds the grant over the core: the on-call directory when a profile accepts on-call approval,
 * review tasks when one grants without a person (`evidenceKey`: the sweep's, see sweepEvidenceKey).
 */
export function buildGrant(core: Core, evidenceKey?: { readonly mac: EvidenceMac | undefined }): GrantParts {
  const { config, sources, dynamodb, decorate, activity, shared } = core;
  const reviewPorts = buildReviewPorts({ catalog: config.catalog, sources, dynamodb, tableName: config.leasesTable, decorate, activity });
  // Only the sweep (given the evidence key) adds evidence to review tasks: the webhooks leave it to it.
  const reviews = reviewPorts === undefined ? undefined : makeReviewLease({ ...shared, ...reviewPorts, catalog: config.catalog, metrics: core.metrics, evidenceKey });
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
