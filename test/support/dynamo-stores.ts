import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { DynamoDbIdleWatches } from '../../lib/adapters/dynamodb/idle-watches.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { DynamoDbOwedAnnouncements } from '../../lib/adapters/dynamodb/owed-announcements.js';
import { DynamoDbOwedRevokeComments } from '../../lib/adapters/dynamodb/owed-revoke-comments.js';

/** Every lease store of `wire` on one DynamoDB table (created if missing), as the deployed functions use them. */
export async function dynamoStores(client: DynamoDBClient, table: string) {
  await ensureLeaseTable(client, table);
  return {
    leases: new DynamoDbLeaseStore(client, table),
    announcements: new DynamoDbOwedAnnouncements(client, table),
    evidence: new DynamoDbEvidenceStore(client, table),
    idleWatches: new DynamoDbIdleWatches(client, table),
    revokeComments: new DynamoDbOwedRevokeComments(client, table),
  };
}
