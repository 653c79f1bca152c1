import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent } from '../../lib/domain/activity.js';
import { auditEvent, type AuditEventSpec } from '../fixtures/audit-events.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * A lease holder who shapes their requests (one Audit-ID for all of them, two shells into one pod,
 * port-forwards only) must not hide a stream from the revoke or the evidence, nor get kube-lease to
 * take a service down; and the ticket says "Ended" only of what ended.
 */
const ALICE = 'alice@example.com';
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const created = at(-60).toISOString();

async function debugLease(catalog = AUDITED_CATALOG) {
  const app = useCases(catalog);
  const outcome = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  const binding = outcome.lease.bindings[0]?.name ?? '';
  /** An event of alice's that this lease's binding allowed, visible in the log at once. */
  const add = (spec: Omit<AuditEventSpec, 'user'>, raw: (e: Record<string, unknown>) => Record<string, unknown> = (e) => e) => {
    const parsed = parseAuditEvent(raw(auditEvent({ user: ALICE, namespace: 'payments', binding, ...spec })));
    if (parsed === undefined) throw new Error('not an audit event');
    app.activity.add('demo', parsed);
  };
  const revoke = async () => {
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
    return app.leases.get(outcome.lease.id);
  };
  const revokeComment = () => app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Access revoked')) ?? '';
  const evidenceComment = () => app.jira.commentsOn('OPS-1').find((c) => c.startsWith('Activity during lease')) ?? '';
  return { app, lease: outcome.lease, add, revoke, revokeComment, evidenceComment };
}

/** The catalog with payments-debug's onRevoke options replaced. */
const withOnRevoke = (options: string) => AUDITED_CATALOG.replace('onRevoke: { sessions: end }', `onRevoke: { sessions: end, ${options} }`);

