import { describe, expect, it } from '@jest/globals';
import { approvalFrom, jiraIssueSchema, toPerson } from '../../lib/sources/jira/jira-issue.js';
import { fieldList, fieldText } from '../../lib/sources/ticket-fields.js';

const bob = { accountId: 'acc-bob', emailAddress: 'bob@example.com', displayName: 'Bob' };
const carol = { accountId: 'acc-carol', displayName: 'Carol' };

function issue(status: { id: string; name: string }, histories: unknown[]) {
  return jiraIssueSchema.parse({ id: '1', key: 'OPS-1', fields: { status, summary: 's' }, changelog: { startAt: 0, total: histories.length, histories } });
}
const move = (id: string, created: string, author: unknown, to: { id: string; name: string }) => ({
  id,
  created,
  author,
  items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: 'Open', to: to.id, toString: to.name }],
});
const approved = { id: '10002', name: 'Approved' };

describe('approvalFrom', () => {
  it('takes the most recent transition into the current status, by time', () => {
    const result = approvalFrom(
      issue(approved, [
        move('200', '2026-01-02T10:00:00.000+0000', carol, approved),
        move('100', '2026-01-01T10:00:00.000+0000', bob, approved),
        move('150', '2026-01-01T12:00:00.000+0000', bob, { id: '1', name: 'Open' }),
      ]),
    );
    const carolPerson = { id: 'acc-carol', email: undefined, displayName: 'Carol' };
    expect(result).toEqual({ id: '200', approvers: [carolPerson], at: '2026-01-02T10:00:00.000+0000', records: [{ id: 'jira-history:200', approvers: [carolPerson] }] });
  });

  it('counts a status change by field id and type only, never by the display name "status"', () => {
    // A custom field its admins named "status", set to the approved status's name (a text field: no `to` id).
    const custom = { id: '300', created: '2026-01-03T10:00:00.000+0000', author: carol, items: [{ field: 'status', fieldtype: 'custom', fieldId: 'customfield_10200', from: null, fromString: 'x', to: null, toString: 'Approved' }] };
    // An item without a field id (old Server/DC histories): not known to be the status.
    const unnamed = { ...custom, id: '400', items: [{ field: 'status', fieldtype: 'jira', from: '1', fromString: 'Open', to: approved.id, toString: approved.name }] };
    expect(approvalFrom(issue(approved, [move('100', '2026-01-01T10:00:00.000+0000', bob, approved), custom, unnamed]))).toMatchObject({ id: '100', approvers: [{ id: 'acc-bob' }] });
    expect(approvalFrom(issue(approved, [custom]))).toBeUndefined();
    expect(approvalFrom(issue(approved, [unnamed]))).toBeUndefined();
  });

  it('finds no approval when the history does not show the current status being entered', () => {
    expect(approvalFrom(issue(approved, [move('1', '2026-01-01T10:00:00.000+0000', bob, { id: '3', name: 'Done' })]))).toBeUndefined();
    expect(approvalFrom(issue(approved, []))).toBeUndefined();
  });

  it('finds no approval when the transition has no author (e.g. an automation without a user)', () => {
    expect(approvalFrom(issue(approved, [move('1', '2026-01-01T10:00:00.000+0000', undefined, approved)]))).toBeUndefined();
  });
});

describe('field mapping', () => {
  it('reads single values from text, numbers, options and lists', () => {
    expect(fieldText(' payments-read ')).toBe('payments-read');
    expect(fieldText({ value: 'payments-read', id: '10' })).toBe('payments-read');
    expect(fieldText([{ value: 'a' }, { value: 'b' }])).toBe('a');
    expect(fieldText(2)).toBe('2');
    expect(fieldText(null)).toBeUndefined();
    expect(fieldText({ unexpected: true })).toBeUndefined();
    expect(fieldText('   ')).toBeUndefined();
  });

  it('reads lists from multi-selects, labels and separated text', () => {
    expect(fieldList([{ value: 'payments' }, { value: 'checkout' }])).toEqual(['payments', 'checkout']);
    expect(fieldList(['payments', 'checkout'])).toEqual(['payments', 'checkout']);
    expect(fieldList('payments, checkout;  web')).toEqual(['payments', 'checkout', 'web']);
    expect(fieldList('')).toBeUndefined();
    expect(fieldList(undefined)).toBeUndefined();
  });

  it('maps users of Jira Cloud and Server', () => {
    expect(toPerson(bob)).toEqual({ id: 'acc-bob', email: 'bob@example.com', displayName: 'Bob' });
    expect(toPerson({ name: 'jdoe', key: 'JIRAUSER1', emailAddress: '' })).toEqual({ id: 'jdoe', email: undefined, displayName: undefined });
    expect(toPerson({ displayName: 'nobody' })).toBeUndefined();
    expect(toPerson('bob')).toBeUndefined();
  });
});

describe('formerKeys (Move issue in the changelog)', () => {
  it('reads the keys an issue had from Jira\'s Key items of its changelog; drops malformed ones, the current key, and a custom field named Key', async () => {
    // Prepare: two moves (OPS-1 → SEC-4 → PLAT-2), a hostile value, and an unrelated edit.
    const { formerKeys } = await import('../../lib/sources/jira/jira-ticket-source.js');
    const item = (field: string, fromString: string | null, toString: string | null) => ({ field, fieldtype: 'jira', from: null, fromString, to: null, toString });
    const histories = issue({ id: '10002', name: 'Approved' }, [
      { id: '100', created: '2026-01-01T00:00:00.000+0000', items: [item('project', 'OPS project', 'SEC project'), item('Key', 'OPS-1', 'SEC-4')] },
      { id: '101', created: '2026-01-02T00:00:00.000+0000', items: [item('labels', '', 'triage')] },
      { id: '102', created: '2026-01-03T00:00:00.000+0000', items: [item('Key', 'SEC-4', 'PLAT-2')] },
      { id: '103', created: '2026-01-04T00:00:00.000+0000', items: [item('Key', '../../etc', 'PLAT-2'), item('Key', null, 'PLAT-2'), item('Key', 'PLAT-2', 'PLAT-2')] },
      // A custom field a user named "Key", edited to name someone else's ticket: not a move.
      { id: '104', created: '2026-01-05T00:00:00.000+0000', items: [{ field: 'Key', fieldtype: 'custom', fieldId: 'customfield_10200', from: null, fromString: 'PAY-7', to: null, toString: 'PAY-8' }] },
    ]).changelog?.histories ?? [];
    // Act
    const keys = formerKeys(histories, 'PLAT-2');
    // Assess
    expect(keys).toEqual(['OPS-1', 'SEC-4']);
  });
});
