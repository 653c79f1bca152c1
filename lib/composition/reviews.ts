import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbReviewRecords } from '../adapters/dynamodb/review-records.js';
import type { PortName } from '../adapters/audit/count-failures.js';
import type { Catalog } from '../domain/catalog.js';
import type { TicketSourceName } from '../domain/ticket.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { Metrics } from '../ports/metrics.js';
import type { ReviewTaskSystem } from '../ports/review-tasks.js';
import type { SourceModule } from '../ports/webhook-source.js';
import type { LeaseDeps } from '../use-cases/lease-deps.js';
import { makeReviewLease, type ReviewLease } from '../use-cases/review-lease.js';

/**
 * The review tasks of on-call and break-glass leases: each source's review system (decorated like
 * every port), the review queue in the lease table, and the use case. Undefined when no profile
 * grants without a person's approval.
 */
export function buildReviews(options: {
  readonly catalog: Catalog;
  readonly sources: readonly SourceModule[];
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly decorate: <T extends object>(name: PortName, port: T) => T;
  readonly shared: Pick<LeaseDeps, 'tickets' | 'leases' | 'audit' | 'clock' | 'logger'>;
  readonly metrics: Metrics;
  readonly activity: ActivityLog | undefined;
}): ReviewLease | undefined {
  const { catalog, activity } = options;
  if (!catalog.profiles.some((p) => p.onCall !== undefined || p.breakGlass !== undefined)) return undefined;
  const systems: Partial<Record<TicketSourceName, ReviewTaskSystem>> = {};
  for (const source of options.sources) {
    if (source.reviews !== undefined) systems[source.name] = options.decorate(`reviews.${source.name}`, source.reviews);
  }
  return makeReviewLease({
    ...options.shared,
    catalog,
    systems,
    records: options.decorate('leases', new DynamoDbReviewRecords(options.dynamodb, options.tableName)),
    metrics: options.metrics,
    expectsEvidence: (cluster) => activity?.configured(cluster) ?? false,
    evidenceDelaySeconds: (cluster) => activity?.delaySeconds(cluster) ?? 0,
  });
}
