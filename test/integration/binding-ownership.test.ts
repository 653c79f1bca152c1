import { afterEach, describe, expect, it } from '@jest/globals';
import { bindingName, LABEL_DEPLOYMENT, LABEL_LEASE_ID, LABEL_MANAGED_BY, leaseIdFor } from '../../lib/domain/names.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/** Creates a RoleBinding in the fake cluster as another party would (straight through the API). */
async function plant(stack: TestStack, namespace: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${stack.kube.url()}/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    method: 'POST',
    headers: { authorization: 'Bearer fake-k8s-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`could not plant binding: ${response.status}`);
}

describe('kube-lease touches only its own bindings', () => {
  const stacks: TestStack[] = [];
  afterEach(async () => {
    // Stacks that share a cluster stop before the one that owns it.
    for (const stack of stacks.reverse()) await stack.stop();
    stacks.length = 0;
  });

  it('refuses to adopt a look-alike binding (our name and lease id, another role and subject): FAILED, told, nothing deleted', async () => {
    // Prepare: someone predicts the lease id (a hash of ticket and changelog id) and plants the binding first.
    const stack = await new TestStack().start();
    stacks.push(stack);
    stack.ticket('OPS-1', { [PROFILE]: 'payments-read' });
    const payload = stack.jira.transition('OPS-1', 'Approved', bob);
    const historyId = String((payload.changelog as { id: string }).id);
    const leaseId = leaseIdFor(`jira#${String((payload.issue as { id: string }).id)}#${historyId}`);
    const name = bindingName('payments-read', leaseId);
    const planted = {
      metadata: { name, labels: { [LABEL_MANAGED_BY]: 'kube-lease', [LABEL_LEASE_ID]: leaseId, [LABEL_DEPLOYMENT]: 'kube-lease-test' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory@example.com' }],
    };
    await plant(stack, 'payments', planted);

    // Act
    const body = bodyOf(await stack.deliver(payload));

    // Assess: nothing claimed as granted; the planted binding is exactly as it was; the other namespace's binding is gone again.
    expect(body).toMatchObject({ outcome: 'failed', leaseId });
    expect((await stack.container.leases.get(leaseId))?.status).toBe('FAILED');
    const still = stack.kube.binding('payments', name);
    expect(still?.roleRef.name).toBe('edit');
    expect(still?.subjects).toEqual(planted.subjects);
    expect(stack.kube.binding('payments-worker', name)).toBeUndefined();
    expect(stack.kube.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/namespaces/payments/'))).toEqual([]);
    const comment = stack.jira.comments('OPS-1')[0] ?? '';
    expect(comment).toContain('could not be granted');
    expect(comment).not.toContain('Access granted');
    expect(stack.audit.kinds()).not.toContain('grant');
    expect(stack.audit.events).toMatchObject([{ kind: 'failure', leaseId }]);
  });

  it('revokes a binding created before bindings carried the deployment label (the lease record vouches for it)', async () => {
    const stack = await new TestStack().start();
    stacks.push(stack);
    stack.ticket('OPS-3', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-3', 'Approved', bob)));
    const leaseId = String(granted.leaseId);
    // As an older version left them: no deployment label.
    for (const b of stack.kube.list(LABEL_LEASE_ID, leaseId)) delete b.metadata.labels?.[LABEL_DEPLOYMENT];
    expect(await stack.container.revokeLease({ leaseId, cause: 'manual', actor: 'test' })).toMatchObject({ kind: 'revoked' });
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
  });

  it('never says a binding was removed when the one under the lease\'s name is not the lease\'s own', async () => {
    const stack = await new TestStack().start();
    stacks.push(stack);
    stack.ticket('OPS-4', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-4', 'Approved', bob)));
    const leaseId = String(granted.leaseId);
    // Someone replaced one binding with their own under the same name (another role).
    const [replaced] = stack.kube.list(LABEL_LEASE_ID, leaseId);
    if (replaced === undefined) throw new Error('no binding');
    replaced.roleRef = { ...replaced.roleRef, name: 'edit' };
    expect(await stack.container.revokeLease({ leaseId, cause: 'manual', actor: 'test' })).toMatchObject({ kind: 'revoked' });
    expect(stack.kube.binding(replaced.metadata.namespace, replaced.metadata.name)?.roleRef.name).toBe('edit');
    const note = stack.jira.comments('OPS-4').at(-1) ?? '';
    expect(note).toContain(`Warning: RoleBinding(s) ${replaced.metadata.namespace}/${replaced.metadata.name} carry this lease's name but are not its own`);
    expect(note).not.toContain(`: payments, payments-worker`);
    expect(stack.audit.events.filter((e) => e.kind === 'failure' && e.cause === 'manual')).toHaveLength(1);
    expect(stack.metrics.total('RevokeFailures')).toBe(1);
  });

  it('keeps two deployments on one cluster apart: neither sweeps, adopts or deletes the other\'s bindings', async () => {
    // Prepare: stage A and stage B, each with its own table, share one API server.
    const a = await new TestStack().start();
    const b = await new TestStack({ kube: a.kube }).start({ env: { SCHEDULE_PREFIX: 'kube-lease-staging' } });
    stacks.push(a, b);
    a.ticket('OPS-2', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await a.deliver(a.jira.transition('OPS-2', 'Approved', bob)));
    expect(granted.outcome).toBe('granted');
    const leaseId = String(granted.leaseId);
    expect(a.kube.list(LABEL_DEPLOYMENT, 'kube-lease-test')).toHaveLength(2);

    // Act 1: B's sweep scans the same namespaces; its table knows nothing of A's lease.
    const summary = await b.container.sweepLeases({ scan: true });
    // Assess 1
    expect(summary.orphanBindingsDeleted).toBe(0);
    expect(a.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(2);

    // Act 2: B is hooked to a Jira where the same ticket and changelog id exist: same lease id, same name.
    b.ticket('OPS-2', { [PROFILE]: 'payments-read' });
    const clash = bodyOf(await b.deliver(b.jira.transition('OPS-2', 'Approved', bob)));
    // Assess 2: B may not adopt A's binding; it fails and removes only what is its own (nothing).
    expect(clash).toMatchObject({ outcome: 'failed', leaseId });
    expect(a.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(2);
    expect(a.kube.list(LABEL_DEPLOYMENT, 'kube-lease-staging')).toEqual([]);

    // A still revokes its own lease normally.
    await a.container.revokeLease({ leaseId, cause: 'manual', actor: 'test' });
    expect(a.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
  });
});
