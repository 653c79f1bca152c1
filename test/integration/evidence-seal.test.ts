import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsEvidenceMac } from '../../lib/adapters/evidence-mac/kms-evidence-mac.js';
import { EvidenceSealRejectedError } from '../../lib/errors.js';
import { runReport } from '../../lib/cli/report-command.js';
import type { AccessReport } from '../../lib/domain/access-report.js';
import type { ActivityEvidence, ActivitySummary } from '../../lib/domain/activity.js';
import { evidenceDigest, evidenceMacMessage } from '../../lib/domain/evidence-digest.js';
import { accessBeganAt, type Lease } from '../../lib/domain/lease.js';
import { overlapsPeriod } from '../../lib/domain/report-period.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { FakeKms } from '../fakes/fake-aws-extra.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, exampleLeases } from '../support/access-report-example.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

/*
 * Issue 23, item 9: the evidence digest was an unkeyed SHA-256 kept beside the summary, so whoever
 * could write the lease table could rewrite both and the report still said "intact". Now the sweep
 * seals the evidence with a KMS HMAC key (GenerateMac, its role only) and the report says "intact"
 * only after KMS verifies the seal (VerifyMac). KMS is a fake speaking KMS's JSON protocol.
 */

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TABLE = 'leases';
const WEEK = ['--from', '2026-11-02', '--to', '2026-11-09', '--format', 'json'];
const summary: ActivitySummary = { requests: 3, byRequest: [{ verb: 'get', resource: 'secrets', namespace: 'payments', count: 3 }], sessions: [], secretsRead: [{ namespace: 'payments', name: 'db-password', verb: 'get', count: 3 }], denied: [], omitted: 0 };

