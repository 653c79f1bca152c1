import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withAuditLog } from '../support/demo-catalog.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const BATCH = 3;

/**
 * Issue 23, independent review 1, finding R3 (attacker: a table writer; the webhook role may PutItem any `evidence#…` key).
 * Regression test: began as the review's proof of concept, which failed on the code reviewed (h3/review1): the sweep
 * read the lease id from the item's body and dropped `evidence#<body's id>`, so the planted items stayed first in line.
 */
describe('R3 (review 1): queue items whose body names another lease than their key cannot stop a queue for good (dynalite)', () => {
  let stack: TestStack;

  beforeEach(async () => {
    const auditLog = join(tmpdir(), `kube-lease-review1-poison-${randomUUID()}.log`);
    stack = new TestStack();
    stack.kube.auditLogPath = auditLog;
    await stack.start({ catalog: withAuditLog(BREAK_GLASS_REVIEW_CATALOG, auditLog, '1m'), env: { SWEEP_BATCH_SIZE: String(BATCH) } });
    stack.jira.extraUsers.push(bob);
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R3: SWEEP_BATCH_SIZE evidence queue items of no lease (key evidence#a, body leaseId b) are dropped and reported, and later evidence is collected', async () => {
    const doc = DynamoDBDocumentClient.from(stack.dynamoClient());
    // The table writer's items: well formed, due long ago, each naming a lease that does not exist under another key.
    for (let i = 0; i < BATCH; i += 1) {
      await doc.send(new PutCommand({ TableName: 'leases-test', Item: { pk: `evidence#poison${i}`, status: 'EVIDENCE_DUE', dueAt: '2000-01-01T00:00:00.000Z', leaseId: `nolease${i}` } }));
    }
    stack.jira.createIssue({ key: 'INC-5', reporter: alice, summary: 'INC-5: checkout is down since 02:50', fields: { [PROFILE]: 'break-glass-debug' } });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('INC-5', 'Break Glass', alice))).leaseId);
    const read = await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods`, { headers: { authorization: 'Bearer user:alice@example.com' } });
    await read.text();
    stack.clock.advance(31 * 60_000);
    const reported = [(await stack.container.sweepLeases()).malformedQueueItems];
    // A day of sweeps, one every ten minutes.
    for (let run = 0; run < 144; run += 1) {
      stack.clock.advance(10 * 60_000);
      reported.push((await stack.container.sweepLeases()).malformedQueueItems);
    }
    // What must hold: the lease's evidence was collected and posted (the poison items were dropped or skipped).
    expect((await stack.container.leases.get(leaseId))?.evidence?.postedAt).toBeDefined();
    // Each planted item was a finding once (dropped by its own key, so never read again): counted, a metric, an error naming its key only.
    expect(reported.reduce((a, b) => a + b, 0)).toBe(BATCH);
    expect(stack.metrics.total('MalformedQueueItems')).toBe(BATCH);
    const errors = stack.logger.lines.filter((l) => l.level === 'error' && l.message.startsWith('a queue item is not'));
    expect(errors.map((l) => l.fields).sort((a, b) => String(a.key).localeCompare(String(b.key)))).toEqual(
      Array.from({ length: BATCH }, (_, i) => ({ queue: 'evidence', key: `evidence#poison${i}`, dropped: true })),
    );
    // 4 s alone on this machine; over 30 s when the two cores are shared with other suites.
  }, 90_000);
});
