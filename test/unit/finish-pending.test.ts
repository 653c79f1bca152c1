import { describe, expect, it } from '@jest/globals';
import { newLease } from '../../lib/domain/lease-factory.js';
import { decide } from '../../lib/domain/policy.js';
import { makeFinishPending } from '../../lib/use-cases/finish-pending.js';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * The sweep read a PENDING lease as abandoned; before it acts, another attempt (a second sweep,
 * Jira's retry) takes the lease over and is finishing the grant. The sweep leaves it to that attempt.
 */
describe('the sweep settling an abandoned grant (use case, in-memory ports)', () => {
  async function abandoned() {
    const app = useCases();
    const ticket = approvedTicket('OPS-90');
    app.jira.put(ticket);
    const decision = decide(ticket, app.catalog, app.clock.now());
    if (decision.kind !== 'grant') throw new Error('expected a grant');
    const lease = newLease(decision.plan, app.clock.now(), 'kube-lease-test', 'crashed');
    await app.leases.create(lease);
    app.clock.advance(121_000);
    const finishPending = makeFinishPending({ ...app, pendingGraceSeconds: 120 });
    return { app, lease, finishPending };
  }

  it('leaves a lease another attempt took over after the sweep read it: not rolled back under it', async () => {
    // Prepare: the sweep's read (stale), then another attempt's take-over (a PENDING → PENDING write).
    const { app, lease, finishPending } = await abandoned();
    const at = app.clock.now().toISOString();
    const taken = await app.leases.transition(lease, 'PENDING', { at, from: 'PENDING', to: 'PENDING', by: 'webhook', note: 'finishing the grant' });
    // Act
    const settled = await finishPending(lease);
    // Assess
    expect(taken.ok).toBe(true);
    expect(settled).toBe('busy');
    expect((await app.leases.get(lease.id))?.status).toBe('PENDING');
  });

  it('finishes it when nobody else is at it', async () => {
    const { app, lease, finishPending } = await abandoned();
    expect(await finishPending(lease)).toBe(true);
    expect((await app.leases.get(lease.id))?.status).toBe('ACTIVE');
  });
});
