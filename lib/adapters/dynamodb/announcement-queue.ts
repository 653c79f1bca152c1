import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccessVerification, HistoryEntry, Lease } from '../../domain/lease.js';
import { LeaseStoreError } from '../../errors.js';
import type { AnnouncementDue, AnnouncementQueue } from '../../ports/grant-follow-up.js';
import { ANNOUNCE_DUE_STATUS, announceKey, fromItem, leaseKey } from './lease-item.js';
import { DynamoDbLeaseQueue } from './lease-queue.js';
import { storeError } from './store-error.js';

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * The announcement queue in the lease table (`announce#<lease id>` items under ANNOUNCE_DUE in the
 * status index) and the announcement's marks on the lease item: conditional updates that leave the
 * lease's version alone.
 */
export class DynamoDbAnnouncementQueue implements AnnouncementQueue {
  private readonly doc: DynamoDBDocumentClient;
  private readonly queued: DynamoDbLeaseQueue;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
    this.queued = new DynamoDbLeaseQueue(this.doc, tableName, { key: announceKey, status: ANNOUNCE_DUE_STATUS });
  }

  queue(leaseId: string, dueAt: Date): Promise<void> {
    return this.queued.queue(leaseId, dueAt);
  }

  postpone(leaseId: string, dueAt: Date): Promise<void> {
    return this.queued.postpone(leaseId, dueAt);
  }

  due(before: Date, limit: number): Promise<readonly AnnouncementDue[]> {
    return this.queued.due(before, limit);
  }

  drop(leaseId: string): Promise<void> {
    return this.queued.drop(leaseId);
  }

  async claim(leaseId: string, at: string, staleBefore: string): Promise<Lease | undefined> {
    const updated = await this.update(leaseId, {
      UpdateExpression: 'SET #announcing = :at',
      ConditionExpression: '#status = :active AND attribute_exists(#grantNote) AND (attribute_not_exists(#announcing) OR #announcing < :stale)',
      ExpressionAttributeNames: { '#announcing': 'announcing', '#status': 'status', '#grantNote': 'grantNote' },
      ExpressionAttributeValues: { ':at': at, ':active': 'ACTIVE', ':stale': staleBefore },
      ReturnValues: 'ALL_NEW',
    });
    return updated === false ? undefined : updated;
  }

  async finish(leaseId: string, at: string, review: AccessVerification, entry: HistoryEntry): Promise<boolean> {
    const names = { '#announcing': 'announcing', '#grantNote': 'grantNote', '#history': 'history', '#verification': 'verification' };
    const common = { ':at': at, ':entry': [plain(entry)] };
    const tail = 'REMOVE #announcing, #grantNote';
    // A revoke meanwhile may have stored its own review: add the grant's beside it, never over it.
    const first = await this.update(leaseId, {
      UpdateExpression: `SET #verification = :verification, #history = list_append(#history, :entry) ${tail}`,
      ConditionExpression: '#announcing = :at AND attribute_not_exists(#verification)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...common, ':verification': { granted: plain(review) } },
    });
    if (first !== false) return true;
    const second = await this.update(leaseId, {
      UpdateExpression: `SET #verification.#granted = :granted, #history = list_append(#history, :entry) ${tail}`,
      ConditionExpression: '#announcing = :at AND attribute_exists(#verification)',
      ExpressionAttributeNames: { ...names, '#granted': 'granted' },
      ExpressionAttributeValues: { ...common, ':granted': plain(review) },
    });
    return second !== false;
  }

  async release(leaseId: string, at: string): Promise<void> {
    await this.update(leaseId, {
      UpdateExpression: 'REMOVE #announcing',
      ConditionExpression: '#announcing = :at',
      ExpressionAttributeNames: { '#announcing': 'announcing' },
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async amendNote(leaseId: string, note: string): Promise<boolean> {
    const updated = await this.update(leaseId, {
      UpdateExpression: 'SET #grantNote = :note',
      ConditionExpression: 'attribute_exists(#grantNote) AND attribute_not_exists(#announcing)',
      ExpressionAttributeNames: { '#grantNote': 'grantNote', '#announcing': 'announcing' },
      ExpressionAttributeValues: { ':note': note },
    });
    return updated !== false;
  }

  /** A conditional update of the lease item: the lease as stored after it (with ALL_NEW), undefined without, false when the condition failed. */
  private async update(leaseId: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>): Promise<Lease | undefined | false> {
    try {
      const result = await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: { pk: leaseKey(leaseId) }, ...input }));
      if (input.ReturnValues !== 'ALL_NEW') return undefined;
      if (result.Attributes === undefined) throw new LeaseStoreError(`UpdateItem on lease ${leaseId} returned no item`);
      return fromItem(result.Attributes);
    } catch (error) {
      if (error instanceof LeaseStoreError) throw error;
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeError('UpdateItem', error);
    }
  }
}
