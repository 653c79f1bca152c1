import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvidence } from '../../domain/activity.js';
import type { Lease } from '../../domain/lease.js';
import { LeaseStoreError } from '../../errors.js';
import type { EvidenceDue, EvidenceStore } from '../../ports/evidence-store.js';
import { EVIDENCE_DUE_STATUS, evidenceKey, fromItem, leaseKey } from './lease-item.js';
import { STATUS_DUE_INDEX } from './lease-table.js';
import { storeError } from './store-error.js';

/**
 * The evidence queue and the evidence itself, in the lease table: a queue item per lease
 * (`evidence#<id>`, in the status index under EVIDENCE_DUE, so the sweep queries only what is due)
 * and the evidence as an attribute of the lease item, written once.
 */
export class DynamoDbEvidenceStore implements EvidenceStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async queue(leaseId: string, dueAt: Date): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: evidenceKey(leaseId), status: EVIDENCE_DUE_STATUS, dueAt: dueAt.toISOString(), leaseId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('PutItem', error);
    }
  }

  async postpone(leaseId: string, dueAt: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: evidenceKey(leaseId) },
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

  async due(before: Date, limit: number): Promise<readonly EvidenceDue[]> {
    try {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: STATUS_DUE_INDEX,
          KeyConditionExpression: '#status = :status AND dueAt <= :before',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': EVIDENCE_DUE_STATUS, ':before': before.toISOString() },
          Limit: limit,
        }),
      );
      return (page.Items ?? []).flatMap((item) => (typeof item.leaseId === 'string' && typeof item.dueAt === 'string' ? [{ leaseId: item.leaseId, dueAt: item.dueAt }] : []));
    } catch (error) {
      throw storeError('Query', error);
    }
  }

  async drop(leaseId: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: evidenceKey(leaseId) } }));
    } catch (error) {
      throw storeError('DeleteItem', error);
    }
  }

  async record(leaseId: string, evidence: ActivityEvidence): Promise<Lease | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(leaseId) },
          UpdateExpression: 'SET #evidence = :evidence, #version = #version + :one',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#evidence) AND #status = :revoked',
          ExpressionAttributeNames: { '#evidence': 'evidence', '#version': 'version', '#status': 'status' },
          ExpressionAttributeValues: { ':evidence': JSON.parse(JSON.stringify(evidence)) as unknown, ':one': 1, ':revoked': 'REVOKED' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (result.Attributes === undefined) throw new LeaseStoreError(`UpdateItem on lease ${leaseId} returned no item`);
      return fromItem(result.Attributes);
    } catch (error) {
      if (error instanceof LeaseStoreError) throw error;
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('UpdateItem', error);
    }
    // Evidence was stored first by another run (or the lease is gone, or not REVOKED): what is stored stands.
    return this.get(leaseId);
  }

  async markPosted(leaseId: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(leaseId) },
          UpdateExpression: 'SET #evidence.#postedAt = :at',
          ConditionExpression: 'attribute_exists(#evidence)',
          ExpressionAttributeNames: { '#evidence': 'evidence', '#postedAt': 'postedAt' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('UpdateItem', error);
    }
  }

  private async get(leaseId: string): Promise<Lease | undefined> {
    try {
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: leaseKey(leaseId) }, ConsistentRead: true }));
      return Item === undefined || Item.record !== undefined ? undefined : fromItem(Item);
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }
}
