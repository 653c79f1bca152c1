import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { EVIDENCE_DUE_STATUS, evidenceKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { queuedOf, readDue } from '../../lib/adapters/dynamodb/lease-queue.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { QueueFinding } from '../../lib/ports/queue-findings.js';

/*
 * Review 3 of issue 23, R3-3 (a regression test; the hole is closed): code running as a webhook function may write `delivery#` items
 * (PutItem/UpdateItem), which the sweep's role may not write (IAM LeadingKeys), so the sweep cannot
 * take them off a queue. Before the fix, readDue read past such findings for at most 5 pages of `limit`
 * items; 5 × SWEEP_BATCH_SIZE of them, due first, hid every real item of the queue from every run.
 * (The drop is refused here as IAM refuses it, as queue-findings.test.ts does.)
 */
const LIMIT = 3;
const OLD = '2000-01-01T00:00:00.000Z';
const NOW = new Date('2026-01-01T01:00:00.000Z');
const REAL = 'a0000000000000000001';

let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('review 3, R3-3: findings the sweep may not drop, five pages of them', () => {
  it('the evidence queued behind 5 × limit undroppable findings is still read', async () => {
    // Prepare: 5 × LIMIT delivery# items on the evidence status, due long ago; then a real queue item.
    const tableName = 'review3-starve';
    await ensureLeaseTable(dynamo.client, tableName);
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    for (let i = 0; i < 5 * LIMIT; i += 1) {
      await doc.send(new PutCommand({ TableName: tableName, Item: { pk: `delivery#poison${String(i).padStart(2, '0')}`, status: EVIDENCE_DUE_STATUS, dueAt: OLD, leaseId: REAL } }));
    }
    await new DynamoDbEvidenceStore(dynamo.client, tableName).queue(REAL, new Date('2026-01-01T00:30:00.000Z'));
    const read = { name: 'evidence', status: EVIDENCE_DUE_STATUS, keyKind: 'evidence#', parse: (item: Record<string, unknown>) => queuedOf({ key: evidenceKey }, item), drop: async () => false };
    // Act: three sweep runs' reads.
    const runs: unknown[] = [];
    let findings = 0;
    for (let run = 0; run < 3; run += 1) runs.push(await readDue(doc, tableName, read, NOW, LIMIT, (_f: QueueFinding) => void (findings += 1)));
    // Assess: each run finds the real item.
    expect({ runs, findings }).toEqual({ runs: [[{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }], [{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }], [{ leaseId: REAL, dueAt: '2026-01-01T00:30:00.000Z' }]], findings: expect.any(Number) });
  });
});
