import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbReviewRecords } from '../adapters/dynamodb/review-records.js';
import type { PortName } from '../adapters/audit/count-failures.js';
import type { Catalog } from '../domain/catalog.js';
import type { TicketSourceName } from '../domain/ticket.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { ReviewRecords, ReviewTaskSystem, ReviewTaskSystems } from '../ports/review-tasks.js';
import type { SourceModule } from '../ports/webhook-source.js';

/** What the review use case is built from (see makeReviewLease). */
export interface ReviewPorts {
  readonly systems: ReviewTaskSystems;
  readonly records: ReviewRecords;
  readonly expectsEvidence: (cluster: string) => boolean;
  readonly evidenceDelaySeconds: (cluster: string) => number;
}

/**
 * The ports of review tasks of on-call and break-glass leases: each source's review system
 * (decorated like every port) and the review queue in the lease table. Undefined when no profile
 * grants without a person's approval.
 */
export function buildReviewPorts(options: {
  readonly catalog: Catalog;
  readonly sources: readonly SourceModule[];
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly decorate: <T extends object>(name: PortName, port: T) => T;
  readonly activity: ActivityLog | undefined;
}): ReviewPorts | undefined {
  const { catalog, activity } = options;
  if (!catalog.profiles.some((p) => p.onCall !== undefined || p.breakGlass !== undefined)) return undefined;
  const systems: Partial<Record<TicketSourceName, ReviewTaskSystem>> = {};
  for (const source of options.sources) {
    if (source.reviews !== undefined) systems[source.name] = options.decorate(`reviews.${source.name}`, source.reviews);
  }
  return {
    systems,
    records: options.decorate('leases', new DynamoDbReviewRecords(options.dynamodb, options.tableName)),
    expectsEvidence: (cluster) => activity?.configured(cluster) ?? false,
    evidenceDelaySeconds: (cluster) => activity?.delaySeconds(cluster) ?? 0,
  };
}
