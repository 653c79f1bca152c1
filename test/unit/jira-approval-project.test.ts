import { describe, expect, it } from '@jest/globals';
import { approvalFrom, approvalIn, jiraIssueSchema } from '../../lib/sources/jira/jira-issue.js';

const requester = { accountId: 'acc-alice', displayName: 'Alice', accountType: 'atlassian', active: true };
const approver = { accountId: 'acc-bob', displayName: 'Bob', accountType: 'atlassian', active: true };
const approved = { id: '10002', name: 'Approved' };

const approval = (id: string) => ({
  id, created: `2026-01-03T0${id.length}:00:00.000+0000`, author: approver,
  items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: 'Open', to: approved.id, toString: approved.name }],
});
/** Jira's record of a *Move issue* between projects whose workflows share the status: no status item. */
const move = (id: string, from: string, to: string, items: 'full' | 'no-key' = 'full') => ({
  id, created: '2026-01-03T10:00:00.000+0000', author: requester,
  items: [
    { field: 'project', fieldtype: 'jira', fieldId: 'project', from: '10000', fromString: `${from.split('-')[0]} project`, to: '10001', toString: `${to.split('-')[0]} project` },
    ...(items === 'full' ? [{ field: 'Key', fieldtype: 'jira', from: null, fromString: from, to: null, toString: to }] : []),
  ],
});
const issue = (key: string, histories: unknown[]) =>
  jiraIssueSchema.parse({ id: '1', key, fields: { status: approved, summary: 's', project: { key: key.split('-')[0] } }, changelog: { startAt: 0, total: histories.length, histories } });

describe('the project an approval was given in', () => {
  it('counts an approval given in a watched project, also after moves between watched projects', () => {
    const moved = issue('SEC-2', [approval('100'), move('200', 'OPS-1', 'SEC-2')]);
    expect(approvalFrom(moved, undefined, ['OPS', 'SEC'])).toMatchObject({ id: '100', approvers: [{ id: 'acc-bob' }] });
    expect(approvalFrom(issue('OPS-1', [approval('100')]))).toMatchObject({ id: '100' });
  });

  it('takes the project the issue left in the first move after the approval, not a later one', () => {
    // Approved in SBX, moved to OPS, then to SEC: approved in SBX, whichever project came after.
    const twice = issue('SEC-3', [approval('100'), move('200', 'SBX-1', 'OPS-5'), move('300', 'OPS-5', 'SEC-3')]);
    expect(approvalIn(twice, twice.changelog?.histories ?? [], ['OPS', 'SEC'])).toEqual({ notCounted: 'approved while in project SBX, which kube-lease does not watch: approve it again in SEC' });
    // A move before the approval changes nothing: the approval was given in OPS.
    const before = issue('OPS-5', [move('50', 'SBX-1', 'OPS-5'), approval('100')]);
    expect(approvalFrom(before, undefined, ['OPS'])).toMatchObject({ id: '100' });
  });

  it('fails closed when a later move does not show the key it left', () => {
    const unknown = issue('OPS-5', [approval('100'), move('200', 'SBX-1', 'OPS-5', 'no-key')]);
    const found = approvalIn(unknown, unknown.changelog?.histories ?? [], ['OPS', 'SBX']);
    expect(found.approval).toBeUndefined();
    expect(found.notCounted).toContain('does not show which project it was approved in: approve it again in OPS');
  });

  it('counts an approval from any project when the catalog names no projects', () => {
    const carried = issue('OPS-5', [approval('100'), move('200', 'SBX-1', 'OPS-5')]);
    expect(approvalFrom(carried, undefined, 'every project')).toMatchObject({ id: '100' });
    expect(approvalFrom(carried, undefined, ['OPS'])).toBeUndefined();
  });
});
