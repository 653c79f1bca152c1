import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { LeaseStoreError } from '../../lib/errors.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Issue 23, review 3: a lease kube-lease writes but its own read refuses can be neither revoked nor
 * listed. The store refuses to create one: nothing is written, and the grant fails before any binding.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('creating a lease its own read would refuse (DynamoDB, dynalite)', () => {
  it('throws a LeaseStoreError naming the field, and writes nothing', async () => {
    // Prepare
    await ensureLeaseTable(dynamo.client, 'create-readable');
    const leases = new DynamoDbLeaseStore(dynamo.client, 'create-readable');
    const lease = { ...leaseFixture('e0000000000000000001', '2026-01-01T01:00:00.000Z'), subject: { kind: 'User' as const, name: 'bob\u0085x@example.com' } };
    // Act
    const created = await leases.create(lease).catch((error: unknown) => error);
    // Assess
    expect(created).toBeInstanceOf(LeaseStoreError);
    expect([(created as LeaseStoreError).message, (created as LeaseStoreError).retryable]).toEqual([expect.stringContaining('fields refused: subject.name'), false]);
    expect(await leases.get(lease.id)).toBeUndefined();
  });

  it('creates a lease its read accepts', async () => {
    // Prepare
    await ensureLeaseTable(dynamo.client, 'create-readable-ok');
    const leases = new DynamoDbLeaseStore(dynamo.client, 'create-readable-ok');
    const lease = leaseFixture('e0000000000000000002', '2026-01-01T01:00:00.000Z');
    // Act
    const created = await leases.create(lease);
    // Assess
    expect(created).toEqual({ created: true });
    expect((await leases.get(lease.id))?.subject).toEqual(lease.subject);
  });

  it('refuses a transition that would leave the lease unreadable, writing nothing', async () => {
    // Prepare: an ACTIVE lease; a revoke records a pod that may run until a time no record holds.
    await ensureLeaseTable(dynamo.client, 'transition-readable');
    const leases = new DynamoDbLeaseStore(dynamo.client, 'transition-readable');
    const lease = leaseFixture('e0000000000000000003', '2026-01-01T01:00:00.000Z', 'ACTIVE');
    await leases.create(lease);
    const at = '2026-01-01T00:30:00.000Z';
    const pods = [{ namespace: 'payments', pod: 'api-0', outcome: 'evicted' as const, mayRunUntil: '+014600-01-01T00:00:00.000Z', graceSeconds: 4e11 }];
    // Act
    const moved = await leases.transition(lease, 'REVOKED', { at, from: 'ACTIVE', to: 'REVOKED', by: 'test' }, { revokedAt: at, revokeCause: 'expiry', sessions: { at, seen: [], pods } }).catch((error: unknown) => error);
    // Assess
    expect(moved).toBeInstanceOf(LeaseStoreError);
    expect((moved as LeaseStoreError).message).toContain('fields refused: sessions.pods.0.mayRunUntil');
    expect((await leases.get(lease.id))?.status).toBe('ACTIVE');
  });
});
