import { describe, expect, it } from '@jest/globals';
import { DEMO_CATALOG, WINDOW_CATALOG } from '../support/demo-catalog.js';
import { approval, approvedTicket, approver, T0, useCases } from '../support/use-cases.js';
import { parseTicketDate } from '../../lib/domain/ticket-date.js';
import type { Person } from '../../lib/domain/ticket.js';

/*
 * Review 9 (issue 23): attacker's checks of 078c57d (extend.ts: fresh read, active lease vs a later
 * window, sameTimes). Each asserts the safe outcome; all held when run (see the review report).
 */
const HOUR = 3_600_000;
const MIN = 60_000;
const CATALOG = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');
const carol: Person = { id: 'acct-carol', email: 'carol@example.com', displayName: 'Carol', activeHuman: true };
const at = (ms: number): string => new Date(T0.getTime() + ms).toISOString();

describe('review 9: 078c57d under attack', () => {
  it('R9-1: a late re-approval of other namespaces or another requester (same times) never activates the old lease', async () => {
    for (const changes of [{ requestedNamespaces: ['payments-worker'] }, { requester: carol }]) {
      const app = useCases(CATALOG);
      const key = `R91-${Object.keys(changes)[0] ?? ''}`;
      const first = approvedTicket(key, { windowStart: at(HOUR) });
      app.jira.put(first);
      const scheduled = await app.grantAccess(first, 'webhook');
      if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
      app.clock.advance(HOUR + MIN);
      const second = approvedTicket(key, { windowStart: at(HOUR), ...changes, approval: approval(approver, app.clock.now()) });
      app.jira.put(second);
      const outcome = await app.grantAccess(second, 'webhook');
      const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
      const old = await app.leases.get(scheduled.lease.id);
      expect({ outcome: outcome.kind === 'extended' || outcome.kind === 'not-extended', activated: activated.kind, old: old?.status }).toEqual({ outcome: false, activated: expect.not.stringMatching(/^activated$/), old: expect.not.stringMatching(/^ACTIVE$/) });
    }
  });

  it('R9-2: the same instant written in other zone forms (+01:00, +0100, ServiceNow UTC) is the lease start; a late re-approval in it is noted and activates', async () => {
    const start = at(HOUR); // 2026-03-02T11:00:00.000Z
    expect([parseTicketDate('2026-03-02T12:00:00+01:00'), parseTicketDate('2026-03-02T12:00:00.000+0100'), parseTicketDate('2026-03-02 11:00:00'), parseTicketDate('2026-03-02T06:00-05:00')]).toEqual(Array(4).fill(Date.parse(start)));
    const app = useCases(CATALOG);
    const first = approvedTicket('R92', { windowStart: start });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(HOUR + 5 * MIN);
    const second = approvedTicket('R92', { windowStart: '2026-03-02T12:00:00.000+0100', approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const outcome = await app.grantAccess(second, 'webhook');
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    const lease = await app.leases.get(scheduled.lease.id);
    expect({ outcome: outcome.kind, activated: activated.kind, expiresAt: lease?.expiresAt }).toEqual({ outcome: 'not-extended', activated: 'activated', expiresAt: scheduled.lease.expiresAt });
  });

  it('R9-3: a clipped scheduled lease: a late re-approval whose change end moved earlier is not noted (the lease is cancelled, not run to the old end)', async () => {
    const app = useCases(WINDOW_CATALOG);
    const first = approvedTicket('R93', { windowStart: at(HOUR), windowEnd: at(HOUR + 30 * MIN) });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(HOUR + 5 * MIN);
    const second = approvedTicket('R93', { windowStart: at(HOUR), windowEnd: at(HOUR + 20 * MIN), approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const outcome = await app.grantAccess(second, 'webhook');
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    const lease = await app.leases.get(scheduled.lease.id);
    const untilOldEnd = lease?.status === 'ACTIVE' && Date.parse(lease.expiresAt) > Date.parse(at(HOUR + 20 * MIN));
    expect({ outcome: outcome.kind, activated: activated.kind, untilOldEnd }).toEqual({ outcome: 'not-extended', activated: expect.not.stringMatching(/^activated$/), untilOldEnd: false });
  });

  it('R9-4: a refused approval of a later window, redelivered once that window has opened, extends no further than a grant of it then would', async () => {
    const app = useCases(CATALOG);
    const first = approvedTicket('R94');
    app.jira.put(first);
    const granted = await app.grantAccess(first, 'webhook'); // ACTIVE T0 .. T0+1h
    if (granted.kind !== 'granted') throw new Error(`expected granted, got ${granted.kind}`);
    app.clock.advance(10 * MIN);
    const second = approvedTicket('R94', { windowStart: at(30 * MIN), approval: approval(approver, app.clock.now()) });
    app.jira.put(second);
    const refused = await app.grantAccess(second, 'webhook');
    const afterRefusal = await app.leases.get(granted.lease.id);
    app.clock.advance(40 * MIN); // T0+50m: the later window opened 20 minutes ago; the lease is still active
    await app.grantAccess(second, 'webhook');
    const lease = await app.leases.get(granted.lease.id);
    // A fresh grant of this approval at T0+50m would run [T0+50m, T0+110m] (the duration counts from now).
    expect({ refused: refused.kind, untouched: afterRefusal?.expiresAt, beyondPlan: Date.parse(lease?.expiresAt ?? '') > T0.getTime() + 110 * MIN }).toEqual({
      refused: 'not-extended',
      untouched: granted.lease.expiresAt,
      beyondPlan: false,
    });
  });
});
