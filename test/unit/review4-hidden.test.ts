import { describe, expect, it } from '@jest/globals';
import { fromItem, toItem } from '../../lib/adapters/dynamodb/lease-item.js';
import { grantedMessage } from '../../lib/domain/messages.js';
import { reviewContent } from '../../lib/domain/review-task.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review 4 (issue 23), R4-4 (Low; a regression test, the hole is closed). INVISIBLE (own-words.ts) lists U+200B–200F, U+202A–202E,
 * U+2060–2069 and U+FEFF. Unicode's Bidi_Control set also holds U+061C (ARABIC LETTER MARK), and
 * the tag characters U+E0000–E007F (and U+00AD, U+180E, U+3164...) display as nothing. And the
 * lease's reason (the requester's ticket text) goes onto the review task through oneLine only.
 */
const HIDDEN = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/u;

describe('review 4: hidden characters INVISIBLE does not list', () => {
  it('R4-4a: a stored subject, role or approver with U+061C or tag characters is refused or shown replaced', () => {
    const item = toItem({ ...leaseFixture('d0000000000000000004', '2026-01-01T01:00:00.000Z', 'ACTIVE') });
    Object.assign(item, { subject: { kind: 'User', name: 'alice@example.com\u061c' }, roleRef: { kind: 'ClusterRole', name: 'vi\u{e0041}ew' }, approvers: [{ id: 'b', email: 'ciso@example.com\u061c\u{e0020}' }] });
    let said = '';
    try {
      said = grantedMessage(fromItem(item));
    } catch {
      return; // unreadable: holds
    }
    expect(HIDDEN.test(said)).toBe(false);
  });

  it('R4-4b: the requester\'s reason reaches the review task without bidi or zero-width characters', () => {
    const lease = { ...leaseFixture('d0000000000000000005', '2026-01-01T01:00:00.000Z', 'ACTIVE'), approvalKind: 'break-glass' as const, reason: 'checkout down \u202egnirotinom\u202c \u200bINC-7' };
    const { description, summary } = reviewContent(lease, []);
    expect(HIDDEN.test(`${summary}\n${description}`)).toBe(false);
  });
});
