import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { makeLeaseHistoryReader } from '../../lib/adapters/dynamodb/lease-history-reader.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { DynamoDbReviewRecords } from '../../lib/adapters/dynamodb/review-records.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { leaseFixture } from '../support/lease-fixture.js';

const T0 = '2026-01-01T00:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);
const task = { system: 'jira' as const, key: 'SEC-1', id: '10001', url: 'https://example.atlassian.net/browse/SEC-1', recordedAt: T0 };

describe('DynamoDbReviewRecords (dynalite): the review queue and the hold on the lease', () => {
  let dynamo: EmbeddedDynamoDb;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
  });
  afterAll(async () => {
    dynamo.client.destroy();
    await dynamo.stop();
  });
  async function fresh() {
    tables += 1;
    const table = `review-${tables}`;
    await ensureLeaseTable(dynamo.client, table);
    const leases = new DynamoDbLeaseStore(dynamo.client, table);
    await leases.create({ ...leaseFixture('a0000000000000000001', at(60).toISOString(), 'ACTIVE'), approvalKind: 'break-glass' });
    return { table, leases, records: new DynamoDbReviewRecords(dynamo.client, table) };
  }

  it('holds a lease\'s review for one actor at a time, until the hold runs out', async () => {
    const { records } = await fresh();
    expect(await records.claimReview('a0000000000000000001', T0, at(5).toISOString())).toBeDefined();
    expect(await records.claimReview('a0000000000000000001', at(1).toISOString(), at(6).toISOString())).toBeUndefined();
    expect(await records.claimReview('a0000000000000000001', at(5).toISOString(), at(10).toISOString())).toBeDefined();
    expect(await records.claimReview('a0000000000000000099', T0, at(5).toISOString())).toBeUndefined();
  });

  it('records the task only while held, and never over one recorded already', async () => {
    const { records, leases } = await fresh();
    const id = 'a0000000000000000001';
    await records.claimReview(id, T0, at(5).toISOString());
    expect((await records.recordReview(id, at(4).toISOString(), task))?.review).toBeUndefined();
    expect((await records.recordReview(id, at(5).toISOString(), task))?.review).toEqual(task);
    expect((await records.recordReview(id, at(5).toISOString(), { ...task, key: 'SEC-2' }))?.review?.key).toBe('SEC-1');
    expect(await records.markReviewEvidence(id, at(5).toISOString(), at(1).toISOString())).toBe(true);
    expect(await records.markReviewEvidence(id, at(5).toISOString(), at(2).toISOString())).toBe(false);
    await records.releaseReview(id, at(5).toISOString());
    // Versions untouched: a transition of the lease is never refused for the review's writes.
    const lease = await leases.get(id);
    expect(lease?.version).toBe(1);
    expect(lease?.review?.evidenceAt).toBe(at(1).toISOString());
  });

  it('queues once, comes due, counts overdue items, and leaves the index when finished; the report\'s scan skips queue items', async () => {
    const { records, table } = await fresh();
    const id = 'a0000000000000000001';
    await records.queueReview(id, at(2));
    await records.queueReview(id, at(9));
    expect(await records.dueReviews(at(1), 10)).toEqual([]);
    expect(await records.dueReviews(at(2), 10)).toEqual([{ leaseId: id, dueAt: at(2).toISOString() }]);
    await records.postponeReview(id, at(70), true);
    expect(await records.countOverdueReviews()).toBe(1);
    expect(await records.dueReviews(at(69), 10)).toEqual([]);
    expect(await records.dueReviews(at(70), 10)).toHaveLength(1);
    await records.finishReview(id);
    expect(await records.countOverdueReviews()).toBe(0);
    expect(await records.dueReviews(at(10_000), 10)).toEqual([]);
    await records.nudgeReview(id, at(80));
    expect(await records.dueReviews(at(80), 10)).toHaveLength(1);
    const history = makeLeaseHistoryReader({ client: dynamo.client, tableName: table });
    expect((await history.leasesBetween({ from: new Date(T0), to: at(100) })).leases.map((l) => l.id)).toEqual([id]);
  });
});
