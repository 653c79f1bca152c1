import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Lease } from '../../domain/lease.js';
import { LeaseStoreError } from '../../errors.js';
import type { OwedRevokeCommentDue, OwedRevokeComments } from '../../ports/owed-revoke-comments.js';
import type { OnQueueFinding } from '../../ports/queue-findings.js';
import { REVOKE_COMMENT_DUE_STATUS, fromItem, leaseKey, revokeCommentKey } from './lease-item.js';
import { DynamoDbLeaseQueue } from './lease-queue.js';
import { storeError } from './store-error.js';

/**
 * Revoke comments owed to a holder, in the lease table: a queue item per lease
 * (`lease#<id>#revoke-comment`, in the status index under REVOKE_COMMENT_DUE, with a `record` so
 * the lease history's scan skips it) and the comment itself on the lease item (`revokeNote`).
 */
export class DynamoDbOwedRevokeComments implements OwedRevokeComments {
  private readonly doc: DynamoDBDocumentClient;
  private readonly queued: DynamoDbLeaseQueue;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
    this.queued = new DynamoDbLeaseQueue(this.doc, tableName, { name: 'revoke-comment', key: revokeCommentKey, status: REVOKE_COMMENT_DUE_STATUS, record: 'revoke-comment' });
  }

  queue(leaseId: string, dueAt: Date): Promise<void> {
    return this.queued.queue(leaseId, dueAt);
  }

  postpone(leaseId: string, dueAt: Date): Promise<void> {
    return this.queued.postpone(leaseId, dueAt);
  }

  due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly OwedRevokeCommentDue[]> {
    return this.queued.due(before, limit, onFinding);
  }

  drop(leaseId: string): Promise<void> {
    return this.queued.drop(leaseId);
  }

  async take(leaseId: string, now: string, until: string, beyond?: string): Promise<Lease | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(leaseId) },
          UpdateExpression: 'SET #announceAt = :until',
          ConditionExpression: `#status = :revoked AND attribute_exists(#revokeNote) AND (attribute_not_exists(#announceAt) OR #announceAt <= :now${beyond === undefined ? '' : ' OR #announceAt > :beyond'})`,
          ExpressionAttributeNames: { '#announceAt': 'announceAt', '#status': 'status', '#revokeNote': 'revokeNote' },
          ExpressionAttributeValues: { ':until': until, ':revoked': 'REVOKED', ':now': now, ...(beyond === undefined ? {} : { ':beyond': beyond }) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (result.Attributes === undefined) throw new LeaseStoreError(`UpdateItem on lease ${leaseId} returned no item`);
      return fromItem(result.Attributes);
    } catch (error) {
      if (error instanceof LeaseStoreError) throw error;
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw storeError('UpdateItem', error);
    }
  }
}
