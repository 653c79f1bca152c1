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

  it('says altered of a seal not of the key\'s shape without asking the key, and not verified (never altered) when the key itself fails', async () => {
    // Prepare: a key that counts its calls; four records whose seals no HMAC_SHA_256 key made (too short, empty, not base64, 33 bytes).
    const inner = kmsLike();
    let calls = 0;
    const counting: EvidenceMac = { generate: (m) => inner.generate(m), verify: (m, seal) => ((calls += 1), inner.verify(m, seal)) };
    const leases = await Promise.all(Array.from({ length: 5 }, (_, i) => sealed(`00000000000000000b${String(i).padStart(2, '0')}`, inner)));
    const malformed = ['bWFj', '', `${'!'.repeat(43)}=`, Buffer.alloc(33, 7).toString('base64')];
    const poisoned = leases.map((l, i) => (i < malformed.length && l.evidence?.mac !== undefined ? { ...l, evidence: { ...l.evidence, mac: { ...l.evidence.mac, mac: malformed[i] ?? '' } } } : l));
    const period = { from: new Date('2025-12-31T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') };
    const states = async (mac: EvidenceMac): Promise<(string | null | undefined)[]> => {
      const checks = await checkEvidenceSeals(poisoned, mac);
      const rows = buildAccessReport({ leases: poisoned, denials: [], period, now: new Date('2026-01-03T00:00:00Z'), sealChecks: checks }).leases;
      return poisoned.map((l) => rows.find((r) => r.leaseId === l.id)?.evidence);
    };
    // Act
    const withKey = await states(counting);
    const refusing: EvidenceMac = { generate: (m) => inner.generate(m), verify: () => Promise.reject(new EvidenceKeyError('KMS VerifyMac with key k failed (AccessDeniedException)')) };
    const withRefusingKey = await states(refusing);
    // Assess: only the well-formed seal was sent to the key; a key that cannot be used never makes a record "altered" unless its seal is malformed.
    expect(withKey).toEqual(['altered', 'altered', 'altered', 'altered', 'intact']);
    expect(calls).toBe(1);
    expect(withRefusingKey).toEqual(['altered', 'altered', 'altered', 'altered', 'not verified: the evidence key could not be used: KMS VerifyMac with key k failed (AccessDeniedException)']);
  });
});
