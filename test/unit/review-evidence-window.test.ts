import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import type { Lease } from '../../lib/domain/lease.js';
import { checkEvidenceSeals } from '../../lib/use-cases/check-evidence.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Review of issue 23 item 9 (offensive, a table writer: someone with DynamoDB write access, or code
 * running in the webhook, whose role may update lease# items). The seal covers what the sweep
 * collected, but the sweep collects for the window, subject and bindings it reads from the lease
 * item: a writer who narrows that window between the revoke and the sweep's collection (minutes:
 * the audit log's delay) chooses what gets sealed. The report then says "intact" for evidence that
 * leaves out the holder's secret read, which the cluster's audit log shows during the lease.
 */

const ALICE = 'alice@example.com';

function event(minutes: number, verb: string): AuditEvent {
  const at = new Date(T0.getTime() + minutes * 60_000).toISOString();
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `win-${minutes}-${verb}`,
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

describe('review: a table writer chooses the window the sweep seals', () => {
  it('never vouches "intact" for sealed evidence that leaves out a request made during the lease', async () => {
    // Prepare: a lease whose subject reads a secret 10 minutes in; revoked at its end.
    const app = useCases(AUDITED_CATALOG);
    const outcome = await app.grantAccess(approvedTicket('WIN-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
    app.activity.add('demo', event(10, 'get'));
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
    const revoked = await app.leases.get(outcome.lease.id);
    if (revoked?.revokedAt === undefined) throw new Error('not revoked');
    // Act: the attack, before the sweep collects. The lease item's end is moved to one minute after
    // access began (an UpdateItem the webhook's and timers' roles are allowed on lease# items).
    const began = Date.parse(revoked.history.find((h) => h.to === 'ACTIVE' || h.to === 'PENDING')?.at ?? revoked.startsAt);
    const narrowed: Lease = { ...revoked, revokedAt: new Date(began + 60_000).toISOString() };
    app.leases.replace(narrowed);
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    const stored = await app.leases.get(outcome.lease.id);
    if (stored?.evidence?.summary === undefined) throw new Error('no evidence collected');
    const checks = await checkEvidenceSeals([stored], app.evidenceMac);
    const period = { from: T0, to: new Date(T0.getTime() + 86_400_000) };
    const row = buildAccessReport({ leases: [stored], denials: [], period, now: app.clock.now(), sealChecks: checks }).leases[0];
    // Assess: the audit log shows a secret read during the lease as granted and revoked. Evidence that
    // leaves it out must not be vouched for as intact.
    expect({ evidence: row?.evidence, requests: stored.evidence.summary.requests }).not.toEqual({ evidence: 'intact', requests: 0 });
  });
});
