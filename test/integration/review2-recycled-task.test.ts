import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/**
 * Review 2 of issue 23, PoC R2-1 (attacker: a break-glass requester who may edit issues in the
 * review project, as R1-A's planting assumed they may create them). kube-lease's own account
 * created the review task of the requester's earlier lease, and a reviewer closed it. The requester
 * adds the new lease's (predictable) marker to that old, closed task: the creator check passes
 * (kube-lease created it), the closing check passes (the reviewer closed it), and the new lease is
 * counted as reviewed without anyone having looked at it. FAILS on the code under review.
 */
describe('review 2: a recycled review task (kube-lease-created, closed by a reviewer for an earlier lease) is not taken for a new lease', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R2-1 (Jira): relabelling an old, reviewed task with the new marker makes the new lease reviewed', async () => {
    stack.jira.createIssue({ key: 'INC-1', reporter: alice, summary: 'INC-7: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
    const first = String(bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Break Glass', alice))).leaseId);
    const oldTask = (await stack.container.leases.get(first))?.review?.key ?? '';
    expect(oldTask).not.toBe('');
    stack.jira.transition(oldTask, 'Done', carol); // a genuine review of the FIRST lease
    stack.clock.advance(25 * 3600_000); // another day: the first lease has ended, the break-glass limit is new
    await stack.container.sweepLeases();

    // The second incident: the requester computes the lease id and relabels the old task before breaking glass.
    stack.jira.createIssue({ key: 'INC-2', reporter: alice, summary: 'INC-8: checkout is down again', fields: { [PROFILE]: 'break-glass-debug' } });
    const ticketId = stack.jira.issues.get('INC-2')?.id ?? '';
    const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'jira', id: ticketId }, approval: { id: breakGlassApprovalId(ticketId) } }));
    const old = stack.jira.issue(oldTask);
    old.fields.labels = [...((old.fields.labels as string[] | undefined) ?? []), reviewMarker(predicted)];

    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-2', 'Break Glass', alice)));
    expect(answer).toMatchObject({ outcome: 'granted' });
    expect(String(answer.leaseId)).toBe(predicted);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(predicted);
    // What must hold: the second lease has a task of its own, and nobody reviewed it.
    expect(lease?.review?.doneAt).toBeUndefined();
    expect(lease?.review?.key).not.toBe(oldTask);
  });

  it('R2-1 (ServiceNow): re-pointing an old, reviewed change_task (correlation_id, change_request) makes the new lease reviewed', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const reviewer = stack.servicenow.addUser('carol', 'carol@example.com', 'Carol Reviewer');
    const first = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    expect(bodyOf(await stack.deliverServiceNow(first)).outcome).toBe('granted');
    const oldTask = stack.servicenow.changeTasks()[0];
    if (oldTask === undefined) throw new Error('no review task');
    stack.servicenow.closeTask(String(oldTask.number), reviewer); // a genuine review of the FIRST lease
    stack.clock.advance(25 * 3600_000);
    await stack.container.sweepLeases();

    const second = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-10: checkout is down again' });
    const changeId = String(second.sys_id);
    const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'servicenow', id: changeId }, approval: { id: breakGlassApprovalId(changeId) } }));
    // The requester (itil, write on change_task) re-points the old task at the new change and marker.
    Object.assign(oldTask, { correlation_id: reviewMarker(predicted), change_request: changeId });
    expect(bodyOf(await stack.deliverServiceNow(second)).outcome).toBe('granted');
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(predicted);
    expect(lease?.review?.doneAt).toBeUndefined();
    expect(lease?.review?.key).not.toBe(oldTask.number);
  });
});
