import { describe, expect, it } from '@jest/globals';
import type { ActivitySummary } from '../../lib/domain/activity.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { evidenceDigest, evidenceMacMessage, type EvidenceSeal } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import { EvidenceKeyError } from '../../lib/errors.js';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import type { EvidenceMac } from '../../lib/ports/evidence-mac.js';
import { checkEvidenceSeals } from '../../lib/use-cases/check-evidence.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review of issue 23 item 9 (offensive, a table writer). checkEvidenceSeals stops asking the key
 * once one VerifyMac fails with anything but "invalid MAC" (`broken`): every seal after it is
 * "not verified: the evidence key could not be used". The failing call can be caused by the table
 * writer: KMS VerifyMac refuses a `Mac` outside 1..6144 bytes with ValidationException (its
 * documented length constraint), which the adapter reports as an EvidenceKeyError. One record with
 * an oversized `mac` early in the report hides every alteration in the records after it.
 */

/** The in-memory HMAC key, refusing as KMS does a MAC outside its length constraint (ValidationException). */
function kmsLike(): EvidenceMac {
  const key = memoryEvidenceMac();
  return {
    generate: (message) => key.generate(message),
    verify: (message, seal) => {
      const length = Buffer.from(seal.mac, 'base64').length;
      if (length < 1 || length > 6144) return Promise.reject(new EvidenceKeyError('KMS VerifyMac with key k failed (ValidationException)'));
      return key.verify(message, seal);
    },
  };
}

const SUMMARY: ActivitySummary = { requests: 3, byRequest: [{ verb: 'get', resource: 'secrets', namespace: 'payments', count: 3 }], sessions: [], secretsRead: [], denied: [], omitted: 0 };

async function sealed(id: string, mac: EvidenceMac): Promise<Lease> {
  const base = { ...leaseFixture(id, '2026-01-01T01:00:00.000Z', 'REVOKED'), revokedAt: '2026-01-01T01:00:00.000Z' };
  const counted = { collectedAt: '2026-01-01T01:10:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', events: 3, summary: SUMMARY };
  const seal: EvidenceSeal = await mac.generate(evidenceMacMessage(base, counted));
  return { ...base, evidence: { ...counted, digest: evidenceDigest(counted), mac: seal } };
}

describe('review: one poisoned seal switches off verification for the rest of the report', () => {
  it('still reports an altered record as altered when an earlier record carries an oversized MAC', async () => {
    // Prepare: ten sealed leases; the table writer oversizes the first one's MAC and rewrites the last.
    const mac = kmsLike();
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => sealed(`00000000000000000a${String(i).padStart(2, '0')}`, mac)));
    const [first] = leases;
    const last = leases[9];
    if (first?.evidence?.mac === undefined || last?.evidence === undefined) throw new Error('no evidence');
    leases[0] = { ...first, evidence: { ...first.evidence, mac: { ...first.evidence.mac, mac: Buffer.alloc(7000).toString('base64') } } };
    const edited = { ...SUMMARY, requests: 0, byRequest: [] };
    leases[9] = { ...last, evidence: { ...last.evidence, summary: edited, digest: evidenceDigest({ ...last.evidence, summary: edited }) } };
    // Act
    const checks = await checkEvidenceSeals(leases, mac);
    const period = { from: new Date('2025-12-31T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') };
    const rows = buildAccessReport({ leases, denials: [], period, now: new Date('2026-01-03T00:00:00Z'), sealChecks: checks }).leases;
    // Assess: the rewritten record is found out, whatever an unrelated record's seal looks like.
    expect(rows.find((r) => r.leaseId === leases[9]?.id)?.evidence).toBe('altered');
  });
});
