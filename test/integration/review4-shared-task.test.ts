import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { leaseKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { grantAndReview, twoLeasesJira } from '../support/review-two-leases.js';
import { alice, bodyOf, carol, TestStack } from '../support/stack.js';


/**
 * Regression tests for review 4 of issue 23, R4-1. Attacker: a break-glass requester who may edit
 * issues in the review project (R2-1's model). The task kube-lease created for a colleague's lease A
 * is still open; the requester gives it lease B's (predictable) marker within the clock allowance of
 * B's create, as a second label or in place of A's (ServiceNow: re-points correlation_id and
 * change_request). B adopted A's task (kube-lease created it, open, created within the allowance),
 * and one reviewer's closing of A's task counted for both leases. Now a task is a lease's only with
 * exactly one marker that its history (Jira changelog, ServiceNow sys_audit) never shows changed.
 * Each test failed before the fix except the one on another label, which guards the rule against
 * taking a reviewer's own labels for a re-pointing.
 */
describe('review 4: one kube-lease task carrying two leases\' markers is no lease\'s', () => {
  const events = (leaseId: string, what: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === what);
  /** What a lease item says of its review task, set as the code under review recorded a shared task. */
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

  it('R4-1 (Jira): a second marker label on the earlier lease\'s open task is not adopted; the later lease gets its own task, unreviewed', async () => {
    const { first, taskA, predicted } = await twoLeasesJira(stack);
    const labels = (stack.jira.issue(taskA).fields.labels as string[] | undefined) ?? [];
    stack.jira.edit(taskA, { labels: [...labels, reviewMarker(predicted)] }, alice); // the requester adds B's marker
    await grantAndReview(stack, taskA, predicted);

    const after = await stack.container.leases.get(predicted);
    expect({ doneAt: after?.review?.doneAt, key: after?.review?.key }).toEqual({ doneAt: undefined, key: expect.not.stringMatching(`^${taskA}$`) });
    expect(events(predicted, 'planted').map((e) => [e.reviewTask?.key, e.reason?.includes('carries another lease\'s review marker too')])).toEqual([[taskA, true]]);
    // A shared task reviews no lease: A's closing is reported on A (its reviewer is told on the task).
    expect((await stack.container.leases.get(first))?.review?.doneAt).toBeUndefined();
    expect(events(first, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('carries another lease\'s review marker too')]);
  });

  it('R4-1 (Jira): the earlier lease\'s marker replaced by the later one\'s (one label; only the changelog shows it) is not adopted', async () => {
    const { taskA, predicted } = await twoLeasesJira(stack);
    const labels = (stack.jira.issue(taskA).fields.labels as string[] | undefined) ?? [];
    stack.jira.edit(taskA, { labels: labels.map((l) => (l.startsWith('kube-lease-review-') ? reviewMarker(predicted) : l)) }, alice);
    await grantAndReview(stack, taskA, predicted);

    const after = await stack.container.leases.get(predicted);
    expect({ doneAt: after?.review?.doneAt, key: after?.review?.key }).toEqual({ doneAt: undefined, key: expect.not.stringMatching(`^${taskA}$`) });
    expect(events(predicted, 'planted').map((e) => [e.reviewTask?.key, e.reason?.includes('marker was changed after it was created')])).toEqual([[taskA, true]]);
  });

  it('R4-1 (Jira): a label other than a marker added to the lease\'s own task (a reviewer\'s) leaves its review counting', async () => {
    const { first, taskA } = await twoLeasesJira(stack);
    const labels = (stack.jira.issue(taskA).fields.labels as string[] | undefined) ?? [];
    stack.jira.edit(taskA, { labels: [...labels, 'reviewed'] }, carol);
    stack.jira.transition(taskA, 'Done', carol);
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(first))?.review?.doneAt).toBeDefined();
    expect(events(first, 'not-counted')).toEqual([]);
  });

  it('R4-1 (Jira): a lease already recorded with a shared task (as the code under review did) does not count its closing', async () => {
    const { taskA, predicted } = await twoLeasesJira(stack);
    expect(bodyOf(await stack.deliver(stack.jira.transition('INC-2', 'Break Glass', alice)))).toMatchObject({ outcome: 'granted', leaseId: predicted });
    const a = stack.jira.issue(taskA);
    stack.jira.edit(taskA, { labels: [...((a.fields.labels as string[] | undefined) ?? []), reviewMarker(predicted)] }, alice);
    await recordTask(predicted, { system: 'jira', key: taskA, id: a.id, url: `https://example.atlassian.net/browse/${taskA}` });
    stack.clock.advance(10 * 60_000);
    stack.jira.transition(taskA, 'Done', carol); // after the record: only the marker rule stands between it and B
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(predicted))?.review?.doneAt).toBeUndefined();
    expect(events(predicted, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('carries another lease\'s review marker too')]);
  });

  /** ServiceNow: lease A (dave) granted with its open change_task; half a minute later B's change (alice), B's predicted lease id. */
  const twoLeasesServiceNow = async () => {
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
    return { requester, reviewer, taskA, second, changeId, predicted };
  };

  it('R4-1 (ServiceNow): the earlier lease\'s open change_task re-pointed within the minute is not adopted; the later lease gets its own task, unreviewed', async () => {
    const { requester, reviewer, taskA, second, changeId, predicted } = await twoLeasesServiceNow();
    stack.servicenow.editTask(String(taskA.number), { correlation_id: reviewMarker(predicted), change_request: changeId }, requester); // the requester (itil) re-points it
    expect(bodyOf(await stack.deliverServiceNow(second)).outcome).toBe('granted');

    stack.clock.advance(10 * 60_000);
    stack.servicenow.closeTask(String(taskA.number), reviewer); // carol closes the task whose description is dave's lease
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    const after = await stack.container.leases.get(predicted);
    expect({ doneAt: after?.review?.doneAt, key: after?.review?.key }).toEqual({ doneAt: undefined, key: expect.not.stringMatching(`^${String(taskA.number)}$`) });
    expect(events(predicted, 'planted').map((e) => [e.reviewTask?.key, e.reason?.includes('marker was changed after it was created')])).toEqual([[taskA.number, true]]);
  });

  it('R4-1 (ServiceNow): a lease already recorded with a re-pointed change_task (as the code under review did) does not count its closing', async () => {
    const { requester, reviewer, taskA, second, changeId, predicted } = await twoLeasesServiceNow();
    expect(bodyOf(await stack.deliverServiceNow(second)).outcome).toBe('granted');
    stack.servicenow.editTask(String(taskA.number), { correlation_id: reviewMarker(predicted), change_request: changeId }, requester);
    await recordTask(predicted, { system: 'servicenow', key: String(taskA.number), id: String(taskA.sys_id), url: 'https://example.service-now.com/change_task.do' });
    stack.clock.advance(10 * 60_000);
    stack.servicenow.closeTask(String(taskA.number), reviewer); // after the record: only the audit rule stands between it and B
    stack.clock.advance(61 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(predicted))?.review?.doneAt).toBeUndefined();
    expect(events(predicted, 'not-counted').map((e) => e.reason)).toEqual([expect.stringContaining('marker was changed after it was created')]);
  });
});
