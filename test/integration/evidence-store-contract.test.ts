import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import type { ActivityEvidence } from '../../lib/domain/activity.js';
import type { Lease } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { EvidenceStore } from '../../lib/ports/evidence-store.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import { MemoryEvidenceStore } from '../fakes/memory-evidence-store.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { leaseFixture } from '../support/lease-fixture.js';

/** The evidence queue and record: the in-memory store must answer as the DynamoDB one does (dynalite). */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
type Pair = { leases: LeaseStore; evidence: EvidenceStore };
const stores: [string, () => Promise<Pair>][] = [
  [
    'memory',
    async () => {
      const leases = new MemoryLeaseStore();
      return { leases, evidence: new MemoryEvidenceStore(leases) };
    },
  ],
  [
    'DynamoDB (dynalite)',
    async () => {
      tables += 1;
      await ensureLeaseTable(dynamo.client, `evidence-${tables}`);
      return { leases: new DynamoDbLeaseStore(dynamo.client, `evidence-${tables}`), evidence: new DynamoDbEvidenceStore(dynamo.client, `evidence-${tables}`) };
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
async function revokedLease(leases: LeaseStore): Promise<Lease> {
  ids += 1;
  const lease: Lease = { ...leaseFixture(`e${String(ids).padStart(19, '0')}`, '2026-01-01T01:00:00.000Z'), status: 'ACTIVE' };
  await leases.create(lease);
  const moved = await leases.transition(lease, 'REVOKED', { at: '2026-01-01T01:00:01.000Z', from: 'ACTIVE', to: 'REVOKED', by: 'test' }, { revokedAt: '2026-01-01T01:00:01.000Z', revokeCause: 'expiry' });
  if (!moved.ok) throw new Error('fixture could not be revoked');
  return moved.lease;
}

const evidence = (digest: string): ActivityEvidence => ({
  collectedAt: '2026-01-01T01:06:00.000Z',
  from: '2026-01-01T00:00:00.000Z',
  to: '2026-01-01T01:00:01.000Z',
  events: 3,
  summary: { requests: 2, byRequest: [{ verb: 'get', resource: 'pods', namespace: 'payments', count: 2 }], sessions: [], secretsRead: [], denied: [], omitted: 0 },
  digest,
});

describe.each(stores)('EvidenceStore contract: %s', (_name, open) => {
  it('queues once, lists only what is due (earliest first), and drops', async () => {
    // Prepare
    const { evidence: store } = await open();
    await store.queue('a0000000000000000001', new Date('2026-01-01T01:05:00.000Z'));
    await store.queue('a0000000000000000002', new Date('2026-01-01T01:02:00.000Z'));
    await store.queue('a0000000000000000003', new Date('2026-01-01T02:00:00.000Z'));
    // Queueing again keeps the first due time.
    await store.queue('a0000000000000000002', new Date('2026-01-01T03:00:00.000Z'));
    // Act
    const due = await store.due(new Date('2026-01-01T01:10:00.000Z'), 10);
    await store.drop('a0000000000000000002');
    const after = await store.due(new Date('2026-01-01T01:10:00.000Z'), 10);
    // Assess
    expect(due).toEqual([
      { leaseId: 'a0000000000000000002', dueAt: '2026-01-01T01:02:00.000Z' },
      { leaseId: 'a0000000000000000001', dueAt: '2026-01-01T01:05:00.000Z' },
    ]);
    expect(after.map((d) => d.leaseId)).toEqual(['a0000000000000000001']);
  });

  it('records evidence once: the first stays, with its digest; marking posted keeps it', async () => {
    // Prepare
    const pair = await open();
    const lease = await revokedLease(pair.leases);
    // Act
    const first = await pair.evidence.record(lease.id, evidence('sha256:first'));
    const second = await pair.evidence.record(lease.id, evidence('sha256:second'));
    await pair.evidence.markPosted(lease.id, '2026-01-01T01:06:01.000Z');
    const stored = await pair.leases.get(lease.id);
    // Assess
    expect(first?.evidence?.digest).toBe('sha256:first');
    expect(second?.evidence?.digest).toBe('sha256:first');
    expect(stored?.evidence).toEqual({ ...evidence('sha256:first'), postedAt: '2026-01-01T01:06:01.000Z' });
    expect(stored?.status).toBe('REVOKED');
  });

  it('replaces stored evidence only when it is the one the sweep read and never posted; findings and subject round-trip', async () => {
    // Prepare: evidence a table writer stored (the sweep read its collectedAt), and a posted one.
    const pair = await open();
    const lease = await revokedLease(pair.leases);
    const posted = await revokedLease(pair.leases);
    await pair.evidence.record(lease.id, evidence('sha256:written'));
    await pair.evidence.record(posted.id, evidence('sha256:written'));
    await pair.evidence.markPosted(posted.id, '2026-01-01T01:06:01.000Z');
    const own: ActivityEvidence = { ...evidence('sha256:own'), collectedAt: '2026-01-01T01:07:00.000Z', findings: ['the lease item disagrees with the cluster\'s record: x'], subject: { kind: 'User', name: 'alice@example.com' } };
    // Act
    const stale = await pair.evidence.record(lease.id, { ...own, digest: 'sha256:stale' }, '2026-01-01T01:00:00.000Z');
    const replaced = await pair.evidence.record(lease.id, own, '2026-01-01T01:06:00.000Z');
    const again = await pair.evidence.record(lease.id, { ...own, digest: 'sha256:again' }, '2026-01-01T01:06:00.000Z');
    const notPosted = await pair.evidence.record(posted.id, own, '2026-01-01T01:06:00.000Z');
    // Assess
    expect(stale?.evidence?.digest).toBe('sha256:written');
    expect(replaced?.evidence).toEqual(own);
    expect(again?.evidence?.digest).toBe('sha256:own');
    expect((await pair.leases.get(lease.id))?.evidence).toEqual(own);
    expect(notPosted?.evidence?.digest).toBe('sha256:written');
  });

  it('records nothing on a lease that is not REVOKED, and nothing for an unknown lease', async () => {
    // Prepare
    const pair = await open();
    ids += 1;
    const active: Lease = { ...leaseFixture(`e${String(ids).padStart(19, '0')}`, '2026-01-01T01:00:00.000Z'), status: 'ACTIVE' };
    await pair.leases.create(active);
    // Act
    const onActive = await pair.evidence.record(active.id, evidence('sha256:x'));
    const onUnknown = await pair.evidence.record('f0000000000000000000', evidence('sha256:x'));
    // Assess
    expect(onActive?.evidence).toBeUndefined();
    expect(onUnknown).toBeUndefined();
  });
});
