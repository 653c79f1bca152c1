import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/catalog.js';
import { decide, renderSubject } from '../../lib/domain/policy.js';
import type { TicketSnapshot } from '../../lib/domain/ticket.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const catalog = parseCatalog(
  DEMO_CATALOG.replace('    roleRef: { kind: Role, name: pod-debugger }', '    roleRef: { kind: Role, name: pod-debugger }\n    approvers: [lead@example.com]\n    requesters: [alice@example.com]'),
);
const alice = { id: 'acc-alice', email: 'alice@example.com' };
const bob = { id: 'acc-bob', email: 'bob@example.com' };

function ticket(overrides: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return {
    source: 'jira',
    key: 'OPS-1',
    url: 'https://example.atlassian.net/browse/OPS-1',
    status: 'Approved',
    justification: 'INC-1: payments down',
    requester: alice,
    approval: { id: '100', approver: bob, at: '2026-01-01T00:00:00.000Z', status: 'Approved' },
    requestedProfile: 'payments-read',
    requestedDuration: '2h',
    requestedNamespaces: ['payments'],
    ...overrides,
  };
}

describe('decide', () => {
  it('grants the catalog role, cluster and namespaces for a valid request', () => {
    const decision = decide(ticket(), catalog);
    expect(decision.kind).toBe('grant');
    if (decision.kind !== 'grant') return;
    expect(decision.plan).toMatchObject({
      cluster: 'demo',
      namespaces: ['payments'],
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subject: { kind: 'User', name: 'alice@example.com' },
      durationSeconds: 7200,
    });
  });

  it.each<[string, Partial<TicketSnapshot>, string, RegExp]>([
    ['status not approved', { status: 'In Review' }, 'not-approved', /"In Review"/],
    ['no approval in history', { approval: undefined }, 'no-approval', /who approved/],
    ['no requester', { requester: undefined }, 'no-requester', /reporter/],
    ['self-approval by id', { approval: { id: '1', approver: { id: 'acc-alice' }, at: '', status: 'Approved' } }, 'self-approval', /own ticket/],
    ['self-approval by email', { approval: { id: '1', approver: { id: 'other', email: 'ALICE@example.com' }, at: '', status: 'Approved' } }, 'self-approval', /own ticket/],
    ['empty justification', { justification: '  ' }, 'no-justification', /summary/],
    ['no profile', { requestedProfile: undefined }, 'no-profile', /customfield_10100/],
    ['unknown profile', { requestedProfile: 'root' }, 'unknown-profile', /"root"/],
    ['namespace outside profile', { requestedNamespaces: ['payments', 'kube-system'] }, 'namespace-not-allowed', /"kube-system".*allowed: payments, payments-worker/],
    ['unparseable duration', { requestedDuration: 'a while' }, 'bad-duration', /not a duration/],
    ['zero duration', { requestedDuration: '0m' }, 'bad-duration', /not a duration/],
    ['duration over max', { requestedDuration: '4h1m' }, 'duration-over-max', /maximum of 4h/],
    ['approver not allowed for profile', { requestedProfile: 'payments-debug', requestedDuration: undefined, requestedNamespaces: undefined }, 'approver-not-allowed', /payments-debug/],
    ['requester not allowed for profile', { requestedProfile: 'payments-debug', requester: { id: 'x', email: 'eve@example.com' } }, 'requester-not-allowed', /payments-debug/],
    ['no email for the subject template', { requester: { id: 'acc-alice-2' } }, 'no-subject', /email/],
  ])('denies: %s', (_label, overrides, code, reason) => {
    const decision = decide(ticket(overrides), catalog);
    expect(decision).toMatchObject({ kind: 'deny', code });
    expect(decision.kind === 'deny' ? decision.reason : '').toMatch(reason);
  });

  it('allows a listed approver and requester', () => {
    const decision = decide(
      ticket({ requestedProfile: 'Payments-Debug', requestedDuration: undefined, requestedNamespaces: undefined, approval: { id: '1', approver: { id: 'lead', email: 'lead@example.com' }, at: '', status: 'Approved' } }),
      catalog,
    );
    expect(decision).toMatchObject({ kind: 'grant', plan: { namespaces: ['payments'], durationSeconds: 1800, roleRef: { kind: 'Role', name: 'pod-debugger' } } });
  });

  it('clips hostile ticket text repeated in a reason', () => {
    const decision = decide(ticket({ requestedProfile: 'x'.repeat(10_000) }), catalog);
    expect(decision.kind === 'deny' ? decision.reason.length : Infinity).toBeLessThan(200);
  });
});

describe('renderSubject', () => {
  it('fills placeholders and refuses missing values', () => {
    expect(renderSubject({ kind: 'User', name: 'oidc:{emailLocalPart}' }, { id: 'a', email: 'Alice@Example.com' })).toEqual({ kind: 'User', name: 'oidc:alice' });
    expect(renderSubject({ kind: 'Group', name: 'jira:{accountId}' }, { id: '5f1c' })).toEqual({ kind: 'Group', name: 'jira:5f1c' });
    expect(renderSubject({ kind: 'User', name: '{email}' }, { id: 'a' })).toBeUndefined();
  });
});
