import { describe, expect, it } from '@jest/globals';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * Review 2 of issue 23, PoC R2-6 (attacker: a table writer that keeps writing). holdPossible refuses
 * a hold that ends further out than a holder's can, but a hold that always ends within that bound,
 * written again before each look, is taken for a live holder's every time: "Access revoked" never
 * reaches the ticket. (docs/security-model.md already grants a writer "suppress an owed comment";
 * this test documents the bound of the forged-hold fix.) FAILS on the code under review.
 */
const firstWords = (app: ReturnType<typeof useCases>, key: string) => app.jira.commentsOn(key).map((c) => c.split(' (')[0]);

describe('a hold a table writer slides forward before each look', () => {
  it('does not keep the revoke comment off the ticket for an hour', async () => {
    const app = useCases();
    await app.grantAccess(approvedTicket('HOLD-2'), 'webhook');
    const [lease] = (await app.leases.listForTicket('jira', 'HOLD-2')).leases;
    if (lease === undefined) throw new Error('no lease');
    const slide = async () => {
      const now = (await app.leases.get(lease.id)) ?? lease;
      app.leases.replace({ ...now, grantNote: [], announceAt: new Date(app.clock.now().getTime() + 55_000).toISOString() });
    };
    await slide();
    await app.revokeLease({ leaseId: lease.id, cause: 'early', actor: 'jira-webhook:close' });
    for (let i = 0; i < 60; i++) {
      app.clock.advance(60_000);
      await slide();
      await app.sweepLeases();
    }
    expect(firstWords(app, 'HOLD-2')).toEqual(['Access granted', 'Access revoked']);
  }, 60_000);
});
