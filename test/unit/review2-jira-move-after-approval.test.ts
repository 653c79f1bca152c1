import { describe, expect, it } from '@jest/globals';
import { approvalFrom, jiraIssueSchema } from '../../lib/sources/jira/jira-issue.js';

/*
 * Review 2 of issue 23 (F3 fix, Jira moves), as a requester with a colleague: the requester files in
 * a project outside the catalog's jira.projects whose workflow lets anyone move an issue to a status
 * named (and numbered) like the access workflow's approved one; the colleague transitions it there;
 * then the issue is moved into a catalog project. Both workflows share the status, so the move maps
 * nothing: its changelog entry has project, Key and Workflow items but no status item. The latest
 * transition into the current status is then the colleague's, made under the other project's
 * workflow: none of the access workflow's conditions applied. It must not count as the approval.
 */
const requester = { accountId: 'acc-alice', displayName: 'Alice', accountType: 'atlassian', active: true };
const colleague = { accountId: 'acc-dave', displayName: 'Dave', accountType: 'atlassian', active: true };
const approved = { id: '10002', name: 'Approved' };

describe('review2: a move after the approving transition', () => {
  it('voids that approval: it was given under another project\'s workflow', () => {
    const approvedInSandbox = {
      id: '200', created: '2026-01-03T09:00:00.000+0000', author: colleague,
      items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: 'Open', to: approved.id, toString: approved.name }],
    };
    const moved = {
      id: '300', created: '2026-01-03T10:00:00.000+0000', author: requester,
      items: [
        { field: 'project', fieldtype: 'jira', fieldId: 'project', from: '10000', fromString: 'Sandbox', to: '10001', toString: 'Operations' },
        { field: 'Key', fieldtype: 'jira', from: null, fromString: 'SBX-4', to: null, toString: 'OPS-9' },
        { field: 'Workflow', fieldtype: 'jira', from: '1', fromString: 'Sandbox workflow', to: '2', toString: 'Access workflow' },
      ],
    };
    const issue = jiraIssueSchema.parse({
      id: '1', key: 'OPS-9', fields: { status: approved, summary: 's', project: { key: 'OPS' } },
      changelog: { startAt: 0, total: 2, histories: [approvedInSandbox, moved] },
    });
    expect(approvalFrom(issue)).toBeUndefined();
  });
});
