import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/**
 * Issue 23, independent review 1 (attacker: the requester of a break-glass lease, who self-approves it).
 * PoC tests: they assert what must hold, and fail on the code reviewed (h3/review1).
 */
describe('review1 PoC: a break-glass requester cannot make their own lease "reviewed" (fake Jira, Kubernetes; dynalite)', () => {
  let stack: TestStack;

  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  const reviewIssues = () => [...stack.jira.issues.values()].filter((i) => i.key.startsWith('SEC-'));
  const doneEvents = (leaseId: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === 'done');

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
  });
});
