import type { Lease } from '../../lib/domain/lease.js';

/** A complete lease record for store and adapter tests. */
export function leaseFixture(id: string, expiresAt: string, status: Lease['status'] = 'PENDING'): Lease {
  return {
    id,
    idempotencyKey: `jira#OPS-1#${id}`,
    source: 'jira',
    ticketKey: 'OPS-1',
    ticketUrl: 'https://example.atlassian.net/browse/OPS-1',
    requester: { id: 'a', email: 'alice@example.com' },
    approvers: [{ id: 'b' }],
    approvals: [`approval-${id}`],
    subject: { kind: 'User', name: 'alice@example.com' },
    profile: 'payments-read',
    cluster: 'demo',
    namespaces: ['payments'],
    roleRef: { kind: 'ClusterRole', name: 'view' },
    reason: 'incident',
    createdAt: '2026-01-01T00:00:00.000Z',
    startsAt: '2026-01-01T00:00:00.000Z',
    expiresAt,
    status,
    bindings: [{ namespace: 'payments', name: `kl-payments-read-${id}` }],
    scheduleName: `kube-lease-${id}`,
    history: [{ at: '2026-01-01T00:00:00.000Z', from: null, to: status, by: 'test' }],
    version: 1,
  };
}
