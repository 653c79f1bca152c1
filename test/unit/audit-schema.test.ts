import { describe, expect, it } from '@jest/globals';
import { auditEventSchema } from '../../lib/domain/audit-schema.js';

describe('auditEventSchema', () => {
  const grant = {
    kind: 'grant',
    at: '2026-11-28T10:00:00.000Z',
    actor: 'jira-webhook:d-1',
    source: 'jira',
    ticket: 'OPS-1',
    leaseId: '0123456789abcdef0123',
    requester: 'alice@example.com',
    approver: 'bob@example.com',
    profile: 'payments-read',
    cluster: 'prod-eu',
    namespaces: ['payments'],
    role: { kind: 'ClusterRole', name: 'view' },
    startsAt: '2026-11-28T10:00:00.000Z',
    expiresAt: '2026-11-28T11:00:00.000Z',
  };

  it('accepts the documented shape', () => {
    expect(auditEventSchema.safeParse(grant).success).toBe(true);
  });

  it.each([
    ['an unknown field', { ...grant, password: 'x' }],
    ['an unknown kind', { ...grant, kind: 'granted' }],
    ['a time that is not ISO-8601', { ...grant, at: 'yesterday' }],
    ['a lease id of another shape', { ...grant, leaseId: 'abc' }],
  ])('rejects %s', (_label, event) => {
    expect(auditEventSchema.safeParse(event).success).toBe(false);
  });
});
