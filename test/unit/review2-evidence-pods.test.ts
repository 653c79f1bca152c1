import { describe, expect, it } from '@jest/globals';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import type { ActivityEvidence } from '../../lib/domain/activity.js';
import { evidenceDigest, evidenceMacMessage } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import { storedEvidenceVerifies } from '../../lib/use-cases/check-evidence.js';
import { reviewEvidenceNote } from '../../lib/use-cases/review-evidence.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review 2 of issue 23, PoC R2-5 (attacker: a table writer). The evidence's `pods` (streams the log
 * showed only after the revoke, and whether the sweep could end them) are posted on the review task
 * inside the sealed evidence, but neither the digest nor the MAC covers them: a writer turns
 * "Not ended … a person must check it" into "Ended: … evicted" (or drops it) and the seal still
 * verifies, so the review task gets it as verified evidence. FAILS on the code under review.
 */
describe('review 2: evidence pods a table writer rewrote', () => {
  it('are not posted on the review task as sealed evidence', async () => {
    const mac = memoryEvidenceMac();
    const lease: Lease = { ...leaseFixture('c0000000000000000009', '2026-01-01T01:00:00.000Z', 'REVOKED'), revokedAt: '2026-01-01T00:30:00.000Z', revokeCause: 'expiry' };
    const summary = { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 };
    const counted = { collectedAt: '2026-01-01T00:40:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:30:00.000Z', events: 0, summary };
    const kept = { namespace: 'payments', pod: 'api-0', outcome: 'kept' as const, why: 'the eviction was refused (429)' };
    // As the sweep stores it: sealed, then the late pods added beside the seal.
    const sealed: ActivityEvidence = { ...counted, digest: evidenceDigest(counted), mac: await mac.generate(evidenceMacMessage(lease, counted)), pods: [kept] };
    const honest = await reviewEvidenceNote({ mac, logger: { warn: () => undefined } as never }, { ...lease, evidence: sealed }, sealed, 600, false);
    expect(honest?.text).toContain('Not ended: pod payments/api-0 could not be ended');
    // The table writer's edit: the pod "ended".
    const edited: ActivityEvidence = { ...sealed, pods: [{ namespace: 'payments', pod: 'api-0', outcome: 'gone', why: 'it was replaced' }] };
    const forgedLease = { ...lease, evidence: edited };
    const note = await reviewEvidenceNote({ mac, logger: { warn: () => undefined } as never }, forgedLease, edited, 600, false);
    // What must hold: an edit to what the review task is told makes the record not verify (or is not posted).
    expect({ verifies: await storedEvidenceVerifies(forgedLease, mac), posted: note?.text.includes('Ended: pod payments/api-0 no longer runs') ?? false }).toEqual({ verifies: false, posted: false });
  });
});
