import { expect } from '@jest/globals';
import { idempotencyKey } from '../../lib/domain/lease-factory.js';
import { leaseIdFor } from '../../lib/domain/names.js';
import { breakGlassApprovalId } from '../../lib/domain/on-call.js';
import type { JiraUser } from '../fakes/fake-jira.js';
import { alice, bodyOf, carol, type TestStack } from './stack.js';

/* Two break-glass leases of one incident in Jira, for the tests of whose review task is whose (issue 23, reviews 4 and 5). */

export const PROFILE = 'customfield_10100';
/** A colleague breaking glass in the same incident. */
export const dave: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c09', emailAddress: 'dave@example.com', displayName: 'Dave Engineer', accountType: 'atlassian', active: true };

/** Lease A (dave) granted with its open task; half a minute later B's ticket (alice), and B's predicted lease id. */
export async function twoLeasesJira(stack: TestStack): Promise<{ first: string; taskA: string; predicted: string }> {
  stack.jira.createIssue({ key: 'INC-1', reporter: dave, summary: 'INC-7: checkout is down', fields: { [PROFILE]: 'break-glass-debug' } });
  const first = String(bodyOf(await stack.deliver(stack.jira.transition('INC-1', 'Break Glass', dave))).leaseId);
  const taskA = (await stack.container.leases.get(first))?.review?.key ?? '';
  expect(taskA).not.toBe('');
  stack.clock.advance(30_000); // the second incident, half a minute later
  stack.jira.createIssue({ key: 'INC-2', reporter: alice, summary: 'INC-8: payments down too', fields: { [PROFILE]: 'break-glass-debug' } });
  const ticketId = stack.jira.issues.get('INC-2')?.id ?? '';
  const predicted = leaseIdFor(idempotencyKey({ ticket: { source: 'jira', id: ticketId }, approval: { id: breakGlassApprovalId(ticketId) } }));
  return { first, taskA, predicted };
}

/** B granted; carol closes A's task ten minutes later (the description she reads is A's); the sweep an hour on. */
export async function grantAndReview(stack: TestStack, taskA: string, predicted: string): Promise<void> {
  expect(bodyOf(await stack.deliver(stack.jira.transition('INC-2', 'Break Glass', alice)))).toMatchObject({ outcome: 'granted', leaseId: predicted });
  stack.clock.advance(10 * 60_000);
  stack.jira.transition(taskA, 'Done', carol);
  stack.clock.advance(61 * 60_000);
  await stack.container.sweepLeases();
}
