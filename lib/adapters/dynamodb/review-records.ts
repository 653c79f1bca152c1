import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Lease } from '../../domain/lease.js';
import type { ReviewTask } from '../../domain/review-task.js';
import { LeaseStoreError } from '../../errors.js';
import type { OnQueueFinding } from '../../ports/queue-findings.js';
import type { ReviewDue, ReviewRecords } from '../../ports/review-tasks.js';
import { fromItem, leaseKey } from './lease-item.js';
import { STATUS_DUE_INDEX } from './lease-table.js';
import { REVIEW_DUE_STATUS, REVIEW_OVERDUE_STATUS, REVIEW_RECORD, reviewKey } from './review-item.js';
import { storeError } from './store-error.js';
import { keyKind, queuedOf, readDue } from './lease-queue.js';

type UpdateInput = Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>;

/**
 * The review queue (`lease#<id>#review` items in the status index under REVIEW_DUE or
 * REVIEW_OVERDUE) and the review task's record on the lease item (`review`, held by `reviewHold`).
 * An item leaves the queue by losing its status (it leaves the index): no DeleteItem, so the
 * functions' IAM stays as it is.
 */
export class DynamoDbReviewRecords implements ReviewRecords {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async queueReview(leaseId: string, dueAt: Date): Promise<void> {
    await this.put(leaseId, dueAt, 'attribute_not_exists(pk)');
  }

  async nudgeReview(leaseId: string, at: Date): Promise<void> {
    await this.put(leaseId, at);
  }

