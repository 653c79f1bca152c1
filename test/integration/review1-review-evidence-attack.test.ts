import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withAuditLog } from '../support/demo-catalog.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const FAKE_DIGEST = 'f'.repeat(64);

/**
 * Issue 23, independent review 1 (attacker: a table writer, e.g. code running as the webhook role, which may
 * UpdateItem any `lease#…` key). PoC: asserts what must hold, fails on the code reviewed (h3/review1).
 */
describe('review1 PoC R2: the review task never gets activity evidence the sweep did not seal (fake Jira, Kubernetes, audit log; dynalite)', () => {
  let stack: TestStack;

  beforeEach(async () => {
    const auditLog = join(tmpdir(), `kube-lease-review1-audit-${randomUUID()}.log`);
    stack = new TestStack();
    stack.kube.auditLogPath = auditLog;
    await stack.start({ catalog: withAuditLog(BREAK_GLASS_REVIEW_CATALOG, auditLog, '1m') });
    stack.jira.extraUsers.push(bob);
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R2: evidence written on the lease item by a table writer (zero requests) is not posted on the emergency lease\'s review task', async () => {
    // A break-glass lease in which alice reads pods.
    stack.jira.createIssue({ key: 'INC-5', reporter: alice, summary: 'INC-5: checkout is down since 02:50', fields: { [PROFILE]: 'break-glass-debug' } });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('INC-5', 'Break Glass', alice))).leaseId);
    const read = await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods`, { headers: { authorization: 'Bearer user:alice@example.com' } });
    expect(read.status).toBe(200);
    await read.text();
    const task = [...stack.jira.issues.keys()].find((k) => k.startsWith('SEC-')) ?? '';
    // The lease ends; the sweep revokes it and queues its evidence (due a minute later).
    stack.clock.advance(31 * 60_000);
    await stack.container.sweepLeases();
    expect((await stack.container.leases.get(leaseId))?.status).toBe('REVOKED');
    // The table writer, before the evidence is due: a made-up record (no request at all) on the lease item,
    // and the lease's review queue item made due now. Both keys are `lease#…`: the webhook role may update them.
    const doc = DynamoDBDocumentClient.from(stack.dynamoClient());
    const now = stack.clock.now().toISOString();
    const fake = {
      collectedAt: now,
      from: now,
      to: now,
      events: 0,
      summary: { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 },
      digest: FAKE_DIGEST,
    };
    await doc.send(new UpdateCommand({ TableName: 'leases-test', Key: { pk: `lease#${leaseId}` }, UpdateExpression: 'SET evidence = :e', ExpressionAttributeValues: { ':e': fake } }));
    await doc.send(new UpdateCommand({ TableName: 'leases-test', Key: { pk: `lease#${leaseId}#review` }, UpdateExpression: 'SET dueAt = :now', ExpressionAttributeValues: { ':now': now } }));
    await stack.container.sweepLeases();
    // Then the real evidence is collected (sealed) and posted on the ticket.
    stack.clock.advance(2 * 60_000);
    await stack.container.sweepLeases();
    stack.clock.advance(2 * 60 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(leaseId);
    const onTask = stack.jira.comments(task).filter((c) => c.startsWith('Activity during lease'));
    // What must hold: the review task shows the sweep's sealed evidence, never the made-up one.
    expect(onTask.some((c) => c.includes(FAKE_DIGEST))).toBe(false);
    expect(lease?.evidence?.digest).not.toBe(FAKE_DIGEST);
    expect(onTask.some((c) => c.includes(lease?.evidence?.digest ?? 'no digest'))).toBe(true);
  });
});
