import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DAY = 86_400_000;

describe('review after the fact: one review task per on-call or break-glass lease (fake Jira, ServiceNow, PagerDuty, Kubernetes; dynalite)', () => {
  let stack: TestStack;
  let pd: FakePagerDuty;

  beforeEach(async () => {
    pd = new FakePagerDuty('rt-pd-key');
    const url = await pd.start();
    stack = await new TestStack().start({ catalog: REVIEW_CATALOG, env: { PAGERDUTY_API_URL: url, PAGERDUTY_API_KEY: 'rt-pd-key' } });
    stack.jira.extraUsers.push(bob);
    pd.putOnCall(pd.addUser('alice@example.com', 'Alice Engineer'), { id: 'PEP0001', name: 'Payments Ops' });
  });
  afterEach(async () => {
    await stack.stop();
    await pd.stop();
  });

  const issue = (key: string, profile: string) => stack.jira.createIssue({ key, reporter: alice, summary: 'INC-7: checkout is down since 02:50', fields: { [PROFILE]: profile } });
  const reviewIssues = () => [...stack.jira.issues.values()].filter((i) => i.key.startsWith('SEC-'));
  const reviewEvents = (leaseId: string, event: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === event);

  it('Jira on-call grant: opens one review issue (who, what, why, when, how, the ticket) with the approvers watching, after the grant comment', async () => {
    // Prepare
    issue('INC-1', 'incident-debug');
    // Act
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Emergency', alice)));
    // Assess
    expect(answer.outcome).toBe('granted');
    const leaseId = String(answer.leaseId);
    const [task] = reviewIssues();
    expect(reviewIssues()).toHaveLength(1);
    const fields: Record<string, unknown> = task?.fields ?? {};
    expect(fields.labels).toContain(reviewMarker(leaseId));
    expect(fields.issuetype).toMatchObject({ name: 'Task' });
    expect(String(fields.summary)).toContain('on-call');
    const description = String(fields.description);
    // Verbatim: ticket-derived text (the justification) never renders as wiki markup.
    expect(description.startsWith('{noformat}') && description.endsWith('{noformat}')).toBe(true);
    for (const part of ['INC-1', 'alice@example.com', 'incident-debug', 'Role/pod-debugger', 'payments', 'INC-7: checkout is down', 'Approved (on-call)', 'PEP0001', leaseId]) expect(description).toContain(part);
    expect(JSON.stringify(fields.issuelinks)).toContain('"key":"INC-1"');
    expect(stack.jira.watchersOf(task?.key ?? '')).toEqual([bob.accountId]);
    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.review).toMatchObject({ system: 'jira', key: task?.key, url: expect.stringContaining(`/browse/${task?.key ?? ''}`) });
    expect(reviewEvents(leaseId, 'opened')).toHaveLength(1);
    const comments = stack.jira.comments('INC-1');
    expect(comments[0]).toContain('Access granted');
    expect(comments[1]).toContain(`A review task was opened for this on-call lease (${leaseId}): ${task?.key ?? ''}`);
    // The cluster has no audit log here: no evidence is promised, on the ticket or the task.
    expect(comments[1]).not.toContain('evidence');
    expect(description).toContain('no audit log configured');
  });

  it('concurrent and repeated deliveries of one approval open exactly one review task', async () => {
    issue('INC-2', 'break-glass-debug');
    const payload = stack.jira.transition('INC-2', 'Break Glass', alice);
    const answers = await Promise.all([stack.deliver(payload, { deliveryId: 'a' }), stack.deliver(payload, { deliveryId: 'b' }), stack.deliver(payload, { deliveryId: 'c' })]);
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    await stack.deliver(payload, { deliveryId: 'd' });
    expect(answers.map((a) => bodyOf(a).outcome)).toContain('granted');
    expect(reviewIssues()).toHaveLength(1);
    const leaseId = String(answers.map(bodyOf).find((a) => a.outcome === 'granted')?.leaseId);
    expect(reviewEvents(leaseId, 'opened')).toHaveLength(1);
    expect(stack.jira.comments('INC-2').filter((c) => c.startsWith('A review task was opened'))).toHaveLength(1);
  });

  it('a review task Jira refuses never undoes the grant nor is claimed on the ticket; the sweep opens it later', async () => {
    issue('INC-3', 'incident-debug');
    stack.jira.failNext({ method: 'POST', path: '/rest/api/2/issue', response: { status: 400, body: { errorMessages: [], errors: { issuetype: 'The issue type selected is invalid.' } } } });
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-3', 'Emergency', alice)));
    expect(answer.outcome).toBe('granted');
    expect(reviewIssues()).toHaveLength(0);
    expect(stack.jira.comments('INC-3').some((c) => c.includes('review task'))).toBe(false);
    expect((await stack.container.leases.get(String(answer.leaseId)))?.status).toBe('ACTIVE');
    // The queue item comes due two minutes after the lease was made.
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    expect(reviewIssues()).toHaveLength(1);
    expect(stack.jira.comments('INC-3').filter((c) => c.startsWith('A review task was opened'))).toHaveLength(1);
  });

  it('a create whose answer was lost is found by its label afterwards, never opened twice', async () => {
    issue('INC-6', 'incident-debug');
    stack.jira.loseCreateAnswers = 1;
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-6', 'Emergency', alice)));
    expect(answer.outcome).toBe('granted');
    expect(reviewIssues()).toHaveLength(1);
    expect((await stack.container.leases.get(String(answer.leaseId)))?.review).toBeUndefined();
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    expect(reviewIssues()).toHaveLength(1);
    expect((await stack.container.leases.get(String(answer.leaseId)))?.review?.key).toBe(reviewIssues()[0]?.key);
    expect(reviewEvents(String(answer.leaseId), 'opened').map((e) => e.reason)).toEqual([expect.stringContaining('found by sweep')]);
  });

  it('sweeps working the same review at once open one task (the hold on the lease), even while the search lags behind', async () => {
    issue('INC-7', 'break-glass-debug');
    stack.jira.searchLagMs = 30_000;
    stack.jira.failNext({ method: 'POST', path: '/rest/api/2/issue', response: { status: 503, body: { errorMessages: ['Service Unavailable'], errors: {} } } });
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-7', 'Break Glass', alice)));
    expect(reviewIssues()).toHaveLength(0);
    stack.clock.advance(3 * 60_000);
    await Promise.all([stack.container.sweepLeases(), stack.container.sweepLeases(), stack.container.sweepLeases()]);
    expect(reviewIssues()).toHaveLength(1);
    expect((await stack.container.leases.get(String(answer.leaseId)))?.review?.key).toBe(reviewIssues()[0]?.key);
  });

  it('a task left unreviewed past unreviewedAfterDays is counted by the sweep until it is done', async () => {
    issue('INC-4', 'incident-debug');
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('INC-4', 'Emergency', alice))).leaseId);
    const unreviewedNow = () => stack.metrics.counts.filter((c) => c.name === 'UnreviewedEmergencyLeases').at(-1)?.value;
    stack.clock.advance(2 * 60 * 60_000);
    await stack.container.sweepLeases();
    expect(unreviewedNow()).toBe(0);
    stack.clock.advance(7 * DAY - 4 * 60 * 60_000);
    await stack.container.sweepLeases();
    expect(unreviewedNow()).toBe(0);
    stack.clock.advance(3 * 60 * 60_000);
    await stack.container.sweepLeases();
    expect(unreviewedNow()).toBe(1);
    // Counted on every run (a gauge), not once.
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect(unreviewedNow()).toBe(1);
    const key = reviewIssues()[0]?.key ?? '';
    stack.jira.transition(key, 'Done', carol);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect(unreviewedNow()).toBe(0);
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeDefined();
    expect(reviewEvents(leaseId, 'done')).toHaveLength(1);
  });

  it('ServiceNow emergency change: one change_task of the change, assigned to the approver group, found by its correlation id', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    stack.servicenow.groups.set(requester.sys_id, ['payments-approvers']);
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    const answer = bodyOf(await stack.deliverServiceNow(change));
    expect(answer.outcome).toBe('granted');
    await stack.deliverServiceNow(change);
    const tasks = stack.servicenow.changeTasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ change_request: change.sys_id, correlation_id: reviewMarker(String(answer.leaseId)), assignment_group: stack.servicenow.groupId('payments-approvers'), state: '1' });
    expect(tasks[0]?.description).toContain('Approved (break-glass)');
    expect((await stack.container.leases.get(String(answer.leaseId)))?.review).toMatchObject({ system: 'servicenow', key: tasks[0]?.number, id: tasks[0]?.sys_id });
  });
});
