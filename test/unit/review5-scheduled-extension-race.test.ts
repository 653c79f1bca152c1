import { describe, expect, it } from '@jest/globals';
import type { HistoryEntry, Lease, LeaseStatus } from '../../lib/domain/lease.js';
import type { TransitionPatch } from '../../lib/ports/lease-store.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approval, approvedTicket, approver, T0, useCases } from '../support/use-cases.js';

/*
 * Review 5 (issue 23), R5-4 (a regression test). Round 4 let a new approval extend a SCHEDULED lease
 * (SCHEDULED → SCHEDULED); racing the activation at the window's start, the extension's write landed
 * between the activation's binding creates and its ACTIVE write: the lease ended FAILED with a false
 * "not exactly this lease's" reason, and the approved access was lost. A scheduled lease is now never
 * extended (the approval is noted on it, its expiry unchanged, and the ticket told why): an activation the
 * note overtakes leaves bindings exactly the lease's, which the next sweep's activation takes as its own.
 */
const HOUR = 3_600_000;
const CATALOG = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

describe('review 5: an extension of a scheduled lease racing its activation', () => {
  it('R5-4: an approval arriving as the activation writes ACTIVE extends nothing; the next sweep makes the lease ACTIVE with its bindings, and the ticket hears why', async () => {
    const app = useCases(CATALOG);
    const windowStart = new Date(T0.getTime() + HOUR).toISOString();
    const first = approvedTicket('R5-4', { windowStart });
    app.jira.put(first);
    const scheduled = await app.grantAccess(first, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(`expected scheduled, got ${scheduled.kind}`);
    app.clock.advance(HOUR);
    const second = approvedTicket('R5-4', { windowStart, requestedDuration: '2h', approval: approval(approver, app.clock.now()) });
    // The extension runs just before the activation's ACTIVE write.
    const store = app.leases;
    const transition = store.transition.bind(store);
    let extended = '';
    store.transition = async (lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch?: TransitionPatch) => {
      if (to === 'ACTIVE' && extended === '') {
        app.jira.put(second);
        extended = (await app.grantAccess(second, 'webhook')).kind;
      }
      return transition(lease, to, entry, patch);
    };
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    const between = await app.leases.get(scheduled.lease.id);
    const mid = { activated: activated.kind, extended, status: between?.status, bindings: app.cluster.bindings.size };
    app.clock.advance(60_000);
    await app.sweepLeases();
    const after = await app.leases.get(scheduled.lease.id);
    const annotations = [...app.cluster.bindings.values()].map((b) => JSON.stringify(b.metadata?.annotations ?? {}));
    // An approval for other times (2h) is not noted: nothing overtakes the activation, which had read the ticket before it.
    expect(mid).toEqual({ activated: 'activated', extended: 'not-extended', status: 'ACTIVE', bindings: 1 });
    expect([after?.status, after?.expiresAt, after?.failureReason]).toEqual(['ACTIVE', new Date(T0.getTime() + 2 * HOUR).toISOString(), undefined]);
    expect(annotations.every((a) => a.includes(new Date(T0.getTime() + 2 * HOUR).toISOString()))).toBe(true);
    expect(app.jira.commentsOn('R5-4').some((c) => c.includes('it has not begun yet'))).toBe(true);
    expect(app.audit.events.filter((e) => e.kind === 'failure')).toEqual([]);
  });
});
