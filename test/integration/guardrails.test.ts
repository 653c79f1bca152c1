import { afterEach, describe, expect, it } from '@jest/globals';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { leaseFixture } from '../support/lease-fixture.js';

const PROFILE = 'customfield_10100';
const withProfileLines = (lines: string) =>
  DEMO_CATALOG.replace('    roleRef: { kind: ClusterRole, name: view }\n', `    roleRef: { kind: ClusterRole, name: view }\n${lines}`);

describe('catalog guardrails', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('denies a justification that does not match the profile pattern, and names the hint', async () => {
    stack = await new TestStack().start({ catalog: withProfileLines('    justification: { pattern: "^(INC|CHG)\\\\d+", hint: "start with an incident number such as INC0012345" }\n') });
    stack.jira.createIssue({ key: 'OPS-60', reporter: alice, summary: 'please', fields: { [PROFILE]: 'payments-read' } });
    const denied = bodyOf(await stack.deliver(stack.jira.transition('OPS-60', 'Approved', bob)));
    expect(denied).toMatchObject({ outcome: 'denied', code: 'justification-mismatch' });
    expect(stack.jira.comments('OPS-60')[0]).toContain('start with an incident number');
    stack.jira.createIssue({ key: 'OPS-61', reporter: alice, summary: 'INC0012345 payments down', fields: { [PROFILE]: 'payments-read' } });
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-61', 'Approved', bob))).outcome).toBe('granted');
  });

  it('requires an approver in a named Jira group, checked through the Jira API', async () => {
    stack = await new TestStack().start({ catalog: withProfileLines('    approverGroups: [sre-leads]\n') });
    stack.jira.groups.set(carol.accountId, ['jira-users', 'sre-leads']);
    stack.jira.groups.set(bob.accountId, ['jira-users']);
    stack.ticket('OPS-62', { [PROFILE]: 'payments-read' });
    const denied = bodyOf(await stack.deliver(stack.jira.transition('OPS-62', 'Approved', bob)));
    expect(denied).toMatchObject({ outcome: 'denied', code: 'approver-not-in-group' });
    expect(stack.jira.requests.some((r) => r.path === '/rest/api/2/user/groups' && r.query.get('accountId') === bob.accountId)).toBe(true);
    stack.ticket('OPS-63', { [PROFILE]: 'payments-read' });
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-63', 'Approved', carol))).outcome).toBe('granted');
  });

  it('requires an approver in a named ServiceNow group, checked through sys_user_grmember', async () => {
    stack = await new TestStack().start({ catalog: withProfileLines('    approverGroups: [Change Advisory Board]\n') });
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice');
    const approver = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'payments-read' });
    stack.servicenow.approve(change, approver);
    expect(bodyOf(await stack.deliverServiceNow(change))).toMatchObject({ outcome: 'denied', code: 'approver-not-in-group' });
    stack.servicenow.groups.set(approver.sys_id, ['Change Advisory Board']);
    stack.servicenow.reapprove(change, approver);
    expect(bodyOf(await stack.deliverServiceNow(change)).outcome).toBe('granted');
  });

  it('caps the open leases of one requester across tickets', async () => {
    stack = await new TestStack().start({ catalog: `maxActiveLeasesPerRequester: 1\n${DEMO_CATALOG}` });
    stack.ticket('OPS-64', { [PROFILE]: 'payments-read' });
    const first = bodyOf(await stack.deliver(stack.jira.transition('OPS-64', 'Approved', bob)));
    expect(first.outcome).toBe('granted');
    stack.ticket('OPS-65', { [PROFILE]: 'payments-read' });
    const second = bodyOf(await stack.deliver(stack.jira.transition('OPS-65', 'Approved', bob)));
    expect(second).toMatchObject({ outcome: 'denied', code: 'too-many-leases' });
    expect(stack.jira.comments('OPS-65')[0]).toContain('the most allowed is 1');
    // A re-approval of the first ticket is an extension, not a second lease: the cap does not apply.
    stack.jira.transition('OPS-64', 'In Review', alice);
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-64', 'Approved', carol))).outcome).toMatch(/extended|not-extended/);
    // Once the first lease is over, a new one is allowed.
    await stack.container.revokeLease({ leaseId: String(first.leaseId), cause: 'manual', actor: 'test' });
    stack.jira.transition('OPS-65', 'In Review', alice);
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-65', 'Approved', carol))).outcome).toBe('granted');
  });

  it('dry run: the API server validates the binding, nothing persists, the comment says what would have been granted', async () => {
    stack = await new TestStack().start({ catalog: withProfileLines('    dryRun: true\n') });
    stack.ticket('OPS-66', { [PROFILE]: 'payments-read' });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-66', 'Approved', bob)));
    expect(body).toMatchObject({ outcome: 'dry-run', status: 'REVOKED' });
    const posts = stack.kube.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts.every((r) => r.query.get('dryRun') === 'All')).toBe(true);
    expect(stack.kube.bindings.size).toBe(0);
    expect(stack.putRuleNames()).toEqual([]);
    expect(await stack.container.leases.get(String(body.leaseId))).toMatchObject({ status: 'REVOKED', revokeCause: 'dry-run', dryRun: true });
    expect(stack.jira.comments('OPS-66')[0]).toMatch(/Dry run[\s\S]*ClusterRole\/view[\s\S]*payments, payments-worker/);
    expect(stack.audit.events[0]).toMatchObject({ kind: 'grant', dryRun: true });
  });

  it('pre-access hook (Jira): requires a linked incident that is open right now, read through the API', async () => {
    stack = await new TestStack().start({ catalog: withProfileLines('    linkedTicket: { jiraStatuses: [In Progress, Open] }\n') });
    stack.ticket('OPS-70', { [PROFILE]: 'payments-read' });
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-70', 'Approved', bob)))).toMatchObject({ outcome: 'denied', code: 'no-linked-ticket' });

    stack.jira.createIssue({ key: 'INC-7', reporter: carol, status: 'Open' });
    stack.ticket('OPS-71', { [PROFILE]: 'payments-read' });
    stack.jira.link('OPS-71', 'INC-7');
    // The incident was resolved after it was linked: the link still shows Open, the API says Done.
    stack.jira.transition('INC-7', 'Done', carol);
    const stale = bodyOf(await stack.deliver(stack.jira.transition('OPS-71', 'Approved', bob)));
    expect(stale).toMatchObject({ outcome: 'denied', code: 'no-linked-ticket' });
    expect(String(stale.reason)).toContain('INC-7 (Done)');

    stack.jira.transition('INC-7', 'In Progress', carol);
    stack.jira.transition('OPS-71', 'In Review', alice);
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-71', 'Approved', bob))).outcome).toBe('granted');
  });

  it('pre-access hook (ServiceNow): requires the referenced incident in an allowed state', async () => {
    stack = await new TestStack().start({ catalog: withProfileLines('    linkedTicket: { serviceNowStates: ["1", "2"], serviceNowField: u_incident }\n') });
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice');
    const approver = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob');
    const resolved = stack.servicenow.addIncident('6');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'payments-read', u_incident: resolved.sys_id ?? '' });
    stack.servicenow.approve(change, approver);
    expect(bodyOf(await stack.deliverServiceNow(change))).toMatchObject({ outcome: 'denied', code: 'no-linked-ticket' });
    const active = stack.servicenow.addIncident('2');
    change.u_incident = active.sys_id ?? '';
    stack.servicenow.reapprove(change, approver);
    expect(bodyOf(await stack.deliverServiceNow(change)).outcome).toBe('granted');
  });
});


