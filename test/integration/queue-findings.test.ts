import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CLOSE_DUE_STATUS, DynamoDbCloseMarks, closeMarkKey } from '../../lib/adapters/dynamodb/close-marks.js';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { EVIDENCE_DUE_STATUS, REVOKE_COMMENT_DUE_STATUS, evidenceKey, revokeCommentKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { queuedOf, readDue } from '../../lib/adapters/dynamodb/lease-queue.js';
import { DynamoDbOwedRevokeComments } from '../../lib/adapters/dynamodb/owed-revoke-comments.js';
import { REVIEW_DUE_STATUS, REVIEW_OVERDUE_STATUS, REVIEW_RECORD, reviewKey } from '../../lib/adapters/dynamodb/review-item.js';
import { DynamoDbReviewRecords } from '../../lib/adapters/dynamodb/review-records.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { QueueFinding } from '../../lib/ports/queue-findings.js';

/**
 * Issue 23, review 1, R3, for every queue of the lease table (dynalite): a table writer's items on a
 * queue's status, due first, whose body names another lease or ticket than their key (or whose key is
 * none of the queue's), must neither fill the sweep's page for good nor be acted on as what the body
 * says. Each is dropped by its own key and reported; the queue's own item behind them is read.
 */
const LIMIT = 3;
const OLD = '2000-01-01T00:00:00.000Z';
const NOW = new Date('2026-01-01T01:00:00.000Z');
const REAL = 'a0000000000000000001';

let dynamo: EmbeddedDynamoDb;
let doc: DynamoDBDocumentClient;
let tables = 0;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
  doc = DynamoDBDocumentClient.from(dynamo.client);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

async function table(): Promise<string> {
  tables += 1;
  await ensureLeaseTable(dynamo.client, `findings-${tables}`);
  return `findings-${tables}`;
}
const put = (tableName: string, item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: tableName, Item: item }));
const stored = async (tableName: string, pk: string) => (await doc.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }))).Item;

/** Plants LIMIT items due long ago on `status`: `planted(i)` gives each one's key and body. */
async function plant(tableName: string, status: string, planted: (i: number) => Record<string, unknown> & { pk: string }): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < LIMIT; i += 1) {
    const item = { status, dueAt: OLD, ...planted(i) };
    await put(tableName, item);
    keys.push(item.pk);
  }
  return keys.sort();
}
/** The findings' keys in key order (items due at the same time come in no set order). */
const byKey = (findings: QueueFinding[]) => [...findings].sort((a, b) => a.key.localeCompare(b.key));

