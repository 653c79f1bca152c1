import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbOwedAnnouncements } from '../../lib/adapters/dynamodb/owed-announcements.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import type { AccessVerification, HistoryEntry, Lease } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { OwedAnnouncements } from '../../lib/ports/owed-announcements.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import { MemoryOwedAnnouncements } from '../fakes/memory-announcements.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { leaseFixture } from '../support/lease-fixture.js';

/** Owed grant announcements on the lease items: the in-memory ones must answer as DynamoDB's do (dynalite). */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
const stores: [string, () => Promise<{ owed: OwedAnnouncements; leases: LeaseStore }>][] = [
  [
    'memory',
    async () => {
      const leases = new MemoryLeaseStore();
      return { owed: new MemoryOwedAnnouncements(leases), leases };
    },
  ],
  [
    'DynamoDB (dynalite)',
    async () => {
      tables += 1;
      const table = `owed-${tables}`;
      await ensureLeaseTable(dynamo.client, table);
      return { owed: new DynamoDbOwedAnnouncements(dynamo.client, table), leases: new DynamoDbLeaseStore(dynamo.client, table) };
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
const due = async (leases: LeaseStore, at: string) => (await leases.listDue('ACTIVE', new Date(at), 10)).leases.map((l) => l.id);

describe.each(stores)('OwedAnnouncements contract: %s', (_name, open) => {
  it('keeps a lease whose announcement is owed in the status index at `announceAt`, across an extension, and at its expiry once settled', async () => {
    // Prepare
    const { owed, leases } = await open();
    const lease = await activeLease(leases, 'd0000000000000000001');
    // Act: an extension (ACTIVE → ACTIVE, a new expiry) while it is owed.
    const extended = await leases.transition(lease, 'ACTIVE', entry('extended'), { expiresAt: '2026-01-01T02:00:00.000Z' });
    const whileOwed = [await due(leases, '2026-01-01T00:01:00.000Z'), await due(leases, HELD)];
    const settled = await owed.settle(lease.id, HELD, review(true), entry('grant announced'));
    const after = [await due(leases, '2026-01-01T01:30:00.000Z'), await due(leases, '2026-01-01T02:00:00.000Z')];
    // Assess
    expect(extended.ok).toBe(true);
    expect(whileOwed).toEqual([[], [lease.id]]);
    expect(settled).toBe(true);
    expect(after).toEqual([[], [lease.id]]);
    const stored = await leases.get(lease.id);
    expect(stored).toMatchObject({ verification: { granted: review(true) }, version: extended.ok ? extended.lease.version : -1 });
    expect(stored?.grantNote).toBeUndefined();
    expect(stored?.announceAt).toBeUndefined();
    expect(stored?.history.at(-1)?.note).toBe('grant announced');
  });

  it('lets one taker at a time have it, only once its hold ran out, never moving the version; a settle by a holder that lost it fails', async () => {
    // Prepare
    const { owed, leases } = await open();
    const lease = await activeLease(leases, 'd0000000000000000002');
    // Act
    const early = await owed.take(lease, '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z');
    const first = await owed.take(lease, '2026-01-01T00:01:30.000Z', '2026-01-01T00:02:30.000Z');
    const second = await owed.take(lease, '2026-01-01T00:01:30.000Z', '2026-01-01T00:02:30.000Z');
    const lateSettle = await owed.settle(lease.id, HELD, review(true), entry('late'));
    // Assess
    expect(early).toBeUndefined();
    expect(first).toMatchObject({ id: lease.id, announceAt: '2026-01-01T00:02:30.000Z', grantNote: ['clipped'], version: lease.version });
    expect(second).toBeUndefined();
    expect(lateSettle).toBe(false);
    expect(await due(leases, '2026-01-01T00:02:29.000Z')).toEqual([]);
    expect(await due(leases, '2026-01-01T00:02:30.000Z')).toEqual([lease.id]);
  });

  it('defers to a retry time with the lines it will add; a take never holds past the expiry, nor takes after an extension it did not see', async () => {
    // Prepare
    const { owed, leases } = await open();
    const lease = await activeLease(leases, 'd0000000000000000003');
    // Act
    const deferred = await owed.defer(lease.id, HELD, '2026-01-01T00:05:00.000Z', ['timers-quota', 'timer-not-armed']);
    const notHeld = await owed.defer(lease.id, HELD, '2026-01-01T00:06:00.000Z', []);
    const taken = await owed.take(lease, '2026-01-01T00:59:30.000Z', '2026-01-01T01:00:30.000Z');
    const current = await leases.get(lease.id);
    const extended = current === undefined ? undefined : await leases.transition(current, 'ACTIVE', entry('extended'), { expiresAt: '2026-01-01T03:00:00.000Z' });
    const stale = await owed.take(lease, '2026-01-01T01:00:00.000Z', '2026-01-01T01:01:00.000Z');
    // Assess
    expect(deferred).toBe(true);
    expect(notHeld).toBe(false);
    expect(taken).toMatchObject({ announceAt: EXPIRY, grantNote: ['timers-quota', 'timer-not-armed'] });
    expect(extended?.ok).toBe(true);
    expect(stale).toBeUndefined();
  });

  it('is cleared by a revoke, after which nothing can take, settle or defer it, not even on a REVOKED lease that kept it', async () => {
    // Prepare
    const { owed, leases } = await open();
    const lease = await activeLease(leases, 'd0000000000000000004');
    const other = await activeLease(leases, 'd0000000000000000005');
    // Act: one revoked while owed; the other revoked with its own review, its grant left (no revoke
    // writes that: the lease is REVOKED, and a grant's announcement is never settled or deferred on one).
    const revoked = await leases.transition(lease, 'REVOKED', entry('revoke'), { revokedAt: HELD, revokeCause: 'early', grantNote: null, announceAt: null });
    const taken = await owed.take(lease, '2026-01-01T00:30:00.000Z', '2026-01-01T00:31:00.000Z');
    const settled = await owed.settle(lease.id, HELD, review(true), entry('grant announced'));
    const otherRevoked = await leases.transition(other, 'REVOKED', entry('revoke'), { revokedAt: HELD, revokeCause: 'early', revokeVerification: review(false) });
    const otherSettled = await owed.settle(other.id, HELD, review(true), entry('grant announced'));
    const otherDeferred = await owed.defer(other.id, HELD, '2026-01-01T00:05:00.000Z', []);
    const otherTaken = await owed.take(other, '2026-01-01T00:30:00.000Z', '2026-01-01T00:31:00.000Z');
    // Assess
    expect(revoked.ok).toBe(true);
    expect(taken).toBeUndefined();
    expect(settled).toBe(false);
    const stored = await leases.get(lease.id);
    expect(stored?.grantNote).toBeUndefined();
    expect(stored?.announceAt).toBeUndefined();
    expect(otherRevoked.ok).toBe(true);
    expect([otherSettled, otherDeferred, otherTaken]).toEqual([false, false, undefined]);
    const otherStored = await leases.get(other.id);
    expect(otherStored).toMatchObject({ status: 'REVOKED', announceAt: HELD, verification: { revoked: review(false) } });
    expect(otherStored?.verification?.granted).toBeUndefined();
  });

  it("keeps the grant's access review that a settle stored after the revoke read the lease: the revoke's review is added beside it", async () => {
    // Prepare: the revoke reads the lease before the grant's announcement is settled (settle keeps the version).
    const { owed, leases } = await open();
    const raced = await activeLease(leases, 'd0000000000000000008');
    const settledFirst = await activeLease(leases, 'd0000000000000000009');
    const neverSettled = await activeLease(leases, 'd0000000000000000010');
    const settled = await owed.settle(raced.id, HELD, review(true), entry('grant announced'));
    await owed.settle(settledFirst.id, HELD, review(true), entry('grant announced'));
    const readAfter = await leases.get(settledFirst.id);
    // Act: each revoke writes from what it read.
    const revoke = (lease: Lease) => leases.transition(lease, 'REVOKED', entry('revoke'), { revokedAt: HELD, revokeCause: 'early', grantNote: null, announceAt: null, revokeVerification: review(false) });
    const moved = [await revoke(raced), readAfter === undefined ? undefined : await revoke(readAfter), await revoke(neverSettled)];
    // Assess
    expect(settled).toBe(true);
    expect(raced.verification).toBeUndefined();
    expect(moved.map((m) => m?.ok)).toEqual([true, true, true]);
    for (const id of [raced.id, settledFirst.id]) expect((await leases.get(id))?.verification).toEqual({ granted: review(true), revoked: review(false) });
    expect((await leases.get(neverSettled.id))?.verification).toEqual({ revoked: review(false) });
    expect(moved[0]?.ok === true && moved[0].lease.verification).toEqual({ granted: review(true), revoked: review(false) });
  });

  it('a revoke that lost the lease (a newer version) writes nothing, whichever form its review would take', async () => {
    const { owed, leases } = await open();
    const lease = await activeLease(leases, 'd0000000000000000011');
    await owed.settle(lease.id, HELD, review(true), entry('grant announced'));
    const newer = await leases.transition(lease, 'ACTIVE', { ...entry('extended'), to: 'ACTIVE' }, { expiresAt: '2026-01-01T02:00:00.000Z' });
    const lost = await leases.transition(lease, 'REVOKED', entry('revoke'), { revokedAt: HELD, revokeCause: 'early', revokeVerification: review(false) });
    expect(newer.ok).toBe(true);
    expect(lost.ok).toBe(false);
    expect((await leases.get(lease.id))).toMatchObject({ status: 'ACTIVE', verification: { granted: review(true) } });
    expect((await leases.get(lease.id))?.verification?.revoked).toBeUndefined();
  });

  it("keeps a revoke's comment owed to the holder: its grant can no longer be settled or deferred, and the owed comment is cleared once", async () => {
    // Prepare
    const { owed, leases } = await open();
    const lease = await activeLease(leases, 'd0000000000000000006');
    const gone = await activeLease(leases, 'd0000000000000000007');
    // Act: the revoke meets the held announcement: grant cleared, the hold kept, its comment owed.
    const revoked = await leases.transition(lease, 'REVOKED', entry('revoke'), { revokedAt: HELD, revokeCause: 'early', grantNote: null, revokeNote: { untouched: [], evidence: false } });
    const settled = await owed.settle(lease.id, HELD, review(true), entry('grant announced'));
    const deferred = await owed.defer(lease.id, HELD, '2026-01-01T00:05:00.000Z', []);
    const taken = await owed.take(lease, '2026-01-01T00:30:00.000Z', '2026-01-01T00:31:00.000Z');
    const stored = await leases.get(lease.id);
    const otherHold = await owed.revokeTold(lease.id, '2026-01-01T00:09:00.000Z');
    const told = await owed.revokeTold(lease.id, HELD);
    const again = await owed.revokeTold(lease.id, HELD);
    // The holder settled just before the revoke's write: the hold is gone, the revoke clears its own note.
    await owed.settle(gone.id, HELD, review(true), entry('grant announced'));
    const goneRevoked = await leases.transition(gone, 'REVOKED', entry('revoke'), { revokedAt: HELD, revokeCause: 'early', grantNote: null, revokeNote: { untouched: [], evidence: true } });
    const goneTold = await owed.revokeTold(gone.id, undefined);
    // Assess
    expect(revoked.ok).toBe(true);
    expect([settled, deferred, taken]).toEqual([false, false, undefined]);
    expect(stored).toMatchObject({ status: 'REVOKED', announceAt: HELD, revokeNote: { untouched: [], evidence: false } });
    expect(stored?.grantNote).toBeUndefined();
    expect([otherHold, told, again]).toEqual([false, true, false]);
    const after = await leases.get(lease.id);
    expect([after?.revokeNote, after?.announceAt, after?.status]).toEqual([undefined, undefined, 'REVOKED']);
    expect(goneRevoked.ok && goneRevoked.lease.announceAt).toBeUndefined();
    expect(goneTold).toBe(true);
    expect((await leases.get(gone.id))?.revokeNote).toBeUndefined();
  });
});

/** An ACTIVE lease whose announcement its writer holds until HELD. */
async function activeLease(leases: LeaseStore, id: string): Promise<Lease> {
  const lease = leaseFixture(id, EXPIRY);
  await leases.create(lease);
  const moved = await leases.transition(lease, 'ACTIVE', { at: '2026-01-01T00:00:01.000Z', from: 'PENDING', to: 'ACTIVE', by: 'test' }, { grantNote: ['clipped'], announceAt: HELD });
  if (!moved.ok) throw new Error('fixture could not be made ACTIVE');
  return moved.lease;
}

function review(allowed: boolean): AccessVerification {
  return { at: '2026-01-01T00:01:00.500Z', answers: [{ namespace: 'payments', allowed }] };
}

function entry(note: string): HistoryEntry {
  return { at: '2026-01-01T00:01:01.000Z', from: 'ACTIVE', to: note === 'revoke' ? 'REVOKED' : 'ACTIVE', by: 'test', note };
}