describe('sealed activity evidence in the access report (KMS HMAC)', () => {
  let dynamo: EmbeddedDynamoDb;
  const kms = new FakeKms();
  let kmsUrl: string;
  const saved = { ...process.env };
  let leases: Lease[];
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
    kmsUrl = await kms.start();
    kms.createHmacKey(KEY);
    // The report signs its KMS calls with credentials from the default chain.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder' });
    leases = exampleLeases().filter((l) => l.status === 'REVOKED' && l.history.some((h) => h.to === 'ACTIVE') && overlapsPeriod(l, EXAMPLE_PERIOD)).slice(0, 5);
    await seedLeaseTable(dynamo.client, TABLE, leases, []);
    doc = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(async () => {
    process.env = saved;
    dynamo.client.destroy();
    await Promise.all([dynamo.stop(), kms.stop()]);
  });

  /** A KMS client of the fake, as the composition root builds one. */
  const kmsClient = () => new KMSClient({ region: 'eu-west-1', endpoint: kmsUrl, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' } });

  /** Stores evidence on a lease as the sweep does: sealed with the evidence key when `sealed`. */
  async function collect(lease: Lease, sealed: boolean): Promise<ActivityEvidence> {
    const counted = { collectedAt: '2026-11-08T00:00:00.000Z', from: accessBeganAt(lease), to: lease.revokedAt ?? lease.expiresAt, events: 3, summary };
    const writer = new KmsEvidenceMac(kmsClient(), KEY);
    const mac = sealed ? await writer.generate(evidenceMacMessage(lease, counted)) : undefined;
    const evidence = { ...counted, digest: evidenceDigest(counted), ...(mac === undefined ? {} : { mac }) };
    await new DynamoDbEvidenceStore(dynamo.client, TABLE).record(lease.id, evidence);
    return evidence;
  }

  /** What a table writer without the key can do: rewrite the stored evidence's attributes directly. */
  async function rewrite(lease: Lease, evidence: object): Promise<void> {
    await doc.send(new UpdateCommand({ TableName: TABLE, Key: { pk: `lease#${lease.id}` }, UpdateExpression: 'SET #e = :e', ExpressionAttributeNames: { '#e': 'evidence' }, ExpressionAttributeValues: { ':e': evidence } }));
  }

  async function report(env: NodeJS.ProcessEnv): Promise<Map<string, string | null>> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReport(WEEK, { env: { DYNAMODB_ENDPOINT: dynamo.endpoint, LEASES_TABLE: TABLE, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_KMS: kmsUrl, ...env }, out: (t) => out.push(t), err: (t) => err.push(t), clock: { now: () => EXAMPLE_NOW } });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('')) as AccessReport;
    expect(parsed.period.from).toBe(EXAMPLE_PERIOD.from.toISOString());
    return new Map(parsed.leases.map((r) => [r.leaseId, r.evidence]));
  }

  it('says intact only after KMS verifies the seal, and altered once a table writer rewrote the summary and its digest', async () => {
    const [honest, rewritten, unsealed, moved] = leases;
    if (honest === undefined || rewritten === undefined || unsealed === undefined || moved === undefined) throw new Error('the example has fewer revoked leases');
    await collect(honest, true);
    const original = await collect(rewritten, true);
    await collect(unsealed, false);
    await collect(moved, true);
    // The attack: the secrets read vanish from the summary, and the digest is recomputed to match (it is unkeyed).
    const edited = { ...summary, requests: 0, byRequest: [], secretsRead: [] };
    await rewrite(rewritten, { ...original, summary: edited, digest: evidenceDigest({ ...original, summary: edited }) });
    // And another lease's evidence, seal and all, copied onto this one: the seal names the lease it belongs to.
    await rewrite(moved, original);
    // Act
    const states = await report({ EVIDENCE_KMS_KEY_ID: KEY });
    // Assess
    expect(states.get(honest.id)).toBe('intact');
    expect(states.get(rewritten.id)).toBe('altered');
    expect(states.get(moved.id)).toBe('altered');
    // No seal where the report verifies seals: a finding, never a claim of why the seal is missing.
    expect(states.get(unsealed.id)).toBe('no seal although the report verifies seals: it may have been removed');
    expect(kms.macCalls().filter((c) => c.operation === 'VerifyMac').every((c) => c.keyId === KEY)).toBe(true);
  });

  it('says neither intact nor altered of evidence sealed with another key than the report\'s (a replaced key)', async () => {
    // Prepare: the fifth lease sealed with a former key of the stack.
    const former = `${KEY.slice(0, -4)}aaaa`;
    kms.createHmacKey(former);
    const lease = leases[4];
    if (lease === undefined) throw new Error('the example has fewer revoked leases');
    const counted = { collectedAt: '2026-11-08T00:00:00.000Z', from: accessBeganAt(lease), to: lease.revokedAt ?? lease.expiresAt, events: 3, summary };
    const mac = await new KmsEvidenceMac(kmsClient(), former).generate(evidenceMacMessage(lease, counted));
    await new DynamoDbEvidenceStore(dynamo.client, TABLE).record(lease.id, { ...counted, digest: evidenceDigest(counted), mac });
    // Act
    const states = await report({ EVIDENCE_KMS_KEY_ID: KEY });
    // Assess
    expect(mac.keyId).toBe(former);
    expect(states.get(lease.id)).toBe(`not verified: sealed with a key other than the report's (as the record claims; the report verifies with ${KEY})`);
  });

  it('says altered of a seal KMS would refuse as malformed, and the key still checks the other seals', async () => {
    // Prepare: the fifth lease's seal replaced by a MAC beyond KMS's length constraint (1..6144 bytes).
    const lease = leases[4];
    const [honest] = leases;
    if (lease === undefined || honest === undefined) throw new Error('the example has fewer revoked leases');
    const counted = { collectedAt: '2026-11-08T00:00:00.000Z', from: accessBeganAt(lease), to: lease.revokedAt ?? lease.expiresAt, events: 3, summary };
    const oversized = { algorithm: 'HMAC_SHA_256', keyId: KEY, mac: Buffer.alloc(7000, 1).toString('base64') } as const;
    await rewrite(lease, { ...counted, digest: evidenceDigest(counted), mac: oversized });
    // Act
    const states = await report({ EVIDENCE_KMS_KEY_ID: KEY });
    const direct = new KmsEvidenceMac(kmsClient(), KEY).verify(evidenceMacMessage(lease, counted), oversized);
    // Assess: KMS itself refuses that MAC as a malformed request; the adapter says it is the record's failure.
    await expect(direct).rejects.toBeInstanceOf(EvidenceSealRejectedError);
    await expect(direct).rejects.toThrow(/ValidationException/);
    expect(states.get(lease.id)).toBe('altered');
    expect(states.get(honest.id)).toBe('intact');
  });

  it('never says intact when the key cannot be asked: not configured, refused, or missing', async () => {
    const [honest] = leases;
    if (honest === undefined) throw new Error('no lease');
    // No key configured: not verified, and why.
    expect((await report({})).get(honest.id)).toBe('not verified: no evidence key is configured (EVIDENCE_KMS_KEY_ID or EVIDENCE_KEY_FILE)');
    // A key that does not exist (an alias with a typo).
    expect((await report({ EVIDENCE_KMS_KEY_ID: 'alias/kube-lease-evidense' })).get(honest.id)).toMatch(/^not verified: the evidence key could not be used: KMS VerifyMac with key .* failed \(NotFoundException\)$/);
    // The reader may not call VerifyMac.
    kms.deny('VerifyMac');
    expect((await report({ EVIDENCE_KMS_KEY_ID: KEY })).get(honest.id)).toMatch(/^not verified: the evidence key could not be used: KMS VerifyMac with key .* failed \(AccessDeniedException\)$/);
  });
});
