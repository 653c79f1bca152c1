import { describe, expect, it } from '@jest/globals';
import { parseJiraHint, signJiraBody, verifyJiraSignature } from '../../lib/sources/jira/jira-webhook.js';
import { PayloadError } from '../../lib/errors.js';

describe('verifyJiraSignature', () => {
  const body = Buffer.from('{"webhookEvent":"jira:issue_updated"}');

  it('accepts the HMAC-SHA256 of the raw body, in either hex case', () => {
    const header = signJiraBody(body, 's3cret');
    expect(verifyJiraSignature(body, header, 's3cret')).toBe(true);
    expect(verifyJiraSignature(body, header.toUpperCase().replace('SHA256=', 'sha256='), 's3cret')).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['other secret', signJiraBody(body, 'other')],
    ['other algorithm', signJiraBody(body, 's3cret').replace('sha256', 'sha1')],
    ['truncated', signJiraBody(body, 's3cret').slice(0, 40)],
    ['not hex', `sha256=${'z'.repeat(64)}`],
  ])('rejects a %s signature', (_label, header) => {
    expect(verifyJiraSignature(body, header, 's3cret')).toBe(false);
  });

  it('rejects a signature of a different body (one byte changed)', () => {
    const header = signJiraBody(body, 's3cret');
    const tampered = Buffer.from(body.toString().replace('updated', 'Updated'));
    expect(verifyJiraSignature(tampered, header, 's3cret')).toBe(false);
  });
});

describe('parseJiraHint', () => {
  const approved = ['Approved'];
  const update = (items: unknown[]) => ({ webhookEvent: 'jira:issue_updated', issue: { key: 'OPS-1' }, changelog: { id: '9', items } });

  it('reads an approval hint from a status change into an approved status', () => {
    expect(parseJiraHint(update([{ field: 'status', toString: 'Approved' }]), approved)).toEqual({ kind: 'ticket', key: 'OPS-1' });
  });

  it('carries the issue id (number or text) as the ticket id, and drops one that is not an id', () => {
    const withId = (id: unknown) => ({ ...update([{ field: 'status', toString: 'Approved' }]), issue: { id, key: 'OPS-1' } });
    expect(parseJiraHint(withId('10042'), approved)).toEqual({ kind: 'ticket', key: 'OPS-1', ticketId: '10042' });
    expect(parseJiraHint(withId(10042), approved)).toEqual({ kind: 'ticket', key: 'OPS-1', ticketId: '10042' });
    expect(parseJiraHint(withId('OPS-1'), approved)).toEqual({ kind: 'ticket', key: 'OPS-1' });
  });

  it.each([
    ['another event', { webhookEvent: 'comment_created' }],
    ['no changelog', { webhookEvent: 'jira:issue_updated', issue: { key: 'OPS-1' } }],
    ['another field', update([{ field: 'assignee', toString: 'Approved' }])],
    ['another status', update([{ field: 'status', toString: 'Done' }])],
  ])('ignores %s', (_label, payload) => {
    expect(parseJiraHint(payload, approved).kind).toBe('ignore');
  });

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['no event name', { issue: { key: 'X-1' } }],
    ['issue key of the wrong type', { webhookEvent: 'jira:issue_updated', issue: { key: 12 } }],
    ['update without issue', { webhookEvent: 'jira:issue_updated', changelog: { items: [] } }],
    ['items not a list', { webhookEvent: 'jira:issue_updated', issue: { key: 'X-1' }, changelog: { items: 'status' } }],
    // Never let a payload steer the API URL we read the issue from.
    ['an empty issue key', { ...update([{ field: 'status', toString: 'Approved' }]), issue: { key: '' } }],
    ['a path as issue key', { ...update([{ field: 'status', toString: 'Approved' }]), issue: { key: '../../myself?x=OPS-1' } }],
    ['an issue key without number', { ...update([{ field: 'status', toString: 'Approved' }]), issue: { key: 'OPS-' } }],
  ])('throws a payload error for %s', (_label, payload) => {
    expect(() => parseJiraHint(payload, approved)).toThrow(PayloadError);
  });
});
