import { describe, expect, it } from '@jest/globals';
import type { OnCallFinding, OnCallRule } from '../../lib/domain/on-call.js';
import type { TicketSnapshot } from '../../lib/domain/ticket.js';
import { OnCallLookupError } from '../../lib/errors.js';
import type { OnCallDirectory } from '../../lib/ports/on-call-directory.js';
import { DEMO_CATALOG, withOnCall } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/** A directory that answers what the test says, and counts the questions. */
class StubDirectory implements OnCallDirectory {
  readonly asked: { email: string; rule: OnCallRule }[] = [];
  constructor(public answer: OnCallFinding | Error) {}
  findOnCall(email: string, rule: OnCallRule): Promise<OnCallFinding> {
    this.asked.push({ email, rule });
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
}

const ON_CALL: OnCallFinding = {
  kind: 'on-call',
  proof: { userId: 'PUS0001', userEmail: 'alice@example.com', via: { type: 'escalation_policy', id: 'PEP0001', name: 'Payments Ops' }, level: 1, checkedAt: T0.toISOString() },
};

/** An open (not yet approved) Jira ticket asking for the on-call profile. */
function openTicket(key: string, changes: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return approvedTicket(key, { state: 'open', statusText: 'Emergency', approval: undefined, approvalIntegrity: undefined, requestedProfile: 'incident-debug', requestedDuration: '30m', justification: 'INC-4711 checkout latency', ...changes });
}

describe('on-call approval (use case, in-memory ports)', () => {
  it('grants an open ticket when PagerDuty shows the requester on call, and records how it was approved', async () => {
    // Prepare
    const directory = new StubDirectory(ON_CALL);
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    // Act
    const outcome = await app.grantAccess(openTicket('OPS-1'), 'test');
    // Assess
    expect(outcome.kind).toBe('granted');
    if (outcome.kind !== 'granted') return;
    expect(directory.asked).toEqual([{ email: 'alice@example.com', rule: { escalationPolicies: ['PEP0001'] } }]);
    expect(outcome.lease.approvalKind).toBe('on-call');
    expect(outcome.lease.onCall).toEqual(ON_CALL.kind === 'on-call' ? ON_CALL.proof : undefined);
    expect(outcome.lease.approvals).toEqual(['on-call:id-OPS-1']); // decided once per ticket id: a moved issue is the same request
    const grant = app.audit.events.find((e) => e.kind === 'grant');
    expect(grant?.approvalKind).toBe('on-call');
    expect(app.jira.commentsOn('OPS-1').join('\n')).toContain('Approved (on-call): the requester was on call per PagerDuty (alice@example.com as user PUS0001 on escalation policy PEP0001 "Payments Ops" level 1');
  });

  it('a redelivery of the granted ticket is a duplicate and does not ask PagerDuty again', async () => {
    const directory = new StubDirectory(ON_CALL);
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    await app.grantAccess(openTicket('OPS-2'), 'test');
    // The shift ended since: the grant was decided on what PagerDuty said then.
    directory.answer = { kind: 'not-on-call', reason: 'shift over' };
    const repeat = await app.grantAccess(openTicket('OPS-2'), 'test');
    expect(repeat.kind).toBe('duplicate');
    expect(directory.asked).toHaveLength(1);
    expect(app.jira.commentsOn('OPS-2')).toHaveLength(1);
  });

  it('denies when the requester is not on call, once, with PagerDuty\'s reason', async () => {
    const directory = new StubDirectory({ kind: 'not-on-call', reason: 'PagerDuty shows the requester on call in none of escalation policy PEP0001' });
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    const first = await app.grantAccess(openTicket('OPS-3'), 'test');
    const repeat = await app.grantAccess(openTicket('OPS-3'), 'test');
    expect(first).toMatchObject({ kind: 'denied', code: 'not-on-call' });
    expect(repeat.kind).toBe('already-decided');
    expect(app.cluster.bindings.size).toBe(0);
    expect(app.jira.commentsOn('OPS-3')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['deny']);
  });

  it('a PagerDuty failure is transient: it throws retryable, and nothing is spent, stored or said', async () => {
    const directory = new StubDirectory(new OnCallLookupError('PagerDuty answered 503', 503));
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    const failure = await app.grantAccess(openTicket('OPS-4'), 'test').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OnCallLookupError);
    expect((failure as OnCallLookupError).retryable).toBe(true);
    expect(app.jira.commentsOn('OPS-4')).toEqual([]);
    expect(app.audit.events).toEqual([]);
    expect((await app.leases.listForTicket('jira', 'OPS-4')).leases).toEqual([]);
    // Once PagerDuty answers, the same request is granted: nothing was spent.
    directory.answer = ON_CALL;
    expect((await app.grantAccess(openTicket('OPS-4'), 'test')).kind).toBe('granted');
  });

  it('checks the request like any other: the justification must match the profile', async () => {
    const directory = new StubDirectory(ON_CALL);
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    const outcome = await app.grantAccess(openTicket('OPS-5', { justification: 'just looking' }), 'test');
    expect(outcome).toMatchObject({ kind: 'denied', code: 'justification-mismatch' });
  });

  it('an open ticket of a profile without onCall, or in a Jira status that does not ask for it, is no request, and PagerDuty is not asked', async () => {
    const directory = new StubDirectory(ON_CALL);
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    expect((await app.grantAccess(openTicket('OPS-6', { requestedProfile: 'payments-debug' }), 'test')).kind).toBe('ignored');
    expect((await app.grantAccess(openTicket('OPS-6', { statusText: 'In Review' }), 'test')).kind).toBe('ignored');
    expect(directory.asked).toEqual([]);
  });

  it('a person-approved ticket never asks PagerDuty, even for a profile that accepts on-call', async () => {
    const directory = new StubDirectory(new OnCallLookupError('must not be asked', 500));
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    const outcome = await app.grantAccess(approvedTicket('OPS-7', { requestedProfile: 'incident-debug', requestedDuration: '30m', justification: 'INC-1 checkout' }), 'test');
    expect(outcome.kind).toBe('granted');
    if (outcome.kind === 'granted') expect(outcome.lease.approvalKind).toBeUndefined();
    expect(directory.asked).toEqual([]);
    expect(app.audit.events.find((e) => e.kind === 'grant')?.approvalKind).toBe('person');
  });

  it('an on-call grant is extended only by a person\'s approval, never by being on call again', async () => {
    const directory = new StubDirectory(ON_CALL);
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: directory });
    const granted = await app.grantAccess(openTicket('OPS-8'), 'test');
    expect(granted.kind).toBe('granted');
    app.clock.advance(10 * 60_000);
    const again = await app.grantAccess(openTicket('OPS-8', { requestedDuration: '1h' }), 'test');
    expect(again.kind).toBe('duplicate');
    const extended = await app.grantAccess(approvedTicket('OPS-8', { requestedProfile: 'incident-debug', requestedDuration: '1h', justification: 'INC-4711 checkout latency' }), 'test');
    expect(extended.kind).toBe('extended');
  });
});
