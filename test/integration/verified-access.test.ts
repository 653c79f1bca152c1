import { afterEach, describe, expect, it } from '@jest/globals';
import { bob, bodyOf, TestStack } from '../support/stack.js';

describe('verified access over HTTP (fake Kubernetes answering SubjectAccessReviews from its RBAC objects)', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  async function grant(key: string): Promise<string> {
    stack.ticket(key, { customfield_10100: 'payments-read' });
    const body = bodyOf(await stack.deliver(stack.jira.transition(key, 'Approved', bob)));
    expect(body.outcome).toBe('granted');
    return String(body.leaseId);
  }

  it('asks the API server per namespace, as the subject, after the grant and after the revoke', async () => {
    // Prepare
    stack = await new TestStack().start();
    // Act
    const id = await grant('SAR-1');
    await stack.container.revokeLease({ leaseId: id, cause: 'manual', actor: 'cli:ops', note: 'done' });
    // Assess
    expect(stack.kube.reviews).toEqual([
      { user: 'alice@example.com', groups: ['system:authenticated'], namespace: 'payments', verb: 'get', resource: 'pods' },
      { user: 'alice@example.com', groups: ['system:authenticated'], namespace: 'payments-worker', verb: 'get', resource: 'pods' },
      { user: 'alice@example.com', groups: ['system:authenticated'], namespace: 'payments', verb: 'get', resource: 'pods' },
      { user: 'alice@example.com', groups: ['system:authenticated'], namespace: 'payments-worker', verb: 'get', resource: 'pods' },
    ]);
    const lease = await stack.container.leases.get(id);
    expect([lease?.verification?.granted?.answers.every((a) => a.allowed), lease?.verification?.revoked?.answers.some((a) => a.allowed)]).toEqual([true, false]);
    expect(stack.jira.comments('SAR-1')[0]).toContain('Verified: the API server confirms');
    expect(stack.metrics.total('StandingAccessDetected')).toBe(0);
  });

  it('grants all the same when kube-lease may not ask (RBAC not updated), and says "not verified", not "verified"', async () => {
    // Prepare: the API server refuses kube-lease's SubjectAccessReviews with 403.
    stack = await new TestStack().start();
    stack.kube.reviewsAllowed = false;
    // Act
    const id = await grant('SAR-2');
    // Assess
    expect(stack.kube.bindings.size).toBe(2);
    const comment = stack.jira.comments('SAR-2')[0] ?? '';
    expect(comment).toContain('Not verified: the API server could not be asked whether User alice@example.com can get pods (kube-lease may not ask it (403): apply the RBAC that npm run rbac prints).');
    expect(comment).not.toContain('Verified:');
    expect((await stack.container.leases.get(id))?.verification?.granted?.error).toBe('kube-lease may not ask it (403): apply the RBAC that npm run rbac prints');
    expect(stack.audit.events.find((e) => e.kind === 'verify')?.verification).toEqual({ check: 'get pods', allowedIn: [], deniedIn: [], error: 'kube-lease may not ask it (403): apply the RBAC that npm run rbac prints' });
  });

  it('finds standing access through a binding to system:authenticated, which every user has', async () => {
    // Prepare: someone bound view to every authenticated user, cluster-wide.
    stack = await new TestStack().start();
    stack.kube.clusterRoleBindings.push({ namespace: undefined, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] });
    const id = await grant('SAR-4');
    // Act
    await stack.container.revokeLease({ leaseId: id, cause: 'manual', actor: 'cli:ops', note: 'done' });
    // Assess
    expect(stack.metrics.total('StandingAccessDetected')).toBe(1);
    expect(stack.jira.comments('SAR-4').at(-1)).toContain('Warning: User alice@example.com can still get pods');
  });

  it('counts standing access: a ClusterRoleBinding nobody leased keeps the access after the revoke', async () => {
    // Prepare
    stack = await new TestStack().start();
    stack.kube.clusterRoleBindings.push({ namespace: undefined, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice@example.com' }] });
    const id = await grant('SAR-3');
    // Act
    await stack.container.revokeLease({ leaseId: id, cause: 'early', actor: 'test' });
    // Assess
    expect(stack.kube.bindings.size).toBe(0);
    expect(stack.metrics.total('StandingAccessDetected', { source: 'jira' })).toBe(1);
    expect(stack.jira.comments('SAR-3').at(-1)).toContain('standing access');
  });
});
