import { describe, expect, it } from '@jest/globals';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * A hold cut short at the lease's expiry says nothing of when its holder's time runs out: a late
 * activation (its check before the expiry, its ACTIVE write after it) holds an announcement whose
 * `announceAt` is the expiry, already past. The expiry revoke must not take that for a dead holder
 * and comment first: the holder's "Access granted" would land after "Access revoked" (soak seed
 * -441599114, path 5726).
 */
const HOUR = 3_600_000;
const WINDOWED = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

describe('a revoke at the expiry during a late activation', () => {
  it('keeps its comment after the grant comment of an activation that wrote ACTIVE after the expiry', async () => {
    // Prepare: a lease scheduled for a window; its activation runs 5 s before the expiry and writes ACTIVE 3 s after it.
    const app = useCases(WINDOWED);
    app.jira.put(approvedTicket('LATE-1', { windowStart: new Date(T0.getTime() + HOUR).toISOString() }));
    await app.processTicket({ source: 'jira', ticketKey: 'LATE-1', actor: 'jira-webhook:0' });
    const [scheduled] = (await app.leases.listForTicket('jira', 'LATE-1')).leases;
    const leaseId = scheduled?.id ?? '';
    app.clock.advance(Date.parse(scheduled?.expiresAt ?? '') - 5_000 - app.clock.now().getTime());
    const apply = app.cluster.applyBinding.bind(app.cluster);
    app.cluster.applyBinding = async (...args) => {
      app.clock.advance(8_000);
      return apply(...args);
    };
    // The expiry revoke runs once the holder has read the lease again, as its grant comment begins.
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = async (key, text) => {
      if (text.startsWith('Access granted')) await app.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge:expiry' });
      return comment(key, text);
    };
    // Act
    await app.activateLease({ leaseId, actor: 'eventbridge:start' });
    app.clock.advance(120_000);
    await app.sweepLeases();
    // Assess: the grant, then the revoke, each once.
    const lease = await app.leases.get(leaseId);
    expect([lease?.status, lease?.history.find((h) => h.to === 'ACTIVE')?.at, lease?.revokeNote]).toEqual(['REVOKED', new Date(Date.parse(lease?.expiresAt ?? '') + 3_000).toISOString(), undefined]);
    const told = app.jira.commentsOn('LATE-1').map((c) => c.split(' (')[0]);
    expect(told).toEqual(['Access approved and scheduled', 'Access granted', 'Access revoked']);
  }, 20_000);

  it("posts its own comment at once when the late activation's writer died long before (its hold ran out with its write's minute)", async () => {
    // Prepare: the activation writes ACTIVE 3 s after the expiry and dies before its grant comment returns.
    const app = useCases(WINDOWED);
    app.jira.put(approvedTicket('LATE-2', { windowStart: new Date(T0.getTime() + HOUR).toISOString() }));
    await app.processTicket({ source: 'jira', ticketKey: 'LATE-2', actor: 'jira-webhook:0' });
    const [scheduled] = (await app.leases.listForTicket('jira', 'LATE-2')).leases;
    const leaseId = scheduled?.id ?? '';
    app.clock.advance(Date.parse(scheduled?.expiresAt ?? '') - 5_000 - app.clock.now().getTime());
    const apply = app.cluster.applyBinding.bind(app.cluster);
    app.cluster.applyBinding = async (...args) => {
      app.clock.advance(8_000);
      return apply(...args);
    };
    const comment = app.jira.comment.bind(app.jira);
    let dead = false;
    app.jira.comment = async (key, text) => {
      if (!text.startsWith('Access granted')) return comment(key, text);
      dead = true;
      return new Promise<never>(() => undefined);
    };
    void app.activateLease({ leaseId, actor: 'eventbridge:start' });
    while (!dead) await new Promise((resolve) => setTimeout(resolve, 10));
    // Act: the revoke, an hour later.
    app.clock.advance(HOUR);
    await app.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge:expiry' });
    // Assess: said by the revoke itself, nothing left owed.
    const lease = await app.leases.get(leaseId);
    expect([lease?.status, lease?.revokeNote]).toEqual(['REVOKED', undefined]);
    expect(app.jira.commentsOn('LATE-2').map((c) => c.split(' (')[0])).toEqual(['Access approved and scheduled', 'Access revoked']);
  }, 20_000);

  it('leaves to the revoke an owed grant announcement whose hold the expiry would cut short (the sweep does not take it)', async () => {
    // Prepare: the granting invocation dies before its comment returns.
    const app = useCases();
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = async (key, text) => (text.startsWith('Access granted') ? new Promise<never>(() => undefined) : comment(key, text));
    void app.grantAccess(approvedTicket('LATE-3'), 'webhook');
    let lease;
    while ((lease = (await app.leases.listForTicket('jira', 'LATE-3')).leases[0])?.status !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 10));
    app.jira.comment = comment;
    // Act: a sweep 30 s before the expiry, then one after it.
    app.clock.advance(Date.parse(lease?.expiresAt ?? '') - 30_000 - app.clock.now().getTime());
    await app.sweepLeases();
    const beforeExpiry = app.jira.commentsOn('LATE-3').map((c) => c.split(' (')[0]);
    app.clock.advance(31_000);
    await app.sweepLeases();
    // Assess
    expect(beforeExpiry).toEqual([]);
    expect(app.jira.commentsOn('LATE-3').map((c) => c.split(' (')[0])).toEqual(['Access revoked']);
  }, 20_000);
});
