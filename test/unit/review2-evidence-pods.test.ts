import { describe, expect, it } from '@jest/globals';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { UNSEALED_PODS } from '../../lib/domain/activity-messages.js';
import { parseAuditEvent, type ActivityEvidence } from '../../lib/domain/activity.js';
import { evidenceDigest, evidenceMacMessage } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import type { EvidenceMac } from '../../lib/ports/evidence-mac.js';
import { checkEvidenceSeals, storedEvidenceVerifies } from '../../lib/use-cases/check-evidence.js';
import { reviewEvidenceNote } from '../../lib/use-cases/review-evidence.js';
import { auditEvent } from '../fixtures/audit-events.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Regression (review 2 of issue 23, R2-5; attacker: a table writer). The evidence's `pods` (streams
 * the log showed only after the revoke, and whether the sweep could end them) and its read time are
 * posted with the evidence; the seal (version 2) now covers them. A writer who turns "Not ended … a
 * person must check it" into "Ended: … no longer runs" breaks the seal, so it is neither posted on
 * the review task nor on the ticket; setting the record back to version 1 (whose seal does not cover
 * them) breaks it too. A record sealed under version 1 still verifies as what it seals, but its
 * unsealed pods and read time are never posted as evidence.
 */
const logger = { warn: () => undefined } as never;
const lease: Lease = { ...leaseFixture('c0000000000000000009', '2026-01-01T01:00:00.000Z', 'REVOKED'), revokedAt: '2026-01-01T00:30:00.000Z', revokeCause: 'expiry' };
const summary = { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 };
const counted = { collectedAt: '2026-01-01T00:40:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:30:00.000Z', events: 0, summary };
const kept = { namespace: 'payments', pod: 'api-0', outcome: 'kept' as const, why: 'the eviction was refused (429)' };
const gone = { namespace: 'payments', pod: 'api-0', outcome: 'gone' as const, why: 'it was replaced' };
const period = { from: new Date('2026-01-01T00:00:00.000Z'), to: new Date('2026-01-02T00:00:00.000Z') };

/** The report's word on the record, with its seal checked by `mac`. */
async function reportSays(record: Lease, mac: EvidenceMac): Promise<string | null | undefined> {
  const sealChecks = await checkEvidenceSeals([record], mac);
  return buildAccessReport({ leases: [record], denials: [], period, now: period.to, sealChecks }).leases[0]?.evidence;
}

