import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AnnouncementQueue } from '../../ports/grant-follow-up.js';
import { ANNOUNCE_DUE_STATUS, announceKey } from './lease-item.js';
import { DynamoDbLeaseQueue } from './lease-queue.js';

/** The announcement queue in the lease table: `announce#<lease id>` items under ANNOUNCE_DUE in the status index. */
export function dynamoDbAnnouncementQueue(client: DynamoDBClient, tableName: string): AnnouncementQueue {
  return new DynamoDbLeaseQueue(DynamoDBDocumentClient.from(client), tableName, { key: announceKey, status: ANNOUNCE_DUE_STATUS });
}
