import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DeleteRuleCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { bindingManifest, type Lease } from '../../lib/domain/lease.js';
import { newLease } from '../../lib/domain/lease-factory.js';
import { LABEL_DEPLOYMENT, LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { decide } from '../../lib/domain/policy.js';
import { sourceOf } from '../../lib/ports/ticket-source.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

describe('sweepLeases reconciles what a failed step left behind', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start();
  });
  afterEach(async () => {
    await stack.stop();
  });

  /** The state a grant leaves when it dies after recording the lease and creating its bindings. */
  async function crashedGrant(key: string): Promise<Lease> {
    stack.ticket(key, { [PROFILE]: 'payments-read' });
    stack.jira.transition(key, 'Approved', bob);
    const ticket = await sourceOf(stack.container.tickets, 'jira').getTicket(key);
    const decision = decide(ticket, stack.container.config.catalog, stack.clock.now());
    if (decision.kind !== 'grant') throw new Error('expected a grant');
    const lease = newLease(decision.plan, stack.clock.now(), 'kube-lease-test', 'crashed');
    await stack.container.leases.create(lease);
    // The binding is created, then the process dies before PENDING → ACTIVE.
    await createBinding(lease);
    return lease;
  }

  async function createBinding(lease: Lease): Promise<void> {
    const binding = lease.bindings[0];
    if (binding === undefined) throw new Error('no binding');
    const ours = bindingManifest(lease, binding);
    // As the adapter creates it: labelled with this deployment (the stack's SCHEDULE_PREFIX).
    const manifest = { ...ours, metadata: { ...ours.metadata, labels: { ...ours.metadata.labels, [LABEL_DEPLOYMENT]: 'kube-lease-test' } } };
    await fetch(`${stack.kube.url()}/apis/rbac.authorization.k8s.io/v1/namespaces/${binding.namespace}/rolebindings`, {
      method: 'POST',
      headers: { authorization: 'Bearer fake-k8s-token', 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
  }

  it('finishes an abandoned grant whose ticket still qualifies, once the grace period is over', async () => {
    const lease = await crashedGrant('OPS-80');
    expect((await stack.container.sweepLeases({ scan: true })).finishedPending).toBe(0);
    stack.clock.advance(121_000);
    const summary = await stack.container.sweepLeases({ scan: true });
    expect(summary).toMatchObject({ finishedPending: 1, rolledBackPending: 0, orphanBindingsDeleted: 0 });
    expect((await stack.container.leases.get(lease.id))?.status).toBe('ACTIVE');
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)).toHaveLength(2);
  });

  it('rolls back an abandoned grant whose ticket no longer qualifies: FAILED, bindings removed, ticket told', async () => {
    const lease = await crashedGrant('OPS-81');
    stack.jira.transition('OPS-81', 'In Review', bob);
    stack.clock.advance(121_000);
    const summary = await stack.container.sweepLeases({ scan: true });
    expect(summary).toMatchObject({ finishedPending: 0, rolledBackPending: 1 });
    expect((await stack.container.leases.get(lease.id))?.status).toBe('FAILED');
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)).toEqual([]);
    expect(stack.jira.comments('OPS-81').at(-1)).toContain('could not be granted');
  });

  it('deletes orphan bindings (lease missing or ended) and keeps those of active and in-flight leases', async () => {
    // An active lease, and a grant in flight (PENDING, young): both keep their bindings.
    stack.ticket('OPS-82', { [PROFILE]: 'payments-read' });
    const active = String(bodyOf(await stack.deliver(stack.jira.transition('OPS-82', 'Approved', bob))).leaseId);
    const inFlight = await crashedGrant('OPS-83');
    // A binding whose lease record was lost.
    const ghost: Lease = { ...inFlight, id: 'abcdefabcdefabcdefab', bindings: [{ namespace: 'payments', name: 'kl-payments-read-abcdefabcdefabcdefab' }] };
    await createBinding(ghost);
    // A lease revoked while its binding could not be deleted (the record says REVOKED, the cluster disagrees).
    stack.ticket('OPS-84', { [PROFILE]: 'payments-read' });
    const revokedId = String(bodyOf(await stack.deliver(stack.jira.transition('OPS-84', 'Approved', bob))).leaseId);
    const revoked = await stack.container.leases.get(revokedId);
    if (revoked === undefined) throw new Error('no lease');
    await stack.container.leases.transition(revoked, 'REVOKED', { at: new Date().toISOString(), from: 'ACTIVE', to: 'REVOKED', by: 'test' });

    const summary = await stack.container.sweepLeases({ scan: true });

    expect(summary.orphanBindingsDeleted).toBe(3);
    expect(stack.kube.list(LABEL_LEASE_ID, ghost.id)).toEqual([]);
    expect(stack.kube.list(LABEL_LEASE_ID, revokedId)).toEqual([]);
    expect(stack.kube.list(LABEL_LEASE_ID, active)).toHaveLength(2);
    expect(stack.kube.list(LABEL_LEASE_ID, inFlight.id)).toHaveLength(1);
    expect(stack.audit.events.filter((e) => e.kind === 'revoke' && e.actor === 'sweep')).toHaveLength(3);
  });

  it('leaves timers to themselves: a leftover rule of an ended lease is removed when it fires', async () => {
    // The sweep lists no rules (ListRules can only be allowed on every rule of the account): a rule
    // whose cancel failed fires once at its time, and that revoke finds the lease ended and removes it.
    stack.ticket('OPS-85', { [PROFILE]: 'payments-read' });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('OPS-85', 'Approved', bob))).leaseId);
    stack.eventBridge.on(DeleteRuleCommand).rejectsOnce(new Error('throttled'));
    await stack.container.revokeLease({ leaseId, cause: 'manual', actor: 'test' });
    const before = stack.eventBridge.commandCalls(DeleteRuleCommand).length;
    await stack.container.sweepLeases({ scan: true });
    expect(stack.eventBridge.commandCalls(ListRulesCommand)).toHaveLength(0);
    // The rule fires at the lease's expiry: the revoke finds the lease ended and cancels its timers.
    stack.clock.advance(2 * 3600_000);
    await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    const deleted = stack.eventBridge.commandCalls(DeleteRuleCommand).slice(before).map((c) => c.args[0].input.Name);
    expect(deleted).toContain(`kube-lease-test-${leaseId}`);
  });

  it('stops when its time budget is spent and says so', async () => {
    stack.ticket('OPS-86', { [PROFILE]: 'payments-read' });
    await stack.deliver(stack.jira.transition('OPS-86', 'Approved', bob));
    stack.clock.advance(2 * 3600_000);
    const summary = await stack.container.sweepLeases({ deadline: () => 0 });
    expect(summary).toMatchObject({ due: 1, revoked: 0, outOfTime: true });
    expect(stack.kube.bindings.size).toBe(2);
  });
});
