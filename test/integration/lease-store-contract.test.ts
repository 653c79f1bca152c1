import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import type { Lease } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { leaseFixture } from '../support/lease-fixture.js';

/**
 * One contract, two stores: the in-memory store the use-case tests run on must answer exactly as
 * the DynamoDB store does (against dynalite), or those fast tests would prove nothing.
 */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
const stores: [string, () => Promise<LeaseStore>][] = [
  ['MemoryLeaseStore', async () => new MemoryLeaseStore()],
  [
    'DynamoDbLeaseStore (dynalite)',
    async () => {
      tables += 1;
      await ensureLeaseTable(dynamo.client, `contract-${tables}`);
      return new DynamoDbLeaseStore(dynamo.client, `contract-${tables}`);
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

let ids = 0;
function lease(changes: Partial<Lease> = {}): Lease {
  ids += 1;
  return { ...leaseFixture(`c${String(ids).padStart(19, '0')}`, '2026-01-01T01:00:00.000Z'), ...changes };
}
const entry = (from: Lease['status'], to: Lease['status']) => ({ at: '2026-01-01T00:00:01.000Z', from, to, by: 'contract' });

describe.each(stores)('LeaseStore contract: %s', (_name, open) => {
  it('creates once; a repeat create returns the existing lease', async () => {
    // Prepare
    const store = await open();
    const first = lease();
    // Act
    const created = await store.create(first);
    const again = await store.create({ ...first, reason: 'other' });
    // Assess
    expect(created).toEqual({ created: true });
    expect(again.created === false && 'existing' in again ? again.existing.reason : undefined).toBe(first.reason);
  });

  it('transitions by compare-and-swap, appends history, and a stale copy loses and sees the current lease', async () => {
    // Prepare
    const store = await open();
    const first = lease();
    await store.create(first);
    // Act
    const moved = await store.transition(first, 'ACTIVE', entry('PENDING', 'ACTIVE'), { deferredReason: null });
    const stale = await store.transition(first, 'FAILED', entry('PENDING', 'FAILED'), { failureReason: 'x' });
    // Assess
    expect(moved.ok && moved.lease.version).toBe(2);
    expect(moved.ok && moved.lease.history.map((h) => h.to)).toEqual(['PENDING', 'ACTIVE']);
    expect(stale.ok).toBe(false);
    expect(!stale.ok && stale.current?.status).toBe('ACTIVE');
  });

  it('keeps a denied approval decided: no lease under its id, and no second denial', async () => {
    // Prepare
    const store = await open();
    const denied = lease();
    const denial = { leaseId: denied.id, idempotencyKey: denied.idempotencyKey, source: 'jira' as const, ticketKey: 'OPS-1', code: 'self-approval', reason: 'r', at: '2026-01-01T00:00:00.000Z', by: 'test' };
    // Act
    const recorded = await store.recordDenial(denial);
    const twice = await store.recordDenial(denial);
    const create = await store.create(denied);
    // Assess
    expect([recorded, twice]).toEqual([true, false]);
    expect(create.created === false && 'denied' in create ? create.denied.code : undefined).toBe('self-approval');
    expect(await store.get(denied.id)).toBeUndefined();
    expect((await store.denial(denied.id))?.reason).toBe('r');
  });

  it('records a denial naming people as the ticket does, an app account without an email included', async () => {
    // Prepare: Automation for Jira approved (no email); the requester has one.
    const store = await open();
    const denied = lease();
    const app = { id: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', displayName: 'Automation for Jira', email: undefined, activeHuman: false };
    const denial = { leaseId: denied.id, idempotencyKey: denied.idempotencyKey, source: 'jira' as const, ticketKey: 'OPS-2', code: 'approver-not-person', reason: 'r', at: '2026-01-01T00:00:00.000Z', by: 'test', requester: { id: 'acct-alice', email: 'alice@example.com' }, approvers: [app], approvalKind: 'person' as const };
    // Act
    const recorded = await store.recordDenial(denial);
    // Assess
    expect(recorded).toBe(true);
    expect((await store.denial(denied.id))?.approvers?.map((p) => [p.id, p.email])).toEqual([[app.id, undefined]]);
  });

  it('claims an approval for an extension once; the claimed id never becomes a lease', async () => {
    // Prepare
    const store = await open();
    const holder = lease();
    const approvalId = lease();
    // Act
    const first = await store.claimApproval(approvalId.id, approvalId.idempotencyKey, holder.id);
    const again = await store.claimApproval(approvalId.id, approvalId.idempotencyKey, 'someone-else');
    const create = await store.create(approvalId);
    // Assess
    expect(first).toEqual({ kind: 'claimed' });
    expect(again).toEqual({ kind: 'held', leaseId: holder.id });
    expect(create.created === false && 'extended' in create ? create.extended : undefined).toBe(holder.id);
  });

  it('lists what is due by status, earliest first, up to the limit', async () => {
    // Prepare
    const store = await open();
    const late = lease({ status: 'ACTIVE', expiresAt: '2026-01-01T03:00:00.000Z' });
    const early = lease({ status: 'ACTIVE', expiresAt: '2026-01-01T02:00:00.000Z' });
    const future = lease({ status: 'ACTIVE', expiresAt: '2026-01-02T00:00:00.000Z' });
    for (const l of [late, early, future]) await store.create(l);
    // Act
    const due = (await store.listDue('ACTIVE', new Date('2026-01-01T04:00:00.000Z'), 10)).leases;
    const one = (await store.listDue('ACTIVE', new Date('2026-01-01T04:00:00.000Z'), 1)).leases;
    // Assess
    expect(due.map((l) => l.id)).toEqual([early.id, late.id]);
    expect(one.map((l) => l.id)).toEqual([early.id]);
  });

  it('keeps a remembered close on the lease and makes it due at once, before its expiry', async () => {
    // Prepare: an ACTIVE lease that expires the next day, owing its announcement until later
    const store = await open();
    const active = lease({ status: 'ACTIVE', expiresAt: '2026-01-02T00:00:00.000Z', grantNote: [], announceAt: '2026-01-01T06:00:00.000Z' });
    await store.create(active);
    const at = '2026-01-01T00:30:00.000Z';
    // Act: a close could not revoke, and remembers it
    const marked = await store.transition(active, 'ACTIVE', entry('ACTIVE', 'ACTIVE'), { revokeRequested: { at, cause: 'early', by: 'servicenow-webhook', reason: 'a backend was unavailable' } });
    const due = (await store.listDue('ACTIVE', new Date('2026-01-01T01:00:00.000Z'), 10)).leases;
    // Assess
    expect(marked.ok && marked.lease.revokeRequested).toEqual({ at, cause: 'early', by: 'servicenow-webhook', reason: 'a backend was unavailable' });
    expect(due.map((l) => l.id)).toEqual([active.id]);
    expect((await store.get(active.id))?.revokeRequested?.cause).toBe('early');
  });

  it('holds a requester to the cap and gives the place back when a lease ends', async () => {
    // Prepare
    const store = await open();
    const [a, b, c] = [lease({ requester: { id: 'cap-1' } }), lease({ requester: { id: 'cap-1' } }), lease({ requester: { id: 'cap-1' } })];
    for (const l of [a, b, c]) await store.create(l);
    // Act
    const first = await store.reservePlace(a, 1);
    const repeat = await store.reservePlace(a, 1);
    const full = await store.reservePlace(b, 1);
    await store.transition(a, 'FAILED', entry('PENDING', 'FAILED'), { failureReason: 'x' });
    const freed = await store.reservePlace(b, 1);
    // Assess
    expect([first.ok, repeat.ok, full.ok, freed.ok]).toEqual([true, true, false, true]);
    expect(!full.ok && full.held).toBe(1);
  });

  it('counts break-glass uses per requester and day, once per lease, and never gives one back', async () => {
    // Prepare
    const store = await open();
    const [a, b] = [lease({ requester: { id: 'glass-1' } }), lease({ requester: { id: 'glass-1' } })];
    for (const l of [a, b]) await store.create(l);
    // Act
    const first = await store.reserveBreakGlass(a, 1, '2026-01-01');
    const repeat = await store.reserveBreakGlass(a, 1, '2026-01-01');
    await store.transition(a, 'FAILED', entry('PENDING', 'FAILED'), { failureReason: 'x' });
    const full = await store.reserveBreakGlass(b, 1, '2026-01-01');
    const nextDay = await store.reserveBreakGlass(b, 1, '2026-01-02');
    // Assess
    expect([first.ok, repeat.ok, full.ok, nextDay.ok]).toEqual([true, true, false, true]);
    expect(!full.ok && full.used).toBe(1);
  });

  it('claims a delivery once, keeps a finished one, and lets a stale unfinished claim be taken over', async () => {
    // Prepare
    const store = await open();
    const now = new Date('2026-01-01T00:00:00.000Z');
    const later = new Date(now.getTime() + 600_000);
    // Act
    const claimed = await store.claimDelivery('d1', now, 3600, 120);
    const busy = await store.claimDelivery('d1', now, 3600, 120);
    const takenOver = await store.claimDelivery('d1', later, 3600, 120);
    await store.finishDelivery('d1', later);
    const done = await store.claimDelivery('d1', new Date(later.getTime() + 600_000), 3600, 120);
    await store.claimDelivery('d2', now, 3600, 120);
    await store.releaseDelivery('d2');
    const released = await store.claimDelivery('d2', now, 3600, 120);
    // Assess
    expect([claimed, busy, takenOver, done, released]).toEqual([true, false, true, false, true]);
  });

  it('lists the leases of one ticket, oldest first', async () => {
    // Prepare
    const store = await open();
    const second = lease({ ticketKey: 'OPS-77', createdAt: '2026-01-01T00:05:00.000Z' });
    const first = lease({ ticketKey: 'OPS-77', createdAt: '2026-01-01T00:01:00.000Z' });
    await store.create(second);
    await store.create(first);
    await store.create(lease({ ticketKey: 'OPS-78' }));
    // Act
    const listed = (await store.listForTicket('jira', 'OPS-77')).leases;
    // Assess
    expect(listed.map((l) => l.id)).toEqual([first.id, second.id]);
  });

  it('lists a ticket\'s leases by its id, and those recorded before ids (no ticket id) by any key it had', async () => {
    // Prepare: two leases filed under id 10001 (created under different keys), one recorded before
    // ids under a former key, and leases of another ticket (by id, and by key).
    const store = await open();
    const byId = lease({ ticketId: '10001', ticketKey: 'OPS-80', createdAt: '2026-01-01T00:03:00.000Z' });
    const byIdLater = lease({ ticketId: '10001', ticketKey: 'SEC-4', createdAt: '2026-01-01T00:04:00.000Z' });
    const keyed = lease({ ticketKey: 'OLD-9', createdAt: '2026-01-01T00:01:00.000Z' });
    for (const l of [byIdLater, keyed, byId, lease({ ticketId: '10002', ticketKey: 'OPS-81' }), lease({ ticketKey: 'OPS-82' })]) await store.create(l);
    // Act
    const listed = (await store.listForTicketRef('jira', { id: '10001', keys: ['SEC-4', 'OLD-9'] })).leases;
    const other = (await store.listForTicketRef('servicenow', { id: '10001', keys: ['OLD-9'] })).leases;
    // Assess: each once, oldest first; another source's partition is another ticket.
    expect(listed.map((l) => l.id)).toEqual([keyed.id, byId.id, byIdLater.id]);
    expect(other).toEqual([]);
  });

  it('finds by a key every lease of the ticket that key was seen naming, and by a new key once a transition records it', async () => {
    // Prepare
    const store = await open();
    const first = lease({ ticketId: '20001', ticketKey: 'OPS-90', createdAt: '2026-01-01T00:01:00.000Z' });
    const second = lease({ ticketId: '20001', ticketKey: 'OPS-90', createdAt: '2026-01-01T00:02:00.000Z' });
    await store.create(first);
    await store.create(second);
    const unseen = (await store.listForTicket('jira', 'SEC-7')).leases;
    // Act: kube-lease meets the ticket under its new key (a move) in a transition of the first lease.
    const moved = await store.transition(first, 'ACTIVE', entry('PENDING', 'ACTIVE'), { ticketKey: 'SEC-7', ticketUrl: 'https://example.atlassian.net/browse/SEC-7' });
    // Assess: both keys name the ticket now; the lease shows its new key, the other its own.
    expect(unseen).toEqual([]);
    expect(moved.ok && moved.lease.ticketKey).toBe('SEC-7');
    for (const key of ['OPS-90', 'SEC-7']) {
      expect((await store.listForTicket('jira', key)).leases.map((l) => [l.id, l.ticketKey])).toEqual([
        [first.id, 'SEC-7'],
        [second.id, 'OPS-90'],
      ]);
    }
  });

  it('migrates a lease recorded before ids to its ticket\'s id when a transition records the id', async () => {
    // Prepare
    const store = await open();
    const keyed = lease({ ticketKey: 'OPS-95' });
    await store.create(keyed);
    // Act
    const moved = await store.transition(keyed, 'ACTIVE', entry('PENDING', 'ACTIVE'), { ticketId: '30001', ticketKey: 'SEC-9' });
    // Assess: found by the id alone, and by either key as a person types it; no longer a keyed lease.
    expect(moved.ok && moved.lease.ticketId).toBe('30001');
    expect((await store.listForTicketRef('jira', { id: '30001', keys: [] })).leases.map((l) => l.id)).toEqual([keyed.id]);
    expect((await store.listForTicketRef('jira', { id: '39999', keys: ['OPS-95'] })).leases.map((l) => l.id)).toEqual([]);
    expect((await store.listForTicket('jira', 'SEC-9')).leases.map((l) => l.id)).toEqual([keyed.id]);
    expect((await store.listForTicket('jira', 'OPS-95')).leases.map((l) => l.id)).toEqual([keyed.id]);
  });
});
