import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { makeLeaseHistoryReader } from '../../lib/adapters/dynamodb/lease-history-reader.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { DynamoDbOwedAnnouncements } from '../../lib/adapters/dynamodb/owed-announcements.js';
import { DynamoDbOwedRevokeComments } from '../../lib/adapters/dynamodb/owed-revoke-comments.js';
import type { Lease } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import type { OwedAnnouncements } from '../../lib/ports/owed-announcements.js';
import type { OwedRevokeComments } from '../../lib/ports/owed-revoke-comments.js';
import { MemoryOwedAnnouncements } from '../fakes/memory-announcements.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { MemoryOwedRevokeComments } from '../fakes/memory-revoke-comments.js';
import { leaseFixture } from '../support/lease-fixture.js';

/** Revoke comments owed to a holder and their queue: the in-memory store must answer as DynamoDB's does (dynalite). */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
type Stores = { leases: LeaseStore; comments: OwedRevokeComments; owed: OwedAnnouncements; table?: string };
const stores: [string, () => Promise<Stores>][] = [
  [
    'memory',
    async () => {
      const leases = new MemoryLeaseStore();
      return { leases, comments: new MemoryOwedRevokeComments(leases), owed: new MemoryOwedAnnouncements(leases) };
    },
  ],
  [
    'DynamoDB (dynalite)',
    async () => {
      tables += 1;
      const table = `revoke-comments-${tables}`;
      await ensureLeaseTable(dynamo.client, table);
      return { leases: new DynamoDbLeaseStore(dynamo.client, table), comments: new DynamoDbOwedRevokeComments(dynamo.client, table), owed: new DynamoDbOwedAnnouncements(dynamo.client, table), table };
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

const EXPIRY = '2026-01-01T01:00:00.000Z';
const HELD = '2026-01-01T00:01:01.000Z';
const NOTE = { untouched: ['team-a/kl-x'], evidence: true };

describe.each(stores)('OwedRevokeComments contract: %s', (_name, open) => {
  it('queues a lease once (the first due time stays), lists what is due earliest first, moves and drops it', async () => {
    // Prepare
    const { comments } = await open();
    // Act
    await comments.queue('r0000000000000000002', new Date('2026-01-01T00:02:00.000Z'));
    await comments.queue('r0000000000000000001', new Date('2026-01-01T00:01:30.000Z'));
    await comments.queue('r0000000000000000001', new Date('2026-01-01T00:09:00.000Z'));
    const early = await comments.due(new Date('2026-01-01T00:01:00.000Z'), 10);
    const both = await comments.due(new Date('2026-01-01T00:05:00.000Z'), 10);
    const one = await comments.due(new Date('2026-01-01T00:05:00.000Z'), 1);
    await comments.postpone('r0000000000000000001', new Date('2026-01-01T00:10:00.000Z'));
    await comments.postpone('r0000000000000000009', new Date('2026-01-01T00:00:00.000Z'));
    const postponed = await comments.due(new Date('2026-01-01T00:05:00.000Z'), 10);
    await comments.drop('r0000000000000000002');
    const dropped = await comments.due(new Date('2026-01-01T01:00:00.000Z'), 10);
    // Assess
    expect(early).toEqual([]);
    expect(both).toEqual([
      { leaseId: 'r0000000000000000001', dueAt: '2026-01-01T00:01:30.000Z' },
      { leaseId: 'r0000000000000000002', dueAt: '2026-01-01T00:02:00.000Z' },
    ]);
    expect(one.map((d) => d.leaseId)).toEqual(['r0000000000000000001']);
    expect(postponed.map((d) => d.leaseId)).toEqual(['r0000000000000000002']);
    expect(dropped).toEqual([{ leaseId: 'r0000000000000000001', dueAt: '2026-01-01T00:10:00.000Z' }]);
  });

  it('lets one taker at a time have an owed revoke comment, only once its hold has run out; revokeTold then clears it', async () => {
    // Prepare: a REVOKED lease whose comment is owed to the holder of HELD.
    const { leases, comments, owed } = await open();
    const lease = await revokedOwing(leases, 'r0000000000000000003');
    // Act
    const early = await comments.take(lease.id, '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z');
    const first = await comments.take(lease.id, '2026-01-01T00:01:30.000Z', '2026-01-01T00:02:30.000Z');
    const second = await comments.take(lease.id, '2026-01-01T00:01:30.000Z', '2026-01-01T00:02:30.000Z');
    const holderLate = await owed.revokeTold(lease.id, HELD);
    const told = await owed.revokeTold(lease.id, '2026-01-01T00:02:30.000Z');
    const afterTold = await comments.take(lease.id, '2026-01-01T00:05:00.000Z', '2026-01-01T00:06:00.000Z');
    // Assess
    expect(early).toBeUndefined();
    expect(first).toMatchObject({ id: lease.id, status: 'REVOKED', revokeNote: NOTE, announceAt: '2026-01-01T00:02:30.000Z', version: lease.version });
    expect(second).toBeUndefined();
    expect([holderLate, told]).toEqual([false, true]);
    expect(afterTold).toBeUndefined();
    const stored = await leases.get(lease.id);
    expect([stored?.revokeNote, stored?.announceAt, stored?.version]).toEqual([undefined, undefined, lease.version]);
  });

  it('takes an owed comment whose hold ends beyond `beyond` (no holder has such a hold), and keeps one held within it', async () => {
    // Prepare: a table writer pushed the hold out to 2999; another lease is held as a holder holds.
    const { leases, comments } = await open();
    const forged = await leases.transition(await activeLease(leases, 'r0000000000000000010'), 'REVOKED', revokeEntry(), { revokedAt: HELD, revokeCause: 'early', announceAt: '2999-01-01T00:00:00.000Z', revokeNote: NOTE });
    const held = await revokedOwing(leases, 'r0000000000000000011');
    // Act
    const fromForged = await comments.take('r0000000000000000010', '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:02:05.000Z');
    const fromHeld = await comments.take(held.id, '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:02:05.000Z');
    // Assess
    expect(forged.ok).toBe(true);
    expect(fromForged).toMatchObject({ revokeNote: NOTE, announceAt: '2026-01-01T00:02:00.000Z' });
    expect(fromHeld).toBeUndefined();
  });

  it('takes an owed comment whose holder settled before the revoke wrote it (no hold left), and nothing from a lease that owes none', async () => {
    // Prepare
    const { leases, comments } = await open();
    const active = await activeLease(leases, 'r0000000000000000004');
    const plain = await leases.transition(await activeLease(leases, 'r0000000000000000005'), 'REVOKED', revokeEntry(), { revokedAt: HELD, revokeCause: 'early', grantNote: null, announceAt: null });
    const unheld = await leases.transition(await activeLease(leases, 'r0000000000000000006'), 'REVOKED', revokeEntry(), { revokedAt: HELD, revokeCause: 'early', grantNote: null, announceAt: null, revokeNote: NOTE });
    // Act
    const fromActive = await comments.take(active.id, '2026-01-01T00:05:00.000Z', '2026-01-01T00:06:00.000Z');
    const fromPlain = await comments.take('r0000000000000000005', '2026-01-01T00:05:00.000Z', '2026-01-01T00:06:00.000Z');
    const fromUnheld = await comments.take('r0000000000000000006', '2026-01-01T00:00:30.000Z', '2026-01-01T00:01:30.000Z');
    const missing = await comments.take('r0000000000000000099', '2026-01-01T00:05:00.000Z', '2026-01-01T00:06:00.000Z');
    // Assess
    expect([plain.ok, unheld.ok]).toEqual([true, true]);
    expect([fromActive, fromPlain, missing]).toEqual([undefined, undefined, undefined]);
    expect(fromUnheld).toMatchObject({ revokeNote: NOTE, announceAt: '2026-01-01T00:01:30.000Z' });
  });

  it('keeps the queue item apart from the lease it names: the lease reads, lists and (DynamoDB) reports as before', async () => {
    // Prepare
    const { leases, comments, table } = await open();
    const lease = await revokedOwing(leases, 'r0000000000000000007');
    // Act
    await comments.queue(lease.id, new Date('2026-01-01T00:01:31.000Z'));
    const read = await leases.get(lease.id);
    const revokedDue = (await leases.listDue('REVOKED', new Date('2026-01-02T00:00:00.000Z'), 10)).map((l) => l.id);
    const reported = table === undefined ? [lease.id] : (await makeLeaseHistoryReader({ client: dynamo.client, tableName: table }).leasesBetween({ from: new Date('2025-12-31T00:00:00.000Z'), to: new Date('2026-01-02T00:00:00.000Z') })).map((l) => l.id);
    // Assess
    expect(read).toMatchObject({ id: lease.id, status: 'REVOKED', revokeNote: NOTE });
    expect(revokedDue).toEqual([lease.id]);
    expect(reported).toEqual([lease.id]);
  });
});

/** An ACTIVE lease whose announcement its writer holds until HELD. */
async function activeLease(leases: LeaseStore, id: string): Promise<Lease> {
  const lease = leaseFixture(id, EXPIRY);
  await leases.create(lease);
  const moved = await leases.transition(lease, 'ACTIVE', { at: '2026-01-01T00:00:01.000Z', from: 'PENDING', to: 'ACTIVE', by: 'test' }, { grantNote: [], announceAt: HELD });
  if (!moved.ok) throw new Error('fixture could not be made ACTIVE');
  return moved.lease;
}

/** A lease revoked while its announcement was held until HELD: its comment owed to that holder. */
async function revokedOwing(leases: LeaseStore, id: string): Promise<Lease> {
  const moved = await leases.transition(await activeLease(leases, id), 'REVOKED', revokeEntry(), { revokedAt: '2026-01-01T00:00:30.000Z', revokeCause: 'early', grantNote: null, revokeNote: NOTE });
  if (!moved.ok) throw new Error('fixture could not be revoked');
  return moved.lease;
}

function revokeEntry() {
  return { at: '2026-01-01T00:00:30.000Z', from: 'ACTIVE', to: 'REVOKED', by: 'test' } as const;
}
