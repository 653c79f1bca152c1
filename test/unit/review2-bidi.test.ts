import { describe, expect, it } from '@jest/globals';
import { fromItem, toItem } from '../../lib/adapters/dynamodb/lease-item.js';
import { grantedMessage } from '../../lib/domain/messages.js';
import { owedRevokeComment } from '../../lib/domain/owed-comments.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review 2 of issue 23, PoC R2-7 (Low; attacker: a table writer). Names a comment says are checked
 * for line breaks, but bidirectional controls (U+202A–202E, U+2066–2069) and zero-width characters
 * pass subjectName, roleName and the approver texts, and reach the comment: a line kube-lease begins
 * can be displayed with its own words reordered, or a name shown as another. FAILS on the code under review.
 */
const HIDDEN = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

describe('review 2: invisible and bidi characters in stored names', () => {
  it('never reach a comment built from the item', () => {
    const lease = { ...leaseFixture('d0000000000000000001', '2026-01-01T01:00:00.000Z', 'REVOKED'), revokedAt: '2026-01-01T00:30:00.000Z', revokeCause: 'early' as const, revokeNote: { evidence: false } };
    const item = toItem(lease);
    // What a table writer sets: RLO in the subject, a zero-width space in the role, RLI in an approver.
    Object.assign(item, { subject: { kind: 'User', name: 'alice@example.com\u202e' }, roleRef: { kind: 'ClusterRole', name: 'vi\u200bew' }, approvers: [{ id: 'b', email: 'ciso@example.com\u2067' }] });
    let read;
    try {
      read = fromItem(item);
    } catch {
      return; // unreadable: what should hold, holds
    }
    const said = `${grantedMessage(read)}\n${owedRevokeComment(read) ?? ''}`;
    expect(HIDDEN.test(said)).toBe(false);
  });
});
