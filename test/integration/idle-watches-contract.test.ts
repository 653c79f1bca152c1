import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbIdleWatches } from '../../lib/adapters/dynamodb/idle-watches.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { DynamoDbOwedAnnouncements } from '../../lib/adapters/dynamodb/owed-announcements.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { firstIdleWatch } from '../../lib/domain/idle.js';
import type { HistoryEntry, Lease } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { IdleWatches } from '../../lib/ports/idle-watches.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import type { OwedAnnouncements } from '../../lib/ports/owed-announcements.js';
import { MemoryIdleWatches } from '../fakes/memory-idle-watches.js';
import { MemoryOwedAnnouncements } from '../fakes/memory-announcements.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { leaseFixture } from '../support/lease-fixture.js';

/** Idle watches on the lease items: the in-memory ones must answer, and keep the status index, as DynamoDB's do (dynalite). */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
type Stores = { watches: IdleWatches; leases: LeaseStore; owed: OwedAnnouncements };
const stores: [string, () => Promise<Stores>][] = [
  [
    'memory',
    async () => {
      const leases = new MemoryLeaseStore();
      return { watches: new MemoryIdleWatches(leases), leases, owed: new MemoryOwedAnnouncements(leases) };
    },
  ],
  [
    'DynamoDB (dynalite)',
    async () => {
      tables += 1;
      const table = `idle-${tables}`;
      await ensureLeaseTable(dynamo.client, table);
      return { watches: new DynamoDbIdleWatches(dynamo.client, table), leases: new DynamoDbLeaseStore(dynamo.client, table), owed: new DynamoDbOwedAnnouncements(dynamo.client, table) };
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

const EXPIRY = '2026-01-01T02:00:00.000Z';
const due = async (leases: LeaseStore, at: string) => (await leases.listDue('ACTIVE', new Date(at), 10)).leases.map((l) => l.id);

describe.each(stores)('IdleWatches contract: %s', (_name, open) => {
  it('keeps a watched lease due at its next check: after a recorded watch, an extension, and a settled announcement', async () => {
    // Prepare: due at 00:30 (start + 30m).
    const { watches, leases, owed } = await open();
    const lease = await watchedLease(leases, 'e0000000000000000001', true);
    // Act
    const first = [await due(leases, '2026-01-01T00:01:00.000Z'), await due(leases, '2026-01-01T00:30:00.000Z')];
    const settled = await owed.settle(lease.id, '2026-01-01T00:01:00.000Z', { at: '2026-01-01T00:00:30.000Z', answers: [] }, entry('grant announced'));
    const afterSettle = [await due(leases, '2026-01-01T00:29:59.000Z'), await due(leases, '2026-01-01T00:30:00.000Z')];
    const current = await leases.get(lease.id);
    const recorded = current === undefined ? false : await watches.record(current, { timeout: 1800, checkAt: '2026-01-01T00:50:00.000Z', readTo: '2026-01-01T00:25:00.000Z', lastRequestAt: '2026-01-01T00:15:00.000Z' });
    const afterRecord = [await due(leases, '2026-01-01T00:49:59.000Z'), await due(leases, '2026-01-01T00:50:00.000Z')];
    const now = await leases.get(lease.id);
    const extended = now === undefined ? undefined : await leases.transition(now, 'ACTIVE', entry('extended'), { expiresAt: '2026-01-01T04:00:00.000Z' });
    const afterExtension = await due(leases, '2026-01-01T00:50:00.000Z');
    // Assess: while the announcement is owed the lease is due at it (00:01); then at its idle check.
    expect(first).toEqual([[lease.id], [lease.id]]);
    expect(settled).toBe(true);
    expect(afterSettle).toEqual([[], [lease.id]]);
    expect(recorded).toBe(true);
    expect(afterRecord).toEqual([[], [lease.id]]);
    expect(extended?.ok).toBe(true);
    expect(afterExtension).toEqual([lease.id]);
    expect(await leases.get(lease.id)).toMatchObject({ version: extended?.ok === true ? extended.lease.version : -1, idle: { checkAt: '2026-01-01T00:50:00.000Z', lastRequestAt: '2026-01-01T00:15:00.000Z' } });
  });

  it('writes nothing over a lease that changed since it was read (a newer watch, an extension, a revoke), and leaves the version alone', async () => {
    // Prepare
    const { watches, leases } = await open();
    const lease = await watchedLease(leases, 'e0000000000000000002', false);
    const next = { timeout: 1800, checkAt: '2026-01-01T01:00:00.000Z', readTo: '2026-01-01T00:25:00.000Z' };
    // Act
    const first = await watches.record(lease, next);
    const stale = await watches.record(lease, { ...next, checkAt: '2026-01-01T00:40:00.000Z' });
    const current = await leases.get(lease.id);
    const extended = current === undefined ? undefined : await leases.transition(current, 'ACTIVE', entry('extended'), { expiresAt: '2026-01-01T03:00:00.000Z' });
    const afterExtension = current === undefined ? false : await watches.record(current, { ...next, checkAt: '2026-01-01T01:30:00.000Z' });
    const latest = await leases.get(lease.id);
    const revoked = latest === undefined ? undefined : await leases.transition(latest, 'REVOKED', { ...entry('revoke'), to: 'REVOKED' }, { revokedAt: '2026-01-01T00:40:00.000Z', revokeCause: 'idle' });
    const afterRevoke = latest === undefined ? false : await watches.record(latest, { ...next, checkAt: '2026-01-01T01:40:00.000Z' });
    // Assess
    expect([first, stale, afterExtension, afterRevoke]).toEqual([true, false, false, false]);
    expect(current).toMatchObject({ version: lease.version, idle: next });
    expect(extended?.ok).toBe(true);
    expect(revoked?.ok).toBe(true);
    expect(await leases.get(lease.id)).toMatchObject({ status: 'REVOKED', revokeCause: 'idle', idle: next });
  });
});

/** An ACTIVE lease with a 30-minute idle watch; with `owed`, its announcement held until 00:01. */
async function watchedLease(leases: LeaseStore, id: string, owed: boolean): Promise<Lease> {
  const lease: Lease = { ...leaseFixture(id, EXPIRY), idle: firstIdleWatch(1800, '2026-01-01T00:00:00.000Z', EXPIRY) };
  await leases.create(lease);
  const patch = owed ? { grantNote: [], announceAt: '2026-01-01T00:01:00.000Z' } : {};
  const moved = await leases.transition(lease, 'ACTIVE', { at: '2026-01-01T00:00:01.000Z', from: 'PENDING', to: 'ACTIVE', by: 'test' }, patch);
  if (!moved.ok) throw new Error('fixture could not be made ACTIVE');
  return moved.lease;
}

function entry(note: string): HistoryEntry {
  return { at: '2026-01-01T00:01:01.000Z', from: 'ACTIVE', to: 'ACTIVE', by: 'test', note };
}
