import { afterEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { withAuditLog } from '../support/demo-catalog.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const FAKE_DIGEST = 'f'.repeat(64);

/**
 * Regression (issue 23, independent review 1, R2). The attacker is a table writer (e.g. code running
 * as the webhook role, which may UpdateItem any `lease#…` key): evidence it makes up on an emergency
 * lease item must never reach the lease's review task, and the sweep's sealed evidence still must.
 */
describe('review task evidence: only evidence whose seal verifies is posted (fake Jira, Kubernetes, audit log; dynalite)', () => {
  let stack: TestStack;

  const start = async (keyed: boolean) => {
    const auditLog = join(tmpdir(), `kube-lease-review-seal-${randomUUID()}.log`);
    stack = new TestStack();
    stack.kube.auditLogPath = auditLog;
    await stack.start({ catalog: withAuditLog(BREAK_GLASS_REVIEW_CATALOG, auditLog, '1m'), ...(keyed ? { evidenceMac: memoryEvidenceMac() } : {}) });
    stack.jira.extraUsers.push(bob);
  };
  afterEach(async () => {
    await stack.stop();
  });

  /** A break-glass lease in which alice reads pods, ended; a table writer then forges its evidence and makes its review due. */
  async function forgeEvidence(): Promise<{ leaseId: string; task: string }> {
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
    const fake = { collectedAt: now, from: now, to: now, events: 0, summary: { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 }, digest: FAKE_DIGEST };
    await doc.send(new UpdateCommand({ TableName: 'leases-test', Key: { pk: `lease#${leaseId}` }, UpdateExpression: 'SET evidence = :e', ExpressionAttributeValues: { ':e': fake } }));
    await doc.send(new UpdateCommand({ TableName: 'leases-test', Key: { pk: `lease#${leaseId}#review` }, UpdateExpression: 'SET dueAt = :now', ExpressionAttributeValues: { ':now': now } }));
    await stack.container.sweepLeases();
    return { leaseId, task };
  }

  it('R2 (evidence key): evidence a table writer wrote on the lease item is not posted on the review task; the sealed evidence is, once collected', async () => {
    await start(true);
    const { leaseId, task } = await forgeEvidence();
    expect(stack.jira.comments(task).filter((c) => c.startsWith('Activity during lease'))).toEqual([]);
    // Then the real evidence is collected (sealed) and posted on the ticket, and on the review task.
    stack.clock.advance(2 * 60_000);
    await stack.container.sweepLeases();
    stack.clock.advance(2 * 60 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(leaseId);
    const onTask = stack.jira.comments(task).filter((c) => c.startsWith('Activity during lease'));
    expect(onTask.some((c) => c.includes(FAKE_DIGEST))).toBe(false);
    expect(lease?.evidence?.digest).not.toBe(FAKE_DIGEST);
    expect(lease?.evidence?.mac).toBeDefined();
    expect(onTask).toHaveLength(1);
    expect(onTask[0]).toContain(lease?.evidence?.digest ?? 'no digest');
  });

  it('R2 (no evidence key): nothing stored can be verified, so the review task points to the ticket and never shows the forged record', async () => {
    await start(false);
    const { leaseId, task } = await forgeEvidence();
    stack.clock.advance(2 * 60_000);
    await stack.container.sweepLeases();
    stack.clock.advance(2 * 60 * 60_000);
    await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(leaseId);
    const onTask = stack.jira.comments(task);
    expect(onTask.some((c) => c.includes(FAKE_DIGEST))).toBe(false);
    expect(onTask.filter((c) => c.startsWith('Activity during lease'))).toEqual([]);
    expect(onTask.filter((c) => c.includes(`goes on its ticket INC-5`) && c.includes('no evidence key'))).toHaveLength(1);
    // The ticket has the evidence the sweep collected from the log (never the forged record).
    expect(lease?.evidence?.digest).not.toBe(FAKE_DIGEST);
    const onTicket = stack.jira.comments('INC-5').filter((c) => c.startsWith('Activity during lease'));
    expect(onTicket).toHaveLength(1);
    expect(onTicket[0]).not.toContain(FAKE_DIGEST);
  });
});
