import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { decide, notARequest } from '../../lib/domain/policy.js';
import { renderSubject } from '../../lib/domain/request.js';
import type { TicketSnapshot } from '../../lib/domain/ticket.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const catalog = parseCatalog(
  DEMO_CATALOG.replace('    roleRef: { kind: Role, name: pod-debugger }', '    roleRef: { kind: Role, name: pod-debugger }\n    approvers: [lead@example.com]\n    requesters: [alice@example.com]'),
);
const NOW = new Date('2026-06-01T12:00:00.000Z');
const alice = { id: 'acc-alice', email: 'alice@example.com', activeHuman: true };
const bob = { id: 'acc-bob', email: 'bob@example.com', activeHuman: true };
const automation = { id: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', displayName: 'Automation for Jira', activeHuman: false };

function ticket(overrides: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return {
    source: 'jira',
    id: '10001',
    key: 'OPS-1',
    url: 'https://example.atlassian.net/browse/OPS-1',
    state: 'approved',
    statusText: 'Approved',
    justification: 'INC-1: payments down',
    requester: alice,
    approval: { id: '100', approvers: [bob], at: '2026-01-01T00:00:00.000Z' },
    approvalIntegrity: { kind: 'intact' },
    requestedProfile: 'payments-read',
    requestedDuration: '2h',
    requestedNamespaces: ['payments'],
    ...overrides,
  };
}

describe('decide', () => {
  it('grants the catalog role, cluster and namespaces for a valid request', () => {
    const decision = decide(ticket(), catalog, NOW);
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
    ['status not approved', { state: 'open', statusText: 'In Review' }, 'not-approved', /"In Review"/],
    ['closed', { state: 'closed', statusText: 'Done' }, 'not-approved', /"Done"/],
    ['approval declined', { declined: 'the approval was declined' }, 'approval-declined', /declined/],
    ['no approval in history', { approval: undefined }, 'no-approval', /who approved/],
    ['no requester', { requester: undefined }, 'no-requester', /reporter/],
    ['self-approval by id', { approval: { id: '1', approvers: [bob, { id: 'acc-alice' }], at: '' } }, 'self-approval', /own ticket/],
    ['self-approval by email', { approval: { id: '1', approvers: [{ id: 'other', email: 'ALICE@example.com' }], at: '' } }, 'self-approval', /own ticket/],
    ['empty justification', { justification: '  ' }, 'no-justification', /summary/],
    ['approval by an automation account', { approval: { id: '1', approvers: [automation], at: '' } }, 'approver-not-person', /Automation for Jira.*not an active person/],
    ['approval by an inactive or unknown account', { approval: { id: '1', approvers: [{ id: 'gone', displayName: 'Former Lead', activeHuman: false }, { id: 'unknown' }], at: '' } }, 'approver-not-person', /Former Lead, unknown/],
    ['a request field edited after the approval', { approvalIntegrity: { kind: 'edited', fields: ['profile', 'duration'] } }, 'changed-after-approval', /changed after it was approved \(profile, duration\); approve it again/],
    ['history that could not be read', { approvalIntegrity: { kind: 'unknown', reason: 'the changelog could not be read completely' } }, 'approval-unverifiable', /changelog could not be read/],
    ['a source that did not check the history', { approvalIntegrity: undefined }, 'approval-unverifiable', /did not report/],
    ['unknown profile', { requestedProfile: 'root' }, 'unknown-profile', /"root"/],
    ['namespace outside profile', { requestedNamespaces: ['payments', 'kube-system'] }, 'namespace-not-allowed', /"kube-system".*allowed: payments, payments-worker/],
    ['unparseable duration', { requestedDuration: 'a while' }, 'bad-duration', /not a duration/],
    ['zero duration', { requestedDuration: '0m' }, 'bad-duration', /not a duration/],
    ['duration over max', { requestedDuration: '4h1m' }, 'duration-over-max', /maximum of 4h/],
    ['approver not allowed for profile', { requestedProfile: 'payments-debug', requestedDuration: undefined, requestedNamespaces: undefined }, 'approver-not-allowed', /payments-debug/],
    ['requester not allowed for profile', { requestedProfile: 'payments-debug', requester: { id: 'x', email: 'eve@example.com' } }, 'requester-not-allowed', /payments-debug/],
    ['no email for the subject template', { requester: { id: 'acc-alice-2' } }, 'no-subject', /email/],
    ['malformed change start', { windowStart: '2026-13-01 00:00:00' }, 'bad-date', /start "2026-13-01 00:00:00" is not a date/],
    ['malformed change end', { windowEnd: 'next tuesday' }, 'bad-date', /end "next tuesday"/],
    ['change window already ended', { windowEnd: '2026-06-01 11:59:59' }, 'window-ended', /ended at 2026-06-01T11:59:59.000Z/],
    ['window ends before it starts', { windowStart: '2026-06-02 10:00:00', windowEnd: '2026-06-02 09:00:00' }, 'window-ended', /ends before it starts/],
  ])('denies: %s', (_label, overrides, code, reason) => {
    const decision = decide(ticket(overrides), catalog, NOW);
    expect(decision).toMatchObject({ kind: 'deny', code });
    expect(decision.kind === 'deny' ? decision.reason : '').toMatch(reason);
  });

  it('allows a listed approver and requester', () => {
    const decision = decide(
      ticket({ requestedProfile: 'Payments-Debug', requestedDuration: undefined, requestedNamespaces: undefined, approval: { id: '1', approvers: [{ id: 'lead', email: 'lead@example.com', activeHuman: true }], at: '' } }),
      catalog,
      NOW,
    );
    expect(decision).toMatchObject({ kind: 'grant', plan: { namespaces: ['payments'], durationSeconds: 1800, roleRef: { kind: 'Role', name: 'pod-debugger' } } });
  });

  it('counts only people among several approvers, and an automation account the catalog names', () => {
    // Prepare
    const named = parseCatalog(DEMO_CATALOG.replace('  approvedStatuses: [Approved]', `  approvedStatuses: [Approved]\n  automationApprovers: ["${automation.id}"]`));
    // Act
    const mixed = decide(ticket({ approval: { id: '1', approvers: [automation, bob], at: '' } }), catalog, NOW);
    const byNamedAutomation = decide(ticket({ approval: { id: '1', approvers: [automation], at: '' } }), named, NOW);
    // Assess
    expect(mixed).toMatchObject({ kind: 'grant', plan: { approval: { approvers: [bob] } } });
    expect(byNamedAutomation).toMatchObject({ kind: 'grant', plan: { approval: { approvers: [automation] } } });
  });

  it("never counts kube-lease's own integration account, not even where the catalog names it an automation approver", () => {
    // Prepare
    const own = { id: 'acc-kube-lease', displayName: 'kube-lease bot', activeHuman: true, integration: true };
    const named = parseCatalog(DEMO_CATALOG.replace('  approvedStatuses: [Approved]', `  approvedStatuses: [Approved]\n  automationApprovers: ["${own.id}"]`));
    // Act
    const alone = decide(ticket({ approval: { id: '1', approvers: [own], at: '' } }), named, NOW);
    const beside = decide(ticket({ approval: { id: '1', approvers: [bob, own], at: '' } }), catalog, NOW);
    // Assess
    for (const decision of [alone, beside]) {
      expect(decision).toMatchObject({ kind: 'deny', code: 'approver-is-integration', reason: 'the approval came from kube-lease bot, the account kube-lease itself uses, which never counts as an approver; a person must approve' });
    }
  });

  it('says which lease used the approvals a decision may no longer count', () => {
    const lead = { id: 'acc-lead', email: 'lead@example.com', activeHuman: true };
    const debug = { requestedProfile: 'payments-debug', requestedDuration: undefined, requestedNamespaces: undefined };
    const spent = { id: '1', at: '', approvers: [], records: [], spentBy: ['L1'] };
    const rest = { id: '2', at: '', approvers: [bob], records: [{ id: 'r2', approvers: [bob] }], spentBy: ['L1'] };
    expect(decide(ticket({ approval: spent }), catalog, NOW)).toEqual({ kind: 'deny', code: 'approval-spent', reason: 'every approval on the ticket was already used, by lease L1; more access needs a new approval' });
    expect(decide(ticket({ ...debug, approval: rest }), catalog, NOW)).toMatchObject({
      code: 'approver-not-allowed',
      reason: 'no new approval comes from someone who may approve profile "payments-debug" (the approvals lease L1 already used do not count again); someone who may approve it must approve again',
    });
    // The same approver, on a record no lease used, still counts.
    expect(decide(ticket({ ...debug, approval: { ...rest, approvers: [lead], records: [{ id: 'r2', approvers: [lead] }] } }), catalog, NOW).kind).toBe('grant');
  });

  it('matches allow-list entries by account id, and by email only for entries that are emails', () => {
    const byId = parseCatalog(DEMO_CATALOG.replace('    maxDuration: 2h\n', '    maxDuration: 2h\n    approvers: [acc-bob]\n'));
    const debug = { requestedProfile: 'payments-debug', requestedDuration: undefined, requestedNamespaces: undefined };
    expect(decide(ticket(debug), byId, NOW).kind).toBe('grant');
    // An approver whose id happens to equal another entry's email text does not match by email.
    expect(decide(ticket({ ...debug, approval: { id: '1', approvers: [{ id: 'x', email: 'acc-bob', activeHuman: true }], at: '' } }), byId, NOW)).toMatchObject({ code: 'approver-not-allowed' });
  });

  it('matches a catastrophic-backtracking pattern in linear time (this test hangs with a backtracking engine)', () => {
    // Prepare: `^([A-Z0-9-]+\s?)+$` took ~2 s on 30 characters before, doubling every 2 more.
    const evil = parseCatalog(DEMO_CATALOG.replace('    defaultDuration: 1h\n', '    justification: { pattern: "^([A-Z0-9-]+\\\\s?)+$", hint: "ids" }\n    defaultDuration: 1h\n'));
    // Act
    const decision = decide(ticket({ justification: `${'A'.repeat(990)}!` }), evil, NOW);
    const tooLong = decide(ticket({ justification: 'A'.repeat(1001) }), evil, NOW);
    // Assess
    expect(decision).toMatchObject({ kind: 'deny', code: 'justification-mismatch' });
    expect(tooLong).toMatchObject({ kind: 'deny', code: 'justification-mismatch', reason: expect.stringContaining('longer than 1000 characters') });
    expect(decide(ticket({ justification: 'INC-1 CHG-2' }), evil, NOW).kind).toBe('grant');
  });

  it('clips hostile ticket text repeated in a reason', () => {
    const decision = decide(ticket({ requestedProfile: 'x'.repeat(10_000) }), catalog, NOW);
    expect(decision.kind === 'deny' ? decision.reason.length : Infinity).toBeLessThan(200);
  });
});

describe('notARequest', () => {
  const scoped = parseCatalog(DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  projects: [OPS]\n  issueTypes: [Access Request]'));

  it.each<[string, Partial<TicketSnapshot>, RegExp]>([
    ['no profile named', { requestedProfile: undefined }, /names no access profile/],
    ['a blank profile', { requestedProfile: '  ' }, /names no access profile/],
    ['a ticket still in review', { state: 'open', statusText: 'In Review' }, /"In Review", neither approved nor closed/],
  ])('ignores %s (no decision, no comment)', (_label, overrides, reason) => {
    expect(notARequest(ticket(overrides), catalog)).toMatch(reason);
  });

  it('ignores tickets outside the catalog\'s projects and issue types, and takes those inside', () => {
    expect(notARequest(ticket({ project: 'HR', issueType: 'Access Request' }), scoped)).toMatch(/project HR/);
    expect(notARequest(ticket({ project: undefined, issueType: 'Access Request' }), scoped)).toMatch(/project \(unknown\)/);
    expect(notARequest(ticket({ project: 'OPS', issueType: 'Bug' }), scoped)).toMatch(/issue type Bug/);
    expect(notARequest(ticket({ project: 'OPS', issueType: 'Access Request' }), scoped)).toBeUndefined();
    // Without jira.projects every project qualifies (the start warns).
    expect(notARequest(ticket({ project: 'HR' }), catalog)).toBeUndefined();
  });
});

describe('renderSubject', () => {
  it('fills placeholders and refuses missing values', () => {
    expect(renderSubject({ kind: 'User', name: 'oidc:{emailLocalPart}' }, { id: 'a', email: 'Alice@Example.com' })).toEqual({ kind: 'User', name: 'oidc:alice' });
    expect(renderSubject({ kind: 'Group', name: 'jira:{accountId}' }, { id: '5f1c' })).toEqual({ kind: 'Group', name: 'jira:5f1c' });
    expect(renderSubject({ kind: 'User', name: '{email}' }, { id: 'a' })).toBeUndefined();
    expect(renderSubject({ kind: 'User', name: '{email}' }, { id: 'a', email: 'a@b.c\nkind: Group' })).toBeUndefined();
    // Kubernetes' own identities are never a subject, whatever the ITSM user's email says.
    expect(renderSubject({ kind: 'Group', name: '{emailLocalPart}' }, { id: 'a', email: 'System:Masters@example.com' })).toBeUndefined();
    expect(renderSubject({ kind: 'User', name: '{email}' }, { id: 'a', email: 'system:kube-controller-manager' })).toBeUndefined();
  });
});

describe('decide: change windows', () => {
  const plan = (overrides: Partial<TicketSnapshot>) => {
    const decision = decide(ticket(overrides), catalog, NOW);
    if (decision.kind !== 'grant') throw new Error(`expected a grant, got ${decision.reason}`);
    return decision.plan;
  };

  it('starts now and lasts the requested duration without a window', () => {
    expect(plan({})).toMatchObject({ startsAt: '2026-06-01T12:00:00.000Z', expiresAt: '2026-06-01T14:00:00.000Z', endClipped: false });
  });

  it('starts now when the window is already open, and ends with the window when it closes first', () => {
    expect(plan({ windowStart: '2026-06-01 08:00:00', windowEnd: '2026-06-01 13:00:00' })).toMatchObject({
      startsAt: '2026-06-01T12:00:00.000Z',
      expiresAt: '2026-06-01T13:00:00.000Z',
      endClipped: true,
      windowEnd: '2026-06-01T13:00:00.000Z',
    });
  });

  it('starts at a future window start (ServiceNow dates are UTC)', () => {
    expect(plan({ windowStart: '2026-06-03 09:30:00', windowEnd: '2026-06-03 18:00:00' })).toMatchObject({
      startsAt: '2026-06-03T09:30:00.000Z',
      expiresAt: '2026-06-03T11:30:00.000Z',
      endClipped: false,
    });
  });

  it('reads Jira date-times with offsets', () => {
    expect(plan({ windowStart: '2026-06-03T11:30:00.000+0200' }).startsAt).toBe('2026-06-03T09:30:00.000Z');
  });
});

