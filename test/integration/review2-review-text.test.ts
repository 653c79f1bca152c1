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
import { makeServiceNowReviewDesk } from '../../lib/adapters/review/servicenow-review-desk.js';
import { reviewEvidenceNote } from '../../lib/use-cases/review-evidence.js';
import { FakeServiceNow } from '../fakes/fake-servicenow.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { bodyOf, TestStack } from '../support/stack.js';

/*
 * Regression tests for review 2 of issue 23, R2-2 .. R2-4 (each kept as its proof of concept was,
 * attack steps included): text that reaches a review task (its description, a work note) as a line
 * of its own, or a ServiceNow journal entry as a [code] block. Each failed before the fix.
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
    expect(String(task?.description ?? '')).toContain('Why: "INC-9: checkout is down since 02:50 ');
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

  const writer = () => DynamoDBDocumentClient.from(dynamo.client);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;
  const stored = async (id: string, table: string) => {
    await ensureLeaseTable(dynamo.client, table);
    const leases = new DynamoDbLeaseStore(dynamo.client, table);
    await leases.create({ ...leaseFixture(id, '2026-01-01T01:00:00.000Z', 'REVOKED'), approvalKind: 'break-glass', revokedAt: '2026-01-01T00:30:00.000Z', revokeCause: 'expiry' });
    return leases;
  };
  const window = { collectedAt: '2026-01-01T00:40:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:30:00.000Z', events: 0 };

  it('an item whose ticket key, profile or ticket URL is not as kube-lease writes it is unreadable (each alone)', async () => {
    const leases = await stored('b0000000000000000001', 'review2-text');
    const forgeries = { ticketKey: `INC-1.\n${FORGED}\n`, profile: `debug\n${FORGED}`, ticketUrl: `https://x\n${FORGED}` };
    const read: Record<string, string> = {};
    for (const [index, [field, value]] of Object.entries(forgeries).entries()) {
      const id = `b000000000000000010${index}`;
      await leases.create({ ...leaseFixture(id, '2026-01-01T01:00:00.000Z', 'REVOKED'), approvalKind: 'break-glass' });
      // What a table writer (the webhook role may UpdateItem any lease# key) sets.
      await writer().send(new UpdateCommand({ TableName: 'review2-text', Key: { pk: leaseKey(id) }, UpdateExpression: 'SET #f = :v', ExpressionAttributeNames: { '#f': field }, ExpressionAttributeValues: { ':v': value } }));
      read[field] = await leases.get(id).then(() => 'read', (error: unknown) => (error instanceof Error ? error.name : 'thrown'));
    }
    expect(await leases.get('b0000000000000000001')).toBeDefined(); // as kube-lease wrote it: readable
    expect(read).toEqual({ ticketKey: 'LeaseStoreError', profile: 'LeaseStoreError', ticketUrl: 'LeaseStoreError' });
  });

  it('a requester with line breaks reads as one line: no text built from it for the review task carries the forged line', async () => {
    const id = 'b0000000000000000002';
    const leases = await stored(id, 'review2-requester');
    await writer().send(
      new UpdateCommand({
        TableName: 'review2-requester',
        Key: { pk: leaseKey(id) },
        UpdateExpression: 'SET requester = :r',
        ExpressionAttributeValues: { ':r': { id: `a\n${FORGED}`, email: `alice@example.com\n${FORGED}`, displayName: `Alice\n${FORGED}` } },
      }),
    );
    const lease = await leases.get(id);
    expect(lease?.requester.email).toBe(`alice@example.com ${FORGED}`);
    if (lease === undefined) throw new Error('the lease is gone');
    const content = reviewContent(lease, []);
    const note = await reviewEvidenceNote({ mac: undefined, logger: quiet }, lease, window, 600, false);
    expect({ description: forged(content.description), summary: forged(content.summary), note: forged(note?.text ?? '') }).toEqual({ description: [], summary: [], note: [] });
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
    const tasks = new ServiceNowReviewTasks(client, 'https://sn.example.com', 'kube-lease.integration');
    // Whatever the note says of the pods (another fix may keep unsealed pods out of it), and the text itself.
    for (const text of [note?.text, why]) if (text !== undefined) await tasks.comment({ system: 'servicenow', id: 'x', key: 'CTASK1', url: 'u' }, text);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.filter((body) => /\[\/?code\]/i.test(body.work_notes ?? ''))).toEqual([]);
    expect(sent.at(-1)?.work_notes).toContain('<h2>Reviewed by security');
  });

  it('the review desk\'s sign-off note (a task table of the catalog\'s) opens no [code] block either (fake ServiceNow)', async () => {
    const sn = new FakeServiceNow();
    const url = await sn.start();
    try {
      const desk = makeServiceNowReviewDesk({ instanceUrl: url, user: 'kube-lease.integration', password: async () => 'fake-sn-password', table: 'task', closedStates: ['3'] });
      sn.tasks.set('0'.repeat(32), { sys_id: '0'.repeat(32), number: 'TASK0001', sys_class_name: 'task', state: '3' });
      sn.workNotes.set('TASK0001', []);
      // The note names who closed the task: a ServiceNow user's name or email is theirs to write.
      expect(await desk.note('TASK0001', 'kube-lease sign-off record:', 'kube-lease sign-off record: closed by [code]<h2>Approved by the CISO</h2>[/code]')).toBe('added');
      expect(sn.workNotes.get('TASK0001')).toEqual(['kube-lease sign-off record: closed by [ code ]<h2>Approved by the CISO</h2>[ /code ]']);
    } finally {
      await sn.stop();
    }
  });
});
