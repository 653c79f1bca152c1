import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { KubernetesCluster } from '../../lib/adapters/kubernetes/kubernetes-cluster.js';
import { makeRbacApiProvider } from '../../lib/adapters/kubernetes/rbac-api-provider.js';
import { inWindow, parseAuditEvent, sessionOf, summarizeActivity, type AuditEvent, type SessionSeen } from '../../lib/domain/activity.js';
import { sessionsLines } from '../../lib/domain/activity-messages.js';
import { ClusterError } from '../../lib/errors.js';
import { endPods } from '../../lib/use-cases/revoke-sessions.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { AUDITED_CATALOG, DEMO_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, useCases } from '../support/use-cases.js';

const ALICE = 'alice@example.com';
const MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** A RoleBinding nobody's lease made: `user` may do what `role` (a Role of the namespace) allows there. */
function bind(kube: FakeKubernetes, namespace: string, role: string, user: string): void {
  const name = `${role}-${user.replace(/[^a-z0-9]/g, '-')}`;
  kube.bindings.set(`${namespace}/${name}`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2026-11-28T09:00:00Z' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
}

/** What `kubectl exec` would ask, sent as a subject user (token `user:<name>`). */
function exec(kube: FakeKubernetes, user: string, namespace: string, pod: string, command: string[]): Promise<Response> {
  const query = new URLSearchParams([...command.map((c): [string, string] => ['command', c]), ['container', 'app'], ['stdout', 'true']]);
  return fetch(`${kube.url()}/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query.toString()}`, { method: 'POST', headers: { authorization: `Bearer user:${user}` } });
}

/** Resolves with how the read ended, or 'still open' when nothing ends it within `ms`. */
async function readUntilEnd(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<'ended' | 'still open'> {
  const timeout = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms).unref());
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return 'ended' as const;
  })();
  return Promise.race([ended, timeout]);
}

