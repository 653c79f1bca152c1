import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/**
 * Regression (issue 23, independent review 1, R1; attacker: the requester of a break-glass lease,
 * who self-approves it). Only a task kube-lease's own account created is the lease's review task,
 * and only a closing by a person other than the requester and kube-lease's account is a review.
 */
describe('review tasks: a break-glass requester cannot make their own lease "reviewed" (fake Jira, ServiceNow, Kubernetes; dynalite)', () => {
  let stack: TestStack;

  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  const reviewIssues = () => [...stack.jira.issues.values()].filter((i) => i.key.startsWith('SEC-'));
  const events = (leaseId: string, what: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === what);
  const doneEvents = (leaseId: string) => events(leaseId, 'done');

  it('R1-A: a task the requester planted (label = the predictable marker, already Done) is never taken for the lease\'s review task', async () => {
    stack.jira.createIssue({ key: 'INC-1', reporter: alice, summary: 'INC-7: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
    // The lease id is a hash of the ticket's id alone (break-glass approval id = the ticket id): the requester computes it.
    const ticketId = stack.jira.issues.get('INC-1')?.id ?? '';
    const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'jira', id: ticketId }, approval: { id: breakGlassApprovalId(ticketId) } }));
    // The requester files an issue in the review project with that label, and closes it themselves.
    stack.jira.createIssue({ key: 'SEC-900', reporter: alice, summary: 'Review (nothing to see)', fields: { labels: [reviewMarker(predicted)] }, status: 'Done' });
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Break Glass', alice)));
    expect(answer.outcome).toBe('granted');
    expect(String(answer.leaseId)).toBe(predicted);
    // The sweep looks at the recorded task an hour later: a planted one is Done already.
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(predicted);
    // What must hold: the lease's review task is one kube-lease opened, and it is not done.
    expect(lease?.review?.key).not.toBe('SEC-900');
    expect(lease?.review?.doneAt).toBeUndefined();
    expect(doneEvents(predicted)).toHaveLength(0);
    expect(stack.jira.comments('INC-1').some((c) => c.includes('SEC-900'))).toBe(false);
    // kube-lease opened its own task, told the ticket about that one, and recorded the planted one as a finding.
    const own = lease?.review?.key ?? '';
    expect(stack.jira.issue(own).fields.creator).toEqual(stack.jira.botUser);
    expect(stack.jira.comments('INC-1').filter((c) => c.startsWith('A review task was opened') && c.includes(own))).toHaveLength(1);
    expect(events(predicted, 'planted').map((e) => e.reviewTask?.key)).toEqual(['SEC-900']);
  });

  it('R1-B: the requester closing kube-lease\'s review task of their own break-glass lease does not make it reviewed', async () => {
    stack.jira.createIssue({ key: 'INC-2', reporter: alice, summary: 'INC-8: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-2', 'Break Glass', alice)));
    expect(answer.outcome).toBe('granted');
    const leaseId = String(answer.leaseId);
    const task = reviewIssues()[0]?.key ?? '';
    expect(task).not.toBe('');
    stack.jira.transition(task, 'Done', alice);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    // What must hold: a review closed by the person whose access it reviews is not a review.
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeUndefined();
    expect(doneEvents(leaseId)).toHaveLength(0);
    // Reported once (audit event, and on the task), however often the sweep looks.
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect(events(leaseId, 'not-counted')).toHaveLength(1);
    expect(events(leaseId, 'not-counted')[0]?.reason).toContain('requester');
    expect(stack.jira.comments(task).filter((c) => c.startsWith('kube-lease does not count this closing'))).toHaveLength(1);
    // kube-lease's own account closing it is no review either; a person other than the requester is.
    stack.jira.transition(task, 'Open', carol);
    stack.jira.transition(task, 'Done', stack.jira.botUser);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeUndefined();
    expect(events(leaseId, 'not-counted')).toHaveLength(2);
    stack.jira.transition(task, 'Open', carol);
    stack.jira.transition(task, 'Done', carol);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeDefined();
    expect(doneEvents(leaseId).map((e) => e.reason)).toEqual(['the review task was closed as done by carol@example.com']);
  });

  it('R1-B: a closing behind a long changelog (more than Jira embeds) is read from the changelog\'s last page; the requester\'s does not count', async () => {
    stack.jira.createIssue({ key: 'INC-3', reporter: alice, summary: 'INC-8: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('INC-3', 'Break Glass', alice))).leaseId);
    const task = reviewIssues()[0]?.key ?? '';
    stack.jira.churn(task, 150, carol);
    stack.jira.transition(task, 'Done', alice);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeUndefined();
    expect(events(leaseId, 'not-counted')[0]?.reason).toContain('requester');
    stack.jira.transition(task, 'Open', carol);
    stack.jira.transition(task, 'Done', carol);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeDefined();
  });

  it('R1-C (ServiceNow): a change_task the requester planted under another change (correlation_id = the marker, Closed Complete) is never taken for the lease\'s review task', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    const changeId = String(change.sys_id);
    const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'servicenow', id: changeId }, approval: { id: breakGlassApprovalId(changeId) } }));
    // Filed and closed by the requester through the Table API (as itil may), on a change of their own that grants nothing.
    const tasks = stack.servicenow.tables.get('change_task') ?? new Map<string, Record<string, string>>();
    stack.servicenow.tables.set('change_task', tasks);
    tasks.set('0123456789abcdef0123456789abcdef', { sys_id: '0123456789abcdef0123456789abcdef', number: 'CTASK0099999', state: '3', correlation_id: reviewMarker(predicted), change_request: 'fedcba9876543210fedcba9876543210', sys_created_by: 'alice' });
    const answer = bodyOf(await stack.deliverServiceNow(change));
    expect(answer.outcome).toBe('granted');
    expect(String(answer.leaseId)).toBe(predicted);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(predicted);
    // What must hold: the review task is one of the lease's change that kube-lease created, and it is not done.
    expect(lease?.review?.key).not.toBe('CTASK0099999');
    expect(lease?.review?.doneAt).toBeUndefined();
    expect(doneEvents(predicted)).toHaveLength(0);
    expect(stack.servicenow.changeTasks().find((t) => t.number === lease?.review?.key)).toMatchObject({ change_request: changeId, sys_created_by: 'kube-lease.integration' });
    expect(events(predicted, 'planted').map((e) => e.reviewTask?.key)).toEqual(['CTASK0099999']);
  });

  it('R1-B (ServiceNow): the requester closing the lease\'s change_task does not count; the sys_audit history shows who closed it, and another person\'s closing does', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const reviewer = stack.servicenow.addUser('carol', 'carol@example.com', 'Carol Reviewer');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    const leaseId = String(bodyOf(await stack.deliverServiceNow(change)).leaseId);
    const task = stack.servicenow.changeTasks()[0]?.number ?? '';
    // closed_by names carol, but the audit history shows alice closed it.
    stack.servicenow.closeTask(task, requester);
    const closed = stack.servicenow.changeTasks()[0];
    if (closed !== undefined) closed.closed_by = reviewer.sys_id;
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeUndefined();
    expect(events(leaseId, 'not-counted')).toHaveLength(1);
    stack.servicenow.closeTask(task, reviewer, '1');
    stack.servicenow.closeTask(task, reviewer);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeDefined();
    expect(doneEvents(leaseId).map((e) => e.reason)).toEqual(['the review task was closed as done by carol']);
  });
});
