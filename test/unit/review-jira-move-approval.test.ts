import { describe, expect, it } from '@jest/globals';
import { approvalFrom, jiraIssueSchema } from '../../lib/sources/jira/jira-issue.js';

/*
 * Review of issue 23 (doubt a, offensive: a second insider who may move issues but not approve).
 * Jira's *Move issue* maps the issue's status into the target workflow; when it lands in an approved
 * status, the move's changelog entry carries a `status` item (fieldId status, fieldtype jira) beside
 * the `project` and `Key` items. No workflow transition ran (its conditions, e.g. "only the approvers
 * group", never applied), so the mover must not become the approver. Regression test since the fix:
 * such an entry is no approval (the ticket shows no approver: denied, no-approval).
 */

const carol = { accountId: 'acc-carol', displayName: 'Carol', accountType: 'atlassian', active: true };
const approved = { id: '10002', name: 'Approved' };

describe('review: a move into an approved status', () => {
  it('is no approval: the mover did not approve by a transition', () => {
    const moved = {
      id: '300',
      created: '2026-01-03T10:00:00.000+0000',
      author: carol,
      items: [
        { field: 'project', fieldtype: 'jira', fieldId: 'project', from: '10000', fromString: 'Sandbox', to: '10001', toString: 'Operations' },
        { field: 'Key', fieldtype: 'jira', from: null, fromString: 'SBX-4', to: null, toString: 'OPS-9' },
        { field: 'Workflow', fieldtype: 'jira', from: '1', fromString: 'Sandbox workflow', to: '2', toString: 'Access workflow' },
        { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: 'Open', to: approved.id, toString: approved.name },
      ],
    };
    const issue = jiraIssueSchema.parse({ id: '1', key: 'OPS-9', fields: { status: approved, summary: 's' }, changelog: { startAt: 0, total: 1, histories: [moved] } });
    expect(approvalFrom(issue)).toBeUndefined();
  });
});
