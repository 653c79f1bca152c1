import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import { checkEvidenceSeals } from '../../lib/use-cases/check-evidence.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Review of issue 23 item 9 (offensive, a table writer): the seal's presence is not authenticated.
 * A writer who edits the summary, recomputes the (unkeyed) digest and REMOVES `mac` gets the report
 * to say "not verifiable (written before keyed evidence)": a false statement of fact that explains
 * the rewrite away as a legacy record, for evidence the sweep sealed with the key.
 */

const ALICE = 'alice@example.com';

function event(minutes: number, verb: string): AuditEvent {
  const at = new Date(T0.getTime() + minutes * 60_000).toISOString();
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `dg-${minutes}-${verb}`,
    stage: 'ResponseComplete',
    verb,
    requestURI: '/api/v1/namespaces/payments/secrets/db',
    user: { username: ALICE, groups: ['system:authenticated'] },
    objectRef: { resource: 'secrets', namespace: 'payments', name: 'db', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

describe('review: a table writer strips the seal', () => {
  it('never reports sealed-then-stripped evidence as written before keyed evidence', async () => {
    // Prepare: a lease whose subject read a secret; the sweep stores sealed evidence.
    const app = useCases(AUDITED_CATALOG);
    const outcome = await app.grantAccess(approvedTicket('DG-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
    app.activity.add('demo', event(1, 'get'));
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    const stored = await app.leases.get(outcome.lease.id);
    const evidence = stored?.evidence;
    if (stored === undefined || evidence?.summary === undefined || evidence.mac === undefined) throw new Error('no sealed evidence');
    // Act: the attack. The secret read is removed, the digest recomputed, the seal deleted.
    const summary = { ...evidence.summary, requests: 0, byRequest: [], secretsRead: [] };
    const { mac: _stripped, ...unsealed } = evidence;
    const rewritten: Lease = { ...stored, evidence: { ...unsealed, summary, digest: evidenceDigest({ ...unsealed, summary }) } };
    const checks = await checkEvidenceSeals([rewritten], app.evidenceMac);
    const period = { from: T0, to: new Date(T0.getTime() + 86_400_000) };
    const row = buildAccessReport({ leases: [rewritten], denials: [], period, now: app.clock.now(), sealChecks: checks }).leases[0];
    // Assess: the report has a key and the evidence was collected with it configured; it must not
    // vouch that the record predates keyed evidence (it may say altered or unverifiable, never that).
    expect(row?.evidence).not.toBe('not verifiable (written before keyed evidence)');
    expect(row?.evidence).not.toBe('intact');
    // What it says instead: only what is known (no seal), as a finding, since the report verifies seals.
    expect(row?.evidence).toBe('no seal although the report verifies seals: it may have been removed');
  });
});