describe('the per-requester cap is exact', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('holds with 250 ended leases in the requester\'s history', async () => {
    // Prepare: a long history of ended leases of alice (the old index query read 200 of them and stopped).
    stack = await new TestStack().start({ catalog: `maxActiveLeasesPerRequester: 1\n${DEMO_CATALOG}` });
    const old = Array.from({ length: 250 }, (_, i) => ({
      ...leaseFixture(`${String(i).padStart(4, '0')}aaaaaaaaaaaaaaaa`, '2026-01-01T01:00:00.000Z', 'REVOKED'),
      requester: { id: alice.accountId, email: alice.emailAddress ?? '' },
      createdAt: `2020-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
    }));
    for (let i = 0; i < old.length; i += 50) await Promise.all(old.slice(i, i + 50).map((l) => stack.container.leases.create(l)));
    stack.ticket('CAP-1', { [PROFILE]: 'payments-read' });
    expect(bodyOf(await stack.deliver(stack.jira.transition('CAP-1', 'Approved', bob))).outcome).toBe('granted');
    // Act
    stack.ticket('CAP-2', { [PROFILE]: 'payments-debug' });
    const second = bodyOf(await stack.deliver(stack.jira.transition('CAP-2', 'Approved', bob)));
    // Assess
    expect(second).toMatchObject({ outcome: 'denied', code: 'too-many-leases' });
    expect(stack.kube.bindings.size).toBe(2);
  });

  it('holds under 20 concurrent approvals of different tickets', async () => {
    stack = await new TestStack().start({ catalog: `maxActiveLeasesPerRequester: 2\n${DEMO_CATALOG}` });
    const payloads = Array.from({ length: 20 }, (_, i) => {
      stack.ticket(`RACE-${i + 1}`, { [PROFILE]: 'payments-debug' });
      return stack.jira.transition(`RACE-${i + 1}`, 'Approved', bob);
    });
    const outcomes = (await Promise.all(payloads.map((p) => stack.deliver(p)))).map((r) => bodyOf(r).outcome);
    expect(outcomes.filter((o) => o === 'granted')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'denied')).toHaveLength(18);
    expect(stack.kube.bindings.size).toBe(2);
    // A place comes back when a lease ends: a new approval is granted again.
    const granted = (await Promise.all(payloads.map((_, i) => stack.container.leases.listForTicket('jira', `RACE-${i + 1}`)))).flatMap((l) => l.leases).filter((l) => l.status === 'ACTIVE');
    await stack.container.revokeLease({ leaseId: granted[0]?.id ?? '', cause: 'manual', actor: 'test' });
    stack.ticket('RACE-21', { [PROFILE]: 'payments-debug' });
    expect(bodyOf(await stack.deliver(stack.jira.transition('RACE-21', 'Approved', bob))).outcome).toBe('granted');
  });
});
