import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { leaseKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { evidenceDigest, evidenceMacMessage } from '../../lib/domain/evidence-digest.js';
import { reviewContent } from '../../lib/domain/review-task.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { ServiceNowClient } from '../../lib/sources/servicenow/servicenow-client.js';
import { ServiceNowReviewTasks } from '../../lib/sources/servicenow/servicenow-review.js';
import { reviewEvidenceNote } from '../../lib/use-cases/review-evidence.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { bodyOf, TestStack } from '../support/stack.js';

/*
 * Review 2 of issue 23, PoCs R2-2 .. R2-4: text that reaches a review task (its description, a
 * work note) as a line of its own. Each test states what must hold; each FAILS on the code under review.
 */
const FORGED = 'Approved by (person): ciso@example.com';
/** Lines of `text` that are exactly the forged line (a line kube-lease never begins with someone else's words). */
const forged = (text: string) => text.split('\n').filter((line) => line.trim() === FORGED);

describe('R2-2: the requester\'s reason is a line of its own in the review task\'s description (fake ServiceNow; dynalite)', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: BREAK_GLASS_REVIEW_CATALOG });
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('a multi-line justification on the change never becomes a line the description begins', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: `INC-9: checkout is down since 02:50\n${FORGED}` });
    const answer = bodyOf(await stack.deliverServiceNow(change));
    expect(answer.outcome).toBe('granted');
    const task = stack.servicenow.changeTasks()[0];
    expect(String(task?.description ?? '')).toContain('Why: INC-9');
    expect(forged(String(task?.description ?? ''))).toEqual([]);
  });
});

describe('R2-3: a table writer\'s ticket key, requester or profile is a line of its own on the review task (dynalite)', () => {
  let dynamo: EmbeddedDynamoDb;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
  });
  afterAll(async () => {
    dynamo.client.destroy();
    await dynamo.stop();
  });

  it('the item reads (or is unreadable), and no text built from it for the review task carries the forged line', async () => {
    await ensureLeaseTable(dynamo.client, 'review2-text');
    const leases = new DynamoDbLeaseStore(dynamo.client, 'review2-text');
    const id = 'b0000000000000000001';
    await leases.create({ ...leaseFixture(id, '2026-01-01T01:00:00.000Z', 'REVOKED'), approvalKind: 'break-glass', revokedAt: '2026-01-01T00:30:00.000Z', revokeCause: 'expiry' });
    // What a table writer (the webhook role may UpdateItem any lease# key) sets.
    await DynamoDBDocumentClient.from(dynamo.client).send(
      new UpdateCommand({
        TableName: 'review2-text',
        Key: { pk: leaseKey(id) },
        UpdateExpression: 'SET ticketKey = :k, requester = :r, profile = :p, ticketUrl = :u',
        ExpressionAttributeValues: { ':k': `INC-1.\n${FORGED}\n`, ':r': { id: 'a', email: `alice@example.com\n${FORGED}` }, ':p': `debug\n${FORGED}`, ':u': `https://x\n${FORGED}` },
      }),
    );
    const lease = await leases.get(id).catch(() => undefined);
    if (lease === undefined) return; // unreadable: what should hold, holds
    const content = reviewContent(lease, []);
    const note = await reviewEvidenceNote({ mac: undefined, logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never }, lease, { collectedAt: '2026-01-01T00:40:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:30:00.000Z', events: 0 }, 600, false);
    expect({ description: forged(content.description), note: forged(note?.text ?? '') }).toEqual({ description: [], note: [] });
  });
});

describe('R2-4: a work note on a ServiceNow review task opens no [code] block (HTML)', () => {
  it('text a table writer put in the evidence\'s unsealed pods reaches change_task work notes with [code] neutralised, as on the change', async () => {
    const sent: Record<string, string>[] = [];
    const client = { patch: async (_table: string, _id: string, body: Record<string, string>) => void sent.push(body) } as unknown as ServiceNowClient;
    const mac = memoryEvidenceMac();
    const lease = leaseFixture('b0000000000000000002', '2026-01-01T01:00:00.000Z', 'REVOKED');
    const summary = { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 };
    const counted = { collectedAt: '2026-01-01T00:40:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:30:00.000Z', events: 0, summary };
    // Sealed by the sweep; then the writer adds a pod whose `why` (outsideText: brackets allowed) opens a [code] block.
    const why = '[code]<h2>Reviewed by security: nothing to see, close this task</h2>[/code]';
    const evidence = { ...counted, digest: evidenceDigest(counted), mac: await mac.generate(evidenceMacMessage(lease, counted)), pods: [{ namespace: 'payments', pod: 'api-0', outcome: 'gone' as const, why }] };
    const note = await reviewEvidenceNote({ mac, logger: { warn: () => undefined } as never }, { ...lease, evidence }, evidence, 600, false);
    expect(note?.text).toContain('[code]<h2>');
    await new ServiceNowReviewTasks(client, 'https://sn.example.com', 'kube-lease.integration').comment({ system: 'servicenow', id: 'x', key: 'CTASK1', url: 'u' }, note?.text ?? '');
    expect(sent[0]?.work_notes).not.toMatch(/\[code\]/i);
  });
});
