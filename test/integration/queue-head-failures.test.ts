import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVIDENCE_DUE_STATUS, REVOKE_COMMENT_DUE_STATUS, evidenceKey, leaseKey, revokeCommentKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { REVIEW_DUE_STATUS, REVIEW_RECORD, reviewKey } from '../../lib/adapters/dynamodb/review-item.js';
import { withAuditLog } from '../support/demo-catalog.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { TestStack } from '../support/stack.js';

const BATCH = 3;
const OLD = '2000-01-01T00:00:00.000Z';
const GONE = 'e0000000000000000009';
const bad = (i: number) => `e000000000000000000${i}`;

/** One queue of the lease table: its items' key, status and `record`. */
interface Queue {
  readonly key: (leaseId: string) => string;
  readonly status: string;
  readonly record?: string;
}
const QUEUES: [string, Queue][] = [
  ['evidence', { key: evidenceKey, status: EVIDENCE_DUE_STATUS }],
  ['revoke-comment', { key: revokeCommentKey, status: REVOKE_COMMENT_DUE_STATUS, record: 'revoke-comment' }],
  ['review', { key: reviewKey, status: REVIEW_DUE_STATUS, record: REVIEW_RECORD }],
];

/**
 * Issue 23, review 1, R3 (head of the queue): a queue item whose look fails every time (its lease item
 * is one no read accepts: a table writer rewrote it) must not stay first in line. With a page of
 * SWEEP_BATCH_SIZE, that many such items used to stop the queue behind them for good.
 */
describe('queue items whose look fails every time do not stay first in line (dynalite, the sweep)', () => {
  let stack: TestStack;

  beforeEach(async () => {
    const auditLog = join(tmpdir(), `kube-lease-queue-head-${randomUUID()}.log`);
    stack = new TestStack();
    stack.kube.auditLogPath = auditLog;
    await stack.start({ catalog: withAuditLog(BREAK_GLASS_REVIEW_CATALOG, auditLog, '1m'), env: { SWEEP_BATCH_SIZE: String(BATCH) } });
  });
  afterEach(async () => {
    await stack.stop();
  });

  it.each(QUEUES)('%s queue: SWEEP_BATCH_SIZE items of unreadable lease items are tried again later, and the item behind them is worked', async (_name, queue) => {
    // Prepare: unreadable lease items, each queued long ago; behind them, an item of a lease that does not exist.
    const doc = DynamoDBDocumentClient.from(stack.dynamoClient());
    const put = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: 'leases-test', Item: item }));
    const item = (leaseId: string, dueAt: string) => ({ pk: queue.key(leaseId), status: queue.status, dueAt, leaseId, ...(queue.record === undefined ? {} : { record: queue.record }) });
    for (let i = 0; i < BATCH; i += 1) {
      await put({ pk: leaseKey(bad(i)), id: bad(i), status: 'REVOKED' });
      await put(item(bad(i), OLD));
    }
    await put(item(GONE, '2000-01-01T00:00:01.000Z'));
    // Act: two runs, a minute apart.
    const first = await stack.container.sweepLeases();
    stack.clock.advance(61_000);
    await stack.container.sweepLeases();
    // Assess: the failing items were counted, and are due again later; the item behind them was worked (a lease that does not exist: off the queue).
    expect(first.failed).toBeGreaterThanOrEqual(BATCH);
    const stored = async (leaseId: string) => (await doc.send(new GetCommand({ TableName: 'leases-test', Key: { pk: queue.key(leaseId) }, ConsistentRead: true }))).Item;
    expect((await stored(GONE))?.status).toBeUndefined();
    for (let i = 0; i < BATCH; i += 1) expect(String((await stored(bad(i)))?.dueAt)).not.toBe(OLD);
  });
});
