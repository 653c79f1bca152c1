import { bindingManifest } from '../../lib/domain/lease.js';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { newLease } from '../../lib/domain/lease-factory.js';
import { LABEL_DEPLOYMENT, LABEL_LEASE_ID, LABEL_MANAGED_BY, LABEL_SOURCE } from '../../lib/domain/names.js';
import { decide } from '../../lib/domain/policy.js';
import { sourceOf } from '../../lib/ports/ticket-source.js';
import { alice, bob, bodyOf, carol, REVOKE_ARN, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';
const NAMESPACES = 'customfield_10102';

describe('Jira webhook → grant (fake Jira, fake Kubernetes, dynalite, mocked EventBridge)', () => {
  let stack: TestStack;

  beforeEach(async () => {
    stack = await new TestStack().start();
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('grants exactly the catalog role in the requested namespaces, records the lease, schedules the revoke and comments', async () => {
    // Prepare
    stack.ticket('OPS-1', { [PROFILE]: { value: 'payments-read' }, [DURATION]: '2h', [NAMESPACES]: [{ value: 'payments' }, { value: 'payments-worker' }] });
    // Act
    const response = await stack.deliver(stack.jira.transition('OPS-1', 'Approved', bob));
    // Assess
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body.outcome).toBe('granted');
    const leaseId = String(body.leaseId);

    const bindings = stack.kube.list(LABEL_LEASE_ID, leaseId);
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(['payments', 'payments-worker']);
    for (const binding of bindings) {
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
      expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@example.com' }]);
      expect(binding.metadata.labels).toMatchObject({ [LABEL_MANAGED_BY]: 'kube-lease', [LABEL_LEASE_ID]: leaseId, [LABEL_SOURCE]: 'jira' });
      expect(binding.metadata.labels?.['cleanup.kyverno.io/ttl']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{6}Z$/);
      expect(binding.metadata.annotations).toMatchObject({
        'kube-lease.io/ticket': 'OPS-1',
        'kube-lease.io/requester': 'alice@example.com',
        'kube-lease.io/approver': 'bob@example.com',
        'kube-lease.io/reason': 'Investigate incident for OPS-1',
      });
      expect(binding.metadata.name.length).toBeLessThanOrEqual(63);
      expect(binding.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }

    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.status).toBe('ACTIVE');
    expect(lease?.history.map((h) => h.to)).toEqual(['PENDING', 'ACTIVE', 'ACTIVE']);
    expect(lease?.history.at(-1)?.note).toBe('grant announced');
    expect(lease?.approvers.map((a) => a.id)).toEqual([bob.accountId]);
    const lengthMs = Date.parse(lease?.expiresAt ?? '') - Date.parse(lease?.startsAt ?? '');
    expect(lengthMs).toBe(2 * 3600 * 1000);
    expect(bindings[0]?.metadata.annotations?.['kube-lease.io/expires-at']).toBe(lease?.expiresAt);

    const rule = stack.eventBridge.commandCalls(PutRuleCommand)[0]?.args[0].input;
    expect(rule?.Name).toBe(`kube-lease-test-${leaseId}`);
    expect(rule?.ScheduleExpression).toMatch(/^cron\(\d+ \d+ \d+ \d+ \? \d{4}\)$/);
    const targets = stack.eventBridge.commandCalls(PutTargetsCommand)[0]?.args[0].input;
    expect(targets?.Targets?.[0]?.Arn).toBe(REVOKE_ARN);
    expect(JSON.parse(targets?.Targets?.[0]?.Input ?? '{}')).toEqual({ leaseId });

    const comments = stack.jira.comments('OPS-1');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Access granted');
    expect(comments[0]).toContain('ClusterRole/view');
    expect(comments[0]).toContain('payments, payments-worker');
    expect(comments[0]).toContain(lease?.expiresAt);
    expect(stack.audit.kinds()).toEqual(['grant', 'verify']);
    expect(stack.metrics.counts).toEqual([{ name: 'Grants', dimensions: { source: 'jira' }, value: 1 }]);
    expect(stack.audit.events[0]).toMatchObject({ ticket: 'OPS-1', requester: 'alice@example.com', approver: 'bob@example.com', profile: 'payments-read', cluster: 'demo', leaseId });
  });

  it('uses the profile defaults when the ticket names no duration or namespaces', async () => {
    stack.ticket('OPS-2', { [PROFILE]: 'payments-read' });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-2', 'Approved', bob)));
    const lease = await stack.container.leases.get(String(body.leaseId));
    expect(lease?.namespaces).toEqual(['payments', 'payments-worker']);
    expect(Date.parse(lease?.expiresAt ?? '') - Date.parse(lease?.startsAt ?? '')).toBe(3600 * 1000);
  });

  it.each([
    ['missing', null],
    ['wrong', `sha256=${'0'.repeat(64)}`],
    ['malformed', 'sha1=abc'],
  ])('rejects a %s signature with 401 and does nothing else', async (_label, signature) => {
    stack.ticket('OPS-3', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-3', 'Approved', bob);
    const requestsBefore = stack.jira.requests.length;
    const response = await stack.deliver(payload, { signature });
    expect(response.statusCode).toBe(401);
    expect(stack.jira.requests.length).toBe(requestsBefore);
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.jira.comments('OPS-3')).toEqual([]);
    expect(stack.audit.events).toMatchObject([{ kind: 'reject', code: 'bad-signature' }]);
  });

  it('rejects a body over 256 KiB with 413 before checking anything else', async () => {
    const raw = JSON.stringify({ webhookEvent: 'jira:issue_updated', pad: 'x'.repeat(256 * 1024) });
    const response = await stack.deliver(undefined, { raw });
    expect(response.statusCode).toBe(413);
    expect(stack.jira.requests).toHaveLength(0);
  });

  it('rejects malformed JSON and wrong shapes with 400 and a reason', async () => {
    const notJson = await stack.deliver(undefined, { raw: '{"webhookEvent": ' });
    expect(notJson.statusCode).toBe(400);
    expect(bodyOf(notJson).error).toMatch(/not valid JSON/);
    const wrongShape = await stack.deliver({ webhookEvent: 42 });
    expect(wrongShape.statusCode).toBe(400);
    expect(bodyOf(wrongShape).error).toMatch(/webhookEvent/);
    expect(stack.jira.requests).toHaveLength(0);
  });

  it('ignores events that are not a transition into an approved status, with a 2xx so Jira does not retry', async () => {
    stack.ticket('OPS-4', { [PROFILE]: 'payments-read' });
    const created = await stack.deliver({ webhookEvent: 'jira:issue_created', issue: { key: 'OPS-4' } });
    const other = await stack.deliver(stack.jira.transition('OPS-4', 'In Progress', bob));
    const commentOnly = await stack.deliver({ webhookEvent: 'jira:issue_updated', issue: { key: 'OPS-4' }, changelog: { id: '1', items: [{ field: 'assignee', toString: 'x' }] } });
    for (const response of [created, other, commentOnly]) {
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response).outcome).toBe('ignored');
    }
    expect(stack.jira.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
    expect(stack.kube.bindings.size).toBe(0);
  });

  it('answers a replayed grant (same signed body, same or fresh delivery id) without granting, recording or commenting again', async () => {
    stack.ticket('OPS-5', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-5', 'Approved', bob);
    const first = await stack.deliver(payload, { deliveryId: 'same-delivery' });
    const reads = stack.jira.requests.length;
    const again = await stack.deliver(payload, { deliveryId: 'same-delivery' });
    const fresh = await Promise.all([1, 2, 3, 4, 5].map((i) => stack.deliver(payload, { deliveryId: `fresh-${i}` })));
    expect(bodyOf(first).outcome).toBe('granted');
    for (const response of [again, ...fresh]) expect(bodyOf(response).outcome).toBe('duplicate-delivery');
    // The ticket is read beside the delivery claim (no round trip for a first delivery): a replay
    // pays for one read it drops, and never writes to Jira.
    const after = stack.jira.requests.slice(reads);
    expect(after.map((r) => `${r.method} ${r.path}`)).toEqual(Array.from({ length: 6 }, () => 'GET /rest/api/2/issue/OPS-5'));
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.jira.comments('OPS-5')).toHaveLength(1);
    expect(stack.putRuleNames()).toHaveLength(1);
  });

  it('answers a replayed delivery id of a denial from the delivery record, without commenting again', async () => {
    stack.ticket('OPS-55', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-55', 'Approved', alice);
    const first = await stack.deliver(payload, { deliveryId: 'denied-delivery' });
    const second = await stack.deliver(payload, { deliveryId: 'denied-delivery' });
    expect(bodyOf(first)).toMatchObject({ outcome: 'denied', code: 'self-approval' });
    expect(bodyOf(second).outcome).toBe('duplicate-delivery');
    expect(stack.jira.comments('OPS-55')).toHaveLength(1);
    expect(stack.audit.events.filter((e) => e.kind === 'deny')).toHaveLength(1);
  });

  it('turns 20 concurrent identical deliveries into one lease, one binding per namespace, one rule and one comment', async () => {
    stack.ticket('OPS-6', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-6', 'Approved', bob);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.deliver(payload, { deliveryId: `concurrent-${i % 4}` })));
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    const outcomes = responses.map((r) => bodyOf(r).outcome);
    expect(outcomes.filter((o) => o === 'granted')).toHaveLength(1);
    expect(new Set(responses.map((r) => bodyOf(r).leaseId).filter((id) => id !== undefined)).size).toBe(1);
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.kube.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/rolebindings'))).toHaveLength(2);
    expect(new Set(stack.putRuleNames()).size).toBe(1);
    expect(stack.putRuleNames()).toHaveLength(1);
    expect(stack.jira.comments('OPS-6')).toHaveLength(1);
    expect(stack.audit.kinds().filter((k) => k === 'grant')).toHaveLength(1);
  });

  it('says nothing when the payload says approved but the Jira API says the ticket is still in review', async () => {
    stack.ticket('OPS-7', { [PROFILE]: 'payments-read' });
    const response = await stack.deliver(stack.jira.claimTransition('OPS-7', 'Approved', bob));
    expect(bodyOf(response)).toMatchObject({ outcome: 'ignored' });
    expect(String(bodyOf(response).reason)).toContain('"In Review", neither approved nor closed');
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.putRuleNames()).toHaveLength(0);
    expect(stack.jira.comments('OPS-7')).toEqual([]);
    expect(stack.audit.events).toEqual([]);
    expect(stack.metrics.counts).toEqual([{ name: 'Ignored', dimensions: { source: 'jira' }, value: 1 }]);
  });

  it('denies when the requester approves their own ticket', async () => {
    stack.ticket('OPS-8', { [PROFILE]: 'payments-read' });
    const response = await stack.deliver(stack.jira.transition('OPS-8', 'Approved', alice));
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'self-approval' });
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.jira.comments('OPS-8')[0]).toContain('approved their own ticket');
    expect(stack.audit.events[0]).toMatchObject({ kind: 'deny', requester: 'alice@example.com', approver: 'alice@example.com' });
  });

  it('denies a profile that is not in the catalog', async () => {
    stack.ticket('OPS-9', { [PROFILE]: 'cluster-god-mode' });
    const response = await stack.deliver(stack.jira.transition('OPS-9', 'Approved', bob));
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'unknown-profile' });
    expect(stack.jira.comments('OPS-9')[0]).toContain('"cluster-god-mode" is not in the access catalog');
    expect(stack.kube.requests).toHaveLength(0);
  });

  it('denies a duration over the maximum and names the maximum', async () => {
    stack.ticket('OPS-10', { [PROFILE]: 'payments-read', [DURATION]: '5h' });
    const response = await stack.deliver(stack.jira.transition('OPS-10', 'Approved', bob));
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'duration-over-max' });
    expect(stack.jira.comments('OPS-10')[0]).toContain('maximum of 4h');
    expect(stack.kube.requests).toHaveLength(0);
  });

  it('denies a namespace outside the profile', async () => {
    stack.ticket('OPS-11', { [PROFILE]: 'payments-read', [NAMESPACES]: 'payments, kube-system' });
    const response = await stack.deliver(stack.jira.transition('OPS-11', 'Approved', bob));
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'namespace-not-allowed' });
    expect(stack.jira.comments('OPS-11')[0]).toContain('"kube-system"');
    expect(stack.kube.requests).toHaveLength(0);
  });

  it('fails the lease without touching the other binding when a 409 comes from another lease', async () => {
    stack.ticket('OPS-12', { [PROFILE]: 'payments-debug' });
    // A binding of the same name that belongs to some other lease.
    const payload = stack.jira.transition('OPS-12', 'Approved', bob);
    const { leaseIdFor, bindingName } = await import('../../lib/domain/names.js');
    const history = stack.jira.issue('OPS-12').histories.at(-1);
    // Leases are filed by the issue's id, not its key.
    const leaseId = leaseIdFor(`jira#${stack.jira.issue('OPS-12').id}#${history?.id ?? ''}`);
    const name = bindingName('payments-debug', leaseId);
    await fetch(`${stack.kube.url()}/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings`, {
      method: 'POST',
      headers: { authorization: 'Bearer fake-k8s-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { name, labels: { [LABEL_MANAGED_BY]: 'kube-lease', [LABEL_LEASE_ID]: 'ffffffffffffffffffff' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-debugger' },
        subjects: [{ kind: 'User', name: 'mallory@example.com' }],
      }),
    });

    const response = await stack.deliver(payload);

    expect(bodyOf(response)).toMatchObject({ outcome: 'failed', leaseId });
    expect(bodyOf(response).reason).toMatch(/^a RoleBinding of the same name exists and is not exactly this lease's; it was left untouched \(reference [0-9a-f]{12}\)$/);
    expect(stack.loggedUnder(bodyOf(response).reason)).toMatch(/belongs to lease ffffffffffffffffffff/);
    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.status).toBe('FAILED');
    // The other lease's binding is still there, untouched.
    expect(stack.kube.binding('payments', name)?.metadata.labels?.[LABEL_LEASE_ID]).toBe('ffffffffffffffffffff');
    expect(stack.kube.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(stack.deletedRuleNames()).toEqual([`kube-lease-test-${leaseId}-start`, `kube-lease-test-${leaseId}`]);
    expect(stack.jira.comments('OPS-12')[0]).toMatch(/could not be granted/);
    expect(stack.audit.kinds()).toEqual(['failure']);
  });

  it('keeps the approval through a Kubernetes 500 burst longer than the retries: 503, nothing left, Jira\'s retry after recovery grants once', async () => {
    // Prepare: the API server fails every attempt (3) to create one of the two bindings.
    stack.ticket('OPS-13', { [PROFILE]: 'payments-read' });
    const etcd = { status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } };
    stack.kube.failNext({ method: 'POST', pathIncludes: '/namespaces/payments-worker/', times: 3, response: etcd });
    const payload = stack.jira.transition('OPS-13', 'Approved', bob);

    // Act
    const response = await stack.deliver(payload);

    // Assess: a retryable answer, the lease kept PENDING for a retry, nothing in the cluster, nothing said.
    expect(response.statusCode).toBe(503);
    const [lease] = (await stack.container.leases.listForTicket('jira', 'OPS-13')).leases;
    expect(lease?.status).toBe('PENDING');
    expect(lease?.deferredReason).toMatch(/^the cluster was unavailable \(reference [0-9a-f]{12}\)$/);
    expect(stack.loggedUnder(lease?.deferredReason)).toContain('etcdserver: request timed out');
    expect(stack.kube.requests.filter((r) => r.method === 'POST')).toHaveLength(4);
    expect(stack.kube.bindings.size).toBe(0);
    expect(stack.jira.comments('OPS-13')).toEqual([]);
    expect(stack.audit.events).toMatchObject([{ kind: 'failure', code: 'backend-unavailable', leaseId: lease?.id }]);

    // Jira retries the same body once the cluster is back: granted once, the record cleared.
    const retried = await stack.deliver(payload);
    expect(bodyOf(retried)).toMatchObject({ outcome: 'granted', leaseId: lease?.id });
    expect(stack.kube.list(LABEL_LEASE_ID, lease?.id ?? '')).toHaveLength(2);
    const after = await stack.container.leases.get(lease?.id ?? '');
    expect(after?.status).toBe('ACTIVE');
    expect(after?.deferredReason).toBeUndefined();
    expect(stack.jira.comments('OPS-13')).toHaveLength(1);
    expect(stack.audit.kinds().filter((k) => k === 'grant')).toHaveLength(1);
  });

  it('lets the sweep finish a deferred grant when no retry comes', async () => {
    stack.ticket('OPS-20', { [PROFILE]: 'payments-read' });
    stack.kube.failNext({ method: 'POST', times: 6, response: { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', code: 503 } } });
    expect((await stack.deliver(stack.jira.transition('OPS-20', 'Approved', bob))).statusCode).toBe(503);
    stack.clock.advance(121_000);
    const summary = await stack.container.sweepLeases({ scan: true });
    const [lease] = (await stack.container.leases.listForTicket('jira', 'OPS-20')).leases;
    expect(summary.finishedPending).toBe(1);
    expect(lease?.status).toBe('ACTIVE');
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.jira.comments('OPS-20')).toHaveLength(1);
  });

  it('leaves a retry that is finishing a grant alone: the sweep neither fails the lease nor deletes its fresh bindings', async () => {
    // Prepare: a deferred grant, long enough ago for the sweep; then a retry takes it over and creates its bindings.
    stack.ticket('OPS-22', { [PROFILE]: 'payments-read' });
    stack.kube.failNext({ method: 'POST', times: 6, response: { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'unavailable', reason: 'ServiceUnavailable', code: 503 } } });
    expect((await stack.deliver(stack.jira.transition('OPS-22', 'Approved', bob))).statusCode).toBe(503);
    stack.clock.advance(121_000);
    const [deferred] = (await stack.container.leases.listForTicket('jira', 'OPS-22')).leases;
    if (deferred === undefined) throw new Error('no lease');
    const taken = await stack.container.leases.transition(deferred, 'PENDING', { at: stack.clock.now().toISOString(), from: 'PENDING', to: 'PENDING', by: 'retry', note: 'finishing the grant' }, { deferredReason: null });
    if (!taken.ok) throw new Error('could not take the lease over');
    for (const b of taken.lease.bindings) {
      const manifest = bindingManifest(taken.lease, b);
      await fetch(`${stack.kube.url()}/apis/rbac.authorization.k8s.io/v1/namespaces/${b.namespace}/rolebindings`, {
        method: 'POST',
        headers: { authorization: 'Bearer fake-k8s-token', 'content-type': 'application/json' },
        body: JSON.stringify({ ...manifest, metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, [LABEL_DEPLOYMENT]: 'kube-lease-test' } } }),
      });
    }
    // Act: the sweep runs while that retry is still at work.
    const summary = await stack.container.sweepLeases({ scan: true });
    // Assess
    expect(summary).toMatchObject({ finishedPending: 0, rolledBackPending: 0, orphanBindingsDeleted: 0 });
    expect((await stack.container.leases.get(deferred.id))?.status).toBe('PENDING');
    expect(stack.kube.list(LABEL_LEASE_ID, deferred.id)).toHaveLength(2);
  });

  it('marks the lease FAILED, leaves no binding and says so when the cluster refuses for good (403)', async () => {
    stack.ticket('OPS-21', { [PROFILE]: 'payments-read' });
    stack.kube.failNext({
      method: 'POST',
      pathIncludes: '/namespaces/payments-worker/',
      response: { status: 403, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'rolebindings.rbac.authorization.k8s.io is forbidden: user "kube-lease" is attempting to grant RBAC permissions not currently held', reason: 'Forbidden', code: 403 } },
    });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-21', 'Approved', bob)));
    expect(body.outcome).toBe('failed');
    expect(String(body.reason)).toContain('the cluster refused the binding (403 Forbidden');
    expect(stack.loggedUnder(body.reason)).toContain('is attempting to grant RBAC permissions not currently held');
    const lease = await stack.container.leases.get(String(body.leaseId));
    expect(lease?.status).toBe('FAILED');
    expect(stack.kube.bindings.size).toBe(0);
    const comment = stack.jira.comments('OPS-21')[0];
    expect(comment).toContain('could not be granted');
    expect(comment).toContain('nothing was left in the cluster');
  });

  it('answers 503 (so Jira retries) and records nothing when Jira is unavailable, passing on Retry-After', async () => {
    stack.ticket('OPS-14', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-14', 'Approved', bob);
    // (The issue read: kube-lease's own account, read beside it once, is not what fails here.)
    stack.jira.failNext({ method: 'GET', pathIncludes: '/rest/api/2/issue/', response: { status: 429, headers: { 'retry-after': '30' }, body: { errorMessages: ['Rate limit exceeded.'] } } });
    const limited = await stack.deliver(payload, { deliveryId: 'retry-me' });
    expect(limited.statusCode).toBe(503);
    expect(limited.headers['retry-after']).toBe('30');
    stack.jira.failNext({ method: 'GET', pathIncludes: '/rest/api/2/issue/', times: 3, response: { status: 502, body: { errorMessages: ['Bad gateway'] } } });
    expect((await stack.deliver(payload, { deliveryId: 'retry-me' })).statusCode).toBe(503);
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.audit.kinds()).toEqual(['failure', 'failure']);
    // Each failed read (after the adapter's retries) is a Jira failure in the metrics; nothing else failed.
    expect(stack.metrics.counts.filter((c) => c.name === 'BackendFailures')).toEqual([
      { name: 'BackendFailures', dimensions: { backend: 'jira' }, value: 1 },
      { name: 'BackendFailures', dimensions: { backend: 'jira' }, value: 1 },
    ]);

    // Jira's retry of the same delivery then succeeds: a failed delivery is not remembered as done.
    const retried = await stack.deliver(payload, { deliveryId: 'retry-me' });
    expect(bodyOf(retried).outcome).toBe('granted');
  });

  it('rides out short Jira and Kubernetes outages by retrying with back-off', async () => {
    stack.ticket('OPS-17', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-17', 'Approved', bob);
    stack.jira.failNext({ method: 'GET', pathIncludes: '/rest/api/2/issue/', times: 2, response: { status: 503, body: { errorMessages: ['Service unavailable'] } } });
    stack.kube.failNext({ method: 'POST', times: 2, response: { status: 429, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too many requests', reason: 'TooManyRequests', code: 429 } } });
    const body = bodyOf(await stack.deliver(payload));
    expect(body.outcome).toBe('granted');
    expect(stack.kube.bindings.size).toBe(2);
    // Three reads of the issue, and kube-lease's own account read once beside the first.
    expect(stack.jira.requests.filter((r) => r.method === 'GET').map((r) => r.path).sort()).toEqual([...Array.from({ length: 3 }, () => '/rest/api/2/issue/OPS-17'), '/rest/api/2/myself']);
  });

  it('denies without a comment when the ticket does not exist for the API', async () => {
    const response = await stack.deliver({ webhookEvent: 'jira:issue_updated', issue: { key: 'NOPE-1' }, changelog: { id: '1', items: [{ field: 'status', toString: 'Approved' }] } });
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'ticket-not-found' });
    expect(stack.jira.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    // "No such ticket" is an answer, not a failure of Jira.
    expect(stack.metrics.total('BackendFailures')).toBe(0);
  });

  it('takes the approver from the API changelog, not from the payload', async () => {
    stack.ticket('OPS-15', { [PROFILE]: 'payments-read' });
    stack.jira.transition('OPS-15', 'Approved', carol);
    // The payload claims alice approved (which would be a self-approval); the API says carol did.
    const payload = stack.jira.claimTransition('OPS-15', 'Approved', alice);
    const body = bodyOf(await stack.deliver(payload));
    expect(body.outcome).toBe('granted');
    const lease = await stack.container.leases.get(String(body.leaseId));
    expect(lease?.approvers.map((a) => a.email)).toEqual(['carol@example.com']);
  });

  it('finishes a grant that a crashed delivery left PENDING, but only after the grace period', async () => {
    // Prepare: the state a delivery leaves when it dies right after recording the lease.
    stack.ticket('OPS-16', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-16', 'Approved', bob);
    const snapshot = await sourceOf(stack.container.tickets, 'jira').getTicket('OPS-16');
    const decision = decide(snapshot, stack.container.config.catalog, stack.clock.now());
    if (decision.kind !== 'grant') throw new Error('expected a grant plan');
    const lease = newLease(decision.plan, stack.clock.now(), 'kube-lease-test', 'crashed-delivery');
    await stack.container.leases.create(lease);

    // Act + Assess: a retry within the grace period leaves the (possibly still running) first delivery alone.
    const early = await stack.deliver(payload);
    expect(bodyOf(early)).toMatchObject({ outcome: 'duplicate', status: 'PENDING' });
    expect(stack.kube.bindings.size).toBe(0);

    stack.clock.advance(121_000);
    const late = await stack.deliver(payload);
    expect(bodyOf(late)).toMatchObject({ outcome: 'granted', leaseId: lease.id });
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)).toHaveLength(2);
    expect((await stack.container.leases.get(lease.id))?.status).toBe('ACTIVE');
    expect(stack.jira.comments('OPS-16')).toHaveLength(1);
  });

  it('treats a Kubernetes API that does not answer as unavailable: 503, the approval kept, granted once it answers', async () => {
    await stack.stop();
    stack = await new TestStack().start({ env: { KUBERNETES_TIMEOUT_MS: '100' } });
    stack.ticket('OPS-18', { [PROFILE]: 'payments-debug' });
    stack.kube.latencyMs = 400;
    const payload = stack.jira.transition('OPS-18', 'Approved', bob);
    const response = await stack.deliver(payload);
    expect(response.statusCode).toBe(503);
    const [lease] = (await stack.container.leases.listForTicket('jira', 'OPS-18')).leases;
    expect(stack.loggedUnder(lease?.deferredReason)).toContain('did not answer within 100 ms');
    stack.kube.latencyMs = 0;
    // The slow create may still land after we gave up; the lease record names it, and the retry adopts it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bodyOf(await stack.deliver(payload))).toMatchObject({ outcome: 'granted', leaseId: lease?.id });
    expect(stack.kube.list(LABEL_LEASE_ID, lease?.id ?? '')).toHaveLength(1);
    expect(stack.jira.comments('OPS-18')).toHaveLength(1);
  });

  it('rides out DynamoDB throttling through the SDK retries', async () => {
    let throttled = 0;
    // Inside the SDK's retry loop: each attempt passes here, the first two of each kind are throttled.
    const seen = new Map<string, number>();
    stack.dynamoClient().middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName);
        const count = (seen.get(name) ?? 0) + 1;
        seen.set(name, count);
        if ((name === 'PutItemCommand' || name === 'UpdateItemCommand') && count <= 2) {
          throttled += 1;
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name: 'ProvisionedThroughputExceededException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'throttleTwice' },
    );
    stack.ticket('OPS-19', { [PROFILE]: 'payments-read' });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-19', 'Approved', bob)));
    expect(body.outcome).toBe('granted');
    expect(throttled).toBe(4);
    expect((await stack.container.leases.get(String(body.leaseId)))?.status).toBe('ACTIVE');
  });
});

