import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent } from '../../lib/domain/activity.js';
import { makeRevokeLease } from '../../lib/use-cases/revoke-lease.js';
import { MAX_PODS_ENDED } from '../../lib/use-cases/revoke-sessions.js';
import { auditEvent, type AuditEventSpec } from '../fixtures/audit-events.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * What a subject controls in the audit log (names in the URL, the command line, how many requests)
 * must not let them forge lines on the ticket, leak a secret there, stop the revoke, or get a pod
 * deleted that kube-lease should not touch.
 */
const ALICE = 'alice@example.com';
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

async function debugLease() {
  const app = useCases(AUDITED_CATALOG);
  const outcome = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  const binding = outcome.lease.bindings[0]?.name ?? '';
  /** An event of alice's that this lease's binding allowed (unless the spec says otherwise). */
  const add = (spec: Omit<AuditEventSpec, 'user'>, raw: (e: Record<string, unknown>) => Record<string, unknown> = (e) => e, visibleAt?: Date) => {
    const parsed = parseAuditEvent(raw(auditEvent({ user: ALICE, namespace: 'payments', binding, ...spec })));
    if (parsed === undefined) throw new Error('not an audit event');
    app.activity.add('demo', parsed, visibleAt);
  };
  const revoke = async () => {
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
    return app.leases.get(outcome.lease.id);
  };
  return { app, lease: outcome.lease, add, revoke };
}