describe('queue findings: items whose key and body disagree are dropped by their own key and reported, never first in line for good', () => {
  it('evidence queue: evidence#<a> naming lease b is dropped (deleted by its own key), and the lease queued behind it is read', async () => {
    const tableName = await table();
    const store = new DynamoDbEvidenceStore(dynamo.client, tableName);
    const keys = await plant(tableName, EVIDENCE_DUE_STATUS, (i) => ({ pk: evidenceKey(`poison${i}`), leaseId: i === 0 ? REAL : `nolease${i}` }));
    await store.queue(REAL, new Date('2026-01-01T00:30:00.000Z'));
    const findings: QueueFinding[] = [];
    // Assess: the read names leases by the items' own keys; the planted ones never, and they are gone.
    expect(await store.due(NOW, LIMIT, (f) => findings.push(f))).toEqual([{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }]);
    expect(byKey(findings)).toEqual(keys.map((key) => ({ queue: 'evidence', key, dropped: true })));
    for (const key of keys) expect(await stored(tableName, key)).toBeUndefined();
    expect(await store.due(NOW, LIMIT, () => findings.push({ queue: 'again', key: '', dropped: false }))).toHaveLength(1);
    expect(findings).toHaveLength(LIMIT);
  });

  it('revoke-comment queue: lease#<a>#revoke-comment naming lease b, or without its record, is dropped by its own key; the queued lease is read', async () => {
    const tableName = await table();
    const comments = new DynamoDbOwedRevokeComments(dynamo.client, tableName);
    const keys = await plant(tableName, REVOKE_COMMENT_DUE_STATUS, (i) => ({ pk: revokeCommentKey(`b000000000000000000${i}`), leaseId: i === 2 ? `b000000000000000000${i}` : REAL, ...(i === 2 ? {} : { record: 'revoke-comment' }) }));
    await comments.queue(REAL, new Date('2026-01-01T00:30:00.000Z'));
    const findings: QueueFinding[] = [];
    expect(await comments.due(NOW, LIMIT, (f) => findings.push(f))).toEqual([{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }]);
    expect(byKey(findings)).toEqual(keys.map((key) => ({ queue: 'revoke-comment', key, dropped: true })));
    for (const key of keys) expect(await stored(tableName, key)).toBeUndefined();
    // The lease's own item stays queued: a finding never drops by the id its body names.
    expect((await stored(tableName, revokeCommentKey(REAL)))?.status).toBe(REVOKE_COMMENT_DUE_STATUS);
  });

  it('review queue (due and overdue): lease#<a>#review naming lease b, and an item of another kind on its status, leave the index by their own key', async () => {
    const tableName = await table();
    const records = new DynamoDbReviewRecords(dynamo.client, tableName);
    const due = await plant(tableName, REVIEW_DUE_STATUS, (i) => ({ pk: reviewKey(`c000000000000000000${i}`), record: REVIEW_RECORD, leaseId: REAL }));
    // Keys that are none of the review queue's: a lease item's key, another queue's key.
    const overdue = await plant(tableName, REVIEW_OVERDUE_STATUS, (i) => ({ pk: i === 0 ? `lease#d000000000000000000${i}` : revokeCommentKey(`d000000000000000000${i}`), record: REVIEW_RECORD, leaseId: `d000000000000000000${i}` }));
    await records.queueReview(REAL, new Date('2026-01-01T00:30:00.000Z'));
    const findings: QueueFinding[] = [];
    expect(await records.dueReviews(NOW, LIMIT, (f) => findings.push(f))).toEqual([{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }]);
    expect(findings.map((f) => f.key).sort()).toEqual([...due, ...overdue].sort());
    expect(findings.every((f) => f.queue === 'review' && f.dropped)).toBe(true);
    // Off the queue (out of the index: the review queue never deletes), and no longer counted as unreviewed.
    for (const key of [...due, ...overdue]) expect((await stored(tableName, key))?.status).toBeUndefined();
    expect(await records.countOverdueReviews()).toBe(0);
  });

  it('close marks: a mark whose body names another ticket than its key, or that is no mark, leaves the queue by its own key; the real mark is read', async () => {
    const tableName = await table();
    const marks = new DynamoDbCloseMarks(dynamo.client, tableName);
    const body = { source: 'jira', ticketKeys: ['INC-9'], closedAt: OLD, by: 'mallory', record: 'close' };
    const keys = await plant(tableName, CLOSE_DUE_STATUS, (i) => (i === 2 ? { pk: closeMarkKey('jira', '20002'), record: 'close' } : { pk: closeMarkKey('jira', `2000${i}`), ...body, ticketId: '10009' }));
    const real = { source: 'jira' as const, ticketId: '10001', ticketKeys: ['INC-1'], closedAt: '2026-01-01T00:29:00.000Z', by: 'alice' };
    await marks.mark(real, new Date('2026-01-01T00:30:00.000Z'));
    const findings: QueueFinding[] = [];
    expect(await marks.due(NOW, LIMIT, (f) => findings.push(f))).toEqual([real]);
    expect(byKey(findings)).toEqual(keys.map((key) => ({ queue: 'close', key, dropped: true })));
    for (const key of keys) expect((await stored(tableName, key))?.status).toBeUndefined();
    // The ticket the bodies named has no mark made for it.
    expect(await marks.get('jira', '10009')).toBeUndefined();
  });

  it('reads past findings it may not drop (a key the sweep\'s role may not write): reported as not dropped, and the item behind them is read', async () => {
    const tableName = await table();
    const store = new DynamoDbEvidenceStore(dynamo.client, tableName);
    const keys = await plant(tableName, EVIDENCE_DUE_STATUS, (i) => ({ pk: `delivery#poison${i}`, leaseId: REAL }));
    await store.queue(REAL, new Date('2026-01-01T00:30:00.000Z'));
    const findings: QueueFinding[] = [];
    // Act: a read whose drop is refused (IAM's LeadingKeys refuse `delivery#` writes to the sweep).
    const read = { name: 'evidence', status: EVIDENCE_DUE_STATUS, keyKind: 'evidence#', parse: (item: Record<string, unknown>) => queuedOf({ key: evidenceKey }, item), drop: async () => false };
    expect(await readDue(doc, tableName, read, NOW, LIMIT, (f) => findings.push(f))).toEqual([{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }]);
    expect(byKey(findings)).toEqual(keys.map((key) => ({ queue: 'evidence', key, dropped: false })));
    for (const key of keys) expect((await stored(tableName, key))?.status).toBe(EVIDENCE_DUE_STATUS);
  });
});
