import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { LeaseStoreError } from '../../lib/errors.js';
import { leaseFixture as lease } from '../support/lease-fixture.js';

/** A transition's time, as kube-lease's clock writes it. */
const NOW = '2026-01-01T00:30:00.000Z';

describe('DynamoDbLeaseStore (dynalite)', () => {
  let dynamo: EmbeddedDynamoDb;
  let store: DynamoDbLeaseStore;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
    await ensureLeaseTable(dynamo.client, 'leases');
    store = new DynamoDbLeaseStore(dynamo.client, 'leases');
  });
  afterAll(async () => {
    dynamo.client.destroy();
    await dynamo.stop();
  });

  it('creates a lease once; a second create with the same id returns the existing one', async () => {
    const first = lease('aaaaaaaaaaaaaaaaaaa1', '2026-01-01T01:00:00.000Z');
    expect(await store.create(first)).toEqual({ created: true });
    const again = await store.create({ ...first, reason: 'other' });
    expect(again.created).toBe(false);
    expect(!again.created && 'existing' in again ? again.existing.reason : undefined).toBe('incident');
  });

  it('transitions by compare-and-swap: a stale copy loses and sees the current state', async () => {
    const created = lease('aaaaaaaaaaaaaaaaaaa2', '2026-01-01T01:00:00.000Z');
    await store.create(created);
    const moved = await store.transition(created, 'ACTIVE', { at: NOW, from: 'PENDING', to: 'ACTIVE', by: 'test' });
    expect(moved.ok).toBe(true);
    expect(moved.ok ? moved.lease.version : 0).toBe(2);
    expect(moved.ok ? moved.lease.history.map((h) => h.to) : []).toEqual(['PENDING', 'ACTIVE']);

    const stale = await store.transition(created, 'FAILED', { at: NOW, from: 'PENDING', to: 'FAILED', by: 'test' }, { failureReason: 'x' });
    expect(stale.ok).toBe(false);
    expect(stale.ok ? undefined : stale.current?.status).toBe('ACTIVE');
  });

  it('refuses transitions the state machine does not allow', async () => {
    const revoked = lease('aaaaaaaaaaaaaaaaaaa3', '2026-01-01T01:00:00.000Z', 'REVOKED');
    await expect(store.transition(revoked, 'ACTIVE', { at: NOW, from: 'REVOKED', to: 'ACTIVE', by: 'test' })).rejects.toBeInstanceOf(LeaseStoreError);
  });

  it('lists only leases of a status that are due, oldest first, through the index', async () => {
    const base = 'bbbbbbbbbbbbbbbbbb';
    for (const [i, hour] of [[1, '03'], [2, '01'], [3, '05'], [4, '02']] as const) {
      const l = lease(`${base}0${i}`, `2030-01-01T${hour}:00:00.000Z`);
      await store.create(l);
      if (i !== 4) await store.transition(l, 'ACTIVE', { at: NOW, from: 'PENDING', to: 'ACTIVE', by: 'test' });
    }
    // Earlier tests left one ACTIVE lease expiring in 2026: it is due too, and comes first.
    const due = await store.listDue('ACTIVE', new Date('2030-01-01T04:00:00.000Z'), 10);
    expect(due.map((l) => l.id)).toEqual(['aaaaaaaaaaaaaaaaaaa2', `${base}02`, `${base}01`]);
    expect((await store.listDue('ACTIVE', new Date('2030-01-01T04:00:00.000Z'), 2)).map((l) => l.id)).toEqual(['aaaaaaaaaaaaaaaaaaa2', `${base}02`]);
    expect(await store.listDue('ACTIVE', new Date('2025-01-01T00:00:00.000Z'), 10)).toEqual([]);
  });

  it('claims a delivery once; a crashed claim is taken over once stale; a released one at once', async () => {
    // Prepare
    const t0 = new Date('2026-11-28T10:00:00.000Z');
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    // Act / Assess: a second copy is refused while the first is in progress, and after it is done.
    expect(await store.claimDelivery('body-1', t0, 3600, 120)).toBe(true);
    expect(await store.claimDelivery('body-1', at(10), 3600, 120)).toBe(false);
    expect(await store.claimDelivery('body-1', at(121), 3600, 120)).toBe(true);
    await store.finishDelivery('body-1', at(122));
    expect(await store.claimDelivery('body-1', at(1000), 3600, 120)).toBe(false);
    // A claim given back after a retryable failure is free for the retry.
    expect(await store.claimDelivery('body-2', t0, 3600, 120)).toBe(true);
    await store.releaseDelivery('body-2');
    expect(await store.claimDelivery('body-2', at(1), 3600, 120)).toBe(true);
  });

  it('records a denial under the approval\'s lease id: that approval can never create a lease', async () => {
    const l = lease('dddddddddddddddddddd', '2026-01-01T01:00:00.000Z');
    const denial = { leaseId: l.id, idempotencyKey: l.idempotencyKey, source: l.source, ticketKey: l.ticketKey, code: 'changed-after-approval', reason: 'edited', at: NOW, by: 'test' };
    expect(await store.recordDenial(denial)).toBe(true);
    expect(await store.recordDenial({ ...denial, code: 'other' })).toBe(false);
    expect(await store.create(l)).toEqual({ created: false, denied: denial });
    expect(await store.get(l.id)).toBeUndefined();
    expect(await store.denial(l.id)).toEqual(denial);
    // And a decided grant cannot be turned into a denial.
    const granted = lease('eeeeeeeeeeeeeeeeeeee', '2026-01-01T01:00:00.000Z');
    await store.create(granted);
    expect(await store.recordDenial({ ...denial, leaseId: granted.id })).toBe(false);
  });

  it('keeps one decision per approval whether it extends, creates or is denied (one item, first write wins)', async () => {
    const extendedLease = lease('abababababababab0001', '2030-01-01T01:00:00.000Z');
    await store.create(extendedLease);
    const approval = lease('abababababababab0002', '2030-01-01T01:00:00.000Z');
    const denial = { leaseId: approval.id, idempotencyKey: approval.idempotencyKey, source: approval.source, ticketKey: approval.ticketKey, code: 'x', reason: 'y', at: NOW, by: 'test' };
    // Extension first: a later denial, or a lease of that approval, is refused.
    expect(await store.claimApproval(approval.id, approval.idempotencyKey, extendedLease.id)).toEqual({ kind: 'claimed' });
    expect(await store.claimApproval(approval.id, approval.idempotencyKey, extendedLease.id)).toEqual({ kind: 'held', leaseId: extendedLease.id });
    expect(await store.recordDenial(denial)).toBe(false);
    expect(await store.create(approval)).toEqual({ created: false, extended: extendedLease.id });
    expect(await store.get(approval.id)).toBeUndefined();
    // Denial first: the extension finds it.
    const other = lease('abababababababab0003', '2030-01-01T01:00:00.000Z');
    await store.recordDenial({ ...denial, leaseId: other.id });
    expect(await store.claimApproval(other.id, other.idempotencyKey, extendedLease.id)).toMatchObject({ kind: 'denied', denial: { code: 'x' } });
  });

  it('reserves requester places exactly, gives them back on end, and reclaims one whose release was missed', async () => {
    const first = { ...lease('ffffffffffffffff0001', '2030-01-01T01:00:00.000Z'), requester: { id: 'cap', email: 'cap@example.com' } };
    const second = { ...first, id: 'ffffffffffffffff0002' };
    await store.create(first);
    await store.create(second);
    expect(await store.reservePlace(first, 1)).toEqual({ ok: true });
    expect(await store.reservePlace(first, 1)).toEqual({ ok: true });
    expect(await store.reservePlace(second, 1)).toEqual({ ok: false, held: 1 });
    await store.transition(first, 'FAILED', { at: NOW, from: 'PENDING', to: 'FAILED', by: 'test' });
    expect(await store.reservePlace(second, 1)).toEqual({ ok: true });
    // A place held by a lease that ended without giving it back (crash between the two writes).
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    await doc.send(new PutCommand({ TableName: 'leases', Item: { pk: 'places#gone@example.com', leases: new Set(['eeeeeeeeeeeeeeee0009']) } }));
    const third = { ...first, id: 'ffffffffffffffff0003', requester: { id: 'gone', email: 'gone@example.com' } };
    await store.create(third);
    expect(await store.reservePlace(third, 1)).toEqual({ ok: true });
  });

  it('refuses to read an item that does not match the lease schema', async () => {
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    await doc.send(new PutCommand({ TableName: 'leases', Item: { pk: 'lease#cccccccccccccccccccc', id: 'cccccccccccccccccccc', status: 'ACTIVE' } }));
    await expect(store.get('cccccccccccccccccccc')).rejects.toThrow(/does not match the lease schema/);
  });
});