describe('KubernetesCluster pods (the adapter against the fake API server over HTTP)', () => {
  let kube: FakeKubernetes;
  let cluster: KubernetesCluster;
  beforeEach(async () => {
    kube = new FakeKubernetes();
    const url = await kube.start();
    const catalog = parseCatalog(DEMO_CATALOG);
    cluster = new KubernetesCluster(makeRbacApiProvider(catalog.clusters, '/unused', () => Promise.resolve(kube.kubeconfig(url))), 'kube-lease-test', { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, remainingMs: () => 60_000 }, 5_000);
  });
  afterEach(async () => {
    await kube.stop();
  });

  it('reads a pod with its controller (the owner reference with controller: true), and its creation time as RFC 3339', async () => {
    // Prepare
    const stored = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet', ownerName: 'api-7d9f8b6c5d' });
    // Act
    const pod = await cluster.getPod('demo', 'payments', 'api-7d9f8b6c5d-x2k8q');
    // Assess
    expect(pod).toEqual({ uid: stored.metadata.uid, createdAt: stored.metadata.creationTimestamp, controller: { kind: 'ReplicaSet', name: 'api-7d9f8b6c5d' }, phase: 'Running', gracePeriodSeconds: 30 });
    expect(pod?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('reads a bare pod as one without a controller, and a missing pod as undefined', async () => {
    const stored = kube.addPod('payments', 'debug-shell');
    expect(await cluster.getPod('demo', 'payments', 'debug-shell')).toEqual({ uid: stored.metadata.uid, createdAt: stored.metadata.creationTimestamp, controller: undefined, phase: 'Running', gracePeriodSeconds: 30 });
    expect(await cluster.getPod('demo', 'payments', 'no-such-pod')).toBeUndefined();
  });

  it('evicts a pod by its uid (POST .../eviction, a policy/v1 Eviction with the uid as a precondition); a bare pod stays gone, a missing one is absent', async () => {
    // Prepare
    const { uid } = kube.addPod('payments', 'debug-shell').metadata;
    // Act
    const first = await cluster.evictPod('demo', 'payments', 'debug-shell', uid);
    const again = await cluster.evictPod('demo', 'payments', 'debug-shell', uid);
    // Assess
    expect([first, again]).toEqual([{ outcome: 'evicted' }, { outcome: 'absent' }]);
    expect(kube.pod('payments', 'debug-shell')).toBeUndefined();
    expect(kube.core.pods.size).toBe(0);
    const posts = kube.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.path)).toEqual(['/api/v1/namespaces/payments/pods/debug-shell/eviction', '/api/v1/namespaces/payments/pods/debug-shell/eviction']);
    expect(posts.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { namespace: 'payments', name: 'debug-shell' }, deleteOptions: { preconditions: { uid } } },
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { namespace: 'payments', name: 'debug-shell' }, deleteOptions: { preconditions: { uid } } },
    ]);
    expect(kube.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(kube.auditEvents().filter((e) => e.objectRef?.subresource === 'eviction').map((e) => [e.verb, e.responseStatus.code])).toEqual([
      ['create', 201],
      ['create', 404],
    ]);
  });

  it('calls a pod absent when its StatefulSet recreated it under the same name (409 on the uid precondition), and leaves the new one alone', async () => {
    // Prepare: the pod is evicted once (as a revoke would) and its StatefulSet brings it back.
    kube.addPod('payments', 'ledger-0', { ownerKind: 'StatefulSet', ownerName: 'ledger' });
    const before = await cluster.getPod('demo', 'payments', 'ledger-0');
    expect(await cluster.evictPod('demo', 'payments', 'ledger-0', before?.uid ?? '')).toEqual({ outcome: 'evicted' });
    const after = await cluster.getPod('demo', 'payments', 'ledger-0');
    // Act: a retried or late eviction of the old pod.
    const outcome = await cluster.evictPod('demo', 'payments', 'ledger-0', before?.uid ?? '');
    // Assess
    expect(outcome).toEqual({ outcome: 'absent' });
    expect(after).toMatchObject({ controller: { kind: 'StatefulSet', name: 'ledger' } });
    expect(after?.uid).not.toBe(before?.uid);
    expect(Date.parse(after?.createdAt ?? '')).toBeGreaterThan(Date.parse(before?.createdAt ?? ''));
    expect(kube.pod('payments', 'ledger-0')?.metadata.uid).toBe(after?.uid);
    expect(kube.auditEvents().filter((e) => e.objectRef?.subresource === 'eviction').map((e) => [e.user.username, e.responseStatus.code])).toEqual([
      ['kube-lease', 201],
      ['kube-lease', 409],
    ]);
  });

  it('lets a ReplicaSet recreate its evicted pod under a new name, later', async () => {
    const old = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet' });
    expect(await cluster.evictPod('demo', 'payments', 'api-7d9f8b6c5d-x2k8q', old.metadata.uid)).toEqual({ outcome: 'evicted' });
    const pods = [...kube.core.pods.values()];
    expect(pods.map((p) => p.metadata.name)).toEqual([expect.stringMatching(/^api-7d9f8b6c5d-[bcdfghjklmnpqrstvwxz2456789]{5}$/)]);
    expect(pods[0]?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: 'api-7d9f8b6c5d', uid: old.metadata.ownerReferences?.[0]?.uid, controller: true });
    expect(pods[0]?.metadata.name).not.toBe('api-7d9f8b6c5d-x2k8q');
  });

  it('honours a PodDisruptionBudget: one eviction while it allows one, then 429 reported as refused, at once, never retried or forced', async () => {
    // Prepare: a StatefulSet of two behind a budget of minAvailable 1 (it allows one disruption).
    const first = kube.addPod('payments', 'ledger-0', { ownerKind: 'StatefulSet', ownerName: 'ledger' });
    const second = kube.addPod('payments', 'ledger-1', { ownerKind: 'StatefulSet', ownerName: 'ledger' });
    kube.addBudget('payments', 'ledger-pdb', { app: 'ledger' }, 1);
    // Act
    const allowed = await cluster.evictPod('demo', 'payments', 'ledger-0', first.metadata.uid);
    const refused = await cluster.evictPod('demo', 'payments', 'ledger-1', second.metadata.uid);
    // Assess
    expect(allowed).toEqual({ outcome: 'evicted' });
    expect(refused).toEqual({ outcome: 'refused', why: 'a PodDisruptionBudget forbids evicting it now (The disruption budget ledger-pdb needs 1 healthy pods and has 2 currently)' });
    expect(kube.pod('payments', 'ledger-1')?.metadata.uid).toBe(second.metadata.uid);
    expect(kube.requests.filter((r) => r.path.endsWith('/ledger-1/eviction'))).toHaveLength(1);
    expect(kube.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('reports a pod more than one PodDisruptionBudget selects as refused (the 500 the eviction API answers), not as a failure to retry', async () => {
    const { uid } = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet', ownerName: 'api' }).metadata;
    kube.addBudget('payments', 'api-pdb', { app: 'api' }, 0);
    kube.addBudget('payments', 'tier-pdb', { app: 'api' }, 0);
    expect(await cluster.evictPod('demo', 'payments', 'api-7d9f8b6c5d-x2k8q', uid)).toEqual({ outcome: 'refused', why: 'more than one PodDisruptionBudget selects it, and the Eviction API refuses such a pod' });
    expect(kube.pod('payments', 'api-7d9f8b6c5d-x2k8q')?.metadata.uid).toBe(uid);
    expect(kube.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reads a pod at its own path, without the discovery read (GET /api/v1), and takes only a NotFound of that pod as "no such pod"', async () => {
    // Prepare: discovery answers 404 (as a proxy or an aggregated API gone wrong may), and so does a read of the pod's path from a proxy.
    const stored = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet' });
    kube.failNext({ method: 'GET', pathIncludes: '/api/v1', response: { status: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 } } });
    // Act
    const read = await cluster.getPod('demo', 'payments', 'api-7d9f8b6c5d-x2k8q').catch((error: unknown) => error);
    const again = await cluster.getPod('demo', 'payments', 'api-7d9f8b6c5d-x2k8q');
    // Assess: the 404 was not of this pod: an error, never "no such pod"; the next read finds it.
    expect(read).toBeInstanceOf(ClusterError);
    expect(read).toMatchObject({ statusCode: 404 });
    expect(again?.uid).toBe(stored.metadata.uid);
    expect(kube.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/namespaces/payments/pods/api-7d9f8b6c5d-x2k8q', 'GET /api/v1/namespaces/payments/pods/api-7d9f8b6c5d-x2k8q']);
  });

  it('turns other failures into a ClusterError: a 403 at once, a 503 after the retry policy tried again', async () => {
    // Prepare
    const { uid } = kube.addPod('payments', 'debug-shell').metadata;
    const refusal = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods "debug-shell" is forbidden: User "kube-lease" cannot create resource "pods/eviction" in API group "" in the namespace "payments"', reason: 'Forbidden', code: 403 };
    kube.failNext({ method: 'POST', pathIncludes: '/eviction', response: { status: 403, body: refusal } });
    // Act / Assess
    const forbidden = await cluster.evictPod('demo', 'payments', 'debug-shell', uid).catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(ClusterError);
    expect(forbidden).toMatchObject({ statusCode: 403, retryable: false, message: expect.stringContaining('cannot create resource "pods/eviction"') as unknown });
    expect(kube.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    kube.failNext({ method: 'GET', pathIncludes: '/pods/', response: { status: 503, body: { kind: 'Status', code: 503 } }, times: 3 });
    const unavailable = await cluster.getPod('demo', 'payments', 'debug-shell').catch((error: unknown) => error);
    expect(unavailable).toMatchObject({ name: 'ClusterError', statusCode: 503, retryable: true });
    // Three reads of the pod (the first try and two retries), and no discovery read.
    expect(kube.requests.filter((r) => r.method === 'GET')).toHaveLength(3);

    kube.failNext({ method: 'POST', pathIncludes: '/eviction', response: { status: 503, body: { kind: 'Status', code: 503 } } });
    expect(await cluster.evictPod('demo', 'payments', 'debug-shell', uid)).toEqual({ outcome: 'evicted' });
  });

  it("keeps a subject user's exec stream open until the pod is evicted through the adapter, then ends it", async () => {
    // Prepare
    bind(kube, 'payments', 'pod-debugger', ALICE);
    const { uid } = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet' }).metadata;
    const response = await exec(kube, ALICE, 'payments', 'api-7d9f8b6c5d-x2k8q', ['sh', '-c', 'cat /etc/hostname']);
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('exec payments/api-7d9f8b6c5d-x2k8q/app: sh -c cat /etc/hostname');
    expect(await readUntilEnd(reader, 400)).toBe('still open');
    expect(kube.core.openStreams(uid)).toBe(1);
    // Act
    expect(await cluster.evictPod('demo', 'payments', 'api-7d9f8b6c5d-x2k8q', uid)).toEqual({ outcome: 'evicted' });
    // Assess
    expect(await readUntilEnd(reader, 2_000)).toBe('ended');
    expect(kube.core.openStreams(uid)).toBe(0);
    const stages = kube.auditEvents().filter((e) => e.user.username === ALICE);
    expect(stages.map((e) => [e.stage, e.verb, e.responseStatus.code, e.objectRef?.subresource])).toEqual([
      ['ResponseStarted', 'create', 101, 'exec'],
      ['ResponseComplete', 'create', 101, 'exec'],
    ]);
    expect(stages[0]?.auditID).toBe(stages[1]?.auditID);
    const evicted = kube.auditEvents().find((e) => e.objectRef?.subresource === 'eviction');
    expect((stages[1]?.stageTimestamp ?? '') >= (evicted?.stageTimestamp ?? 'z')).toBe(true);
  });

  it('refuses exec to a user no binding allows it: 403 with the API server message, audited with code 403 and decision forbid', async () => {
    // Prepare: alice may only view (ClusterRole view grants no pods/exec).
    kube.clusterRoleBindings.push({ namespace: undefined, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: ALICE }] });
    kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet' });
    // Act
    const response = await exec(kube, ALICE, 'payments', 'api-7d9f8b6c5d-x2k8q', ['sh']);
    const listed = await fetch(`${kube.url()}/api/v1/namespaces/payments/pods`, { headers: { authorization: `Bearer user:${ALICE}` } });
    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "api-7d9f8b6c5d-x2k8q" is forbidden: User "alice@example.com" cannot create resource "pods/exec" in API group "" in the namespace "payments"',
      reason: 'Forbidden',
      details: { name: 'api-7d9f8b6c5d-x2k8q', kind: 'pods' },
      code: 403,
    });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
    const [refused, list] = kube.auditEvents();
    expect(refused).toMatchObject({
      stage: 'ResponseComplete',
      verb: 'create',
      user: { username: ALICE, groups: ['system:authenticated'] },
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'api-7d9f8b6c5d-x2k8q', apiVersion: 'v1' },
      responseStatus: { code: 403, reason: 'Forbidden' },
      annotations: { 'authorization.k8s.io/decision': 'forbid' },
    });
    expect(list).toMatchObject({ verb: 'list', responseStatus: { code: 200 }, annotations: { 'authorization.k8s.io/decision': 'allow' } });
    expect(list?.objectRef).toEqual({ resource: 'pods', namespace: 'payments', apiVersion: 'v1' });
    expect(kube.auditEvents().filter((e) => e.stage === 'ResponseStarted')).toEqual([]);
  });

  it('writes each audit event as one JSON line that parseAuditEvent reads: the command, the user, microsecond timestamps', async () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'kube-audit-')), 'audit.log');
    kube.auditLogPath = path;
    bind(kube, 'payments', 'pod-debugger', ALICE);
    kube.roles.set('Role/payments/secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    bind(kube, 'payments', 'secret-reader', ALICE);
    kube.addSecret('payments', 'db-password', { password: 'hunter2' });
    const { uid } = kube.addPod('payments', 'ledger-0', { ownerKind: 'StatefulSet' }).metadata;
    // Act: alice reads a secret and runs a shell; kube-lease ends it; bob is refused.
    const secret = await fetch(`${kube.url()}/api/v1/namespaces/payments/secrets/db-password`, { headers: { authorization: `Bearer user:${ALICE}` } });
    const stream = await exec(kube, ALICE, 'payments', 'ledger-0', ['psql', '-c', 'select 1']);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await cluster.evictPod('demo', 'payments', 'ledger-0', uid);
    expect(await readUntilEnd(reader, 2_000)).toBe('ended');
    expect((await exec(kube, 'bob@example.com', 'payments', 'ledger-0', ['id'])).status).toBe(403);
    // Assess
    expect(((await secret.json()) as { data: Record<string, string> }).data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(kube.auditEvents().length);
    const events = lines.map((line) => parseAuditEvent(JSON.parse(line)));
    expect(events.every((e) => e !== undefined)).toBe(true);
    const parsed = events as AuditEvent[];
    for (const line of lines) {
      const raw = JSON.parse(line) as { kind: string; apiVersion: string; requestReceivedTimestamp: string; stageTimestamp: string };
      expect([raw.kind, raw.apiVersion]).toEqual(['Event', 'audit.k8s.io/v1']);
      expect(raw.requestReceivedTimestamp).toMatch(MICROTIME);
      expect(raw.stageTimestamp).toMatch(MICROTIME);
    }
    const execs = parsed.filter((e) => e.objectRef?.subresource === 'exec');
    expect(execs.map((e) => [e.username, e.stage, e.code])).toEqual([
      [ALICE, 'ResponseStarted', 101],
      [ALICE, 'ResponseComplete', 101],
      ['bob@example.com', 'ResponseComplete', 403],
    ]);
    expect(execs[0]?.requestURI).toContain('command=psql&command=-c&command=select+1');
    expect(sessionOf(execs[0] as AuditEvent)).toMatchObject({ kind: 'exec', namespace: 'payments', pod: 'ledger-0', container: 'app', command: 'psql -c select 1', allowed: true });
    expect(parsed.filter((e) => e.username === 'kube-lease').map((e) => [e.verb, e.objectRef?.subresource])).toEqual([['create', 'eviction']]);
    const alices = parsed.filter((e) => inWindow(e, ALICE, new Date(Date.now() - 60_000), new Date(Date.now() + 60_000)));
    const summary = summarizeActivity(alices);
    expect(summary.requests).toBe(2);
    expect(summary.secretsRead).toEqual([{ namespace: 'payments', name: 'db-password', verb: 'get', count: 1 }]);
    expect(summary.sessions).toHaveLength(1);
  });
});