describe('sessions at revoke against a subject who shapes their requests', () => {
  it('a client-chosen Audit-ID reused on every request hides nothing: the exec is listed and ended, the secret read counted, the reuse named on the ticket and in the activity event', async () => {
    // Prepare: every request of alice's carries the same Audit-ID header (kube-apiserver keeps it as auditID).
    const { app, lease, add, revoke, revokeComment, evidenceComment } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    const auditID = 'aaaaaaaa-0000-4000-8000-000000000001';
    add({ verb: 'list', at: at(1), auditID });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2), auditID, stage: 'ResponseStarted' });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2), auditID });
    add({ verb: 'get', resource: 'secrets', name: 'db-password', at: at(3), auditID });
    // Act
    const revoked = await revoke();
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess: the revoke saw the stream and ended its pod.
    expect(revoked?.sessions?.seen).toEqual([expect.objectContaining({ kind: 'exec', pod: 'api-1', command: 'sh', reusedAuditId: true })]);
    expect(revoked?.sessions?.reusedAuditIds).toEqual([{ id: auditID, requests: 3 }]);
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-1']);
    expect(revokeComment()).toContain('- exec into payments/api-1 (container app): "sh", at 2026-03-02T10:02:00.000000Z, under a reused audit ID');
    expect(revokeComment()).toContain(`Reused audit IDs: 1 audit ID(s) were each carried by several different requests of the subject (a client-chosen Audit-ID header); every request is counted and listed on its own: ${auditID} (3 requests).`);
    expect(revokeComment()).toContain('Ended: pod payments/api-1 evicted (its controller ReplicaSet api recreates it)');
    // The evidence counts the three requests, the exec and the secret read.
    const evidence = (await app.leases.get(lease.id))?.evidence;
    expect(evidence?.summary).toMatchObject({ requests: 3, secretsRead: [{ namespace: 'payments', name: 'db-password', verb: 'get', count: 1 }], reusedAuditIds: [{ id: auditID, requests: 3 }] });
    expect(evidence?.summary?.sessions).toEqual([expect.objectContaining({ kind: 'exec', pod: 'api-1', reusedAuditId: true })]);
    expect(evidenceComment()).toContain('Secrets read: payments/db-password (get ×1).');
    expect(evidenceComment()).toContain(`every request is counted and listed on its own: ${auditID} (3 requests).`);
    expect(app.audit.events.find((e) => e.kind === 'activity')?.evidence).toMatchObject({ requests: 3, reusedAuditIds: [auditID] });
  });

  it('a stream whose request reused an audit ID is ended whatever its kind: a port-forward hidden that way is ended too', async () => {
    // Prepare: payments-debug ends exec and attach only; the port-forward shares its Audit-ID with a pod list.
    const { app, add, revoke, revokeComment } = await debugLease();
    app.cluster.addPod('payments', 'ledger-0', { createdAt: created, controller: { kind: 'StatefulSet', name: 'ledger' } });
    app.cluster.addPod('payments', 'ledger-1', { createdAt: created, controller: { kind: 'StatefulSet', name: 'ledger-b' } });
    const auditID = 'aaaaaaaa-0000-4000-8000-000000000002';
    add({ verb: 'list', at: at(1), auditID });
    add({ verb: 'create', name: 'ledger-0', subresource: 'portforward', ports: [5432], at: at(2), auditID });
    add({ verb: 'create', name: 'ledger-1', subresource: 'portforward', ports: [5432], at: at(3) });
    // Act
    const revoked = await revoke();
    // Assess
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['ledger-0']);
    expect(revoked?.sessions?.pods.map((p) => [p.pod, p.outcome])).toEqual([
      ['ledger-0', 'evicted'],
      ['ledger-1', 'kept'],
    ]);
    expect(revokeComment()).toContain('- port-forward into payments/ledger-0, ports 5432, at 2026-03-02T10:02:00.000000Z, under a reused audit ID');
  });

  it('a reused Audit-ID that is not a plain token is described on the ticket, never quoted', async () => {
    const { add, revoke, revokeComment } = await debugLease();
    const auditID = 'x\u2028Ended: pod payments/evil evicted';
    add({ verb: 'list', at: at(1), auditID });
    add({ verb: 'get', name: 'api-1', at: at(2), auditID });
    await revoke();
    expect(revokeComment()).toContain(`(an id of ${auditID.length} characters, not shown) (2 requests)`);
    expect(revokeComment()).not.toContain('payments/evil');
  });

  it('lists two exec sessions into the same pod as two streams, and ends the pod once', async () => {
    // Prepare
    const { app, add, revoke, revokeComment } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2) });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['bash', '-l'], at: at(5) });
    // Act
    const revoked = await revoke();
    // Assess
    expect(revoked?.sessions?.seen.map((s) => [s.kind, s.pod, s.command])).toEqual([
      ['exec', 'api-1', 'sh'],
      ['exec', 'api-1', 'bash -l'],
    ]);
    expect(revokeComment()).toContain('- exec into payments/api-1 (container app): "sh", at 2026-03-02T10:02:00.000000Z\n- exec into payments/api-1 (container app): "bash -l", at 2026-03-02T10:05:00.000000Z');
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-1']);
    expect(app.audit.events.filter((e) => e.kind === 'end-session').map((e) => e.reason)).toEqual(['evicted pod payments/api-1 (owned by ReplicaSet api) to end exec, exec stream(s) opened by alice@example.com']);
  });

  it('a subject with port-forwards only gets no pod evicted or deleted (exec, attach and proxy end sessions by default); the streams are listed as not ended', async () => {
    // Prepare: port-forwards into every replica of a StatefulSet.
    const { app, add, revoke, revokeComment } = await debugLease();
    for (const pod of ['ledger-0', 'ledger-1', 'ledger-2']) {
      app.cluster.addPod('payments', pod, { createdAt: created, controller: { kind: 'StatefulSet', name: 'ledger' } });
      add({ verb: 'create', name: pod, subresource: 'portforward', ports: [5432], at: at(2) });
    }
    // Act
    const revoked = await revoke();
    // Assess
    expect(app.cluster.evictedPods).toEqual([]);
    expect(app.cluster.deletedPods).toEqual([]);
    expect([...app.cluster.pods.keys()]).toEqual(['payments/ledger-0', 'payments/ledger-1', 'payments/ledger-2']);
    expect(revoked?.sessions?.seen).toHaveLength(3);
    expect(revokeComment()).toContain('Not ended: pod payments/ledger-0 could not be ended: its port-forward stream(s) are not of a kind this profile ends (onRevoke.streams: exec, attach, proxy). Its streams may still be open; a person must check it.');
    expect(app.audit.events.filter((e) => e.kind === 'end-session')).toEqual([]);
  });

  it('a PodDisruptionBudget that forbids the eviction is reported on the ticket, the pod is not forced, its stream stays listed', async () => {
    // Prepare: the ReplicaSet's budget allows no disruption now.
    const { app, add, revoke, revokeComment } = await debugLease();
    const pod = app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    app.cluster.budgets.set('payments/api', 0);
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2) });
    // Act
    const revoked = await revoke();
    // Assess
    expect(app.cluster.evictedPods).toEqual([]);
    expect(app.cluster.deletedPods).toEqual([]);
    expect(app.cluster.pods.get('payments/api-1')?.uid).toBe(pod.uid);
    expect(revoked?.sessions?.seen).toEqual([expect.objectContaining({ kind: 'exec', pod: 'api-1' })]);
    expect(revoked?.sessions?.pods).toEqual([{ namespace: 'payments', pod: 'api-1', outcome: 'kept', why: 'a PodDisruptionBudget forbids evicting it now (The disruption budget api needs 2 healthy pods and has 2 currently)' }]);
    expect(revokeComment()).toContain('- exec into payments/api-1 (container app): "sh"');
    expect(revokeComment()).toContain('Not ended: pod payments/api-1 could not be ended: a PodDisruptionBudget forbids evicting it now (The disruption budget api needs 2 healthy pods and has 2 currently). Its streams may still be open; a person must check it.');
    expect(revokeComment()).not.toContain('Ended: pod payments/api-1');
    expect(app.audit.events.find((e) => e.kind === 'revoke')?.sessions).toMatchObject({ seen: 1, ended: [], notEnded: [expect.stringContaining('payments/api-1: a PodDisruptionBudget forbids evicting it now')] });
  });

  it('evicts at most one pod per controller per revoke (unless the profile says more), the late pass included', async () => {
    // Prepare: shells into three replicas of one StatefulSet and one pod of a ReplicaSet; a fourth shell reaches the log after the revoke.
    const { app, add, revoke, revokeComment, evidenceComment } = await debugLease();
    for (const pod of ['ledger-0', 'ledger-1', 'ledger-2', 'ledger-3']) app.cluster.addPod('payments', pod, { createdAt: created, controller: { kind: 'StatefulSet', name: 'ledger' } });
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    for (const pod of ['ledger-0', 'ledger-1', 'ledger-2', 'api-1']) add({ verb: 'create', name: pod, subresource: 'exec', command: ['sh'], at: at(2) });
    const late = parseAuditEvent(auditEvent({ user: ALICE, namespace: 'payments', binding: (await app.leases.get(app.leases.all()[0]?.id ?? ''))?.bindings[0]?.name ?? '', verb: 'create', name: 'ledger-3', subresource: 'exec', command: ['sh'], at: at(29) }));
    if (late === undefined) throw new Error('not an audit event');
    app.activity.add('demo', late, at(32));
    // Act
    const revoked = await revoke();
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(app.cluster.deletedPods).toEqual([]);
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['ledger-0', 'api-1']);
    const oneOf = 'another pod of StatefulSet ledger was evicted by this revoke, and at most 1 of one controller are (onRevoke.podsPerController)';
    expect(revoked?.sessions?.pods).toEqual([
      { namespace: 'payments', pod: 'ledger-0', outcome: 'evicted', controller: 'StatefulSet ledger' },
      { namespace: 'payments', pod: 'ledger-1', outcome: 'kept', why: oneOf },
      { namespace: 'payments', pod: 'ledger-2', outcome: 'kept', why: oneOf },
      { namespace: 'payments', pod: 'api-1', outcome: 'evicted', controller: 'ReplicaSet api' },
    ]);
    expect(revokeComment()).toContain(`Not ended: pod payments/ledger-1 could not be ended: ${oneOf}.`);
    expect(evidenceComment()).toContain(`Streams the audit log showed only after the revoke:\nNot ended: pod payments/ledger-3 could not be ended: ${oneOf}.`);
  });

  it('evicts as many pods of one controller as the profile allows, and port-forward pods when the profile names them', async () => {
    // Prepare
    const { app, add, revoke } = await debugLease(withOnRevoke('streams: [exec, portforward], podsPerController: 2'));
    for (const pod of ['ledger-0', 'ledger-1', 'ledger-2']) {
      app.cluster.addPod('payments', pod, { createdAt: created, controller: { kind: 'StatefulSet', name: 'ledger' } });
      add({ verb: 'create', name: pod, subresource: 'portforward', ports: [5432], at: at(2) });
    }
    // Act
    const revoked = await revoke();
    // Assess
    expect(revoked).toMatchObject({ endStreams: ['exec', 'portforward'], podsPerController: 2 });
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['ledger-0', 'ledger-1']);
    expect(revoked?.sessions?.pods[2]).toEqual({ namespace: 'payments', pod: 'ledger-2', outcome: 'kept', why: '2 other pods of StatefulSet ledger were evicted by this revoke, and at most 2 of one controller are (onRevoke.podsPerController)' });
  });

  it('evicts a bare pod only when the subject created it through this lease (their own session); any other bare pod is reported, not lost', async () => {
    // Prepare: alice runs `kubectl run -it debug-alice` (a bare pod she creates, then attaches to);
    // she also execs into a bare pod the team made long ago, and into one of the same name as hers made again later by someone else.
    const { app, add, revoke, revokeComment } = await debugLease();
    const create = (name: string, minutes: number) =>
      add({ verb: 'create', name, at: at(minutes), code: 201 }, (e) => ({ ...e, requestURI: '/api/v1/namespaces/payments/pods?fieldManager=kubectl-run' }));
    create('debug-alice', 1);
    create('debug-again', 1);
    app.cluster.addPod('payments', 'debug-alice', { createdAt: at(1).toISOString().replace(/\.\d+Z$/, 'Z') });
    app.cluster.addPod('payments', 'team-toolbox', { createdAt: created });
    app.cluster.addPod('payments', 'debug-again', { createdAt: at(10).toISOString().replace(/\.\d+Z$/, 'Z') });
    add({ verb: 'create', name: 'debug-alice', subresource: 'attach', at: at(2) });
    add({ verb: 'create', name: 'team-toolbox', subresource: 'exec', command: ['sh'], at: at(12) });
    add({ verb: 'create', name: 'debug-again', subresource: 'exec', command: ['sh'], at: at(12) });
    // Act
    const revoked = await revoke();
    // Assess
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['debug-alice']);
    const notHers = 'a bare pod: no controller would recreate it, and evicting it would lose it for good (the audit log does not show the subject creating it through this lease)';
    expect(revoked?.sessions?.pods).toEqual([
      { namespace: 'payments', pod: 'debug-alice', outcome: 'evicted', why: 'a bare pod the subject created through this lease at 2026-03-02T10:01:00.000000Z; nothing recreates it' },
      { namespace: 'payments', pod: 'team-toolbox', outcome: 'kept', why: notHers },
      { namespace: 'payments', pod: 'debug-again', outcome: 'kept', why: notHers },
    ]);
    expect(revokeComment()).toContain("Ended: pod payments/debug-alice evicted (a bare pod the subject created through this lease at 2026-03-02T10:01:00.000000Z; nothing recreates it); every stream into it ends when its containers stop, within the pod's termination grace period.");
    expect(revokeComment()).toContain(`Not ended: pod payments/team-toolbox could not be ended: ${notHers}.`);
  });
});
