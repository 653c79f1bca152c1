import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { KubernetesCluster } from '../../lib/adapters/kubernetes/kubernetes-cluster.js';
import { makeRbacApiProvider } from '../../lib/adapters/kubernetes/rbac-api-provider.js';
import { parseAuditEvent, sessionOf, type AuditEvent, type SessionSeen } from '../../lib/domain/activity.js';
import { endPods } from '../../lib/use-cases/revoke-sessions.js';
import { sessionsLines } from '../../lib/domain/activity-messages.js';
import { fromItem, toItem } from '../../lib/adapters/dynamodb/lease-item.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import type { PodOwnerKind } from '../fakes/fake-kubernetes-pods.js';
import { AUDITED_CATALOG, DEMO_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * Review 4 (issue 23), R4-6 (a regression test; the hole is closed). Attacker: a lease holder who may set a pod's
 * terminationGracePeriodSeconds (edit on a Deployment, or a bare pod created through the lease) and
 * opens a stream into it. At revoke kube-lease evicts the pod and records `mayRunUntil` = now + the
 * grace period (graceOf, unbounded): with 4e11 s that is year ~14600, which toISOString writes as
 * `+014…`; the REVOKED transition stores it in `sessions.pods`, and storedTime refuses it on every
 * read: the lease item is unreadable from its revoke on (no evidence collected, no review evidence,
 * `leases show` fails). Fails on current code.
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

/** What `kubectl exec` would ask, sent as `user`. */
function exec(kube: FakeKubernetes, user: string, namespace: string, pod: string): Promise<Response> {
  const query = new URLSearchParams([['command', 'sh'], ['container', 'app'], ['stdout', 'true']]);
  return fetch(`${kube.url()}/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query.toString()}`, { method: 'POST', headers: { authorization: `Bearer user:${user}` } });
}

/** The stream the fake's audit log shows for the last request to `path` (its ResponseStarted or ResponseComplete stage). */
function streamAt(kube: FakeKubernetes, pathPart: string): SessionSeen | undefined {
  const events = kube.auditEvents().filter((e) => e.requestURI.includes(pathPart));
  const last = events[events.length - 1];
  return last === undefined ? undefined : sessionOf(parseAuditEvent(last) as AuditEvent);
}

describe('review 4: a termination grace period the holder chooses makes the revoked lease unreadable', () => {
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

  it('R4-6: the sessions a revoke records (mayRunUntil) are readable back', async () => {
    const app = useCases(AUDITED_CATALOG);
    const granted = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (granted.kind !== 'granted') throw new Error('expected a grant');
    grant(kube, 'payments', 'shell', ALICE, [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]);
    kube.addPod('payments', 'api-7d9f8b6c5d-x2k8q', { ownerKind: 'ReplicaSet', terminationGracePeriodSeconds: 400_000_000_000, runsUntilKilled: true });
    const reader = ((await exec(kube, ALICE, 'payments', 'api-7d9f8b6c5d-x2k8q')).body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const stream = streamAt(kube, '/api-7d9f8b6c5d-x2k8q/exec') as SessionSeen;
    const pods = await endPods({ cluster, audit: app.audit, clock: app.clock, logger: app.logger }, granted.lease, 'eventbridge', [stream]);
    // What the REVOKED transition stores (revoke-lease.ts: `sessions` in the patch), read back as every reader reads it.
    const revoked = { ...granted.lease, status: 'REVOKED' as const, revokedAt: app.clock.now().toISOString(), revokeCause: 'expiry' as const, sessions: { at: app.clock.now().toISOString(), seen: [stream], pods } };
    const read = (() => {
      try {
        fromItem(toItem(revoked));
        return 'readable';
      } catch (error) {
        return `unreadable: ${error instanceof Error ? error.message.slice(0, 160) : String(error)}`;
      }
    })();
    // The same through the store (dynalite): the REVOKED transition's UpdateItem is written, its read-back refuses it.
    const dynamo = await startEmbeddedDynamoDb(undefined);
    let stored = '';
    try {
      await ensureLeaseTable(dynamo.client, 'review4-grace');
      const store = new DynamoDbLeaseStore(dynamo.client, 'review4-grace');
      await store.create(granted.lease);
      const at = app.clock.now().toISOString();
      const moved = await store.transition(granted.lease, 'REVOKED', { at, from: 'ACTIVE', to: 'REVOKED', by: 'eventbridge', note: 'expiry' }, { revokedAt: at, revokeCause: 'expiry', sessions: revoked.sessions }).then(
        (r) => (r.ok ? 'moved' : 'lost'),
        (error: unknown) => `threw: ${error instanceof Error ? error.message.slice(0, 80) : String(error)}`,
      );
      const after = await store.listForTicketRef('jira', { id: granted.lease.ticketId ?? '', keys: [granted.lease.ticketKey] });
      stored = `${moved}; listed ${after.leases.length}, unreadable ${after.unreadable.length}`;
    } finally {
      dynamo.client.destroy();
      await dynamo.stop();
    }
    kube.core.kubeletKills('payments', 'api-7d9f8b6c5d-x2k8q');
    expect({ mayRunUntil: pods[0]?.mayRunUntil, read, stored }).toEqual({ mayRunUntil: '9999-12-31T23:59:59.999Z', read: 'readable', stored: 'moved; listed 1, unreadable 0' });
    // And the ticket is told it is not known to be ended, with no end it cannot know.
    expect(sessionsLines(revoked.sessions).join('\n')).toContain('eviction accepted (its controller ReplicaSet api-7d9f8b6c5d recreates it), but its termination grace period is 400000000000 s: the pod may run indefinitely');
  });

  it('R10-M1: a pod whose owner reference carries a line break is recorded as the store reads it back (the evidence seal covers it)', async () => {
    const app = useCases(AUDITED_CATALOG);
    const granted = await app.grantAccess(approvedTicket('OPS-2', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (granted.kind !== 'granted') throw new Error('expected a grant');
    grant(kube, 'payments', 'shell', ALICE, [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]);
    kube.addPod('payments', 'widget-0', { ownerKind: 'Widget\nOperator' as PodOwnerKind, runsUntilKilled: true }); // a kind the fake never writes, as an owner's creator may
    const reader = ((await exec(kube, ALICE, 'payments', 'widget-0')).body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const stream = streamAt(kube, '/widget-0/exec') as SessionSeen;
    const pods = await endPods({ cluster, audit: app.audit, clock: app.clock, logger: app.logger }, granted.lease, 'eventbridge', [stream]);
    await reader.cancel();
    const revoked = { ...granted.lease, status: 'REVOKED' as const, revokedAt: app.clock.now().toISOString(), revokeCause: 'expiry' as const, sessions: { at: app.clock.now().toISOString(), seen: [stream], pods } };
    // What was recorded (and would be sealed) is exactly what every reader reads back.
    expect(fromItem(toItem(revoked)).sessions?.pods).toEqual(pods);
    expect(pods[0]?.why).toContain('owned by (invalid) ');
    expect(JSON.stringify(pods)).not.toContain('\\n');
  });
});
