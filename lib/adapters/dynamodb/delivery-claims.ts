import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryKey } from './lease-item.js';
import { storeError } from './store-error.js';

/**
 * Webhook delivery claims in the lease table: one item per digest of what the sender signed,
 * expiring by TTL. See `LeaseStore.claimDelivery` for the contract.
 */
export class DeliveryClaims {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(key: string, now: Date, ttlSeconds: number, staleAfterSeconds: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: deliveryKey(key), state: 'claimed', claimedAt: now.toISOString(), ttl: Math.floor(now.getTime() / 1000) + ttlSeconds },
          // New, or an unfinished claim old enough to have been left by a crash.
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAt < :stale)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': new Date(now.getTime() - staleAfterSeconds * 1000).toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeError('PutItem', error);
    }
  }

  async finish(key: string, now: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: deliveryKey(key) },
          UpdateExpression: 'SET #state = :done, doneAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':done': 'done', ':at': now.toISOString() },
        }),
      );
    } catch (error) {
      // Released or expired meanwhile: nothing to finish.
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('UpdateItem', error);
    }
  }

  async release(key: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: deliveryKey(key) },
          ConditionExpression: '#state = :claimed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('DeleteItem', error);
    }
  }
}
