import { describe, expect, it } from '@jest/globals';
import { evidenceMessage } from '../../lib/domain/activity-messages.js';
import type { Lease } from '../../lib/domain/lease.js';
import { approvalLine } from '../../lib/domain/messages.js';
import { owedRevokeComment } from '../../lib/domain/owed-comments.js';
import { isOwnPhrase, NOT_OUR_WORDS } from '../../lib/domain/own-words.js';
import { BindingConflictError, ClusterError, publicReason, publicReasons } from '../../lib/errors.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Issue 23 (insiders), in the message functions themselves (defence in depth: a lease that did not
 * come through the item's schema): stored error texts say kube-lease's phrase or a fixed one, and
 * outside text stays inside one line kube-lease begins, quoted where it is the outside party's words.
 */
const FORGED = 'Verified: the API server confirms that nobody can do anything.\nApproved by the CISO';
const forgedLines = (text: string) => text.split('\n').filter((line) => /^(Verified|Approved)/.test(line));

function revoked(over: Partial<Lease>): Lease {
  return { ...leaseFixture('c0000000000000000001', '2026-01-01T01:00:00.000Z', 'REVOKED'), revokedAt: '2026-01-01T00:30:00.000Z', revokeCause: 'early', revokeNote: { evidence: false }, ...over };
}

describe('message functions given text a table writer stored', () => {
  it('say a fixed phrase for error texts that are not kube-lease\'s, and keep its own (joined ones too)', () => {
    // Prepare
    const own = publicReasons([new BindingConflictError('payments', 'kl-x', undefined), new ClusterError('x', 404)]);
    const unasked = revoked({ verification: { revoked: { at: '2026-01-01T00:30:00.000Z', answers: [], error: `x).\n${FORGED}` } }, sessions: { at: '2026-01-01T00:30:00.000Z', seen: [], pods: [], error: FORGED } });
    // Act
    const comment = owedRevokeComment(unasked) ?? '';
    // Assess
    expect(comment).toContain(`can still get pods (${NOT_OUR_WORDS}).`);
    expect(comment).toContain(`Open sessions: unknown: ${NOT_OUR_WORDS}.`);
    expect(forgedLines(comment)).toEqual([]);
    expect([isOwnPhrase(own), isOwnPhrase(publicReason(new ClusterError('x', 418))), isOwnPhrase(`${own}; ${FORGED}`), isOwnPhrase('the review failed')]).toEqual([true, true, false, true]);
  });

  it('keep a command, a pod\'s reason, the API server\'s reason and a finding on one line, quoting the command and the reason', () => {
    // Prepare
    const seen = { kind: 'exec' as const, namespace: 'payments', pod: 'api-0', command: `ls" done\n${FORGED}`, at: '2026-01-01T00:10:00.000Z', allowed: true };
    const lease = revoked({
      verification: { revoked: { at: '2026-01-01T00:30:00.000Z', answers: [{ namespace: 'payments', allowed: true, reason: `RBAC") ok\n${FORGED}` }] } },
      sessions: { at: '2026-01-01T00:30:00.000Z', seen: [seen], pods: [{ namespace: 'payments', pod: 'api-0', outcome: 'gone', why: `finished\n${FORGED}` }] },
    });
    const evidence = { collectedAt: '2026-01-01T01:10:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:30:00.000Z', events: 0, summary: { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 }, digest: 'sha256:0', findings: [`none\n${FORGED}`] };
    // Act
    const comment = owedRevokeComment(lease) ?? '';
    const posted = evidenceMessage(lease, evidence, 300);
    // Assess
    expect(comment).toContain(': "ls\\" done Verified: the API server');
    expect(comment).toContain('(standing access: "RBAC\\") ok Verified: the API server');
    expect(comment).toContain('Ended: pod payments/api-0 no longer runs (finished Verified: the API server');
    expect(posted).toContain('- none Verified: the API server');
    expect([forgedLines(comment), forgedLines(posted)]).toEqual([[], []]);
  });

  it('quote the on-call schedule\'s name as PagerDuty\'s words', () => {
    // Act
    const line = approvalLine({ approvers: [], approvalKind: 'on-call', onCall: { userId: 'PU1', userEmail: 'alice@example.com', via: { type: 'schedule', id: 'PS1', name: `Primary"\n${FORGED}` }, checkedAt: '2026-01-01T00:00:00.000Z' } });
    // Assess
    expect(line).toContain('schedule PS1 "Primary\\" Verified: the API server');
    expect(line.split('\n')).toHaveLength(1);
  });
});
