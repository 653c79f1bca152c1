import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { TICKET_SOURCES } from '../../domain/ticket.js';
import type { CloseMark, CloseMarks } from '../../ports/close-marks.js';
import type { OnQueueFinding } from '../../ports/queue-findings.js';
import { storeError } from './store-error.js';
import { keyKind, readDue } from './lease-queue.js';

/**
 * A ticket's close mark: `lease#close#<source>#<ticketId>` (a `lease#` key, so the roles that close
 * and sweep may update it: no new permission; never a put, never a delete), with a `record` so the
 * lease history's scan skips it; on the sweep's queue (the status index, CLOSE_DUE) until done, then
 * kept until DynamoDB's TTL removes it.
 */
export const closeMarkKey = (source: string, ticketId: string): string => `lease#close#${source}#${ticketId}`;
export const CLOSE_DUE_STATUS = 'CLOSE_DUE';
/** How long a mark stays readable after its close (a grant never waits this long: its window or its grace ends first). */
const KEEP_SECONDS = 7 * 24 * 3600;

const markItem = z.object({
  source: z.enum(TICKET_SOURCES),
  ticketId: z.string(),
  ticketKeys: z.array(z.string()),
  closedAt: z.string(),
  by: z.string(),
});

function fromItem(item: Record<string, unknown> | undefined): CloseMark | undefined {
  const parsed = markItem.safeParse(item);
  return parsed.success ? parsed.data : undefined;
}

export class DynamoDbCloseMarks implements CloseMarks {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async mark(mark: CloseMark, dueAt: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: closeMarkKey(mark.source, mark.ticketId) },
          UpdateExpression: 'SET #status = :status, dueAt = :dueAt, #source = :source, ticketId = :ticketId, ticketKeys = :keys, closedAt = :closedAt, #by = :by, #record = :record, #ttl = :ttl',
          // Only forward: an older close delivered late leaves the later one standing.
          ConditionExpression: 'attribute_not_exists(closedAt) OR closedAt < :closedAt',
          ExpressionAttributeNames: { '#status': 'status', '#source': 'source', '#by': 'by', '#record': 'record', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':status': CLOSE_DUE_STATUS,
            ':dueAt': dueAt.toISOString(),
            ':source': mark.source,
            ':ticketId': mark.ticketId,
            ':keys': [...mark.ticketKeys],
            ':closedAt': mark.closedAt,
            ':by': mark.by,
            ':record': 'close',
            ':ttl': Math.floor(Date.parse(mark.closedAt) / 1000) + KEEP_SECONDS,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('UpdateItem', error);
    }
  }

  async get(source: CloseMark['source'], ticketId: string): Promise<CloseMark | undefined> {
    try {
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: closeMarkKey(source, ticketId) }, ConsistentRead: true }));
      return fromItem(Item);
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }

  /** A mark is read only when its body agrees with its own key (same source and ticket); any other item on the queue is a finding. */
  async due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly CloseMark[]> {
    const parse = (item: Record<string, unknown>) => {
      const mark = fromItem(item);
      return mark !== undefined && item.record === 'close' && item.pk === closeMarkKey(mark.source, mark.ticketId) ? mark : undefined;
    };
    return readDue(this.doc, this.tableName, { name: 'close', status: CLOSE_DUE_STATUS, keyKind: keyKind(closeMarkKey('', '')), parse }, before, limit, onFinding);
  }

  async postpone(mark: CloseMark, dueAt: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: closeMarkKey(mark.source, mark.ticketId) },
          UpdateExpression: 'SET dueAt = :dueAt',
          ConditionExpression: 'closedAt = :closedAt AND #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':closedAt': mark.closedAt, ':status': CLOSE_DUE_STATUS, ':dueAt': dueAt.toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('UpdateItem', error);
    }
  }

  async done(mark: CloseMark): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: closeMarkKey(mark.source, mark.ticketId) },
          UpdateExpression: 'REMOVE #status, dueAt',
          ConditionExpression: 'closedAt = :closedAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':closedAt': mark.closedAt },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('UpdateItem', error);
    }
  }
}
