import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccessVerification, HistoryEntry, Lease } from '../../domain/lease.js';
import type { GrantNote } from '../../domain/owed-notes.js';
import { LeaseStoreError } from '../../errors.js';
import type { OwedAnnouncements } from '../../ports/owed-announcements.js';
import { fromItem, leaseKey } from './lease-item.js';
import { storeError } from './store-error.js';

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * Owed grant announcements on the lease items: conditional updates on `announceAt` that leave the
 * version alone and keep the status index's `dueAt` in step (`announceAt` while owed, the expiry after).
 */
export class DynamoDbOwedAnnouncements implements OwedAnnouncements {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async take(lease: Lease, now: string, until: string): Promise<Lease | undefined> {
    const held = until < lease.expiresAt ? until : lease.expiresAt;
    const updated = await this.update(lease.id, {
      UpdateExpression: 'SET #announceAt = :held, #dueAt = :held',
      ConditionExpression: '#status = :active AND attribute_exists(#grantNote) AND #announceAt <= :now AND #expiresAt = :expiresAt',
      ExpressionAttributeNames: { '#announceAt': 'announceAt', '#dueAt': 'dueAt', '#status': 'status', '#grantNote': 'grantNote', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':held': held, ':active': 'ACTIVE', ':now': now, ':expiresAt': lease.expiresAt },
      ReturnValues: 'ALL_NEW',
    });
    return updated === false ? undefined : updated;
  }

  async settle(leaseId: string, heldUntil: string, review: AccessVerification, entry: HistoryEntry): Promise<boolean> {
    const names = { '#status': 'status', '#announceAt': 'announceAt', '#grantNote': 'grantNote', '#history': 'history', '#verification': 'verification', '#dueAt': 'dueAt', '#expiresAt': 'expiresAt', '#idle': 'idle', '#checkAt': 'checkAt' };
    const common = { ':held': heldUntil, ':active': 'ACTIVE', ':entry': [plain(entry)] };
    // Back in the index at the lease's next idle check (never after its expiry), else at its expiry
    // as stored now (an extension may have moved it).
    const tail = '#history = list_append(#history, :entry), #dueAt = if_not_exists(#idle.#checkAt, #expiresAt) REMOVE #announceAt, #grantNote';
    // Any review stored already is kept: the grant's is added beside it, never over it. Never on a REVOKED lease.
    const first = await this.update(leaseId, {
      UpdateExpression: `SET #verification = :verification, ${tail}`,
      ConditionExpression: '#status = :active AND #announceAt = :held AND attribute_exists(#grantNote) AND attribute_not_exists(#verification)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...common, ':verification': { granted: plain(review) } },
    });
    if (first !== false) return true;
    const second = await this.update(leaseId, {
      UpdateExpression: `SET #verification.#granted = :granted, ${tail}`,
      ConditionExpression: '#status = :active AND #announceAt = :held AND attribute_exists(#grantNote) AND attribute_exists(#verification)',
      ExpressionAttributeNames: { ...names, '#granted': 'granted' },
      ExpressionAttributeValues: { ...common, ':granted': plain(review) },
    });
    return second !== false;
  }

  async defer(leaseId: string, heldUntil: string, retryAt: string, note: readonly GrantNote[]): Promise<boolean> {
    const updated = await this.update(leaseId, {
      UpdateExpression: 'SET #announceAt = :retry, #dueAt = :retry, #grantNote = :note',
      ConditionExpression: '#status = :active AND #announceAt = :held AND attribute_exists(#grantNote)',
      ExpressionAttributeNames: { '#status': 'status', '#announceAt': 'announceAt', '#dueAt': 'dueAt', '#grantNote': 'grantNote' },
      ExpressionAttributeValues: { ':active': 'ACTIVE', ':held': heldUntil, ':retry': retryAt, ':note': note },
    });
    return updated !== false;
  }

  async revokeTold(leaseId: string, heldUntil: string | undefined): Promise<boolean> {
    const held = heldUntil === undefined ? 'attribute_not_exists(#announceAt)' : '#announceAt = :held';
    const updated = await this.update(leaseId, {
      UpdateExpression: 'SET #dueAt = #expiresAt REMOVE #announceAt, #revokeNote',
      ConditionExpression: `#status = :revoked AND attribute_exists(#revokeNote) AND ${held}`,
      ExpressionAttributeNames: { '#announceAt': 'announceAt', '#dueAt': 'dueAt', '#expiresAt': 'expiresAt', '#status': 'status', '#revokeNote': 'revokeNote' },
      ExpressionAttributeValues: { ':revoked': 'REVOKED', ...(heldUntil === undefined ? {} : { ':held': heldUntil }) },
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
