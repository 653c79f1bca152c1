import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { KubernetesCluster } from '../../lib/adapters/kubernetes/kubernetes-cluster.js';
import { makeRbacApiProvider } from '../../lib/adapters/kubernetes/rbac-api-provider.js';
import { parseAuditEvent, sessionOf, type AuditEvent, type SessionSeen } from '../../lib/domain/activity.js';
import { sessionsLines } from '../../lib/domain/activity-messages.js';
import { auditSessions, endPods } from '../../lib/use-cases/revoke-sessions.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { AUDITED_CATALOG, DEMO_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * Review items 6, 7 and 8 (M4, M5), over the fake API server: a WebSocket through pods/proxy is a
 * stream kube-lease lists and ends; an eviction is only the start of a graceful delete, whose length
 * the lease holder (with edit) chooses, so "Ended" is said only when the pod is known to stop soon.
 */

const ALICE = 'alice@example.com';

/** A Role `name` in `namespace` with `rules`, bound to `user` (nobody's lease: the fake's authorizer reads it). */
function grant(kube: FakeKubernetes, namespace: string, name: string, user: string, rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[]): void {
  kube.roles.set(`Role/${namespace}/${name}`, rules);
  const binding = `${name}-${user.replace(/[^a-z0-9]/g, '-')}`;
  kube.bindings.set(`${namespace}/${binding}`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: binding, namespace, uid: `uid-${binding}`, resourceVersion: '1', creationTimestamp: '2026-11-28T09:00:00Z' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
}

/** A GET as `user`, with `Upgrade: websocket` when `upgrade` (what a browser's WebSocket through `kubectl proxy` sends); resolves at the response head. */
function get(kube: FakeKubernetes, user: string, path: string, upgrade: boolean): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${kube.url()}${path}`, { method: 'GET', headers: { authorization: `Bearer user:${user}`, ...(upgrade ? { upgrade: 'websocket' } : {}) } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** What `kubectl exec` would ask, sent as `user`. */
function exec(kube: FakeKubernetes, user: string, namespace: string, pod: string): Promise<Response> {
  const query = new URLSearchParams([['command', 'sh'], ['container', 'app'], ['stdout', 'true']]);
  return fetch(`${kube.url()}/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query.toString()}`, { method: 'POST', headers: { authorization: `Bearer user:${user}` } });
}

/** Resolves 'ended' when the stream ends within `ms`, else 'still open'. */
function untilEnd(response: IncomingMessage | ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<'ended' | 'still open'> {
  const timeout = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms).unref());
  const ended =
    'releaseLock' in response
      ? (async () => {
          for (;;) if ((await response.read()).done) return 'ended' as const;
        })()
      : new Promise<'ended'>((resolve) => {
          if (response.readableEnded || response.destroyed) resolve('ended');
          response.on('end', () => resolve('ended'));
          response.on('close', () => resolve('ended'));
          response.resume();
        });
  return Promise.race([ended, timeout]);
}

/** The stream the fake's audit log shows for the last request to `path` (its ResponseStarted or ResponseComplete stage). */
function streamAt(kube: FakeKubernetes, pathPart: string): SessionSeen | undefined {
  const events = kube.auditEvents().filter((e) => e.requestURI.includes(pathPart));
  const last = events[events.length - 1];
  return last === undefined ? undefined : sessionOf(parseAuditEvent(last) as AuditEvent);
}

describe('review M4/M5: streams kube-lease lists and ends, and "Ended" only when true (fake API server)', () => {
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

  /** A payments-debug lease of alice's (onRevoke: { sessions: end }, default stream kinds) and the deps endPods needs. */
  async function lease() {
    const app = useCases(AUDITED_CATALOG);
    const granted = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (granted.kind !== 'granted') throw new Error('expected a grant');
    const deps = { cluster, audit: app.audit, clock: app.clock, logger: app.logger };
    const end = async (streams: SessionSeen[]) => {
      const pods = await endPods(deps, granted.lease, 'eventbridge', streams);
      return { pods, text: sessionsLines({ at: new Date().toISOString(), seen: streams, pods }).join('\n') };
    };
    return { lease: granted.lease, end, clock: app.clock };
  }

  it('M4: a WebSocket through pods/proxy (101) into a web terminal is listed and its pod evicted by default, and the stream really ends', async () => {
    // Prepare: alice may use pods/proxy (edit grants it); a web terminal (ttyd) runs in a ReplicaSet's pod.
    const { lease: granted, end } = await lease();
    grant(kube, 'payments', 'proxy-user', ALICE, [{ apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] }]);
    const { uid } = kube.addPod('payments', 'web-term-6c8d9f7b54-q7x2z', { ownerKind: 'ReplicaSet' }).metadata;
    const plain = await get(kube, ALICE, '/api/v1/namespaces/payments/pods/web-term-6c8d9f7b54-q7x2z:7681/proxy/', false);
    plain.resume();
    const plainStream = streamAt(kube, ':7681/proxy/?');
    const socket = await get(kube, ALICE, '/api/v1/namespaces/payments/pods/web-term-6c8d9f7b54-q7x2z:7681/proxy/ws', true);
    await new Promise((resolve) => socket.once('data', resolve));
    const stream = streamAt(kube, ':7681/proxy/ws');
    // Act
    const { pods, text } = await end(stream === undefined ? [] : [stream]);
    // Assess: the plain proxied page is a request, not a stream; the upgrade is one, listed, and ended by default.
    expect(granted.endStreams).toContain('proxy');
    expect(plain.statusCode).toBe(200);
    expect(plainStream).toBeUndefined();
    expect(stream).toMatchObject({ kind: 'proxy', namespace: 'payments', pod: 'web-term-6c8d9f7b54-q7x2z', command: 'port 7681 path /ws', allowed: true });
    expect(text).toContain('WebSocket (upgraded request) through pods/proxy into pod payments/web-term-6c8d9f7b54-q7x2z (port 7681 path /ws)');
    expect(pods).toEqual([{ namespace: 'payments', pod: 'web-term-6c8d9f7b54-q7x2z', outcome: 'evicted', controller: 'ReplicaSet web-term-6c8d9f7b54' }]);
    expect(text).toContain('Ended: pod payments/web-term-6c8d9f7b54-q7x2z evicted');
    expect(await untilEnd(socket, 2_000)).toBe('ended');
    expect(kube.core.openStreams(uid)).toBe(0);
  });

  it('M5: a pod whose termination grace period is an hour is "eviction accepted, may run until", never "Ended", while its shell runs on', async () => {
    // Prepare: alice's exec into a pod she gave terminationGracePeriodSeconds: 3600 and a preStop sleep.
    const { end, clock } = await lease();
    grant(kube, 'payments', 'shell', ALICE, [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]);
    const { uid } = kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet', terminationGracePeriodSeconds: 3600, runsUntilKilled: true }).metadata;
    const reader = ((await exec(kube, ALICE, 'payments', 'api-7d9f8b6c5d-x2k8q')).body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const stream = streamAt(kube, '/api-7d9f8b6c5d-x2k8q/exec') as SessionSeen;
    const before = clock.now().getTime();
    // Act
    const { pods, text } = await end([stream]);
    // Assess: the eviction was accepted; the pod runs, terminating, and the shell with it; the ticket says so.
    const [pod] = pods;
    expect(pod).toMatchObject({ outcome: 'evicted', controller: 'ReplicaSet api-7d9f8b6c5d', graceSeconds: 3600 });
    expect(Date.parse(pod?.mayRunUntil ?? '')).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(text).not.toContain('Ended:');
    expect(text).toContain(`Not known to be ended: pod payments/api-7d9f8b6c5d-x2k8q: eviction accepted (its controller ReplicaSet api-7d9f8b6c5d recreates it), but its termination grace period is 3600 s: the pod may run until ${pod?.mayRunUntil ?? ''}`);
    expect(auditSessions({ at: '', seen: [stream], pods }).ended).toEqual([]);
    expect(kube.core.pod('payments', 'api-7d9f8b6c5d-x2k8q')?.metadata.deletionTimestamp).toBeDefined();
    expect(await untilEnd(reader, 300)).toBe('still open');
    // …until the kubelet kills it when the grace period ends.
    kube.core.kubeletKills('payments', 'api-7d9f8b6c5d-x2k8q');
    expect(await untilEnd(reader, 2_000)).toBe('ended');
    expect(kube.core.openStreams(uid)).toBe(0);
  });

  it('M5: a pod already terminating with a day of grace (delete --wait=false) is not evicted for nothing and not called ended', async () => {
    // Prepare: alice's exec, then her own graceful delete of that pod with --grace-period=86400 --wait=false.
    const { end } = await lease();
    grant(kube, 'payments', 'shell', ALICE, [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }, { apiGroups: [''], resources: ['pods'], verbs: ['delete'] }]);
    kube.addPod('payments', 'ledger-0', { ownerKind: 'StatefulSet', runsUntilKilled: true });
    const reader = ((await exec(kube, ALICE, 'payments', 'ledger-0')).body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const stream = streamAt(kube, '/ledger-0/exec') as SessionSeen;
    const deleted = await fetch(`${kube.url()}/api/v1/namespaces/payments/pods/ledger-0`, { method: 'DELETE', headers: { authorization: `Bearer user:${ALICE}`, 'content-type': 'application/json' }, body: JSON.stringify({ gracePeriodSeconds: 86_400 }) });
    const deletingAt = kube.core.pod('payments', 'ledger-0')?.metadata.deletionTimestamp ?? '';
    // Act
    const { pods, text } = await end([stream]);
    // Assess: nothing reads "Ended"; the ticket names the time it may run until; no eviction was asked.
    expect(deleted.status).toBe(200);
    expect(deletingAt).not.toBe('');
    expect(pods).toEqual([
      {
        namespace: 'payments',
        pod: 'ledger-0',
        outcome: 'kept',
        why: `it was already terminating (a delete with a 86400 s grace period was requested before kube-lease read it): it may run until ${deletingAt}, and its streams with it; an eviction would not shorten that`,
      },
    ]);
    expect(text).not.toContain('Ended:');
    expect(text).toContain(`Not ended: pod payments/ledger-0 could not be ended: it was already terminating`);
    expect(kube.requests.filter((r) => r.path.endsWith('/eviction'))).toHaveLength(0);
    expect(await untilEnd(reader, 300)).toBe('still open');
  });
});