  async dueReviews(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly ReviewDue[]> {
    const [due, overdue] = await Promise.all([this.query(REVIEW_DUE_STATUS, before, limit, onFinding), this.query(REVIEW_OVERDUE_STATUS, before, limit, onFinding)]);
    return [...due, ...overdue].sort((a, b) => a.dueAt.localeCompare(b.dueAt)).slice(0, limit);
  }

  async postponeReview(leaseId: string, dueAt: Date, overdue: boolean): Promise<void> {
    await this.update(reviewKey(leaseId), {
      UpdateExpression: 'SET #status = :status, dueAt = :dueAt',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': overdue ? REVIEW_OVERDUE_STATUS : REVIEW_DUE_STATUS, ':dueAt': dueAt.toISOString() },
    });
  }

  async finishReview(leaseId: string): Promise<void> {
    await this.update(reviewKey(leaseId), { UpdateExpression: 'REMOVE #status, dueAt', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#status': 'status' } });
  }

  async countOverdueReviews(): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      try {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: STATUS_DUE_INDEX,
            KeyConditionExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': REVIEW_OVERDUE_STATUS },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        );
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } catch (error) {
        throw storeError('Query', error);
      }
    } while (startKey !== undefined);
    return count;
  }

  async claimReview(leaseId: string, now: string, until: string): Promise<Lease | undefined> {
    const updated = await this.update(leaseKey(leaseId), {
      UpdateExpression: 'SET #hold = :until',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#record) AND (attribute_not_exists(#hold) OR #hold <= :now)',
      ExpressionAttributeNames: { '#hold': 'reviewHold', '#record': 'record' },
      ExpressionAttributeValues: { ':until': until, ':now': now },
      ReturnValues: 'ALL_NEW',
    });
    return updated === false ? undefined : updated;
  }

  async recordReview(leaseId: string, heldUntil: string, task: ReviewTask): Promise<Lease | undefined> {
    const updated = await this.update(leaseKey(leaseId), {
      UpdateExpression: 'SET #review = :task',
      ConditionExpression: '#hold = :held AND attribute_not_exists(#review)',
      ExpressionAttributeNames: { '#hold': 'reviewHold', '#review': 'review' },
      ExpressionAttributeValues: { ':held': heldUntil, ':task': JSON.parse(JSON.stringify(task)) as unknown },
      ReturnValues: 'ALL_NEW',
    });
    if (updated !== false) return updated;
    return this.get(leaseId);
  }

  async markReviewEvidence(leaseId: string, heldUntil: string, at: string): Promise<boolean> {
    const updated = await this.update(leaseKey(leaseId), {
      UpdateExpression: 'SET #review.#evidenceAt = :at',
      ConditionExpression: '#hold = :held AND attribute_exists(#review) AND attribute_not_exists(#review.#evidenceAt)',
      ExpressionAttributeNames: { '#hold': 'reviewHold', '#review': 'review', '#evidenceAt': 'evidenceAt' },
      ExpressionAttributeValues: { ':held': heldUntil, ':at': at },
    });
    return updated !== false;
  }

  async markReviewDone(leaseId: string, at: string): Promise<void> {
    await this.update(leaseKey(leaseId), {
      UpdateExpression: 'SET #review.#doneAt = :at',
      ConditionExpression: 'attribute_exists(#review) AND attribute_not_exists(#review.#doneAt)',
      ExpressionAttributeNames: { '#review': 'review', '#doneAt': 'doneAt' },
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async markReviewRefused(leaseId: string, closing: string): Promise<boolean> {
    const updated = await this.update(leaseKey(leaseId), {
      UpdateExpression: 'SET #review.#refused = :closing',
      ConditionExpression: 'attribute_exists(#review) AND attribute_not_exists(#review.#doneAt) AND (attribute_not_exists(#review.#refused) OR #review.#refused <> :closing)',
      ExpressionAttributeNames: { '#review': 'review', '#refused': 'refusedClosing', '#doneAt': 'doneAt' },
      ExpressionAttributeValues: { ':closing': closing },
    });
    return updated !== false;
  }

  async releaseReview(leaseId: string, heldUntil: string): Promise<void> {
    await this.update(leaseKey(leaseId), {
      UpdateExpression: 'REMOVE #hold',
      ConditionExpression: '#hold = :held',
      ExpressionAttributeNames: { '#hold': 'reviewHold' },
      ExpressionAttributeValues: { ':held': heldUntil },
    });
  }

  private async put(leaseId: string, dueAt: Date, condition?: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: reviewKey(leaseId), record: REVIEW_RECORD, status: REVIEW_DUE_STATUS, dueAt: dueAt.toISOString(), leaseId },
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw storeError('PutItem', error);
    }
  }

  /** Each item's lease from its own key; one that is not the queue's (a finding) leaves the index by its own key. */
  private async query(status: string, before: Date, limit: number, onFinding: OnQueueFinding | undefined): Promise<ReviewDue[]> {
    const kind = { key: reviewKey, record: REVIEW_RECORD };
    const parse = (item: Record<string, unknown>): ReviewDue | undefined => {
      const queued = queuedOf(kind, item);
      return queued === undefined || status !== REVIEW_OVERDUE_STATUS ? queued : { ...queued, overdue: true };
    };
    return readDue(this.doc, this.tableName, { name: 'review', status, keyKind: keyKind(reviewKey('')), parse }, before, limit, onFinding);
  }

  private async get(leaseId: string): Promise<Lease | undefined> {
    try {
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: leaseKey(leaseId) }, ConsistentRead: true }));
      return Item === undefined || Item.record !== undefined ? undefined : fromItem(Item);
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }

  /** A conditional update: the lease as stored after it (with ALL_NEW), undefined without, false when the condition failed. */
  private async update(pk: string, input: UpdateInput): Promise<Lease | undefined | false> {
    try {
      const result = await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: { pk }, ...input }));
      if (input.ReturnValues !== 'ALL_NEW') return undefined;
      if (result.Attributes === undefined) throw new LeaseStoreError(`UpdateItem on ${pk} returned no item`);
      return fromItem(result.Attributes);
    } catch (error) {
      if (error instanceof LeaseStoreError) throw error;
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeError('UpdateItem', error);
    }
  }
}
