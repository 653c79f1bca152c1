import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../lib/cli/operator.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';

/*
 * Review 3 of issue 23, R3-4 (a regression test; the hole is closed): a table writer removes an ACTIVE lease's `status` (or sets one
 * no query asks for). The item leaves the status index, so no list read meets it: `leases list`
 * and `mine` say "no leases" and exit 0, with no word of an unreadable item, while its binding is
 * live. The orphan scan (every 10 minutes) meets it through `get`, counts it and leaves the binding.
 */
describe('review 3, R3-4: an ACTIVE lease item without a status', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start();
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('leases list does not say "no leases" (exit 0) while the lease\'s binding is live', async () => {
    // Prepare: a grant; then the writer removes the item's status.
    stack.ticket('R3-4', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const body = bodyOf(await stack.deliver(stack.jira.transition('R3-4', 'Approved', bob)));
    const leaseId = String(body.leaseId);
    const doc = DynamoDBDocumentClient.from(stack.dynamoClient());
    await doc.send(new UpdateCommand({ TableName: 'leases-test', Key: { pk: `lease#${leaseId}` }, UpdateExpression: 'REMOVE #s', ExpressionAttributeNames: { '#s': 'status' } }));
    const env: NodeJS.ProcessEnv = { DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: 'leases-test' };
    const out: string[] = [];
    const err: string[] = [];
    // Act
    const code = await runCli(['leases', 'list'], { env, out: (t) => out.push(t), err: (t) => err.push(t) });
    const summary = await stack.container.sweepLeases({ scan: true });
    // Assess: the binding is live; the CLI must not answer "no leases" with exit 0.
    const live = stack.kube.list(LABEL_LEASE_ID, leaseId).length;
    expect({ live, unreadableSeenBySweep: summary.unreadableLeaseItems }).toEqual({ live: 2, unreadableSeenBySweep: 1 });
    expect({ code, out: out.join(''), err: err.join('') }).not.toEqual({ code: 0, out: 'no leases\n', err: '' });
  });
});