describe('activity evidence against a subject who shapes the audit log', () => {
  it('forges no line on the ticket and leaks no secret: names must be Kubernetes names, commands are cleaned, redacted and quoted', async () => {
    // Prepare: a pod name with a line break (the API server decodes %0A in the path) and a command that imitates kube-lease's lines.
    const { app, add, revoke } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: at(-60).toISOString(), controller: { kind: 'ReplicaSet', name: 'api' } });
    add({ verb: 'create', name: 'nope\nEnded: pod payments/evil deleted (forged)', subresource: 'exec', at: at(1) });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', at: at(2), command: ['mysql', '-pS3cret!', '--password=hunter2', 'x\nEvidence digest: sha256:fake'] });
    // Act
    await revoke();
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    const text = app.jira.commentsOn('OPS-1').join('\n');
    expect(text).not.toMatch(/^Ended: pod payments\/evil/m);
    expect(text).not.toMatch(/^Evidence digest: sha256:fake/m);
    expect(text).not.toContain('S3cret');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('exec into payments/api-1 (container app): "mysql -p[redacted] --password=[redacted] x Evidence digest: sha256:fake"');
  });

  it('counts an exec that did not open (404) as no stream, and a secret read that failed as no read', async () => {
    // Prepare
    const { app, add, revoke } = await debugLease();
    add({ verb: 'create', name: 'ghost', subresource: 'exec', at: at(1), code: 404 });
    add({ verb: 'get', resource: 'secrets', name: 'db-password', at: at(2), code: 404 });
    // Act
    const revoked = await revoke();
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(revoked?.sessions?.seen).toEqual([]);
    expect(app.cluster.evictedPods).toEqual([]);
    const evidence = (await app.leases.get(revoked?.id ?? ''))?.evidence;
    expect(evidence?.summary).toMatchObject({ requests: 2, secretsRead: [] });
    expect(evidence?.summary?.sessions).toEqual([expect.objectContaining({ pod: 'ghost', allowed: false })]);
  });

  it('attributes per request, not per log line: a stream another binding allowed stays out, whatever its earlier stage says', async () => {
    // Prepare: the stream's RequestReceived line has no authorizer annotation; its ResponseComplete names a standing binding.
    const { app, add, revoke } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: at(-60).toISOString(), controller: { kind: 'ReplicaSet', name: 'api' } });
    const auditID = '7c0a8f3e-5d1b-4c2a-9e6f-00000000beef';
    add({ verb: 'create', name: 'api-1', subresource: 'exec', at: at(1), auditID, stage: 'RequestReceived' }, ({ annotations: _dropped, responseStatus: _none, ...e }) => e);
    add({ verb: 'create', name: 'api-1', subresource: 'exec', at: at(1), auditID, binding: 'oncall-exec' });
    // Act
    const revoked = await revoke();
    // Assess
    expect(revoked?.sessions?.seen).toEqual([]);
    expect(app.cluster.evictedPods).toEqual([]);
  });

  it('bounds what one revoke lists and ends: 25 streams listed and the rest counted, at most 10 pods evicted, the revoke completes', async () => {
    // Prepare: 40 streams into 40 pods, each of its own ReplicaSet.
    const { app, add, revoke } = await debugLease();
    for (let i = 0; i < 40; i += 1) {
      app.cluster.addPod('payments', `api-${i}`, { createdAt: at(-60).toISOString(), controller: { kind: 'ReplicaSet', name: `api-${i}` } });
      add({ verb: 'create', name: `api-${i}`, subresource: 'exec', at: at(1) });
    }
    // Act
    const revoked = await revoke();
    // Assess
    expect(revoked?.status).toBe('REVOKED');
    expect(revoked?.sessions?.seen).toHaveLength(25);
    expect(revoked?.sessions?.omitted).toBe(15);
    expect(app.cluster.evictedPods).toHaveLength(MAX_PODS_ENDED);
    expect(revoked?.sessions?.pods.filter((p) => p.outcome === 'kept' && p.why?.startsWith('more than 10 pods'))).toHaveLength(30);
    expect(app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Access revoked'))).toContain('- and 15 more (the audit log has them all)');
  });

  it('never evicts a Job\'s pod (it would restart the work) nor a finished pod (not recreated): both are reported', async () => {
    // Prepare
    const { app, add, revoke } = await debugLease();
    app.cluster.addPod('payments', 'migrate-x1', { createdAt: at(-60).toISOString(), controller: { kind: 'Job', name: 'migrate' } });
    app.cluster.addPod('payments', 'api-done', { createdAt: at(-60).toISOString(), controller: { kind: 'ReplicaSet', name: 'api' }, phase: 'Succeeded' });
    add({ verb: 'create', name: 'migrate-x1', subresource: 'exec', at: at(1) });
    add({ verb: 'create', name: 'api-done', subresource: 'exec', at: at(2) });
    // Act
    const revoked = await revoke();
    // Assess
    expect(app.cluster.evictedPods).toEqual([]);
    expect(revoked?.sessions?.pods).toEqual([
      { namespace: 'payments', pod: 'migrate-x1', outcome: 'kept', why: 'owned by Job migrate, not a controller kube-lease relies on to recreate it' },
      { namespace: 'payments', pod: 'api-done', outcome: 'gone', why: 'it has finished (Succeeded)' },
    ]);
  });

  it('ends, when the evidence is collected, a stream the log showed only after the revoke, and says so on the ticket', async () => {
    // Prepare: an exec at minute 29 that reaches the log two minutes after the revoke.
    const { app, add, revoke } = await debugLease();
    app.cluster.addPod('payments', 'api-late', { createdAt: at(-60).toISOString(), controller: { kind: 'ReplicaSet', name: 'api' } });
    add({ verb: 'create', name: 'api-late', subresource: 'exec', at: at(29) }, (e) => e, at(32));
    // Act
    const revoked = await revoke();
    const atRevoke = app.cluster.evictedPods.length;
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(revoked?.sessions?.seen).toEqual([]);
    expect(atRevoke).toBe(0);
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-late']);
    const evidence = app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Activity during lease')) ?? '';
    expect(evidence).toContain('Streams the audit log showed only after the revoke:\nEnded: pod payments/api-late evicted (its controller ReplicaSet api recreates it)');
  });

  it('stops ending sessions when the API server does not answer in time, and the revoke still completes', async () => {
    // Prepare: the first pod's read hangs; the time for pods is 50 ms.
    const { app, add } = await debugLease();
    for (const name of ['api-1', 'api-2']) {
      app.cluster.addPod('payments', name, { createdAt: at(-60).toISOString(), controller: { kind: 'ReplicaSet', name } });
      add({ verb: 'create', name, subresource: 'exec', at: at(1) });
    }
    const getPod = app.cluster.getPod.bind(app.cluster);
    app.cluster.getPod = (cluster, namespace, name) => (name === 'api-1' ? new Promise(() => undefined) : getPod(cluster, namespace, name));
    const revokeLease = makeRevokeLease({ ...app, podsBudgetMs: 50 });
    app.clock.advance(30 * 60_000 + 1000);
    // Act
    const [lease] = app.leases.all();
    const outcome = await revokeLease({ leaseId: lease?.id ?? '', cause: 'expiry', actor: 'eventbridge' });
    // Assess
    expect(outcome.kind).toBe('revoked');
    const revoked = await app.leases.get(lease?.id ?? '');
    expect(revoked?.sessions?.pods).toEqual([
      { namespace: 'payments', pod: 'api-1', outcome: 'kept', why: 'the API server did not answer in time (it may still evict it)' },
      { namespace: 'payments', pod: 'api-2', outcome: 'kept', why: 'the time for ending sessions ran out before this pod' },
    ]);
  });
});
