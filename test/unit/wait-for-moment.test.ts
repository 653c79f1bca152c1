import { describe, expect, it } from '@jest/globals';
import { makeTimerTargets, WORK_RESERVE_MS } from '../../lib/use-cases/wait-for-moment.js';
import { MAX_TIMER_WAIT_MS } from '../../lib/ports/lease-scheduler.js';
import { approval, approvedTicket, T0, useCases } from '../support/use-cases.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const HOUR = 3600_000;
const WINDOW = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

/**
 * The AWS timer targets over in-memory ports. The sleep moves the fixed clock (and can run
 * something "meanwhile", as another invocation would); every wait is recorded.
 */
function harness(catalog?: string) {
  const app = useCases(catalog);
  const sleeps: number[] = [];
  let meanwhile: (() => Promise<void>) | undefined;
  const targets = makeTimerTargets({
    leases: app.leases,
    clock: app.clock,
    logger: app.logger,
    sleep: async (ms) => {
      sleeps.push(ms);
      app.clock.advance(ms);
      const run = meanwhile;
      meanwhile = undefined;
      await run?.();
    },
    revokeLease: app.revokeLease,
    activateLease: app.activateLease,
  });
  return { app, sleeps, targets, during: (work: () => Promise<void>) => (meanwhile = work) };
}

async function grantedLease(app: ReturnType<typeof useCases>, key = 'OPS-1') {
  const granted = await app.grantAccess(approvedTicket(key), 'test');
  if (granted.kind !== 'granted') throw new Error(granted.kind);
  return granted.lease;
}

const revokes = (app: ReturnType<typeof useCases>) => app.audit.kinds().filter((k) => k === 'revoke').length;

describe('timer targets: a timer armed early waits for its moment, then acts once', () => {
  it('waits from an early firing to the expiry itself, then revokes (no lag on the clock)', async () => {
    const { app, sleeps, targets } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR - 120_000);
    const outcome = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 });
    expect(outcome.kind).toBe('revoked');
    expect(sleeps).toEqual([120_000]);
    expect(app.clock.now().toISOString()).toBe(lease.expiresAt);
    expect(app.cluster.bindings.size).toBe(0);
  });

  it('acts at once, without waiting, when it fires after the moment', async () => {
    const { app, sleeps, targets } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR + 30_000);
    expect((await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 })).kind).toBe('revoked');
    expect(sleeps).toEqual([]);
  });

  it('reads the lease again after the wait: an extension meanwhile keeps the access (the new timer revokes later)', async () => {
    const { app, sleeps, targets, during } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR - 100_000);
    during(async () => {
      const extended = await app.grantAccess(approvedTicket('OPS-1', { approval: approval(undefined, app.clock.now()) }), 'test');
      expect(extended.kind).toBe('extended');
    });
    const outcome = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 });
    expect(outcome.kind).toBe('early');
    expect(sleeps).toEqual([100_000]);
    expect(app.cluster.bindings.size).toBe(1);
    expect((await app.leases.get(lease.id))?.status).toBe('ACTIVE');
    expect(revokes(app)).toBe(0);
  });

  it('does nothing more when an early revoke ended the lease during the wait', async () => {
    const { app, targets, during } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR - 100_000);
    during(async () => {
      await app.revokeLease({ leaseId: lease.id, cause: 'early', actor: 'operator' });
    });
    const outcome = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 });
    expect(outcome.kind).toBe('not-active');
    expect(revokes(app)).toBe(1);
    expect(app.jira.commentsOn('OPS-1').filter((c) => c.includes('revoked'))).toHaveLength(1);
  });

  it('a timer that fires twice, or after the lease ended, does nothing the second time', async () => {
    const { app, targets } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR - 60_000);
    const [first, second] = await Promise.all([
      targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 }),
      targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 }),
    ]);
    const late = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 190_000 });
    expect([first.kind, second.kind].sort()).toEqual(['not-active', 'revoked']);
    expect(late.kind).toBe('not-active');
    expect(revokes(app)).toBe(1);
    expect(app.jira.commentsOn('OPS-1').filter((c) => c.includes('revoked'))).toHaveLength(1);
  });

  it('never waits past the invocation\'s remaining time less the work reserve: too early, it does nothing', async () => {
    const { app, sleeps, targets } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR - 120_000);
    const short = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 120_000 + WORK_RESERVE_MS - 1 });
    expect(short.kind).toBe('early');
    expect(sleeps).toEqual([]);
    expect(app.cluster.bindings.size).toBe(1);
    expect(app.logger.lines.some((e) => e.level === 'warn' && e.message.includes('earlier than this invocation can wait'))).toBe(true);
    // Exactly enough time left: it waits.
    const enough = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => 120_000 + WORK_RESERVE_MS });
    expect(enough.kind).toBe('revoked');
    expect(sleeps).toEqual([120_000]);
  });

  it('does not wait for a moment further ahead than any timer fires early (a timer from before an extension)', async () => {
    const { app, sleeps, targets } = harness();
    const lease = await grantedLease(app);
    app.clock.advance(HOUR - MAX_TIMER_WAIT_MS - 10_000);
    const outcome = await targets.revokeOnTime({ leaseId: lease.id, remainingMs: () => Number.POSITIVE_INFINITY });
    expect(outcome.kind).toBe('early');
    expect(sleeps).toEqual([]);
    expect(app.logger.lines.some((e) => e.level === 'warn')).toBe(false);
  });

  it('waits for the change window to open, then activates; a second firing grants nothing more', async () => {
    const { app, sleeps, targets } = harness(WINDOW);
    const ticket = approvedTicket('OPS-9', { windowStart: new Date(T0.getTime() + 2 * HOUR).toISOString() });
    app.jira.put(ticket);
    const scheduled = await app.grantAccess(ticket, 'test');
    if (scheduled.kind !== 'scheduled') throw new Error(scheduled.kind);
    app.clock.advance(2 * HOUR - 100_000);
    const outcome = await targets.activateOnTime({ leaseId: scheduled.lease.id, remainingMs: () => 190_000 });
    expect(outcome.kind).toBe('activated');
    expect(sleeps).toEqual([100_000]);
    expect(app.clock.now().toISOString()).toBe(scheduled.lease.startsAt);
    const grants = app.audit.kinds().filter((k) => k === 'grant').length;
    const again = await targets.activateOnTime({ leaseId: scheduled.lease.id, remainingMs: () => 190_000 });
    expect(again.kind).not.toBe('activated');
    expect(app.audit.kinds().filter((k) => k === 'grant').length).toBe(grants);
    expect(app.cluster.namespacesOf(scheduled.lease.id)).toEqual(['payments']);
  });
});
