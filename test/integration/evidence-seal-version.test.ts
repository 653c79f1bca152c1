import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { KmsEvidenceMac } from '../../lib/adapters/evidence-mac/kms-evidence-mac.js';
import { runReport } from '../../lib/cli/report-command.js';
import type { AccessReport } from '../../lib/domain/access-report.js';
import type { ActivitySummary } from '../../lib/domain/activity.js';
import { EVIDENCE_SEAL_VERSION, evidenceDigest, evidenceMacMessage, type Sealed } from '../../lib/domain/evidence-digest.js';
import { accessBeganAt, type Lease } from '../../lib/domain/lease.js';
import { overlapsPeriod } from '../../lib/domain/report-period.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { storedEvidenceVerifies } from '../../lib/use-cases/check-evidence.js';
import { FakeKms } from '../fakes/fake-aws-extra.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, exampleLeases } from '../support/access-report-example.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

/*
 * Review 2 of issue 23, R2-5, through DynamoDB and KMS: evidence of seal version 2 (its late pods and
 * read time under the seal) is read back from the table as sealed and verifies; a table writer who
 * rewrites its pods, or sets it back to version 1 to take them out of the seal, gets "altered".
 */

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TABLE = 'leases';
const summary: ActivitySummary = { requests: 1, byRequest: [{ verb: 'create', resource: 'pods/exec', namespace: 'payments', count: 1 }], sessions: [], secretsRead: [], denied: [], omitted: 0 };
const kept = { namespace: 'payments', pod: 'api-0', outcome: 'kept' as const, why: 'a PodDisruptionBudget forbids evicting it now (needs 2 healthy pods)' };

describe('seal version 2 through the lease table', () => {
  let dynamo: EmbeddedDynamoDb;
  const kms = new FakeKms();
  let kmsUrl: string;
  const saved = { ...process.env };
  let leases: Lease[];

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
    kmsUrl = await kms.start();
    kms.createHmacKey(KEY);
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder' });
    leases = exampleLeases().filter((l) => l.status === 'REVOKED' && l.history.some((h) => h.to === 'ACTIVE') && overlapsPeriod(l, EXAMPLE_PERIOD)).slice(0, 3);
    await seedLeaseTable(dynamo.client, TABLE, leases, []);
  });
  afterAll(async () => {
    process.env = saved;
    dynamo.client.destroy();
    await Promise.all([dynamo.stop(), kms.stop()]);
  });

  const mac = () => new KmsEvidenceMac(new KMSClient({ region: 'eu-west-1', endpoint: kmsUrl, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' } }), KEY);

  it('verifies as stored, and reads as altered once its pods are rewritten or its version set back', async () => {
    const [honest, rewritten, downgraded] = leases;
    if (honest === undefined || rewritten === undefined || downgraded === undefined) throw new Error('the example has fewer revoked leases');
    const stored = new Map<string, Sealed>();
    for (const lease of leases) {
      const record = { collectedAt: '2026-11-08T00:00:00.000Z', sealVersion: EVIDENCE_SEAL_VERSION, from: accessBeganAt(lease), to: lease.revokedAt ?? lease.expiresAt, events: 2, summary, pods: [kept] };
      const evidence = { ...record, digest: evidenceDigest(record), mac: await mac().generate(evidenceMacMessage(lease, record)) };
      await new DynamoDbEvidenceStore(dynamo.client, TABLE).record(lease.id, evidence);
      stored.set(lease.id, evidence);
    }
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    const rewrite = (lease: Lease, evidence: object) => doc.send(new UpdateCommand({ TableName: TABLE, Key: { pk: `lease#${lease.id}` }, UpdateExpression: 'SET #e = :e', ExpressionAttributeNames: { '#e': 'evidence' }, ExpressionAttributeValues: { ':e': evidence } }));
    // The writer's edits: the pod "ended" (the unkeyed digest recomputed); version 1, its digest recomputed.
    const [first, third] = [stored.get(rewritten.id), stored.get(downgraded.id)];
    if (first === undefined || third === undefined) throw new Error('not stored');
    const edited = { ...first, pods: [{ namespace: 'payments', pod: 'api-0', outcome: 'gone' as const, why: 'it was replaced' }] };
    await rewrite(rewritten, { ...edited, digest: evidenceDigest(edited) });
    const { sealVersion: _v, ...old } = third;
    await rewrite(downgraded, { ...old, digest: evidenceDigest(old) });
    // Act
    const store = new DynamoDbLeaseStore(dynamo.client, TABLE);
    const verdicts = await Promise.all(leases.map(async (l) => { const read = await store.get(l.id); return read === undefined ? undefined : storedEvidenceVerifies(read, mac()); }));
    const out: string[] = [];
    const code = await runReport(['--from', '2026-11-02', '--to', '2026-11-09', '--format', 'json'], { env: { DYNAMODB_ENDPOINT: dynamo.endpoint, LEASES_TABLE: TABLE, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_KMS: kmsUrl, EVIDENCE_KMS_KEY_ID: KEY }, out: (t) => out.push(t), err: () => undefined, clock: { now: () => EXAMPLE_NOW } });
    // Assess
    expect(code).toBe(0);
    const states = new Map((JSON.parse(out.join('')) as AccessReport).leases.map((r) => [r.leaseId, r.evidence]));
    expect(verdicts).toEqual([true, false, false]);
    expect([honest, rewritten, downgraded].map((l) => states.get(l.id))).toEqual(['intact', 'altered', 'altered']);
  });
});
