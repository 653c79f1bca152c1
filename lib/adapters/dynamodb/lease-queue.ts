import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OnQueueFinding } from '../../ports/queue-findings.js';
import { STATUS_DUE_INDEX } from './lease-table.js';
import { leaseIdInKey } from './queue-keys.js';
import { storeError } from './store-error.js';

/** A lease waiting on a queue, and since when it is due. */
export interface QueuedLease {
  readonly leaseId: string;
  readonly dueAt: string;
}

/** What a queue's items are: their key, their status in the index, and (if any) their `record` kind. */
export interface QueueKind {
  /** The queue's name in a finding (see QueueFinding). */
  readonly name: string;
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

  /**
   * Leases due at or before `before`, earliest first, each read from its item's own key. An item
   * that is not the queue's is a finding: off the queue (deleted when its key is one of the queue's,
   * else only out of the index) when the sweep may write its key, and told to `onFinding` (see readDue).
   */
  async due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly QueuedLease[]> {
    const { name, status, key } = this.kind;
    const drop = async (pk: string): Promise<boolean> => {
      if (leaseIdInKey(key, pk) === undefined) return unqueue(this.doc, this.tableName, status, pk);
      try {
        await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk }, ConditionExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':status': status } }));
        return true;
      } catch (error) {
        return error instanceof ConditionalCheckFailedException;
      }
    };
    return readDue(this.doc, this.tableName, { name, status, keyKind: keyKind(key('')), parse: (item) => queuedOf(this.kind, item), drop }, before, limit, onFinding);
  }

  async drop(leaseId: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: this.kind.key(leaseId) } }));
    } catch (error) {
      throw storeError('DeleteItem', error);
    }
  }
}

/**
 * How far one read of a queue looks past findings: a first page of at most the limit (every item
 * read, findings named by key), then up to FILTERED_PAGES pages of up to PAGE_ITEMS items each that
 * the query itself filters to the queue's kind of key. DynamoDB also ends a page at 1 MB read.
 */
export const FILTERED_PAGES = 20;
export const PAGE_ITEMS = 1000;

/** A queue's items in the status index: how each is read, and how one that is not the queue's leaves it. */
export interface DueRead<T> {
  readonly name: string;
  readonly status: string;
  /**
   * The kind of key the queue's items are under (its leading part, `evidence#` or `lease#`): one the
   * sweep may write, so it can take any item under it off the queue. Past the first page, items
   * under keys of other kinds (which it may not write: `delivery#`, `breakglass#`, ...) are skipped.
   */
  readonly keyKind: string;
  /** The item as the queue's entry, or undefined: it is not one of the queue's (a finding). */
  readonly parse: (item: Record<string, unknown>) => T | undefined;
  /** Takes a finding off the queue by its own key; whether it left (default: unqueue). */
  readonly drop?: (pk: string) => Promise<boolean>;
}

/** A key's kind: its leading part up to and including its first `#` (`lease#` for `lease#close#jira#1`). */
export const keyKind = (pk: string): string => pk.slice(0, pk.indexOf('#') + 1);

/**
 * The queue's entries due at or before `before`, earliest first, at most `limit`. Findings neither
 * count toward the limit nor stay first in line: each is dropped, told to `onFinding`, and read past.
 * A finding the sweep may not drop (a key of another kind) is read, named and reported on the first
 * page; past it, the query skips such items unread and they are reported as a count (`skipped`).
 * So they stall the queue, on every read until deleted, from limit + FILTERED_PAGES × PAGE_ITEMS
 * small ones (fewer large ones: a page also ends at 1 MB) due before its first real item.
 */
export async function readDue<T>(doc: DynamoDBDocumentClient, tableName: string, read: DueRead<T>, before: Date, limit: number, onFinding?: OnQueueFinding): Promise<T[]> {
  const found: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page <= FILTERED_PAGES && found.length < limit; page += 1) {
    const filter = page === 0 ? undefined : read.keyKind;
    const { items, skipped, next } = await queryDue(doc, tableName, read.status, before, page === 0 ? limit : PAGE_ITEMS, filter, startKey);
    if (skipped > 0) onFinding?.({ queue: read.name, key: '', dropped: false, skipped });
    for (const item of items) {
      if (found.length >= limit) break;
      const entry = read.parse(item);
      if (entry !== undefined) {
        found.push(entry);
        continue;
      }
      const key = typeof item.pk === 'string' ? item.pk : '';
      const dropped = key !== '' && (await (read.drop ?? ((pk: string) => unqueue(doc, tableName, read.status, pk)))(key));
      onFinding?.({ queue: read.name, key, dropped });
    }
    if (next === undefined) break;
    startKey = next;
  }
  return found;
}

interface DuePage {
  readonly items: Record<string, unknown>[];
  /** Items the filter left out of the page (read by DynamoDB, never returned). */
  readonly skipped: number;
  readonly next: Record<string, unknown> | undefined;
}

/** One page of the items of one status in the status index due at or before `before`, earliest first (only keys starting `kind`, if given). */
async function queryDue(doc: DynamoDBDocumentClient, tableName: string, status: string, before: Date, limit: number, kind: string | undefined, startKey: Record<string, unknown> | undefined): Promise<DuePage> {
  try {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: STATUS_DUE_INDEX,
        KeyConditionExpression: '#status = :status AND dueAt <= :before',
        ...(kind === undefined ? {} : { FilterExpression: 'begins_with(pk, :kind)' }),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':before': before.toISOString(), ...(kind === undefined ? {} : { ':kind': kind }) },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = page.Items ?? [];
    return { items, skipped: Math.max(0, (page.ScannedCount ?? items.length) - items.length), next: page.LastEvaluatedKey };
  } catch (error) {
    throw storeError('Query', error);
  }
}

/**
 * Takes the item under `pk` out of the status index (its status and due time removed) if it still
 * has `status`: never a delete, so an item of another kind a writer put on a queue loses only what
 * put it there. Whether it is off the queue (false: the write was refused, e.g. a key the role may not write).
 */
export async function unqueue(doc: DynamoDBDocumentClient, tableName: string, status: string, pk: string): Promise<boolean> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk },
        UpdateExpression: 'REMOVE #status, dueAt',
        ConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
      }),
    );
    return true;
  } catch (error) {
    return error instanceof ConditionalCheckFailedException;
  }
}

/** A queue item's lease (from its own key) and due time, when its body agrees with its key; undefined: a finding. */
export function queuedOf(kind: Pick<QueueKind, 'key' | 'record'>, item: Record<string, unknown>): QueuedLease | undefined {
  const leaseId = typeof item.pk === 'string' ? leaseIdInKey(kind.key, item.pk) : undefined;
  if (leaseId === undefined || item.leaseId !== leaseId || typeof item.dueAt !== 'string' || item.record !== kind.record) return undefined;
  return { leaseId, dueAt: item.dueAt };
}
