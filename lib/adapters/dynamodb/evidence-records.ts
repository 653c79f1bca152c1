import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvidence } from '../../domain/activity.js';
import type { Lease } from '../../domain/lease.js';
import { LeaseStoreError } from '../../errors.js';
import type { EvidenceDue, EvidenceStore } from '../../ports/evidence-store.js';
import type { OnQueueFinding } from '../../ports/queue-findings.js';
import { EVIDENCE_DUE_STATUS, evidenceKey, fromItem, leaseKey } from './lease-item.js';
import { DynamoDbLeaseQueue } from './lease-queue.js';
import { storeError } from './store-error.js';

/**
 * The evidence queue and the evidence itself, in the lease table: a queue item per lease
 * (`evidence#<id>`, in the status index under EVIDENCE_DUE, so the sweep queries only what is due)
 * and the evidence as an attribute of the lease item, written once.
 */
export class DynamoDbEvidenceStore implements EvidenceStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly queued: DynamoDbLeaseQueue;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
    this.queued = new DynamoDbLeaseQueue(this.doc, tableName, { name: 'evidence', key: evidenceKey, status: EVIDENCE_DUE_STATUS });
  }

  queue(leaseId: string, dueAt: Date): Promise<void> {
    return this.queued.queue(leaseId, dueAt);
  }

  postpone(leaseId: string, dueAt: Date): Promise<void> {
    return this.queued.postpone(leaseId, dueAt);
  }

  due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly EvidenceDue[]> {
    return this.queued.due(before, limit, onFinding);
  }

  drop(leaseId: string): Promise<void> {
    return this.queued.drop(leaseId);
  }

  async record(leaseId: string, evidence: ActivityEvidence, replacing?: string): Promise<Lease | undefined> {
    // Replacing: only the record the sweep read (same collectedAt, never posted), so two runs never both replace.
    const stored = replacing === undefined ? 'attribute_not_exists(#evidence)' : '(attribute_not_exists(#evidence) OR (#evidence.#collectedAt = :seen AND attribute_not_exists(#evidence.#postedAt)))';
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(leaseId) },
          UpdateExpression: 'SET #evidence = :evidence, #version = #version + :one',
          ConditionExpression: `attribute_exists(pk) AND ${stored} AND #status = :revoked`,
          ExpressionAttributeNames: { '#evidence': 'evidence', '#version': 'version', '#status': 'status', ...(replacing === undefined ? {} : { '#collectedAt': 'collectedAt', '#postedAt': 'postedAt' }) },
          ExpressionAttributeValues: { ':evidence': JSON.parse(JSON.stringify(evidence)) as unknown, ':one': 1, ':revoked': 'REVOKED', ...(replacing === undefined ? {} : { ':seen': replacing }) },
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
