import { describe, expect, it } from '@jest/globals';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approval, approvedTicket, approver, T0, useCases } from '../support/use-cases.js';

/*
 * Review 6 (issue 23, item 1; regression tests). R6-1: a new approval of a SCHEDULED lease was answered
 * "not extended ... approve again once it is active" without the lease recording it, so the activation
 * found an approval the lease did not hold and cancelled the lease. The approval is now noted on the lease
 * (its expiry unchanged) and the activation goes ahead. R6-2: the refusal named a start already past when
 * the activation was late; it now says the activation has not finished.
 */
const HOUR = 3_600_000;
const CATALOG = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

describe('review 6: an approval refused on a scheduled lease', () => {
  it('R6-1: a second approval, not extending the scheduled lease, does not cancel it when its window opens', async () => {
    const app = useCases(CATALOG);
    const windowStart = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R6-1', { windowStart });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(10 * 60_000);
    // A legitimate approver approves the same request again, before the window opens.
    const second = approvedTicket('R6-1', { windowStart, approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const refused = await app.grantAccess(second, 'webhook');
    const told = app.jira.commentsOn('R6-1').filter((c) => c.includes('approve again once it is active'));
    app.clock.advance(50 * 60_000);
    // The window opens: the activation reads the ticket again, and sees an approval the lease does not hold.
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    const lease = await app.leases.get(scheduled.lease.id);
    const outcome = { refused: refused.kind, told: told.length, activated: activated.kind, reason: activated.kind === 'cancelled' ? activated.reason : '', status: lease?.status, bindings: app.cluster.bindings.size };
    // The ticket was told "not extended; approve again once it is active": the access it approved goes ahead.
    expect(outcome).toEqual({ refused: 'not-extended', told: 1, activated: 'activated', reason: '', status: 'ACTIVE', bindings: 1 });
  });

  it('R6-2: an approval while a late activation has not run says so, not that the window opens at a past time', async () => {
    const app = useCases(CATALOG);
    const windowStart = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R6-2', { windowStart });
    app.jira.put(first);
    await app.grantAccess(first, 'webhook');
    app.clock.advance(2 * HOUR); // the window opened an hour ago; the activation has not run (cluster down, timer late)
    const second = approvedTicket('R6-2', { windowStart, requestedDuration: '2h', approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const refused = await app.grantAccess(second, 'webhook');
    const comment = app.jira.commentsOn('R6-2').find((c) => c.includes('it has not begun yet'));
    expect(refused.kind).toBe('not-extended');
    // Access now is other times than the lease's: not noted, and the ticket is told what happens.
    expect(comment).toContain('it has not begun yet, and this approval is for other times');
    expect(comment).not.toContain('its window opens at');
  });
});
