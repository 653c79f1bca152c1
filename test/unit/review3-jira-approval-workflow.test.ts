import { describe, expect, it } from '@jest/globals';
import type { JiraCatalog } from '../../lib/domain/catalog.js';
import { JiraTicketSource, type JiraClient, type ServiceDeskClient } from '../../lib/sources/jira/jira-ticket-source.js';

/*
 * Review 3 of issue 23 (F3 / F3-A), as a requester with a colleague. F3-A counts an approval only
 * when it was given under the workflow the catalog trusts (a watched project's). Two ways remain to
 * carry in an approval given under another workflow:
 *
 * A. Issue type. The catalog limits `jira.issueTypes` to "Access request", whose workflow lets only
 *    the security team approve. Another issue type of the same watched project ("Task") has a
 *    workflow that shares the "Approved" status and lets anyone transition to it. The requester files
 *    a Task; a colleague moves it to Approved; the requester changes its type to "Access request"
 *    (status kept, so Jira records issuetype and Workflow items but no status item). The latest
 *    transition into Approved was made under the Task workflow, none of whose conditions the catalog
 *    trusts.
 * B. Service desk. With `approvals: servicedesk`, a colleague who runs another service project (SBX)
 *    approves a request there (its approval step names whom SBX's configuration names), then the
 *    request is moved into the watched project OPS with its status mapped into Approved. The move ran
 *    no transition and the OPS approval step never ran; the approval steps shown are SBX's.
 */
const requester = { accountId: 'acc-alice', displayName: 'Alice', accountType: 'atlassian', active: true };
const colleague = { accountId: 'acc-dave', displayName: 'Dave', accountType: 'atlassian', active: true };
const robot = { accountId: 'acc-kube-lease', displayName: 'kube-lease', accountType: 'app', active: true };
const approved = { id: '10002', name: 'Approved' };

const catalog = (over: Partial<JiraCatalog>): JiraCatalog => ({
  approvedStatuses: ['Approved'],
  closedStatuses: ['Done'],
  onCallStatuses: [],
  breakGlassStatuses: [],
  approvals: 'status',
  projects: ['OPS'],
  automationApprovers: [],
  fields: { profile: 'customfield_1', requester: 'reporter', justification: 'customfield_2' },
  ...over,
});

function source(issue: unknown, mapping: JiraCatalog, serviceDesk?: unknown): JiraTicketSource {
  const client = {
    findIssue: async () => issue,
    genericGet: async (path: string) => {
      if (path === 'myself') return robot;
      throw new Error(`unexpected GET ${path}`);
    },
  } as unknown as JiraClient;
  const desk = { genericGet: async () => serviceDesk } as unknown as ServiceDeskClient;
  return new JiraTicketSource(async () => client, mapping, 'https://jira.example', async () => desk, { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
}

const issue = (key: string, issueType: string, histories: unknown[]) => ({
  id: '1',
  key,
  fields: {
    status: approved,
    summary: 's',
    project: { key: key.split('-')[0] },
    issuetype: { name: issueType },
    reporter: requester,
    customfield_1: 'view',
    customfield_2: 'INC-1',
  },
  changelog: { startAt: 0, maxResults: 100, total: histories.length, histories },
});

const approvedBy = (id: string, author: unknown, from = { id: '1', name: 'Open' }) => ({
  id, created: `2026-01-03T09:00:0${id.length}.000+0000`, author,
  items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: approved.id, toString: approved.name }],
});

describe('review3 A: an approval given under another issue type\'s workflow', () => {
  const typeChange = {
    id: '300', created: '2026-01-03T10:00:00.000+0000', author: requester,
    items: [
      { field: 'issuetype', fieldtype: 'jira', fieldId: 'issuetype', from: '10001', fromString: 'Task', to: '10100', toString: 'Access request' },
      { field: 'Workflow', fieldtype: 'jira', from: '1', fromString: 'Task workflow', to: '2', toString: 'Access workflow' },
    ],
  };
  const mapping = catalog({ issueTypes: ['Access request'] });

  it('control: an approval given while the issue was an access request counts', async () => {
    const ticket = await source(issue('OPS-9', 'Access request', [approvedBy('200', colleague)]), mapping).getTicket('OPS-9');
    expect(ticket.approval?.approvers.map((a) => a.id)).toEqual(['acc-dave']);
  });

  it('does not count once the type changed to a watched one after the approval', async () => {
    const ticket = await source(issue('OPS-9', 'Access request', [approvedBy('200', colleague), typeChange]), mapping).getTicket('OPS-9');
    expect(ticket.approval).toBeUndefined();
  });
});

describe('review3 B: a service desk request approved in another project and moved in', () => {
  const steps = {
    isLastPage: true,
    values: [{
      id: '7', name: 'SBX approval', finalDecision: 'approved',
      approvers: [{ approver: colleague, approverDecision: 'approved' }],
      completedDate: { epochMillis: Date.parse('2026-01-03T09:00:00.000Z') },
    }],
  };
  const movedIn = {
    id: '300', created: '2026-01-03T10:00:00.000+0000', author: requester,
    items: [
      { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '3', fromString: 'Waiting for approval', to: approved.id, toString: approved.name },
      { field: 'project', fieldtype: 'jira', fieldId: 'project', from: '10000', fromString: 'Sandbox desk', to: '10001', toString: 'Operations desk' },
      { field: 'Key', fieldtype: 'jira', from: null, fromString: 'SBX-4', to: null, toString: 'OPS-9' },
    ],
  };
  const mapping = catalog({ approvals: 'servicedesk' });
  const waiting = { id: '3', name: 'Waiting for approval' };

  it('control: a request approved in the watched project counts', async () => {
    const ticket = await source(issue('OPS-9', 'Access request', [approvedBy('200', colleague, waiting)]), mapping, steps).getTicket('OPS-9');
    expect(ticket.approval?.approvers.map((a) => a.id)).toEqual(['acc-dave']);
  });

  it('does not count approvals given before a move into the watched project', async () => {
    const ticket = await source(issue('OPS-9', 'Access request', [movedIn]), mapping, steps).getTicket('OPS-9');
    expect(ticket.approval).toBeUndefined();
    expect(ticket.approvalNotCounted).toContain('project SBX, which kube-lease does not watch');
  });

  it('does not count approvals given before the issue type changed', async () => {
    const retyped = {
      id: '500', created: '2026-01-03T10:00:00.000+0000', author: requester,
      items: [{ field: 'issuetype', fieldtype: 'jira', fieldId: 'issuetype', from: '10001', fromString: 'Task', to: '10100', toString: 'Access request' }],
    };
    const ticket = await source(issue('OPS-9', 'Access request', [approvedBy('200', colleague, waiting), retyped]), mapping, steps).getTicket('OPS-9');
    expect(ticket.approval).toBeUndefined();
  });

  it('control: a request moved in before its approval steps were decided counts', async () => {
    const early = { ...movedIn, created: '2026-01-03T08:00:00.000+0000' };
    const ticket = await source(issue('OPS-9', 'Access request', [early, approvedBy('400', colleague, waiting)]), mapping, steps).getTicket('OPS-9');
    expect(ticket.approval?.approvers.map((a) => a.id)).toEqual(['acc-dave']);
  });
});
