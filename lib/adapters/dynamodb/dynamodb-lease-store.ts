import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { HistoryEntry, Lease, LeaseStatus } from '../../domain/lease.js';
import type { Person, TicketSourceName } from '../../domain/ticket.js';
import { canTransition, OPEN_STATUSES } from '../../domain/lease.js';
import { LeaseStoreError } from '../../errors.js';
import type { CreateResult, LeaseStore, TransitionPatch, TransitionResult } from '../../ports/lease-store.js';
import { REQUESTER_INDEX, STATUS_DUE_INDEX, TICKET_INDEX } from './lease-table.js';
import { approvalKey, deliveryKey, dueAt, fromItem, leaseKey, requesterRef, ticketRef, toItem } from './lease-item.js';

const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

function storeError(action: string, error: unknown): LeaseStoreError {
  const name = error instanceof Error ? error.name : '';
  return new LeaseStoreError(`DynamoDB ${action} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    retryable: RETRYABLE.has(name) || name === 'TimeoutError' || name === 'ECONNREFUSED',
  });
}

/**
 * Leases in one DynamoDB table, one item per lease, every change a single-item conditional
 * write (no transactions: dynalite lacks them and we do not need them).
 */
export class DynamoDbLeaseStore implements LeaseStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async create(lease: Lease): Promise<CreateResult> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: toItem(lease), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return { created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('PutItem', error);
    }
    const existing = await this.get(lease.id);
    if (existing === undefined) throw new LeaseStoreError(`lease ${lease.id} exists but could not be read`, { retryable: true });
    return { created: false, existing };
  }

  async get(id: string): Promise<Lease | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const result = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: leaseKey(id) }, ConsistentRead: true }),
      );
      item = result.Item;
    } catch (error) {
      throw storeError('GetItem', error);
    }
    if (item === undefined) return undefined;
    try {
      return fromItem(item);
    } catch (error) {
      throw new LeaseStoreError(`lease item ${id} does not match the lease schema`, { cause: error });
    }
  }

  async transition(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch: TransitionPatch = {}): Promise<TransitionResult> {
    if (!canTransition(lease.status, to)) {
      throw new LeaseStoreError(`lease ${lease.id}: ${lease.status} → ${to} is not an allowed transition`);
    }
    const sets = ['#status = :to', '#version = :next', '#history = list_append(#history, :entry)', '#dueAt = :dueAt'];
    const names: Record<string, string> = { '#status': 'status', '#version': 'version', '#history': 'history', '#dueAt': 'dueAt' };
    const values: Record<string, unknown> = {
      ':to': to,
      ':dueAt': dueAt({ status: to, startsAt: lease.startsAt, createdAt: lease.createdAt, expiresAt: patch.expiresAt ?? lease.expiresAt }),
      ':from': lease.status,
      ':version': lease.version,
      ':next': lease.version + 1,
      ':entry': [JSON.parse(JSON.stringify(entry)) as unknown],
    };
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      sets.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = value;
    }
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(lease.id) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :from AND #version = :version',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (result.Attributes === undefined) throw new LeaseStoreError(`UpdateItem on lease ${lease.id} returned no item`);
      return { ok: true, lease: fromItem(result.Attributes) };
    } catch (error) {
      if (error instanceof LeaseStoreError) throw error;
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('UpdateItem', error);
    }
    return { ok: false, current: await this.get(lease.id) };
  }

  async listDue(status: LeaseStatus, before: Date, limit: number): Promise<readonly Lease[]> {
    return this.query(
      {
        IndexName: STATUS_DUE_INDEX,
        KeyConditionExpression: '#status = :status AND dueAt <= :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':before': before.toISOString() },
      },
      limit,
    );
  }

  async listOpenForRequester(source: TicketSourceName, requester: Person): Promise<readonly Lease[]> {
    // The index holds keys only: read each lease (consistently) and keep the open ones.
    let page;
    try {
      page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: REQUESTER_INDEX,
          KeyConditionExpression: 'requesterRef = :ref',
          ExpressionAttributeValues: { ':ref': requesterRef(source, requester) },
          Limit: 200,
        }),
      );
    } catch (error) {
      throw storeError('Query', error);
    }
    const ids = (page.Items ?? []).map((item) => String(item.pk).replace(/^lease#/, ''));
    const leases = await Promise.all(ids.map((id) => this.get(id)));
    return leases.filter((l): l is Lease => l !== undefined && OPEN_STATUSES.includes(l.status));
  }

  async listForTicket(source: TicketSourceName, ticketKey: string): Promise<readonly Lease[]> {
    return this.query(
      {
        IndexName: TICKET_INDEX,
        KeyConditionExpression: 'ticketRef = :ref',
        ExpressionAttributeValues: { ':ref': ticketRef(source, ticketKey) },
      },
      1000,
    );
  }

  private async query(
    input: Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
    limit: number,
  ): Promise<Lease[]> {
    const leases: Lease[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      let page;
      try {
        page = await this.doc.send(
          new QueryCommand({ TableName: this.tableName, ...input, Limit: limit - leases.length, ExclusiveStartKey: startKey }),
        );
      } catch (error) {
        throw storeError('Query', error);
      }
      for (const item of page.Items ?? []) leases.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && leases.length < limit);
    return leases;
  }

  async claimApproval(idempotencyKey: string, leaseId: string): Promise<string> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: approvalKey(idempotencyKey), leaseId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return leaseId;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('PutItem', error);
    }
    const holder = await this.approvalClaim(idempotencyKey);
    if (holder === undefined) throw new LeaseStoreError(`approval ${idempotencyKey} is claimed but could not be read`, { retryable: true });
    return holder;
  }

  async approvalClaim(idempotencyKey: string): Promise<string | undefined> {
    try {
      const result = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: approvalKey(idempotencyKey) }, ConsistentRead: true }),
      );
      const leaseId: unknown = result.Item?.leaseId;
      return typeof leaseId === 'string' ? leaseId : undefined;
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }

  async rememberDelivery(deliveryId: string, now: Date, ttlSeconds: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: deliveryKey(deliveryId),
            processedAt: now.toISOString(),
            ttl: Math.floor(now.getTime() / 1000) + ttlSeconds,
          },
        }),
      );
    } catch (error) {
      throw storeError('PutItem', error);
    }
  }

  async hasDelivery(deliveryId: string): Promise<boolean> {
    try {
      const result = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: deliveryKey(deliveryId) } }));
      return result.Item !== undefined;
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }
}
