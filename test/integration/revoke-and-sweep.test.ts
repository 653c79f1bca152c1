import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DeleteRuleCommand, LimitExceededException, PutRuleCommand, RemoveTargetsCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { RevokeIncompleteError } from '../../lib/errors.js';
import { bob, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';

describe('revokeLease and sweepLeases', () => {
  let stack: TestStack;

  beforeEach(async () => {
    stack = await new TestStack().start();
  });
  afterEach(async () => {
    await stack.stop();
  });

  async function grant(key: string, duration = '1h', approver = bob): Promise<string> {
    stack.ticket(key, { [PROFILE]: 'payments-read', [DURATION]: duration });
    const body = bodyOf(await stack.deliver(stack.jira.transition(key, 'Approved', approver)));
    expect(body.outcome).toBe('granted');
    return String(body.leaseId);
  }

  it('revokes at expiry: bindings deleted, lease REVOKED, rule removed (targets first), ticket told', async () => {
    const wallBefore = Date.now();
    const leaseId = await grant('OPS-20');
    stack.clock.advance(3600 * 1000 + 1);

    const outcome = await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    const wallSeconds = (Date.now() - wallBefore) / 1000;

    expect(outcome.kind).toBe('revoked');
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.status).toBe('REVOKED');
    expect(lease?.revokeCause).toBe('expiry');
    expect(lease?.history.map((h) => h.to)).toEqual(['PENDING', 'ACTIVE', 'ACTIVE', 'REVOKED']);
    const calls = stack.eventBridge.calls().map((c) => c.args[0].constructor.name);
    expect(calls.slice(-2)).toEqual(['RemoveTargetsCommand', 'DeleteRuleCommand']);
    expect(stack.eventBridge.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input.Name)).toEqual([`${lease?.scheduleName ?? ''}-start`, lease?.scheduleName]);
    const comments = stack.jira.comments('OPS-20');
    expect(comments).toHaveLength(2);
    expect(comments[1]).toContain('Access revoked');
    expect(comments[1]).toContain('the lease expired');
    expect(stack.audit.events.at(-1)).toMatchObject({ kind: 'revoke', leaseId, cause: 'expiry', ticket: 'OPS-20' });
    // Measured from the expiry: 1 ms past it on the test clock, plus the real time since the grant
    // (the test clock also moves with real time), never more (no timing budget asserted here).
    expect(stack.metrics.durations).toEqual([{ name: 'RevocationLag', dimensions: { cause: 'expiry' }, seconds: expect.any(Number) }]);
    expect(stack.metrics.durations[0]?.seconds).toBeGreaterThanOrEqual(0.001);
    expect(stack.metrics.durations[0]?.seconds).toBeLessThanOrEqual(0.001 + wallSeconds + 0.002);
    expect(stack.metrics.total('Revocations', { cause: 'expiry' })).toBe(1);
  });

  it('never revokes before expiry, even if the schedule fires early', async () => {
    const leaseId = await grant('OPS-21');
    const outcome = await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    expect(outcome.kind).toBe('not-due');
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(2);
    expect((await stack.container.leases.get(leaseId))?.status).toBe('ACTIVE');
  });

  it('counts a binding that is already gone as revoked', async () => {
    const leaseId = await grant('OPS-22');
    for (const binding of stack.kube.list(LABEL_LEASE_ID, leaseId)) stack.kube.bindings.delete(`${binding.metadata.namespace}/${binding.metadata.name}`);
    stack.clock.advance(3600 * 1000 + 1);
    const outcome = await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    expect(outcome.kind).toBe('revoked');
    expect((await stack.container.leases.get(leaseId))?.status).toBe('REVOKED');
    expect(stack.kube.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('revokes once when asked twice, and tolerates a rule that is already gone', async () => {
    const leaseId = await grant('OPS-23');
    stack.clock.advance(3600 * 1000 + 1);
    const first = await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    stack.eventBridge.on(RemoveTargetsCommand).rejects(new ResourceNotFoundException({ message: 'Rule does not exist', $metadata: {} }));
    stack.eventBridge.on(DeleteRuleCommand).rejects(new ResourceNotFoundException({ message: 'Rule does not exist', $metadata: {} }));
    const second = await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    expect(first.kind).toBe('revoked');
    expect(second.kind).toBe('not-active');
    expect(stack.jira.comments('OPS-23').filter((c) => c.includes('revoked'))).toHaveLength(1);
    expect(stack.audit.kinds().filter((k) => k === 'revoke')).toHaveLength(1);
    expect(stack.logger.lines.filter((l) => l.level === 'warn' && l.message.includes('schedule'))).toHaveLength(0);
  });

  it('revokes concurrently requested revocations exactly once', async () => {
    const leaseId = await grant('OPS-24');
    stack.clock.advance(3600 * 1000 + 1);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' })));
    expect(outcomes.filter((o) => o.kind === 'revoked')).toHaveLength(1);
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
    expect(stack.jira.comments('OPS-24').filter((c) => c.includes('revoked'))).toHaveLength(1);
  });

  it('keeps the lease ACTIVE and throws (so Lambda retries) when Kubernetes fails the delete, then finishes on retry', async () => {
    const leaseId = await grant('OPS-25');
    stack.clock.advance(3600 * 1000 + 1);
    stack.kube.failNext({ method: 'DELETE', pathIncludes: '/namespaces/payments/', times: 3, response: { status: 503, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', code: 503 } } });

    await expect(stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' })).rejects.toBeInstanceOf(RevokeIncompleteError);
    expect((await stack.container.leases.get(leaseId))?.status).toBe('ACTIVE');
    expect(stack.audit.events.at(-1)).toMatchObject({ kind: 'failure', leaseId });
    // One metric per failed attempt, so an alarm can fire before the sweep gives up.
    expect(stack.metrics.total('RevokeFailures')).toBe(1);
    // One failed delete (after the adapter's three attempts), counted against Kubernetes.
    expect(stack.metrics.counts.filter((c) => c.name === 'BackendFailures')).toEqual([{ name: 'BackendFailures', dimensions: { backend: 'kubernetes' }, value: 1 }]);

    const retry = await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    expect(retry.kind).toBe('revoked');
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
  });

  it('sweep revokes an expired lease whose rule never fired, and only that one', async () => {
    const wallBefore = Date.now();
    const expired = await grant('OPS-26', '30m');
    const current = await grant('OPS-27', '4h');
    stack.clock.advance(31 * 60 * 1000);

    const summary = await stack.container.sweepLeases();
    const wallSeconds = (Date.now() - wallBefore) / 1000;

    expect(summary).toMatchObject({ due: 1, revoked: 1, activated: 0, failed: 0, skipped: 0, orphanBindingsDeleted: 0, outOfTime: false });
    expect((await stack.container.leases.get(expired))?.status).toBe('REVOKED');
    expect((await stack.container.leases.get(expired))?.revokeCause).toBe('sweep');
    expect(stack.kube.list(LABEL_LEASE_ID, expired)).toEqual([]);
    expect((await stack.container.leases.get(current))?.status).toBe('ACTIVE');
    expect(stack.kube.list(LABEL_LEASE_ID, current)).toHaveLength(2);
    expect(stack.jira.comments('OPS-26').at(-1)).toContain('periodic sweep');
    expect(await stack.container.sweepLeases()).toMatchObject({ due: 0, revoked: 0, activated: 0, failed: 0, skipped: 0 });
    // The fix is counted by kind, once; the lease ended a minute late (the sweep found it 31 min into 30).
    expect(stack.metrics.counts.filter((c) => c.name === 'SweepFixes')).toEqual([{ name: 'SweepFixes', dimensions: { kind: 'revoked' }, value: 1 }]);
    expect(stack.metrics.durations).toEqual([{ name: 'RevocationLag', dimensions: { cause: 'sweep' }, seconds: expect.any(Number) }]);
    expect(stack.metrics.durations[0]?.seconds).toBeGreaterThanOrEqual(60);
    expect(stack.metrics.durations[0]?.seconds).toBeLessThanOrEqual(60 + wallSeconds + 0.002);
  });

  it('revokes overlapping leases of the same person and role independently', async () => {
    const first = await grant('OPS-28', '30m', bob);
    const second = await grant('OPS-29', '2h', carol);
    expect(first).not.toBe(second);
    expect(stack.kube.bindings.size).toBe(4);
    stack.clock.advance(31 * 60 * 1000);

    await stack.container.revokeLease({ leaseId: first, cause: 'expiry', actor: 'eventbridge' });

    expect(stack.kube.list(LABEL_LEASE_ID, first)).toEqual([]);
    const remaining = stack.kube.list(LABEL_LEASE_ID, second);
    expect(remaining).toHaveLength(2);
    expect(remaining.every((b) => b.subjects[0]?.name === 'alice@example.com' && b.roleRef.name === 'view')).toBe(true);
  });

  it('reports an unknown lease id without throwing', async () => {
    expect(await stack.container.revokeLease({ leaseId: '0123456789abcdef0123', cause: 'expiry', actor: 'eventbridge' })).toEqual({ kind: 'not-found' });
  });

  it('still grants at the EventBridge rule quota, warns in the audit event and the comment, and the sweep revokes on time', async () => {
    stack.eventBridge.on(PutRuleCommand).rejects(new LimitExceededException({ message: 'The requested resource exceeds the maximum number allowed.', $metadata: {} }));
    stack.ticket('OPS-30', { [PROFILE]: 'payments-read', [DURATION]: '30m' });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-30', 'Approved', bob)));
    expect(body.outcome).toBe('granted');
    expect(stack.kube.list(LABEL_LEASE_ID, String(body.leaseId))).toHaveLength(2);
    expect(stack.audit.events.find((e) => e.kind === 'grant')).toMatchObject({ kind: 'grant', warning: expect.stringContaining('quota') });
    expect(stack.jira.comments('OPS-30')[0]).toContain('periodic sweep will end this access on time');
    stack.clock.advance(31 * 60_000);
    expect(await stack.container.sweepLeases()).toMatchObject({ revoked: 1 });
    expect(stack.kube.bindings.size).toBe(0);
  });
});