describe('ending a stream at revoke through the adapter: "Ended" only when it is true', () => {
  let kube: FakeKubernetes;
  let cluster: KubernetesCluster;
  beforeEach(async () => {
    kube = new FakeKubernetes();
    const url = await kube.start();
    cluster = new KubernetesCluster(makeRbacApiProvider(parseCatalog(DEMO_CATALOG).clusters, '/unused', () => Promise.resolve(kube.kubeconfig(url))), 'kube-lease-test', { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, remainingMs: () => 60_000 }, 5_000);
  });
  afterEach(async () => {
    await kube.stop();
  });

  /** A payments-debug lease of alice's (in-memory ports) and alice's open exec stream into a ReplicaSet's pod of the fake API server. */
  async function openShell() {
    const app = useCases(AUDITED_CATALOG);
    const granted = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (granted.kind !== 'granted') throw new Error('expected a grant');
    bind(kube, 'payments', 'pod-debugger', ALICE);
    const { uid } = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet' }).metadata;
    const response = await exec(kube, ALICE, 'payments', 'api-7d9f8b6c5d-x2k8q', ['sh']);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const started = kube.auditEvents().find((e) => e.stage === 'ResponseStarted');
    const stream = sessionOf(parseAuditEvent(started) as AuditEvent) as SessionSeen;
    const deps = { cluster, audit: app.audit, clock: app.clock, logger: app.logger };
    const lines = async () => {
      const pods = await endPods(deps, granted.lease, 'eventbridge', [stream]);
      return { pods, text: sessionsLines({ at: new Date().toISOString(), seen: [stream], pods }).join('\n') };
    };
    return { uid, reader, lines };
  }

  it('a 404 of the discovery read (GET /api/v1) does not make a running pod "ended": the pod is read at its own path and evicted, and its stream really ends', async () => {
    // Prepare
    const { uid, reader, lines } = await openShell();
    kube.failNext({ method: 'GET', path: '/api/v1', response: { status: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 } } });
    // Act
    const { pods, text } = await lines();
    // Assess: "Ended" is said, and true: the pod of that uid is gone and the stream closed.
    expect(pods).toEqual([{ namespace: 'payments', pod: 'api-7d9f8b6c5d-x2k8q', outcome: 'evicted', controller: 'ReplicaSet api-7d9f8b6c5d' }]);
    expect(text).toContain('Ended: pod payments/api-7d9f8b6c5d-x2k8q evicted');
    expect([...kube.core.pods.values()].some((p) => p.metadata.uid === uid)).toBe(false);
    expect(await readUntilEnd(reader, 2_000)).toBe('ended');
    expect(kube.core.openStreams(uid)).toBe(0);
  });

  it('a 404 that is not of the pod (a proxy, another path) or a 500 or 403 reads "could not be ended", with the stream listed, while the pod still runs', async () => {
    // Prepare
    const { uid, reader, lines } = await openShell();
    const notThePod = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 };
    // Act: the pod's read answers a 404 of no pod, then a 500 (twice: the retry), then the eviction a 403.
    kube.failNext({ method: 'GET', pathIncludes: '/pods/api-7d9f8b6c5d-x2k8q', response: { status: 404, body: notThePod } });
    const proxied = await lines();
    kube.failNext({ method: 'GET', pathIncludes: '/pods/api-7d9f8b6c5d-x2k8q', response: { status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } }, times: 2 });
    const failing = await lines();
    kube.failNext({ method: 'POST', pathIncludes: '/eviction', response: { status: 403, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "api-7d9f8b6c5d-x2k8q" is forbidden: User "kube-lease" cannot create resource "pods/eviction" in API group "" in the namespace "payments"', reason: 'Forbidden', details: { name: 'api-7d9f8b6c5d-x2k8q', kind: 'pods' }, code: 403 } } });
    const forbidden = await lines();
    // Assess
    const notEnded = (why: string) => `Not ended: pod payments/api-7d9f8b6c5d-x2k8q could not be ended: ${why}. Its streams may still be open; a person must check it.`;
    expect(proxied.text).toContain(notEnded('the API server answered 404 Not Found, but not for this pod (another path, or a proxy), so whether it still runs is unknown'));
    expect(failing.text).toContain(notEnded('the API server failed (500)'));
    expect(forbidden.text).toContain(notEnded('kube-lease may not read or evict pods there (403 Forbidden: run `npm run rbac` for this profile)'));
    for (const { text } of [proxied, failing, forbidden]) {
      expect(text).toContain('- exec into payments/api-7d9f8b6c5d-x2k8q (container app): "sh"');
      expect(text).not.toMatch(/^Ended:/m);
    }
    expect(kube.pod('payments', 'api-7d9f8b6c5d-x2k8q')?.metadata.uid).toBe(uid);
    expect(kube.core.openStreams(uid)).toBe(1);
    expect(await readUntilEnd(reader, 300)).toBe('still open');
  });

  it('a PodDisruptionBudget that allows no disruption: 429 reported on the ticket, never forced (no DELETE), the stream still open', async () => {
    // Prepare
    const { uid, lines } = await openShell();
    kube.addBudget('payments', 'api-pdb', { app: 'api-7d9f8b6c5d' }, 1);
    // Act
    const { text } = await lines();
    // Assess
    expect(text).toContain('Not ended: pod payments/api-7d9f8b6c5d-x2k8q could not be ended: a PodDisruptionBudget forbids evicting it now (The disruption budget api-pdb needs 1 healthy pods and has 1 currently). Its streams may still be open; a person must check it.');
    expect(kube.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(kube.requests.filter((r) => r.path.endsWith('/eviction'))).toHaveLength(1);
    expect(kube.core.openStreams(uid)).toBe(1);
  });
});
