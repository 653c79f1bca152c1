import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { denialIn, DENIAL_PREFIX } from '../../lib/adapters/requester/requester-tickets.js';
import type { DenialCode } from '../../lib/domain/decision.js';
import { deniedMessage } from '../../lib/domain/messages.js';
import { decide } from '../../lib/domain/policy.js';
import { checkAccessRequest } from '../../lib/domain/request-check.js';
import type { Person, TicketSnapshot } from '../../lib/domain/ticket.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const catalog = parseCatalog(
  DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  projects: [OPS]')
    .replace('    maxDuration: 4h\n', '    maxDuration: 4h\n    justification: { pattern: "INC-[0-9]+" }\n    requesters: [alice@example.com, carol@example.com]\n')
    .replace('    maxDuration: 2h\n', '    maxDuration: 2h\n    approvers: [bob@example.com]\n    linkedTicket: { jiraStatuses: [In Progress] }\n'),
);
const now = new Date('2026-12-07T10:00:00Z');
const people: Person[] = [
  { id: 'acc-alice', email: 'alice@example.com', activeHuman: true },
  { id: 'acc-dave', email: 'dave@example.com', activeHuman: true },
];
const bob: Person = { id: 'acc-bob', email: 'bob@example.com', activeHuman: true };
/** Codes about the approval: a ticket not yet filed has none, the pre-check leaves them to the approver. */
const APPROVAL: readonly DenialCode[] = ['approver-not-allowed', 'approver-not-in-group', 'self-approval'];

describe('checkAccessRequest', () => {
  it('agrees with the grant: a draft it passes is granted once a person the profile accepts approves it, and one the grant denies for its content it refuses', () => {
    fc.assert(
      fc.property(
        fc.record({
          profile: fc.constantFrom('payments-read', 'payments-debug', 'PAYMENTS-READ ', 'payments-admin'),
          namespaces: fc.option(fc.subarray(['payments', 'payments-worker', 'checkout', 'kube-system']), { nil: undefined }),
          duration: fc.option(fc.constantFrom('30m', '2h', '3h', '5h', 'PT1H', 'soon', '0m'), { nil: undefined }),
          justification: fc.constantFrom('INC-42 pods crash', 'pods crash', '', '   '),
          requester: fc.constantFrom(...people),
          project: fc.constantFrom('OPS', 'SEC'),
          linked: fc.option(fc.constantFrom({ key: 'INC-1', status: 'In Progress' }, { key: 'INC-2', status: 'Open' }), { nil: undefined }),
        }),
        (draft) => {
          const { problems } = checkAccessRequest(catalog, { source: 'jira', ...draft }, now);
          // The ticket as filed, approved by bob (whom every profile accepts), nothing edited since.
          const ticket: TicketSnapshot = {
            source: 'jira',
            id: '10001',
            key: 'OPS-1',
            url: 'https://example.atlassian.net/browse/OPS-1',
            state: 'approved',
            statusText: 'Approved',
            justification: draft.justification.trim(),
            requester: draft.requester,
            approval: { id: '1', approvers: [bob], at: now.toISOString() },
            approvalIntegrity: { kind: 'intact' },
            requestedProfile: draft.profile,
            requestedDuration: draft.duration,
            requestedNamespaces: draft.namespaces,
            project: draft.project,
            issueType: 'Task',
          };
          const decision = decide(ticket, catalog, now, { approverGroups: new Map(), linkedTickets: draft.linked === undefined ? [] : [draft.linked] });
          const outOfScope = draft.project !== 'OPS';
          if (problems.length === 0) expect(decision.kind).toBe('grant');
          if (decision.kind === 'deny' && !APPROVAL.includes(decision.code)) expect(problems.map((p) => p.code)).toContain(decision.code);
          if (outOfScope) expect(problems.map((p) => p.code)).toContain('not-a-request');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names every problem, not only the first, with the grant\'s codes', () => {
    const { problems } = checkAccessRequest(catalog, { source: 'jira', profile: 'payments-read', namespaces: ['checkout'], duration: '9h', justification: 'x', requester: people[1] ?? bob, project: 'OPS' }, now);
    expect(problems.map((p) => p.code).sort()).toEqual(['duration-over-max', 'justification-mismatch', 'namespace-not-allowed', 'requester-not-allowed']);
  });
});

describe('denialIn', () => {
  it('reads kube-lease\'s own denial comment, and nothing else', () => {
    expect(deniedMessage('the requester approved their own ticket').startsWith(DENIAL_PREFIX)).toBe(true);
    expect(DENIAL_PREFIX.length).toBeGreaterThan(10);
    expect(denialIn(deniedMessage('the requester approved their own ticket'))).toBe('the requester approved their own ticket');
    expect(denialIn('Access granted until 12:00')).toBeUndefined();
  });
});
