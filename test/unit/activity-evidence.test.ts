import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

const ALICE = 'alice@example.com';

let serial = 0;
/** An audit event of alice's (as kube-apiserver logs it), `minutes` after T0. */
function event(minutes: number, o: { verb: string; resource?: string; sub?: string; name?: string; ns?: string; code?: number; query?: string; user?: string; by?: string }): AuditEvent {
  serial += 1;
  const ns = o.ns ?? 'payments';
  const at = new Date(T0.getTime() + minutes * 60_000).toISOString().replace('Z', '123Z');
  const path = `/api/v1/namespaces/${ns}/${o.resource ?? 'pods'}${o.name === undefined ? '' : `/${o.name}`}${o.sub === undefined ? '' : `/${o.sub}`}`;
  const parsed = parseAuditEvent({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: `a-${serial}`,
    stage: 'ResponseComplete',
    verb: o.verb,
    requestURI: o.query === undefined ? path : `${path}?${o.query}`,
    user: { username: o.user ?? ALICE, groups: ['system:authenticated'] },
    objectRef: { resource: o.resource ?? 'pods', namespace: ns, name: o.name, subresource: o.sub, apiVersion: 'v1' },
    responseStatus: { code: o.code ?? 200 },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
    annotations: { 'authorization.k8s.io/decision': (o.code ?? 200) >= 400 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': o.by === undefined ? '' : `RBAC: allowed by RoleBinding "${o.by}/${ns}" of Role "pod-debugger" to User "${o.user ?? ALICE}"` },
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}
const exec = (minutes: number, pod: string) => event(minutes, { verb: 'create', name: pod, sub: 'exec', code: 101, query: 'command=sh&container=app&stdin=true&tty=true' });

async function grantDebug(app: ReturnType<typeof useCases>, key = 'OPS-1') {
  const outcome = await app.grantAccess(approvedTicket(key, { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.lease;
}

describe('activity evidence and live sessions (use cases, in-memory ports)', () => {
  it('posts the evidence with the right counts after the log delay, stores its digest, audits it and leaves the queue', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    app.activity.add('demo', event(1, { verb: 'list' }));
    app.activity.add('demo', event(2, { verb: 'get', name: 'api-1' }));
    app.activity.add('demo', event(3, { verb: 'get', resource: 'secrets', name: 'db-password' }));
    app.activity.add('demo', event(4, { verb: 'delete', name: 'api-1', code: 403 }));
    app.activity.add('demo', event(4, { verb: 'get', name: 'api-1', user: 'mallory@example.com' }));
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    // Act: a sweep before the delay is over posts nothing; one after it posts.
    const early = await app.sweepLeases();
    app.clock.advance(5 * 60_000);
    const later = await app.sweepLeases();
    const again = await app.sweepLeases();
    // Assess
    const stored = await app.leases.get(lease.id);
    const comments = app.jira.commentsOn('OPS-1');
    const evidenceComments = comments.filter((c) => c.startsWith('Activity during lease'));
    expect([early.evidencePosted, later.evidencePosted, again.evidencePosted]).toEqual([0, 1, 0]);
    expect(evidenceComments).toHaveLength(1);
    expect(evidenceComments[0]).toContain('Requests: 4 (');
    expect(evidenceComments[0]).toContain('Secrets read: payments/db-password (get ×1)');
    expect(evidenceComments[0]).toContain('Requests denied: delete pods in payments ×1');
    expect(evidenceComments[0]).toContain(stored?.evidence?.digest ?? 'no digest');
    expect(stored?.evidence).toMatchObject({ events: 4, digest: expect.stringMatching(/^sha256:/), postedAt: expect.any(String) });
    expect(app.audit.events.filter((e) => e.kind === 'activity')).toEqual([expect.objectContaining({ leaseId: lease.id, evidence: expect.objectContaining({ digest: stored?.evidence?.digest, requests: 4 }) })]);
    expect(app.evidence.queuedIds()).toEqual([]);
    expect(comments.find((c) => c.startsWith('Access revoked'))).toContain('will follow on this ticket');
  });

  it('includes late audit events (arrived after the revoke, before the follow-up) in the evidence', async () => {
    // Prepare: an exec at minute 29 that the log shows only 3 minutes after the revoke.
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    app.clock.advance(30 * 60_000 + 1000);
    app.activity.add('demo', exec(29, 'api-1'), new Date(app.clock.now().getTime() + 3 * 60_000));
    // Act
    await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess: the revoke did not see it (and said the log may lag); the evidence has it.
    const comments = app.jira.commentsOn('OPS-1');
    expect(comments.find((c) => c.startsWith('Access revoked'))).toContain('the log may lag');
    expect(comments.find((c) => c.startsWith('Activity during lease'))).toContain('exec into payments/api-1 (container app): "sh"');
  });

  it('sessions: end evicts only controller-owned pods the subject exec\'d into, in the lease\'s namespaces; a bare pod and a port-forward are reported', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    const created = new Date(T0.getTime() - 3600_000).toISOString();
    app.cluster.addPod('payments', 'api-7d9-x', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api-7d9' } });
    app.cluster.addPod('payments', 'debug-shell', { createdAt: created });
    app.cluster.addPod('payments', 'db-0', { createdAt: created, controller: { kind: 'StatefulSet', name: 'db' } });
    app.cluster.addPod('other', 'api-x', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    app.activity.add('demo', exec(5, 'api-7d9-x'));
    app.activity.add('demo', exec(6, 'debug-shell'));
    app.activity.add('demo', event(7, { verb: 'create', name: 'db-0', sub: 'portforward', code: 101, query: 'ports=5432' }));
    app.activity.add('demo', event(8, { verb: 'create', name: 'api-x', sub: 'exec', code: 101, ns: 'other', query: 'command=sh' }));
    app.activity.add('demo', event(9, { verb: 'create', name: 'api-7d9-y', sub: 'exec', code: 403, query: 'command=sh' }));
    app.clock.advance(30 * 60_000 + 1000);
    // Act
    await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    // Assess
    expect(app.cluster.evictedPods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['payments/api-7d9-x']);
    expect(app.cluster.deletedPods).toEqual([]);
    const stored = await app.leases.get(lease.id);
    expect(stored?.sessions?.pods).toEqual([
      { namespace: 'payments', pod: 'api-7d9-x', outcome: 'evicted', controller: 'ReplicaSet api-7d9' },
      { namespace: 'payments', pod: 'debug-shell', outcome: 'kept', why: 'a bare pod: no controller would recreate it, and evicting it would lose it for good (the audit log does not show the subject creating it through this lease)' },
      { namespace: 'payments', pod: 'db-0', outcome: 'kept', why: 'its port-forward stream(s) are not of a kind this profile ends (onRevoke.streams: exec, attach, proxy)' },
    ]);
    const revoked = app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Access revoked')) ?? '';
    expect(revoked).toContain('these streams may outlive the binding');
    expect(revoked).toContain('Ended: pod payments/api-7d9-x evicted (its controller ReplicaSet api-7d9 recreates it); every stream into it ends when its containers stop');
    expect(revoked).toContain('Not ended: pod payments/debug-shell could not be ended: a bare pod: no controller would recreate it, and evicting it would lose it for good (the audit log does not show the subject creating it through this lease). Its streams may still be open; a person must check it.');
    expect(revoked).toContain('Not ended: pod payments/db-0 could not be ended: its port-forward stream(s) are not of a kind this profile ends (onRevoke.streams: exec, attach, proxy).');
    expect(app.audit.events.filter((e) => e.kind === 'end-session').map((e) => e.reason)).toEqual(['evicted pod payments/api-7d9-x (owned by ReplicaSet api-7d9) to end exec stream(s) opened by alice@example.com']);
    expect(app.audit.events.find((e) => e.kind === 'revoke')?.sessions).toMatchObject({ seen: 3, ended: ['payments/api-7d9-x'] });
  });

  it('a pod replaced since the stream opened is not evicted; without sessions: end nothing is evicted, only listed', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const debug = await grantDebug(app);
    const read = await app.grantAccess(approvedTicket('OPS-2', { requestedProfile: 'payments-read', requestedDuration: '30m', requester: { id: 'acct-carol', email: 'carol@example.com', activeHuman: true } }), 'webhook');
    if (read.kind !== 'granted') throw new Error('expected a grant');
    app.cluster.addPod('payments', 'web-0', { createdAt: new Date(T0.getTime() + 20 * 60_000).toISOString(), controller: { kind: 'StatefulSet', name: 'web' } });
    app.activity.add('demo', exec(5, 'web-0'));
    app.activity.add('demo', event(5, { verb: 'create', name: 'web-0', sub: 'exec', code: 101, query: 'command=bash', user: 'carol@example.com' }));
    app.clock.advance(30 * 60_000 + 1000);
    // Act
    await app.revokeLease({ leaseId: debug.id, cause: 'expiry', actor: 'eventbridge' });
    await app.revokeLease({ leaseId: read.lease.id, cause: 'expiry', actor: 'eventbridge' });
    // Assess
    expect(app.cluster.evictedPods).toEqual([]);
    expect((await app.leases.get(debug.id))?.sessions?.pods).toEqual([{ namespace: 'payments', pod: 'web-0', outcome: 'gone', why: 'replaced by a newer pod of the same name' }]);
    const readLease = await app.leases.get(read.lease.id);
    expect(readLease?.sessions?.seen).toHaveLength(1);
    expect(readLease?.sessions?.pods).toEqual([]);
  });

  it('an unreadable audit log never blocks the revoke: it says so, and the evidence is retried by later sweeps', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    app.activity.add('demo', event(1, { verb: 'list' }));
    app.clock.advance(30 * 60_000 + 1000);
    app.activity.failNext();
    // Act
    const outcome = await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    app.clock.advance(5 * 60_000);
    app.activity.failNext();
    const throttled = await app.sweepLeases();
    app.clock.advance(60_000);
    const recovered = await app.sweepLeases();
    // Assess
    expect(outcome.kind).toBe('revoked');
    expect(app.cluster.namespacesOf(lease.id)).toEqual([]);
    expect(app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Access revoked'))).toContain('Open sessions: unknown: the cluster\'s audit log could not be read (throttled or unavailable)');
    expect([throttled.evidencePosted, recovered.evidencePosted]).toEqual([0, 1]);
  });

  it('a log that stays unreadable is given up after a day, and the ticket is told so (no summary, no digest)', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    app.clock.advance(24 * 3600_000 + 6 * 60_000);
    app.activity.failNext();
    // Act
    await app.sweepLeases();
    // Assess
    const stored = await app.leases.get(lease.id);
    expect(stored?.evidence).toMatchObject({ error: expect.stringContaining('audit log could not be read'), events: 0 });
    expect(stored?.evidence?.digest).toBeUndefined();
    expect(app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Activity during lease'))).toContain('could not be collected');
  });

  it('after a crash between storing the evidence and the comment, the next sweep posts the stored evidence without reading again', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    app.activity.add('demo', event(1, { verb: 'list' }));
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    app.clock.advance(5 * 60_000);
    const record = app.evidence.record.bind(app.evidence);
    app.evidence.record = async (id, evidence) => {
      await record(id, evidence);
      throw new Error('process died');
    };
    const crashed = await app.sweepLeases();
    app.evidence.record = record;
    const digest = (await app.leases.get(lease.id))?.evidence?.digest;
    const reads = app.activity.reads.length;
    // Act: a late event arrives meanwhile; the stored evidence (and its digest) still stands.
    app.activity.add('demo', event(2, { verb: 'get', name: 'api-1' }));
    app.clock.advance(60_000);
    const next = await app.sweepLeases();
    // Assess
    expect(crashed.failed).toBe(1);
    expect(next.evidencePosted).toBe(1);
    expect(app.activity.reads.length).toBe(reads);
    const posted = app.jira.commentsOn('OPS-1').filter((c) => c.startsWith('Activity during lease'));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain(digest ?? 'no digest');
    expect((await app.leases.get(lease.id))?.evidence?.digest).toBe(digest);
  });

  it('counts only what this lease\'s bindings allowed: a stream through another binding is neither listed, ended nor summarized as this lease\'s', async () => {
    // Prepare: alice holds payments-debug (ends sessions); a standing binding "oncall" also lets her exec.
    const app = useCases(AUDITED_CATALOG);
    const lease = await grantDebug(app);
    const created = new Date(T0.getTime() - 3600_000).toISOString();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    app.cluster.addPod('payments', 'api-2', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    const ours = lease.bindings[0]?.name ?? '';
    app.activity.add('demo', event(3, { verb: 'create', name: 'api-1', sub: 'exec', code: 101, query: 'command=sh', by: 'oncall' }));
    app.activity.add('demo', event(4, { verb: 'create', name: 'api-2', sub: 'exec', code: 101, query: 'command=sh', by: ours }));
    app.activity.add('demo', event(5, { verb: 'get', name: 'api-1', by: 'oncall' }));
    app.clock.advance(30 * 60_000 + 1000);
    // Act
    await app.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' });
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-2']);
    const stored = await app.leases.get(lease.id);
    expect(stored?.sessions?.seen.map((s) => s.pod)).toEqual(['api-2']);
    expect(stored?.evidence?.summary).toMatchObject({ requests: 1, elsewhere: 2 });
    // The time used (first to last request) is this lease's too: the exec at minute 4 alone.
    const { firstAt, lastAt } = stored?.evidence?.summary ?? {};
    expect([firstAt, lastAt].map((t) => Math.floor((Date.parse(t ?? '') - T0.getTime()) / 1000))).toEqual([240, 240]);
    expect(app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Activity during lease'))).toContain('Not counted: 2 request(s) of the subject that other bindings allowed');
  });
});
