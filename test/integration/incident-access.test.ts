import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { DEMO_CATALOG, withBreakGlass, withOnCall } from '../support/demo-catalog.js';
import { alice, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

describe('incident access end to end (fake Jira, ServiceNow, PagerDuty and Kubernetes over HTTP, dynalite)', () => {
  let stack: TestStack;
  let pd: FakePagerDuty;

  beforeEach(async () => {
    pd = new FakePagerDuty('it-pd-key');
    const url = await pd.start();
    stack = await new TestStack().start({ catalog: withBreakGlass(withOnCall(DEMO_CATALOG)), env: { PAGERDUTY_API_URL: url, PAGERDUTY_API_KEY: 'it-pd-key' } });
  });
  afterEach(async () => {
    await stack.stop();
    await pd.stop();
  });

  const issue = (key: string, profile: string) => stack.jira.createIssue({ key, reporter: alice, summary: 'INC-7: checkout is down since 02:50', fields: { [PROFILE]: profile } });

  it('Jira: moving an issue to Emergency grants it while PagerDuty shows the requester on call', async () => {
    // Prepare
    pd.putOnCall(pd.addUser('alice@example.com', 'Alice Engineer'), { id: 'PEP0001', name: 'Payments Ops' });
    issue('INC-1', 'incident-debug');
    // Act
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Emergency', alice)));
    // Assess
    expect(answer.outcome).toBe('granted');
    expect(stack.kube.list(LABEL_LEASE_ID, String(answer.leaseId))).toHaveLength(1);
    expect(stack.jira.comments('INC-1').join('\n')).toContain('Approved (on-call): the requester was on call per PagerDuty (alice@example.com');
    expect(await stack.container.leases.get(String(answer.leaseId))).toMatchObject({ approvalKind: 'on-call', onCall: { via: { type: 'escalation_policy', id: 'PEP0001' } } });
  });

  it('Jira: PagerDuty unavailable answers 503 and says nothing; the redelivery grants', async () => {
    pd.putOnCall(pd.addUser('alice@example.com', 'Alice Engineer'), { id: 'PEP0001', name: 'Payments Ops' });
    issue('INC-2', 'incident-debug');
    const payload = stack.jira.transition('INC-2', 'Emergency', alice);
    pd.failNext({ pathIncludes: '/oncalls', times: 10, response: { status: 503, body: { error: { message: 'Service Unavailable', code: 5003 } } } });
    const first = await stack.deliver(payload, { deliveryId: 'pd-down-1' });
    expect(first.statusCode).toBe(503);
    expect(stack.jira.comments('INC-2')).toEqual([]);
    expect(stack.kube.bindings.size).toBe(0);
    pd.clearFaults();
    expect(bodyOf(await stack.deliver(payload, { deliveryId: 'pd-down-2' })).outcome).toBe('granted');
  });

  it('Jira: moving an issue to Break Glass grants the requester\'s own request for the break-glass maximum', async () => {
    issue('INC-3', 'break-glass-debug');
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-3', 'Break Glass', alice)));
    expect(answer.outcome).toBe('granted');
    expect(Date.parse(String(answer.expiresAt)) - Date.parse(String(answer.startsAt))).toBe(30 * 60_000);
    expect(pd.requests).toEqual([]);
  });

  it('ServiceNow: an emergency change naming a break-glass profile is granted without an approver', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    const answer = bodyOf(await stack.deliverServiceNow(change));
    expect(answer.outcome).toBe('granted');
    expect(await stack.container.leases.get(String(answer.leaseId))).toMatchObject({ approvalKind: 'break-glass' });
    // A normal change in the same state is not a request.
    const normal = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'normal', justification: 'INC-9: checkout is down since 02:50' });
    expect(bodyOf(await stack.deliverServiceNow(normal)).outcome).toBe('ignored');
  });
});