describe('review 2 regression: evidence pods a table writer rewrote', () => {
  it('are sealed with the evidence: rewritten, the record does not verify and is not posted on the review task', async () => {
    const mac = memoryEvidenceMac();
    // As the sweep stores it: version 2, the late pods under the seal.
    const record = { ...counted, sealVersion: 2 as const, pods: [kept] };
    const sealed: ActivityEvidence = { ...record, digest: evidenceDigest(record), mac: await mac.generate(evidenceMacMessage(lease, record)) };
    const honest = await reviewEvidenceNote({ mac, logger }, { ...lease, evidence: sealed }, sealed, 600, false);
    expect(honest?.text).toContain('Not ended: pod payments/api-0 could not be ended');
    expect(honest?.text).toContain('read at 2026-01-01T00:40:00.000Z');
    // The table writer's edits: the pod "ended" (digest recomputed: it is unkeyed), or the read time moved.
    const podEdit = { ...record, pods: [gone] };
    const edits: ActivityEvidence[] = [
      { ...sealed, pods: [gone] },
      { ...sealed, ...podEdit, digest: evidenceDigest(podEdit) },
      { ...sealed, pods: undefined, digest: evidenceDigest({ ...record, pods: undefined }) },
      { ...sealed, collectedAt: '2026-01-01T05:00:00.000Z', digest: evidenceDigest({ ...record, collectedAt: '2026-01-01T05:00:00.000Z' }) },
    ];
    for (const edited of edits) {
      const forged = { ...lease, evidence: edited };
      const note = await reviewEvidenceNote({ mac, logger }, forged, edited, 600, false);
      expect({ verifies: await storedEvidenceVerifies(forged, mac), posted: note !== undefined, report: await reportSays(forged, mac) }).toEqual({ verifies: false, posted: false, report: 'altered' });
    }
  });

  it('a version 2 record set back to version 1 (to take the pods out of the seal) reads as altered', async () => {
    const mac = memoryEvidenceMac();
    const record = { ...counted, sealVersion: 2 as const, pods: [kept] };
    const sealed: ActivityEvidence = { ...record, digest: evidenceDigest(record), mac: await mac.generate(evidenceMacMessage(lease, record)) };
    // The downgrade: no version, the version 1 digest recomputed; with the pods as they were, then rewritten.
    const { sealVersion: _dropped, ...v1 } = record;
    for (const pods of [[kept], [gone]]) {
      const downgraded = { ...lease, evidence: { ...sealed, sealVersion: undefined, pods, digest: evidenceDigest({ ...v1, pods }) } };
      const note = await reviewEvidenceNote({ mac, logger }, downgraded, downgraded.evidence, 600, true);
      expect({ verifies: await storedEvidenceVerifies(downgraded, mac), report: await reportSays(downgraded, mac) }).toEqual({ verifies: false, report: 'altered' });
      expect(note?.text).toContain('could not verify the activity evidence');
      expect(note?.text).not.toContain('pod payments/api-0');
    }
  });

  it('a record sealed under version 1 verifies as what it seals, but its unsealed pods and read time are never posted', async () => {
    const mac = memoryEvidenceMac();
    // As an older sweep stored it: sealed, then the late pods added beside the seal; here rewritten by a writer.
    const old: ActivityEvidence = { ...counted, digest: evidenceDigest(counted), mac: await mac.generate(evidenceMacMessage(lease, counted)), pods: [gone] };
    const stored = { ...lease, evidence: old };
    const note = await reviewEvidenceNote({ mac, logger }, stored, old, 600, false);
    expect(await storedEvidenceVerifies(stored, mac)).toBe(true);
    expect(await reportSays(stored, mac)).toBe('intact');
    expect(note?.text).toContain(UNSEALED_PODS);
    expect(note?.text).not.toContain('Ended: pod');
    expect(note?.text).not.toContain('2026-01-01T00:40:00.000Z');
    // With no pods listed, nothing is said of them.
    expect((await reviewEvidenceNote({ mac, logger }, stored, { ...old, pods: undefined }, 600, false))?.text).not.toContain('Streams the audit log showed only after the revoke');
  });

  it('the sweep seals the late pods: after a failed comment, pods a writer rewrote meanwhile are not posted on the ticket', async () => {
    const { app, id } = await lateShell('OPS-9');
    // The first comment fails: the sealed evidence stays stored, not posted.
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = () => Promise.reject(new Error('Jira is down'));
    await app.sweepLeases();
    app.jira.comment = comment;
    const stored = await app.leases.get(id);
    const evidence = stored?.evidence;
    if (stored === undefined || evidence?.pods === undefined || evidence.summary === undefined) throw new Error('no late pods stored');
    expect({ version: evidence.sealVersion, pods: evidence.pods.map((p) => [p.pod, p.outcome]), seal: (await checkEvidenceSeals([stored], app.evidenceMac)).get(stored.id) }).toEqual({ version: 2, pods: [['ledger-1', 'kept']], seal: { kind: 'valid' } });
    // Act: a table writer says the pod ended; the next sweep posts the evidence.
    const edited = { ...evidence, pods: [{ namespace: 'payments', pod: 'ledger-1', outcome: 'gone' as const, why: 'it was replaced' }] };
    app.leases.replace({ ...stored, evidence: { ...edited, digest: evidenceDigest({ ...edited, summary: evidence.summary }) } });
    app.clock.advance(60_000);
    await app.sweepLeases();
    // Assess: the ticket has the sweep's own words on that pod, never the writer's.
    const posted = app.jira.commentsOn('OPS-9').filter((c) => c.startsWith('Activity during lease'));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('Not ended: pod payments/ledger-1 could not be ended');
    expect(posted[0]).not.toContain('Ended: pod payments/ledger-1');
  });

  it('a record a table writer stores while the sweep collects (its own record then does not stand) is not posted unless it verifies', async () => {
    const { app } = await lateShell('OPS-8');
    // The writer's record, written just before the sweep's: the pod "ended", a seal of the right shape that is not the key's.
    const record = app.evidence.record.bind(app.evidence);
    app.evidence.record = async (leaseId, evidence, replacing) => {
      const lease = await app.leases.get(leaseId);
      if (lease === undefined || evidence.summary === undefined) throw new Error('no lease');
      const forged = { ...evidence, collectedAt: '2026-01-01T00:00:00.000Z', pods: [{ namespace: 'payments', pod: 'ledger-1', outcome: 'gone' as const, why: 'it was replaced' }] };
      app.leases.replace({ ...lease, evidence: { ...forged, digest: evidenceDigest({ ...forged, summary: evidence.summary }), mac: { algorithm: 'HMAC_SHA_256', keyId: 'local:0000000000000000', mac: Buffer.alloc(32, 7).toString('base64') } } });
      app.evidence.record = record;
      return record(leaseId, evidence, replacing);
    };
    // Act: the sweep whose record does not stand, then the next one.
    await app.sweepLeases();
    const meanwhile = app.jira.commentsOn('OPS-8').filter((c) => c.startsWith('Activity during lease'));
    app.clock.advance(60_000);
    await app.sweepLeases();
    // Assess: nothing of the writer's posted; then the sweep's own evidence replaces it and is posted.
    const posted = app.jira.commentsOn('OPS-8').filter((c) => c.startsWith('Activity during lease'));
    expect({ meanwhile, posted: posted.length }).toEqual({ meanwhile: [], posted: 1 });
    expect(posted[0]).toContain('Not ended: pod payments/ledger-1 could not be ended');
    expect(posted.join('\n')).not.toContain('Ended: pod payments/ledger-1');
  });
});

/** A revoked lease of alice's with shells into two pods of one StatefulSet, the second seen only after the revoke (not ended: one pod per controller); its evidence is due. */
async function lateShell(key: string) {
  const app = useCases(AUDITED_CATALOG);
  const outcome = await app.grantAccess(approvedTicket(key, { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  const binding = outcome.lease.bindings[0]?.name ?? '';
  for (const pod of ['ledger-0', 'ledger-1']) app.cluster.addPod('payments', pod, { createdAt: new Date(T0.getTime() - 3600_000).toISOString(), controller: { kind: 'StatefulSet', name: 'ledger' } });
  const shell = (pod: string, minutes: number) => parseAuditEvent(auditEvent({ user: 'alice@example.com', namespace: 'payments', binding, verb: 'create', name: pod, subresource: 'exec', command: ['sh'], at: new Date(T0.getTime() + minutes * 60_000) }));
  const [early, late] = [shell('ledger-0', 2), shell('ledger-1', 29)];
  if (early === undefined || late === undefined) throw new Error('not an audit event');
  app.activity.add('demo', early);
  app.activity.add('demo', late, new Date(T0.getTime() + 32 * 60_000));
  app.clock.advance(30 * 60_000 + 1000);
  await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
  app.clock.advance(5 * 60_000);
  return { app, id: outcome.lease.id };
}
