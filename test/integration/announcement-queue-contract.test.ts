import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbAnnouncementQueue } from '../../lib/adapters/dynamodb/announcement-queue.js';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import type { AccessVerification, HistoryEntry, Lease } from '../../lib/domain/lease.js';
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
  [
    'memory',
    async () => {
      const leases = new MemoryLeaseStore();
      return { queue: new MemoryAnnouncementQueue(leases), leases };
    },
  ],
  [
    'DynamoDB (dynalite)',
    async () => {
      tables += 1;
      const table = `announce-${tables}`;
      await ensureLeaseTable(dynamo.client, table);
      return { queue: new DynamoDbAnnouncementQueue(dynamo.client, table), leases: new DynamoDbLeaseStore(dynamo.client, table), table };
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

  it('lets one run at a time announce (a dead run\'s claim is taken over), never moving the lease\'s version', async () => {
    // Prepare: an ACTIVE lease waiting for its announcement, and one that is not.
    const { queue, leases } = await open();
    const waiting = await activeLease(leases, 'b0000000000000000200', '');
    const announced = await activeLease(leases, 'b0000000000000000201', undefined);
    // Act
    const first = await queue.claim(waiting.id, '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:00.000Z');
    const second = await queue.claim(waiting.id, '2026-01-01T00:01:10.000Z', '2026-01-01T00:00:10.000Z');
    const takeover = await queue.claim(waiting.id, '2026-01-01T00:02:30.000Z', '2026-01-01T00:01:30.000Z');
    const none = await queue.claim(announced.id, '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:00.000Z');
    const lateFinish = await queue.finish(waiting.id, '2026-01-01T00:01:00.000Z', review(true), entry('late'));
    // Assess
    expect(first).toMatchObject({ id: waiting.id, announcing: '2026-01-01T00:01:00.000Z', version: waiting.version });
    expect(second).toBeUndefined();
    expect(takeover?.announcing).toBe('2026-01-01T00:02:30.000Z');
    expect(none).toBeUndefined();
    expect(lateFinish).toBe(false);
    expect((await leases.get(waiting.id))?.grantNote).toBe('');
  });

  it('finishes by storing the review beside a revoke\'s, clearing the wait, adding the history entry; release gives the claim back', async () => {
    // Prepare
    const { queue, leases } = await open();
    const lease = await activeLease(leases, 'b0000000000000000300', '\nNote: x.');
    const other = await activeLease(leases, 'b0000000000000000301', '');
    await queue.claim(lease.id, '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:00.000Z');
    await queue.claim(other.id, '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:00.000Z');
    // A revoke lands meanwhile, with its own review.
    const current = await leases.get(lease.id);
    const revoked = current === undefined ? undefined : await leases.transition(current, 'REVOKED', entry('revoke'), { revokedAt: '2026-01-01T00:01:01.000Z', revokeCause: 'early', grantNote: null, verification: { revoked: review(false) } });
    // Act
    const finished = await queue.finish(lease.id, '2026-01-01T00:01:00.000Z', review(true), entry('grant announced'));
    await queue.release(other.id, '2026-01-01T00:01:00.000Z');
    // Assess
    expect(revoked?.ok).toBe(true);
    expect(finished).toBe(true);
    const stored = await leases.get(lease.id);
    expect(stored).toMatchObject({ status: 'REVOKED', verification: { granted: review(true), revoked: review(false) } });
    expect(stored?.announcing).toBeUndefined();
    expect(stored?.history.map((h) => h.note)).toEqual([undefined, undefined, 'revoke', 'grant announced']);
    expect(stored?.version).toBe(revoked?.ok ? revoked.lease.version : -1);
    const released = await leases.get(other.id);
    expect(released?.announcing).toBeUndefined();
    expect(released?.grantNote).toBe('');
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

async function activeLease(leases: LeaseStore, id: string, grantNote: string | undefined): Promise<Lease> {
  const lease = leaseFixture(id, '2026-01-01T01:00:00.000Z');
  await leases.create(lease);
  const moved = await leases.transition(lease, 'ACTIVE', { at: '2026-01-01T00:00:01.000Z', from: 'PENDING', to: 'ACTIVE', by: 'test' }, grantNote === undefined ? {} : { grantNote });
  if (!moved.ok) throw new Error('fixture could not be made ACTIVE');
  return moved.lease;
}

function review(allowed: boolean): AccessVerification {
  return { at: '2026-01-01T00:01:00.500Z', answers: [{ namespace: 'payments', allowed }] };
}

function entry(note: string): HistoryEntry {
  return { at: '2026-01-01T00:01:01.000Z', from: 'ACTIVE', to: note === 'revoke' ? 'REVOKED' : 'ACTIVE', by: 'test', note };
}

it('keeps the announcement and evidence queues of one table apart', async () => {
  // Prepare
  await ensureLeaseTable(dynamo.client, 'both-queues');
  const announcements = new DynamoDbAnnouncementQueue(dynamo.client, 'both-queues');
  const evidence = new DynamoDbEvidenceStore(dynamo.client, 'both-queues');
  // Act
  await announcements.queue('c0000000000000000001', new Date('2026-01-01T01:00:00.000Z'));
  await evidence.queue('c0000000000000000001', new Date('2026-01-01T01:00:00.000Z'));
  await announcements.drop('c0000000000000000001');
  // Assess
  expect(await announcements.due(new Date('2026-01-02T00:00:00.000Z'), 10)).toEqual([]);
  expect(await evidence.due(new Date('2026-01-02T00:00:00.000Z'), 10)).toEqual([{ leaseId: 'c0000000000000000001', dueAt: '2026-01-01T01:00:00.000Z' }]);
});
