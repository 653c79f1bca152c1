import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bodyOf, carol, TestStack } from '../support/stack.js';
import type { JiraUser } from '../fakes/fake-jira.js';

const PROFILE = 'customfield_10100';
/** A colleague breaking glass in the same incident. */
const dave: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c09', emailAddress: 'dave@example.com', displayName: 'Dave Engineer', accountType: 'atlassian', active: true };

/**
 * Review 4 PoC (issue 23), R4-1. Attacker: a break-glass requester who may edit issues in the
 * review project (R2-1's model). The task kube-lease created for a colleague's lease A is
 * still open; the requester adds lease B's (predictable) marker as a second label, within the
 * clock allowance of B's create. B adopts A's task (kube-lease created it, after B was recorded
 * minus the allowance, open), and one reviewer's closing of A's task (which reads A's description)
 * counts for both leases: B is never reviewed by anyone. Fails on current code.
 */
describe('review 4: one kube-lease task carrying two leases\' markers', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R4-1 (Jira): a second marker label on the earlier lease\'s open task makes the later lease reviewed by the earlier review', async () => {
    stack.jira.createIssue({ key: 'INC-1', reporter: dave, summary: 'INC-7: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
    const first = String(bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Break Glass', dave))).leaseId);
    const taskA = (await stack.container.leases.get(first))?.review?.key ?? '';
    expect(taskA).not.toBe('');

    stack.clock.advance(30_000); // the second incident, half a minute later
    stack.jira.createIssue({ key: 'INC-2', reporter: alice, summary: 'INC-8: payments down too', fields: { [PROFILE]: 'break-glass-debug' } });
    const ticketId = stack.jira.issues.get('INC-2')?.id ?? '';
    const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'jira', id: ticketId }, approval: { id: breakGlassApprovalId(ticketId) } }));
    const a = stack.jira.issue(taskA);
    a.fields.labels = [...((a.fields.labels as string[] | undefined) ?? []), reviewMarker(predicted)];

    const answer = bodyOf(await stack.deliver(stack.jira.transition('INC-2', 'Break Glass', alice)));
    expect(answer).toMatchObject({ outcome: 'granted', leaseId: predicted });

    stack.clock.advance(10 * 60_000);
    stack.jira.transition(taskA, 'Done', carol); // carol reviews lease A (the description she reads is A's)
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const after = await stack.container.leases.get(predicted);
    // What must hold: B has a task of its own, and nobody reviewed B.
    expect({ doneAt: after?.review?.doneAt, key: after?.review?.key }).toEqual({ doneAt: undefined, key: expect.not.stringMatching(`^${taskA}$`) });
  });

  it('R4-1 (ServiceNow): the earlier lease\'s open change_task re-pointed within the minute becomes the later lease\'s, and its reviewer\'s closing counts for it', async () => {
    const colleague = stack.servicenow.addUser('dave', 'dave@example.com', 'Dave Engineer');
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const reviewer = stack.servicenow.addUser('carol', 'carol@example.com', 'Carol Reviewer');
    const first = stack.servicenow.createChange(colleague, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    expect(bodyOf(await stack.deliverServiceNow(first)).outcome).toBe('granted');
    const taskA = stack.servicenow.changeTasks()[0];
    if (taskA === undefined) throw new Error('no review task');

    stack.clock.advance(30_000);
    const second = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-10: payments down too' });
    const changeId = String(second.sys_id);
    const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'servicenow', id: changeId }, approval: { id: breakGlassApprovalId(changeId) } }));
    Object.assign(taskA, { correlation_id: reviewMarker(predicted), change_request: changeId }); // the requester (itil) re-points it
    expect(bodyOf(await stack.deliverServiceNow(second)).outcome).toBe('granted');

    stack.clock.advance(10 * 60_000);
    stack.servicenow.closeTask(String(taskA.number), reviewer); // carol closes the task whose description is dave's lease
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const after = await stack.container.leases.get(predicted);
    expect({ doneAt: after?.review?.doneAt, key: after?.review?.key }).toEqual({ doneAt: undefined, key: expect.not.stringMatching(`^${String(taskA.number)}$`) });
  });
});
