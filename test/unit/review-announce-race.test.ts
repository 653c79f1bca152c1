import { describe, expect, it } from '@jest/globals';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * Review of issue 23 (offensive): "tell the ticket in the same invocation". A revoke waits at most
 * ANNOUNCING_WAIT_MS (5 s) for a grant announcement in flight, although the announcement is held
 * for ANNOUNCE_HOLD_SECONDS (60 s) and one Jira comment may take longer than 5 s (DEFAULT_RETRY
 * honours a Retry-After of up to 5 s per retry, twice). The requester closes the ticket right after
 * the approval; the grant's comment is slow (Jira answered 429 Retry-After: 5 once). The ticket then
 * reads "Access revoked" followed by "Access granted ... Verified": its last word is false.
 */
describe('review: a grant comment slower than the revoke waits lands after the revoke', () => {
  it("keeps the revoke's comment last even when the grant's comment takes longer than 5 s", async () => {
    // Prepare: the grant's comment takes 5.6 s (one 429 with Retry-After: 5, then a 600 ms answer).
    const app = useCases();
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = async (key, text) => {
      if (text.startsWith('Access granted')) await new Promise((resolve) => setTimeout(resolve, 5_600));
      return comment(key, text);
    };
    let revoking: Promise<unknown> | undefined;
    const review = app.cluster.reviewAccess.bind(app.cluster);
    app.cluster.reviewAccess = async (cluster, subject, namespace, check) => {
      // The ticket is closed right then (the requester closes it after the approval).
      const [lease] = (await app.leases.listForTicket('jira', 'RACE-1')).leases;
      revoking ??= app.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
      return review(cluster, subject, namespace, check);
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('RACE-1'), 'webhook');
    await revoking;
    // Assess: the lease is revoked, so the ticket's last comment must say so.
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    expect((await app.leases.get(leaseId))?.status).toBe('REVOKED');
    const firstLines = app.jira.commentsOn('RACE-1').map((c) => c.split('\n')[0]);
    expect(firstLines.at(-1)).toEqual(expect.stringContaining('Access revoked'));
  }, 20_000);
});
