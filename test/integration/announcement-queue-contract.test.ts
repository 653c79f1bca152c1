import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dynamoDbAnnouncementQueue } from '../../lib/adapters/dynamodb/announcement-queue.js';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import type { Lease } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { AnnouncementQueue } from '../../lib/ports/grant-follow-up.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import { MemoryAnnouncementQueue } from '../fakes/memory-announcements.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { leaseFixture } from '../support/lease-fixture.js';

/** The announcement queue: the in-memory one must answer as the DynamoDB one does (dynalite). */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
const queues: [string, () => Promise<{ queue: AnnouncementQueue; leases: LeaseStore; table?: string }>][] = [
  ['memory', async () => ({ queue: new MemoryAnnouncementQueue(), leases: new MemoryLeaseStore() })],
  [
    'DynamoDB (dynalite)',
    async () => {
      tables += 1;
      const table = `announce-${tables}`;
      await ensureLeaseTable(dynamo.client, table);
      return { queue: dynamoDbAnnouncementQueue(dynamo.client, table), leases: new DynamoDbLeaseStore(dynamo.client, table), table };
    },
  ],
];

beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe.each(queues)('AnnouncementQueue contract: %s', (_name, open) => {
  it('queues once, lists only what is due (earliest first), postpones what is queued only, and drops', async () => {
    // Prepare
    const { queue } = await open();
    await queue.queue('b0000000000000000001', new Date('2026-01-01T01:05:00.000Z'));
    await queue.queue('b0000000000000000002', new Date('2026-01-01T01:02:00.000Z'));
    await queue.queue('b0000000000000000002', new Date('2026-01-01T03:00:00.000Z'));
    // Act
    const due = await queue.due(new Date('2026-01-01T01:10:00.000Z'), 10);
    await queue.postpone('b0000000000000000001', new Date('2026-01-01T02:00:00.000Z'));
    await queue.postpone('b0000000000000000009', new Date('2026-01-01T01:00:00.000Z'));
    await queue.drop('b0000000000000000002');
    const after = await queue.due(new Date('2026-01-01T01:10:00.000Z'), 10);
    const later = await queue.due(new Date('2026-01-01T02:00:00.000Z'), 10);
    // Assess
    expect(due).toEqual([
      { leaseId: 'b0000000000000000002', dueAt: '2026-01-01T01:02:00.000Z' },
      { leaseId: 'b0000000000000000001', dueAt: '2026-01-01T01:05:00.000Z' },
    ]);
    expect(after).toEqual([]);
    expect(later).toEqual([{ leaseId: 'b0000000000000000001', dueAt: '2026-01-01T02:00:00.000Z' }]);
  });

  it('keeps `grantNote` on the lease through the ACTIVE write, even empty, and clears it on `null`', async () => {
    // Prepare
    const { leases } = await open();
    const lease: Lease = leaseFixture('b0000000000000000100', '2026-01-01T01:00:00.000Z');
    await leases.create(lease);
    // Act
    const active = await leases.transition(lease, 'ACTIVE', { at: '2026-01-01T00:00:01.000Z', from: 'PENDING', to: 'ACTIVE', by: 'test' }, { grantNote: '' });
    const stored = await leases.get(lease.id);
    const announced = active.ok ? await leases.transition(active.lease, 'ACTIVE', { at: '2026-01-01T00:00:02.000Z', from: 'ACTIVE', to: 'ACTIVE', by: 'test', note: 'grant announced' }, { grantNote: null }) : active;
    // Assess
    expect(stored?.grantNote).toBe('');
    expect(announced.ok && announced.lease.grantNote).toBeUndefined();
    expect((await leases.get(lease.id))?.grantNote).toBeUndefined();
  });
});

it('keeps the announcement and evidence queues of one table apart', async () => {
  // Prepare
  await ensureLeaseTable(dynamo.client, 'both-queues');
  const announcements = dynamoDbAnnouncementQueue(dynamo.client, 'both-queues');
  const evidence = new DynamoDbEvidenceStore(dynamo.client, 'both-queues');
  // Act
  await announcements.queue('c0000000000000000001', new Date('2026-01-01T01:00:00.000Z'));
  await evidence.queue('c0000000000000000001', new Date('2026-01-01T01:00:00.000Z'));
  await announcements.drop('c0000000000000000001');
  // Assess
  expect(await announcements.due(new Date('2026-01-02T00:00:00.000Z'), 10)).toEqual([]);
  expect(await evidence.due(new Date('2026-01-02T00:00:00.000Z'), 10)).toEqual([{ leaseId: 'c0000000000000000001', dueAt: '2026-01-01T01:00:00.000Z' }]);
});
