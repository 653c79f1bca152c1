import { describe, expect, it } from '@jest/globals';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * Issue 23, a table writer: `announceAt` says until when the holder of a grant's announcement is
 * posting it, and a revoke that meets a hold leaves its comment to that holder. A holder's hold is
 * never longer than ANNOUNCE_HOLD_SECONDS from the write that took it, so an `announceAt` far beyond
 * that is no holder's: it must not keep "Access revoked" off the ticket.
 */
const firstWords = (app: ReturnType<typeof useCases>, key: string) => app.jira.commentsOn(key).map((c) => c.split(' (')[0]);

describe('a hold a table writer pushed far out', () => {
  it('does not keep the revoke comment off the ticket', async () => {
    // Prepare: granted and announced; then the item is edited to owe its announcement until 2999.
    const app = useCases();
    await app.grantAccess(approvedTicket('HOLD-1'), 'webhook');
    const [lease] = await app.leases.listForTicket('jira', 'HOLD-1');
    if (lease === undefined) throw new Error('no lease');
    app.leases.replace({ ...lease, grantNote: [], announceAt: '2999-01-01T00:00:00.000Z' });
    // Act: the ticket is closed; sweeps run in the next minutes.
    await app.revokeLease({ leaseId: lease.id, cause: 'early', actor: 'jira-webhook:close' });
    for (let i = 0; i < 3; i++) {
      app.clock.advance(60_000);
      await app.sweepLeases();
    }
    // Assess
    expect(firstWords(app, 'HOLD-1')).toEqual(['Access granted', 'Access revoked']);
    expect((await app.leases.get(lease.id))?.revokeNote).toBeUndefined();
  }, 20_000);
});
