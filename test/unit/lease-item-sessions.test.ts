import { describe, expect, it } from '@jest/globals';
import { fromItem, toItem } from '../../lib/adapters/dynamodb/lease-item.js';
import type { ActivitySummary } from '../../lib/domain/activity.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import { leaseFixture } from '../support/lease-fixture.js';

describe('lease item: what the revoke and the evidence record of sessions survives the table', () => {
  it('keeps the profile\'s session options, the reused audit IDs, the evicted pods\' controllers, and a digest that still verifies', () => {
    // Prepare
    const stream = { kind: 'exec' as const, namespace: 'payments', pod: 'api-1', command: 'sh', at: '2026-01-01T00:10:00.000000Z', allowed: true, reusedAuditId: true as const };
    const summary: ActivitySummary = { requests: 3, byRequest: [], sessions: [stream], secretsRead: [], denied: [], omitted: 0, reusedAuditIds: [{ id: 'aaaaaaaa-0000-4000-8000-000000000001', requests: 3 }] };
    const counted = { collectedAt: '2026-01-01T01:06:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', events: 3, summary };
    const lease: Lease = {
      ...leaseFixture('e0000000000000000001', '2026-01-01T01:00:00.000Z', 'REVOKED'),
      endSessions: true,
      endStreams: ['exec', 'attach'],
      podsPerController: 1,
      sessions: {
        at: '2026-01-01T01:00:01.000Z',
        seen: [stream],
        pods: [{ namespace: 'payments', pod: 'api-1', outcome: 'evicted', controller: 'ReplicaSet api' }],
        reusedAuditIds: [{ id: 'aaaaaaaa-0000-4000-8000-000000000001', requests: 3 }],
      },
      evidence: { ...counted, digest: evidenceDigest(counted) },
    };
    // Act
    const read = fromItem(toItem(lease));
    // Assess
    expect(read).toEqual(lease);
    const back = read.evidence;
    if (back?.summary === undefined) throw new Error('no summary read back');
    expect(evidenceDigest({ from: back.from, to: back.to, events: back.events, summary: back.summary })).toBe(lease.evidence?.digest);
  });

  it('keeps proxy streams (pods/proxy, services/proxy) and a pod that may run until its grace period ends', () => {
    // Prepare
    const proxy = { kind: 'proxy' as const, namespace: 'payments', pod: 'web-term-0', command: 'port 7681 path /ws', at: '2026-01-01T00:10:00.000000Z', allowed: true };
    const service = { kind: 'service-proxy' as const, namespace: 'payments', pod: 'web-term', command: 'path /ws', at: '2026-01-01T00:11:00.000000Z', allowed: true };
    const lease: Lease = {
      ...leaseFixture('e0000000000000000002', '2026-01-01T01:00:00.000Z', 'REVOKED'),
      endSessions: true,
      endStreams: ['exec', 'attach', 'proxy'],
      sessions: {
        at: '2026-01-01T01:00:01.000Z',
        seen: [proxy, service],
        pods: [{ namespace: 'payments', pod: 'web-term-0', outcome: 'evicted', controller: 'ReplicaSet web-term', mayRunUntil: '2026-01-01T02:00:01.000Z', graceSeconds: 3600 }],
      },
    };
    // Act
    const read = fromItem(toItem(lease));
    // Assess
    expect(read).toEqual(lease);
  });
});
