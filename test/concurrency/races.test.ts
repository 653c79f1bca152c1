import { describe, expect, it } from '@jest/globals';
import { MemoryCluster } from '../fakes/memory-ports.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

const HOUR = 3_600_000;
const WINDOWED = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

/** Races the concurrency suite (test/concurrency/model.test.ts) found, each replayed by hand. */
describe('races found by the concurrency suite', () => {
  it('double activation: the sweep and the activation timer at a window\'s start grant once, record one grant, say it once', async () => {
    // Prepare: a lease scheduled for a window that has just opened
    const app = useCases(WINDOWED);
    const ticket = approvedTicket('RACE-1', { windowStart: new Date(T0.getTime() + HOUR).toISOString() });
    app.jira.put(ticket);
    const scheduled = await app.grantAccess(ticket, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected a scheduled lease, got ${scheduled.kind}`);
    app.clock.advance(HOUR);
    // Act: the timer and the sweep act on the SCHEDULED lease at once
    const [timer, sweep] = await Promise.all([app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' }), app.sweepLeases()]);
    // Assess: one of them won; one grant event, one "granted" comment, one binding
    expect([timer.kind === 'activated' ? 1 : 0, sweep.activated].reduce((a, b) => a + b)).toBe(1);
    expect(app.audit.kinds().filter((k) => k === 'grant')).toHaveLength(1);
    expect(app.jira.commentsOn('RACE-1').filter((c) => c.startsWith('Access granted'))).toHaveLength(1);
    expect(app.cluster.namespacesOf(scheduled.lease.id)).toEqual(['payments']);
  });

  it('a close whose revoke fails is remembered on the lease, and the next sweep finishes it, telling the ticket once', async () => {
    // Prepare: an active lease, then the ticket is cancelled while the API server answers 503 to deletes
    const app = useCases();
    const granted = await app.grantAccess(approvedTicket('RACE-2'), 'webhook');
    if (granted.kind !== 'granted') throw new Error(`expected a grant, got ${granted.kind}`);
    const cancelled = { ...approvedTicket('RACE-2'), state: 'closed' as const, statusText: 'Cancelled' };
    app.jira.put(cancelled);
    app.cluster.refuseDeletes(MemoryCluster.unavailable());
    // Act: the close fails (answered 503), then the sweep runs once, well before the expiry
    await expect(app.closeTicket(cancelled, 'servicenow-webhook')).rejects.toThrow();
    const marked = await app.leases.get(granted.lease.id);
    app.clock.advance(60_000);
    const swept = await app.sweepLeases();
    // Assess: the close was remembered with its cause, the sweep revoked early, the ticket heard once
    expect(marked?.status).toBe('ACTIVE');
    expect(marked?.revokeRequested).toMatchObject({ cause: 'early' });
    expect(swept.revoked).toBe(1);
    const after = await app.leases.get(granted.lease.id);
    expect(after).toMatchObject({ status: 'REVOKED', revokeCause: 'early' });
    expect(app.cluster.namespacesOf(granted.lease.id)).toEqual([]);
    expect(app.jira.commentsOn('RACE-2').filter((c) => c.startsWith('Access revoked'))).toHaveLength(1);
    expect(app.audit.kinds().filter((k) => k === 'revoke')).toHaveLength(1);
    // A later sweep has nothing left to do
    app.clock.advance(60_000);
    expect((await app.sweepLeases()).revoked).toBe(0);
  });

  it('close-during-grant: a close delivered between a grant\'s ticket read and its lease create ends the grant, which never goes ACTIVE', async () => {
    // Prepare: the ticket is closed, and its close handled, just before the grant (which read it approved) records its lease
    const app = useCases();
    const ticket = approvedTicket('RACE-3');
    app.jira.put(ticket);
    const cancelled = { ...ticket, state: 'closed' as const, statusText: 'Cancelled' };
    const create = app.leases.create.bind(app.leases);
    let close: Awaited<ReturnType<typeof app.closeTicket>> | undefined;
    app.leases.create = async (lease) => {
      app.jira.put(cancelled);
      close = await app.closeTicket(cancelled, 'jira-webhook:close');
      return create(lease);
    };
    // Act: the grant runs from the ticket it read
    const outcome = await app.grantAccess(ticket, 'jira-webhook:1');
    // Assess: the close found no lease; the grant ended FAILED with nothing left, the ticket told why, no grant recorded
    expect(close?.kind).toBe('ignored');
    expect(outcome.kind).toBe('failed');
    const [lease] = (await app.leases.listForTicket('jira', 'RACE-3')).leases;
    expect(lease?.status).toBe('FAILED');
    expect(app.cluster.namespacesOf(lease?.id ?? '')).toEqual([]);
    expect(app.audit.kinds().filter((k) => k === 'grant')).toHaveLength(0);
    const comments = app.jira.commentsOn('RACE-3');
    expect(comments.filter((c) => c.startsWith('Access granted'))).toHaveLength(0);
    expect(comments.filter((c) => c.includes('the ticket was closed') && c.includes('while access was being granted'))).toHaveLength(1);
  });

  it('close-during-grant: a lease the close\'s list missed (the ticket index lags) is revoked by the sweep once the close is due', async () => {
    // Prepare: a grant made its lease ACTIVE just before the close; the close's query of the ticket index does not see it yet
    const app = useCases();
    const ticket = approvedTicket('RACE-4');
    app.jira.put(ticket);
    const granted = await app.grantAccess(ticket, 'jira-webhook:1');
    if (granted.kind !== 'granted') throw new Error(`expected a grant, got ${granted.kind}`);
    const cancelled = { ...ticket, state: 'closed' as const, statusText: 'Cancelled' };
    app.jira.put(cancelled);
    const list = app.leases.listForTicketRef.bind(app.leases);
    app.leases.listForTicketRef = () => Promise.resolve({ leases: [], unreadable: [] });
    const close = await app.closeTicket(cancelled, 'jira-webhook:close');
    app.leases.listForTicketRef = list;
    // Act: the sweep runs before the close is due, then once it is
    const early = await app.sweepLeases();
    app.clock.advance(61_000);
    const swept = await app.sweepLeases();
    // Assess: revoked early by the second run, the ticket told once; a later run finds nothing left
    expect(close.kind).toBe('ignored');
    expect(early.revoked).toBe(0);
    expect(swept.revoked).toBe(1);
    expect(await app.leases.get(granted.lease.id)).toMatchObject({ status: 'REVOKED', revokeCause: 'early' });
    expect(app.cluster.namespacesOf(granted.lease.id)).toEqual([]);
    expect(app.jira.commentsOn('RACE-4').filter((c) => c.startsWith('Access revoked'))).toHaveLength(1);
    app.clock.advance(61_000);
    expect((await app.sweepLeases()).revoked).toBe(0);
  });

  it('lost events: a grant writer dies right after its ACTIVE write, a close dies right after its REVOKED write: the grant event is still recorded', async () => {
    // Prepare: every process dies right after its write of the status named
    const app = useCases();
    const ticket = approvedTicket('RACE-5');
    app.jira.put(ticket);
    const transition = app.leases.transition.bind(app.leases);
    let diesAfter: string | undefined = 'ACTIVE';
    app.leases.transition = async (lease, to, entry, patch) => {
      const result = await transition(lease, to, entry, patch);
      if (to === diesAfter) throw new Error(`the process died after its ${to} write`);
      return result;
    };
    // Act: the grant dies after ACTIVE, then the ticket's close dies after REVOKED
    await expect(app.grantAccess(ticket, 'jira-webhook:1')).rejects.toThrow('died');
    diesAfter = 'REVOKED';
    app.clock.advance(61_000); // past the dead writer's hold: the close does not wait for it
    const cancelled = { ...ticket, state: 'closed' as const, statusText: 'Cancelled' };
    app.jira.put(cancelled);
    await expect(app.closeTicket(cancelled, 'jira-webhook:close')).rejects.toThrow('died');
    // Assess: the lease became ACTIVE and is REVOKED; its grant is recorded once, as its writer made it
    const [lease] = (await app.leases.listForTicket('jira', 'RACE-5')).leases;
    expect(lease?.status).toBe('REVOKED');
    const grants = app.audit.events.filter((e) => e.kind === 'grant' && e.leaseId === lease?.id);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ actor: 'jira-webhook:1', at: lease?.history.find((h) => h.to === 'ACTIVE')?.at });
  });
});
