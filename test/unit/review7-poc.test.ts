import { describe, expect, it } from '@jest/globals';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { markersIn, reviewMarker } from '../../lib/domain/review-task.js';
import { approval, approvedTicket, approver, requester, T0, useCases } from '../support/use-cases.js';

/*
 * Review 7 (issue 23), regression tests. R7-1/R7-1b: a re-approval of other times (a moved window, a
 * shorter duration) was noted on the scheduled lease and the old times were granted: now only an approval
 * of the lease's own times is noted; another one is not, so the activation cancels the lease. R7-3: a
 * re-approval noted while the activation read the ticket cancelled the lease holding it: the activation
 * now asks the lease again. R7-4 (held): a self-approval is never noted. R7-5: an approval for other times
 * on a lease whose window passed is not noted. R7-2 (held): markersIn finds every marker reviewMarker writes.
 */
const HOUR = 3_600_000;
const CATALOG = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

describe('review 7: approvals of a scheduled lease, and review markers', () => {
  it('R7-1: access is not granted in a window the current approval does not approve', async () => {
    const app = useCases(CATALOG);
    const oldStart = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R7-1', { windowStart: oldStart });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(10 * 60_000);
    // The change is moved a week later; the approver approves the new window (a new approval).
    const newStart = new Date(T0.getTime() + 7 * 24 * HOUR).toISOString();
    const second = approvedTicket('R7-1', { windowStart: newStart, approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const refused = await app.grantAccess(second, 'webhook');
    app.clock.advance(50 * 60_000); // the OLD window opens
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    const lease = await app.leases.get(scheduled.lease.id);
    const outcome = { refused: refused.kind, activated: activated.kind, status: lease?.status, startsAt: lease?.startsAt, bindings: app.cluster.bindings.size };
    // Access in the old window, a week before the window the ticket's approval names, is a hole.
    expect(outcome).toEqual(expect.objectContaining({ bindings: 0 }));
    expect(activated.kind).not.toBe('activated');
  });

  it('R7-1b: a re-approval of a SHORTER duration is noted; the activation grants the longer one', async () => {
    const app = useCases(CATALOG);
    const start = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R7-1b', { windowStart: start, requestedDuration: '2h' });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(10 * 60_000);
    // The request is cut to 30 minutes and approved so.
    const second = approvedTicket('R7-1b', { windowStart: start, requestedDuration: '30m', approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const refused = await app.grantAccess(second, 'webhook');
    app.clock.advance(50 * 60_000);
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    const lease = await app.leases.get(scheduled.lease.id);
    const minutes = lease === undefined ? 0 : (Date.parse(lease.expiresAt) - Date.parse(lease.startsAt)) / 60_000;
    // The ticket's approval now approves 30 minutes: access for longer than that is a hole.
    expect({ refused: refused.kind, grantedLongerThanApproved: activated.kind === 'activated' && minutes > 30 }).toEqual({ refused: 'not-extended', grantedLongerThanApproved: false });
  });

  it('R7-3: a re-approval of the same times, noted while the activation reads the ticket, does not cancel the lease', async () => {
    const app = useCases(CATALOG);
    const start = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R7-3', { windowStart: start });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(HOUR);
    const second = approvedTicket('R7-3', { windowStart: start, approval: approval(approver, app.clock.now()) });
    const store = app.leases;
    const get = store.get.bind(store);
    let noted = '';
    store.get = async (id: string) => {
      const read = await get(id);
      if (noted === '') {
        noted = 'running';
        app.jira.put(second);
        noted = (await app.grantAccess(second, 'webhook')).kind;
      }
      return read;
    };
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    store.get = get;
    const lease = await app.leases.get(scheduled.lease.id);
    const again = await app.grantAccess(second, 'webhook');
    const comments = app.jira.commentsOn('R7-3');
    // The activation asks the lease again: it holds the ticket's approval, so it goes ahead; a redelivery finds it the lease's.
    expect(comments.some((c) => c.includes('its approval withdrawn'))).toBe(false);
    expect(again.kind).toBe('duplicate');
    expect({ noted, activated: activated.kind, status: lease?.status }).toEqual({ noted: 'not-extended', activated: 'activated', status: 'ACTIVE' });
  });

  it('R7-4 (held): a self-approval by the requester is denied, never noted, and does not carry the activation', async () => {
    const app = useCases(CATALOG);
    const start = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R7-4', { windowStart: start });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(10 * 60_000);
    const second = approvedTicket('R7-4', { windowStart: start, approval: approval(requester, app.clock.now()) });
    app.jira.put(second);
    const outcome = await app.grantAccess(second, 'webhook');
    const noted = await app.leases.get(scheduled.lease.id);
    app.clock.advance(50 * 60_000);
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    expect({ outcome: outcome.kind, approvals: noted?.approvals.length, activated: activated.kind }).toEqual({ outcome: 'denied', approvals: 1, activated: 'cancelled' });
  });

  it('R7-5: an approval for other times on a scheduled lease whose whole window passed is not noted, and the ticket is told it ends unused', async () => {
    const app = useCases(CATALOG);
    const start = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R7-5', { windowStart: start });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(3 * HOUR); // timers and sweep were down: the 1h window is over
    const second = approvedTicket('R7-5', { requestedDuration: '1h', approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const outcome = await app.grantAccess(second, 'webhook');
    await app.sweepLeases();
    const old = await app.leases.get(scheduled.lease.id);
    const told = app.jira.commentsOn('R7-5').filter((c) => c.includes('ends without being activated'));
    // The second approval is for access now: not noted; the lease ends unused, as the ticket is told. (That approval stays used:
    // a redelivery finds its claim; a new approval grants. A documented limit.)
    expect({ outcome: outcome.kind, old: old?.status, told: told.length, notNoted: old?.approvals.length }).toEqual({ outcome: 'not-extended', old: 'REVOKED', told: 1, notNoted: 1 });
  });

  it('R7-2: every marker reviewMarker writes is found by markersIn', () => {
    for (const id of ['0123456789abcdef0123', 'ABCDEF0123456789ABCD', 'fedcba98765432100123']) {
      const m = reviewMarker(id);
      expect({ id, m, found: markersIn([m]) }).toEqual({ id, m, found: [m.toLowerCase()] });
    }
  });
});
