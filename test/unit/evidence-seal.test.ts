import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import { checkEvidenceSeals } from '../../lib/use-cases/check-evidence.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Issue 23, item 9, the writer's side: the sweep seals the evidence it stores with the evidence key
 * (a MAC over the lease and the evidence's digest), and what a table writer changes afterwards no
 * longer verifies. In-memory ports; the evidence key is an in-memory HMAC key a test can break.
 */

const ALICE = 'alice@example.com';

function event(minutes: number, verb: string, name?: string): AuditEvent {
  const at = new Date(T0.getTime() + minutes * 60_000).toISOString();
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `seal-${minutes}-${verb}`,
    stage: 'ResponseComplete',
    verb,
    requestURI: `/api/v1/namespaces/payments/pods${name === undefined ? '' : `/${name}`}`,
    user: { username: ALICE, groups: ['system:authenticated'] },
    objectRef: { resource: 'pods', namespace: 'payments', name, apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

/** A granted, used and revoked lease whose evidence is due. */
async function revokedWithActivity(app: ReturnType<typeof useCases>, key: string): Promise<Lease> {
  const outcome = await app.grantAccess(approvedTicket(key, { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  app.activity.add('demo', event(1, 'list'));
  app.activity.add('demo', event(2, 'get', 'api-1'));
  app.clock.advance(30 * 60_000 + 1000);
  await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
  app.clock.advance(5 * 60_000);
  return outcome.lease;
}

describe('sealed activity evidence (the sweep that stores it)', () => {
  it('seals the evidence it stores; the seal verifies until a table writer changes the summary and its digest', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await revokedWithActivity(app, 'OPS-1');
    // Act
    expect((await app.sweepLeases()).evidencePosted).toBe(1);
    // Assess
    const stored = await app.leases.get(lease.id);
    const evidence = stored?.evidence;
    if (stored === undefined || evidence?.summary === undefined) throw new Error('no evidence stored');
    expect(evidence.mac).toMatchObject({ algorithm: 'HMAC_SHA_256', keyId: expect.stringMatching(/^local:[0-9a-f]{16}$/), mac: expect.any(String) });
    expect((await checkEvidenceSeals([stored], app.evidenceMac)).get(lease.id)).toEqual({ kind: 'valid' });
    // The attack: fewer requests in the summary, the unkeyed digest recomputed to match.
    const edited = { ...evidence.summary, requests: 0, byRequest: [] };
    const rewritten: Lease = { ...stored, evidence: { ...evidence, summary: edited, digest: evidenceDigest({ ...evidence, summary: edited }) } };
    const checks = await checkEvidenceSeals([rewritten], app.evidenceMac);
    expect(checks.get(lease.id)).toEqual({ kind: 'invalid' });
    const period = { from: T0, to: new Date(T0.getTime() + 86_400_000) };
    expect(buildAccessReport({ leases: [rewritten], denials: [], period, now: app.clock.now(), sealChecks: checks }).leases[0]?.evidence).toBe('altered');
    // The same evidence moved to another lease (subject, cluster or id changed) does not verify either.
    expect((await checkEvidenceSeals([{ ...stored, id: '0000000000000000beef' }], app.evidenceMac)).get('0000000000000000beef')).toEqual({ kind: 'invalid' });
  });

  it('stores nothing while the evidence key cannot be used (retried later), then stores it sealed', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await revokedWithActivity(app, 'OPS-2');
    app.evidenceMac.fail = true;
    // Act
    const failing = await app.sweepLeases();
    const meanwhile = (await app.leases.get(lease.id))?.evidence;
    app.evidenceMac.fail = false;
    app.clock.advance(60_000);
    const recovered = await app.sweepLeases();
    // Assess
    expect(failing.evidencePosted).toBe(0);
    expect(meanwhile).toBeUndefined();
    expect(recovered.evidencePosted).toBe(1);
    expect((await app.leases.get(lease.id))?.evidence?.mac).toBeDefined();
  });

  it('once given up (a day), stores the evidence unsealed, which a report never calls intact', async () => {
    // Prepare
    const app = useCases(AUDITED_CATALOG);
    const lease = await revokedWithActivity(app, 'OPS-3');
    app.evidenceMac.fail = true;
    app.clock.advance(24 * 3600_000 + 60_000);
    // Act
    await app.sweepLeases();
    // Assess
    const stored = await app.leases.get(lease.id);
    expect(stored?.evidence).toMatchObject({ events: 2, digest: expect.stringMatching(/^sha256:/), postedAt: expect.any(String) });
    expect(stored?.evidence?.mac).toBeUndefined();
    if (stored === undefined) throw new Error('no lease');
    const period = { from: T0, to: new Date(T0.getTime() + 3 * 86_400_000) };
    expect(buildAccessReport({ leases: [stored], denials: [], period, now: app.clock.now(), sealChecks: await checkEvidenceSeals([stored], app.evidenceMac) }).leases[0]?.evidence).toBe('no seal although the report verifies seals: it may have been removed');
  });
});
