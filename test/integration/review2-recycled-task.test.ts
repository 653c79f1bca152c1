import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { leaseKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/**
 * Regression tests for review 2 of issue 23, R2-1 (attacker: a break-glass requester who may edit
 * issues in the review project, as R1-A's planting assumed they may create them). kube-lease's own
 * account created the review task of the requester's earlier lease, and a reviewer closed it. The
 * requester adds the new lease's (predictable) marker to that old, closed task: the creator check
 * passed (kube-lease created it), the closing check passed (the reviewer closed it), and the new
 * lease was counted as reviewed without anyone having looked at it. Each test failed before the fix.
 */
describe('review 2: a recycled review task (kube-lease-created, closed by a reviewer for an earlier lease) is not taken for a new lease', () => {
  const events = (leaseId: string, what: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === what);
  /** What a lease item says of its review task, set as the code under review recorded a recycled task (or a table writer sets it). */
  const recordTask = (leaseId: string, task: Record<string, string>) =>
    DynamoDBDocumentClient.from(stack.dynamoClient()).send(
      new UpdateCommand({ TableName: 'leases-test', Key: { pk: leaseKey(leaseId) }, UpdateExpression: 'SET review = :r', ExpressionAttributeValues: { ':r': { ...task, recordedAt: stack.clock.now().toISOString() } } }),
    );
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R2-1 (Jira): relabelling an old, reviewed task with the new marker does not make the new lease reviewed', async () => {
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
    // The old task is a finding on the new lease.
    expect(events(predicted, 'planted').map((e) => [e.reviewTask?.key, e.reason?.includes('created before the lease was recorded')])).toEqual([[oldTask, true]]);

    // Recorded as the code under review recorded it (or as a table writer records it): its closing came before, and does not count.
    await recordTask(predicted, { system: 'jira', key: oldTask, id: old.id, url: `https://example.atlassian.net/browse/${oldTask}` });
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(predicted))?.review?.doneAt).toBeUndefined();
    expect(events(predicted, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('closed before kube-lease recorded it as the lease\'s review task')]);
  });

  it('R2-1 (Jira): a recorded task that no longer carries the lease\'s marker (relabelled) is not counted when closed', async () => {
    stack.jira.createIssue({ key: 'INC-1', reporter: alice, summary: 'INC-7: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Break Glass', alice))).leaseId);
    const task = (await stack.container.leases.get(leaseId))?.review?.key ?? '';
    stack.jira.issue(task).fields.labels = ['kube-lease-review']; // the marker taken off (to put on another lease's task)
    stack.jira.transition(task, 'Done', carol);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeUndefined();
    expect(events(leaseId, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('no longer carries the lease\'s review marker')]);
  });

  it('R2-1 (ServiceNow): re-pointing an old, reviewed change_task (correlation_id, change_request) does not make the new lease reviewed', async () => {
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
    expect(events(predicted, 'planted').map((e) => e.reviewTask?.key)).toEqual([oldTask.number]);

    // Recorded as the code under review recorded it: its closing (sys_audit) came before, and does not count.
    await recordTask(predicted, { system: 'servicenow', key: String(oldTask.number), id: String(oldTask.sys_id), url: 'https://example.service-now.com/change_task.do' });
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(predicted))?.review?.doneAt).toBeUndefined();
    expect(events(predicted, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('closed before kube-lease recorded it as the lease\'s review task')]);
  });

  it('R2-1 (ServiceNow): a recorded change_task re-pointed at another lease\'s marker is not counted for its own when closed', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const reviewer = stack.servicenow.addUser('carol', 'carol@example.com', 'Carol Reviewer');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    const leaseId = String(bodyOf(await stack.deliverServiceNow(change)).leaseId);
    const task = stack.servicenow.changeTasks()[0];
    if (task === undefined) throw new Error('no review task');
    Object.assign(task, { correlation_id: reviewMarker('b0000000000000000009') });
    stack.servicenow.closeTask(String(task.number), reviewer);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.review?.doneAt).toBeUndefined();
    expect(events(leaseId, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('no longer carries the lease\'s review marker and change')]);
  });
});
