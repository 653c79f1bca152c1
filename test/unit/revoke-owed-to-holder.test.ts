import { describe, expect, it } from '@jest/globals';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * A revoke that meets a grant announcement still held leaves its comment to the holder: the ticket
 * hears the grant (if its comment had begun) and then the revoke, each once, and nothing of the
 * grant once the revoke is recorded.
 */
describe('a revoke during a held grant announcement', () => {
  it('tells the grant then the revoke, each once, when the grant comment is slower than the revoke waits', async () => {
    // Prepare: the grant's comment takes 5.6 s; the ticket is closed during the review.
    const app = useCases();
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = async (key, text) => {
      if (text.startsWith('Access granted')) await new Promise((resolve) => setTimeout(resolve, 5_600));
      return comment(key, text);
    };
    let revoking: Promise<unknown> | undefined;
    const review = app.cluster.reviewAccess.bind(app.cluster);
    app.cluster.reviewAccess = async (cluster, subject, namespace, check) => {
      const [lease] = (await app.leases.listForTicket('jira', 'OWED-1')).leases;
      revoking ??= app.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
      return review(cluster, subject, namespace, check);
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('OWED-1'), 'webhook');
    await revoking;
    // Assess
    const firstLines = app.jira.commentsOn('OWED-1').map((c) => c.split(' (')[0]);
    expect(firstLines).toEqual(['Access granted', 'Access revoked']);
    const lease = await app.leases.get(outcome.kind === 'granted' ? outcome.lease.id : '');
    expect([lease?.status, lease?.revokeNote, lease?.announceAt, lease?.grantNote]).toEqual(['REVOKED', undefined, undefined, undefined]);
  }, 20_000);

  it.each([
    ['early in its hold: the grant, then the revoke, in that order (no read before the comment)', 0, ['Access granted', 'Access revoked']],
    ['late in its hold (a slow review): the revoke alone (the lease is read before the comment)', 40_000, ['Access revoked']],
  ])('a revoke recorded before the holder\'s comment begins, %s', async (_label, lateMs, expected) => {
    // Prepare: the review takes 5.6 s (and the clock moves on by lateMs); the ticket is closed during it.
    const app = useCases();
    let revoking: Promise<unknown> | undefined;
    const review = app.cluster.reviewAccess.bind(app.cluster);
    app.cluster.reviewAccess = async (cluster, subject, namespace, check) => {
      const [lease] = (await app.leases.listForTicket('jira', 'OWED-2')).leases;
      revoking ??= app.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
      await new Promise((resolve) => setTimeout(resolve, 5_600));
      app.clock.advance(lateMs);
      return review(cluster, subject, namespace, check);
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('OWED-2'), 'webhook');
    await revoking;
    // Assess: never the grant after the revoke; the revoke's comment once.
    const firstLines = app.jira.commentsOn('OWED-2').map((c) => c.split(' (')[0]);
    expect(firstLines).toEqual(expected);
    const lease = await app.leases.get(outcome.kind === 'granted' ? outcome.lease.id : '');
    expect([lease?.status, lease?.revokeNote, lease?.announceAt]).toEqual(['REVOKED', undefined, undefined]);
  }, 60_000);
});
