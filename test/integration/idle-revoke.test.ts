import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import type { Lease } from '../../lib/domain/lease.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/** The activity tests' catalog (audit log file, 5m delay) with payments-read revoked after 30m without a request. */
const IDLE_CATALOG = AUDITED_CATALOG.replace('    maxDuration: 4h\n', '    maxDuration: 4h\n    idleTimeout: 30m\n');
const MIN = 60_000;

let serial = 0;
/** A request of alice's that the lease's binding allowed, `minutes` after T0 (as kube-apiserver logs it). */
function request(lease: Lease, minutes: number): AuditEvent {
  serial += 1;
  const binding = lease.bindings[0];
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `idle-${serial}`,
    stage: 'ResponseComplete',
    verb: 'list',
    requestURI: '/api/v1/namespaces/payments/pods',
    user: { username: lease.subject.name },
    objectRef: { resource: 'pods', namespace: 'payments' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: new Date(T0.getTime() + minutes * MIN).toISOString(),
    annotations: { 'authorization.k8s.io/reason': `RBAC: allowed by RoleBinding "${binding?.name ?? ''}/payments" of ClusterRole "view" to User "${lease.subject.name}"` },
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

async function grant(app: ReturnType<typeof useCases>, key: string): Promise<Lease> {
  const outcome = await app.grantAccess(approvedTicket(key, { requestedDuration: '2h' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.lease;
}

/** Moves the clock to `minutes` after T0 and sweeps. */
async function sweepAt(app: ReturnType<typeof useCases>, minutes: number) {
  app.clock.advance(T0.getTime() + minutes * MIN - app.clock.now().getTime());
  return app.sweepLeases();
}

describe('idle revoke (profile idleTimeout): the sweep, the audit log and the ticket', () => {
  it('revokes a lease nobody used once timeout + delay have passed, with the reason on the ticket and in the audit event', async () => {
    // Prepare
    const app = useCases(IDLE_CATALOG);
    const lease = await grant(app, 'OPS-1');
    // Act: at 31m it is only 26m into what the log can show; at 36m, 31m of silence are complete.
    const early = await sweepAt(app, 31);
    const afterEarly = await app.leases.get(lease.id);
    const late = await sweepAt(app, 36);
    // Assess
    expect(lease.idle).toEqual({ timeout: 1800, checkAt: new Date(T0.getTime() + 30 * MIN).toISOString() });
    expect(early.idleRevoked).toBe(0);
    expect(afterEarly).toMatchObject({ status: 'ACTIVE', idle: { checkAt: new Date(T0.getTime() + 35 * MIN).toISOString(), readTo: new Date(T0.getTime() + 26 * MIN).toISOString() } });
    expect(late.idleRevoked).toBe(1);
    const stored = await app.leases.get(lease.id);
    expect(stored).toMatchObject({ status: 'REVOKED', revokeCause: 'idle' });
    expect(app.cluster.bindings.size).toBe(0);
    const revoked = app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Access revoked'));
    expect(revoked).toContain('revoked early: no request through its bindings for 30m (idle timeout)');
    const event = app.audit.events.find((e) => e.kind === 'revoke');
    expect(event).toMatchObject({ cause: 'idle', actor: 'sweep', leaseId: lease.id });
    expect(event?.reason).toContain('no request through its bindings for 30m (idle timeout)');
    // Each check read only what was new: from the activation, then from where the last one stopped
    // (the third read is the revoke's own, listing the streams the subject opened).
    expect(app.activity.reads.slice(0, 2).map((r) => [r.from.toISOString(), r.to.toISOString()])).toEqual([
      [T0.toISOString(), new Date(T0.getTime() + 26 * MIN).toISOString()],
      [new Date(T0.getTime() + 26 * MIN).toISOString(), new Date(T0.getTime() + 31 * MIN).toISOString()],
    ]);
  });

  it('keeps a lease in use, and revokes it one timeout + delay after its last request', async () => {
    // Prepare: requests through its binding at 10m and 33m (the 33m one shows in the log at 38m).
    const app = useCases(IDLE_CATALOG);
    const lease = await grant(app, 'OPS-2');
    app.activity.add('demo', request(lease, 10));
    app.activity.add('demo', request(lease, 33), new Date(T0.getTime() + 38 * MIN));
    // Act
    const runs = [];
    for (const minutes of [36, 46, 67]) runs.push((await sweepAt(app, minutes)).idleRevoked);
    const beforeIdle = await app.leases.get(lease.id);
    runs.push((await sweepAt(app, 69)).idleRevoked);
    // Assess: due at 45m (10 + 30 + 5), then at 68m (33 + 30 + 5).
    expect(runs).toEqual([0, 0, 0, 1]);
    expect(beforeIdle).toMatchObject({ status: 'ACTIVE', idle: { lastRequestAt: new Date(T0.getTime() + 33 * MIN).toISOString(), checkAt: new Date(T0.getTime() + 68 * MIN).toISOString() } });
    expect(await app.leases.get(lease.id)).toMatchObject({ status: 'REVOKED', revokeCause: 'idle' });
    expect(app.audit.events.find((e) => e.kind === 'revoke')?.reason).toContain(`the last at ${new Date(T0.getTime() + 33 * MIN).toISOString()}`);
  });

  it('never revokes when the audit log cannot be read: the lease stays, the check is retried a minute later', async () => {
    // Prepare
    const app = useCases(IDLE_CATALOG);
    const lease = await grant(app, 'OPS-3');
    await sweepAt(app, 31);
    app.activity.failNext();
    // Act
    const failed = await sweepAt(app, 36);
    const afterFailure = await app.leases.get(lease.id);
    const bindingsAfterFailure = app.cluster.bindings.size;
    const retried = await sweepAt(app, 37);
    // Assess
    expect(failed.idleRevoked).toBe(0);
    expect(afterFailure).toMatchObject({ status: 'ACTIVE', idle: { checkAt: new Date(T0.getTime() + 37 * MIN).toISOString() } });
    expect(bindingsAfterFailure).toBe(1);
    expect(app.logger.lines.some((e) => e.message.startsWith('idle check could not read the audit log'))).toBe(true);
    expect(retried.idleRevoked).toBe(1);
    expect(await app.leases.get(lease.id)).toMatchObject({ status: 'REVOKED', revokeCause: 'idle' });
  });

  it('leaves leases of profiles without idleTimeout alone: an expired one is revoked as usual while the idle check of another cannot read the log', async () => {
    // Prepare: a payments-debug lease (no idleTimeout, 30m) and an idle-watched one whose log is down.
    const app = useCases(IDLE_CATALOG);
    const plain = await app.grantAccess(approvedTicket('OPS-4', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    const watched = await grant(app, 'OPS-5');
    if (plain.kind !== 'granted') throw new Error('expected a grant');
    app.activity.failNext();
    // Act
    const summary = await sweepAt(app, 31);
    // Assess
    expect(plain.lease.idle).toBeUndefined();
    expect(summary).toMatchObject({ revoked: 1, idleRevoked: 0 });
    expect(await app.leases.get(plain.lease.id)).toMatchObject({ status: 'REVOKED', revokeCause: 'sweep' });
    expect(await app.leases.get(watched.id)).toMatchObject({ status: 'ACTIVE' });
  });
});
