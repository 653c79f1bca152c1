import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IdleWatch } from '../../domain/idle.js';
import type { Lease } from '../../domain/lease.js';
import type { IdleWatches } from '../../ports/idle-watches.js';
import { dueAt, leaseKey } from './lease-item.js';
import { storeError } from './store-error.js';

/** Idle watches on the lease items: one conditional update that leaves the version alone and moves `dueAt` with the watch. */
export class DynamoDbIdleWatches implements IdleWatches {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async record(lease: Lease, next: IdleWatch): Promise<boolean> {
    if (lease.idle === undefined) return false;
    const announced = lease.announceAt === undefined ? 'attribute_not_exists(#announceAt)' : '#announceAt = :announceAt';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(lease.id) },
          UpdateExpression: 'SET #idle = :idle, #dueAt = :dueAt',
          ConditionExpression: `#status = :active AND #idle.#checkAt = :checkAt AND #expiresAt = :expiresAt AND attribute_not_exists(#revokeRequested) AND ${announced}`,
          ExpressionAttributeNames: { '#idle': 'idle', '#checkAt': 'checkAt', '#dueAt': 'dueAt', '#status': 'status', '#expiresAt': 'expiresAt', '#revokeRequested': 'revokeRequested', '#announceAt': 'announceAt' },
          ExpressionAttributeValues: {
            ':idle': JSON.parse(JSON.stringify(next)) as unknown,
            ':dueAt': dueAt({ ...lease, idle: next }),
            ':active': 'ACTIVE',
            ':checkAt': lease.idle.checkAt,
            ':expiresAt': lease.expiresAt,
            ...(lease.announceAt === undefined ? {} : { ':announceAt': lease.announceAt }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeError('UpdateItem', error);
    }
  }
}
