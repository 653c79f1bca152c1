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
