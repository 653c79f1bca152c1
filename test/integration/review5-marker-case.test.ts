import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { reviewMarker } from '../../lib/domain/review-task.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { grantAndReview, twoLeasesJira } from '../support/review-two-leases.js';
import { alice, TestStack } from '../support/stack.js';


/**
 * Review 5 of issue 23, R5-3 (a regression test; markers compare in any case; built on review 4's R4-1 tests). Jira 7.10 and later (and Cloud) match
 * JQL `labels = "x"` in any case; markersIn/markersChanged compare case-sensitively. The requester adds lease
 * B's marker IN CAPITALS to the open task kube-lease created for lease A: B's search finds the task, it
 * counts one marker (A's), and the changelog shows no marker changed, so B adopts A's task (the doc says a
 * task given a second lease's marker is never adopted). B is then never reviewed (isDone wants the exact
 * marker): no false "reviewed", but B has no task of its own. Judged Low.
 *
 * (Review 4's header, kept for context:) Regression tests for review 4 of issue 23, R4-1. Attacker: a break-glass requester who may edit
 * issues in the review project (R2-1's model). The task kube-lease created for a colleague's lease A
 * is still open; the requester gives it lease B's (predictable) marker within the clock allowance of
 * B's create, as a second label or in place of A's (ServiceNow: re-points correlation_id and
 * change_request). B adopted A's task (kube-lease created it, open, created within the allowance),
 * and one reviewer's closing of A's task counted for both leases. Now a task is a lease's only with
 * exactly one marker that its history (Jira changelog, ServiceNow sys_audit) never shows changed.
 * Each test failed before the fix except the one on another label, which guards the rule against
 * taking a reviewer's own labels for a re-pointing.
 */
describe('review 5: a second lease\'s marker in another case', () => {
  const events = (leaseId: string, what: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === what);
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R5-3 (Jira): lease B\'s marker in capitals on A\'s open task is not adopted by B', async () => {
    stack.jira.labelsIgnoreCase = true; // Jira 7.10+ and Cloud
    const { taskA, predicted } = await twoLeasesJira(stack);
    const labels = (stack.jira.issue(taskA).fields.labels as string[] | undefined) ?? [];
    stack.jira.edit(taskA, { labels: [...labels, reviewMarker(predicted).toUpperCase()] }, alice); // the requester adds B's marker, in capitals
    await grantAndReview(stack, taskA, predicted);
    const after = await stack.container.leases.get(predicted);
    console.log(JSON.stringify({ taskA, b: after?.review, notCounted: events(predicted, 'not-counted').map((e) => e.reason) }));
    // Honest: B opens its own task (A's is planted for B), as with the exact marker (R4-1).
    expect(after?.review?.key).not.toBe(taskA);
  });
});
