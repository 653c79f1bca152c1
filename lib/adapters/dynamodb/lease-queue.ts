import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STATUS_DUE_INDEX } from './lease-table.js';
import { storeError } from './store-error.js';

/** A lease waiting on a queue, and since when it is due. */
export interface QueuedLease {
  readonly leaseId: string;
  readonly dueAt: string;
}

/** What a queue's items are: their key, their status in the index, and (if any) their `record` kind. */
export interface QueueKind {
  readonly key: (leaseId: string) => string;
  readonly status: string;
  /**
   * Items under a `lease#` key carry a `record` (what the lease history's scan skips) and are made by
   * an UpdateItem, which the roles that write them may do on `lease#` keys (PutItem: not all of them).
   */
  readonly record?: string;
}

/**
 * A queue of leases in the lease table: one item per lease, in the status index under its own
 * status, so the sweep queries only what is due. Used for the activity evidence (`evidence#<id>`,
 * EVIDENCE_DUE) and for revoke comments owed to a holder (`lease#<id>#revoke-comment`).
 */
export class DynamoDbLeaseQueue {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly kind: QueueKind,
  ) {}

  /** Idempotent: queueing again keeps the first due time. */
  async queue(leaseId: string, dueAt: Date): Promise<void> {
    const { key, status, record } = this.kind;
    const item = { pk: key(leaseId), status, dueAt: dueAt.toISOString(), leaseId };
    try {
      if (record === undefined) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      else {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: item.pk },
            UpdateExpression: 'SET #status = :status, dueAt = :dueAt, leaseId = :leaseId, #record = :record',
            ConditionExpression: 'attribute_not_exists(pk)',
            ExpressionAttributeNames: { '#status': 'status', '#record': 'record' },
            ExpressionAttributeValues: { ':status': status, ':dueAt': item.dueAt, ':leaseId': leaseId, ':record': record },
          }),
        );
      }
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError(record === undefined ? 'PutItem' : 'UpdateItem', error);
    }
  }

  /** Moves the due time of a queued lease (a lease no longer queued stays off the queue). */
  async postpone(leaseId: string, dueAt: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.kind.key(leaseId) },
          UpdateExpression: 'SET dueAt = :dueAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':dueAt': dueAt.toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('UpdateItem', error);
    }
  }

  /** Leases due at or before `before`, earliest first. */
  async due(before: Date, limit: number): Promise<readonly QueuedLease[]> {
    return (await queryDue(this.doc, this.tableName, this.kind.status, before, limit)).flatMap(queuedOf);
  }

  async drop(leaseId: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: this.kind.key(leaseId) } }));
    } catch (error) {
      throw storeError('DeleteItem', error);
    }
  }
}

/** The items of one status in the status index due at or before `before`, earliest first (one page of at most `limit`). */
export async function queryDue(doc: DynamoDBDocumentClient, tableName: string, status: string, before: Date, limit: number): Promise<Record<string, unknown>[]> {
  try {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: STATUS_DUE_INDEX,
        KeyConditionExpression: '#status = :status AND dueAt <= :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':before': before.toISOString() },
        Limit: limit,
      }),
    );
    return page.Items ?? [];
  } catch (error) {
    throw storeError('Query', error);
  }
}

/** A queue item's lease and due time, when it has both. */
export function queuedOf(item: Record<string, unknown>): QueuedLease[] {
  return typeof item.leaseId === 'string' && typeof item.dueAt === 'string' ? [{ leaseId: item.leaseId, dueAt: item.dueAt }] : [];
}
