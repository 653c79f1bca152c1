import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import { checkEvidenceSeals } from '../../lib/use-cases/check-evidence.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Issue 23 item 9, F1: the sweep takes the evidence's window, subject and bindings from the
 * cluster's own record of the lease's RoleBindings (their create and delete in the audit log), not
 * from the lease item a table writer may rewrite between the revoke and the collection. Each attack
 * below left the secret read out of sealed evidence that a report called "intact".
 */

const ALICE = 'alice@example.com';
const DELAY_MS = 5 * 60_000;

function secretRead(minutes: number, binding?: string): AuditEvent {
  const at = new Date(T0.getTime() + minutes * 60_000).toISOString();
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `read-${minutes}`,
    stage: 'ResponseComplete',
    verb: 'get',
    requestURI: '/api/v1/namespaces/payments/secrets/db',
    user: { username: ALICE, groups: ['system:authenticated'] },
    objectRef: { resource: 'secrets', namespace: 'payments', name: 'db', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
    annotations: binding === undefined ? {} : { 'authorization.k8s.io/reason': `RBAC: allowed by RoleBinding "${binding}/payments" of Role "pod-debugger" to User "${ALICE}"` },
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

/** A 30-minute lease revoked at its end, the subject having read a secret 10 minutes in. */
async function revokedLease(key: string, options: { readonly readVisibleAfterMs?: number } = {}) {
  const app = useCases(AUDITED_CATALOG);
  const outcome = await app.grantAccess(approvedTicket(key, { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  const binding = outcome.lease.bindings[0]?.name ?? '';
  app.clock.advance(30 * 60_000 + 1000);
  // The read happened during the lease; the log may show it only later (its delay).
  app.activity.add('demo', secretRead(10, binding), new Date(app.clock.now().getTime() + (options.readVisibleAfterMs ?? 0)));
  await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
  const revoked = await app.leases.get(outcome.lease.id);
  if (revoked === undefined) throw new Error('lease gone');
  return { app, lease: revoked, binding };
}

async function reportOf(app: ReturnType<typeof useCases>, leaseId: string) {
  const stored = await app.leases.get(leaseId);
  if (stored?.evidence?.summary === undefined) throw new Error('no evidence collected');
  const checks = await checkEvidenceSeals([stored], app.evidenceMac);
  const period = { from: T0, to: new Date(T0.getTime() + 86_400_000) };
  const row = buildAccessReport({ leases: [stored], denials: [], period, now: app.clock.now(), sealChecks: checks }).leases[0];
  return { stored, evidence: row?.evidence, requests: stored.evidence.summary.requests, findings: stored.evidence.findings ?? [] };
}

describe('evidence whose window the cluster\'s record fixes (a table writer cannot narrow it)', () => {
  it('an honest lease: its evidence counts the read and a report says intact, without findings', async () => {
    const { app, lease } = await revokedLease('EVW-1');
    app.clock.advance(DELAY_MS);
    await app.sweepLeases();
    const { evidence, requests, findings, stored } = await reportOf(app, lease.id);
    expect({ evidence, requests, findings }).toEqual({ evidence: 'intact', requests: 1, findings: [] });
    // The window is the cluster's: from the binding's create to its delete.
    expect(stored.evidence?.from).toBe(T0.toISOString());
  });

  it('a subject rewritten in the lease item: the bindings\' subject in the cluster\'s record is read, and the disagreement is a finding', async () => {
    const { app, lease } = await revokedLease('EVW-2');
    app.leases.replace({ ...lease, subject: { kind: 'User', name: 'mallory@example.com' } });
    app.clock.advance(DELAY_MS);
    await app.sweepLeases();
    const { evidence, requests, findings, stored } = await reportOf(app, lease.id);
    expect(requests).toBe(1);
    expect(stored.evidence?.subject).toEqual({ kind: 'User', name: ALICE });
    expect(findings.join('\n')).toContain('the lease item disagrees with the cluster\'s record: its subject is User "mallory@example.com", the bindings were created for User "alice@example.com"');
    expect(evidence).toMatch(/^intact, with findings: the lease item disagrees/);
  });

  it('bindings rewritten in the lease item: what the cluster\'s bindings allowed still counts, and the disagreement is a finding', async () => {
    const { app, lease, binding } = await revokedLease('EVW-3');
    app.leases.replace({ ...lease, bindings: [{ namespace: 'payments', name: `kl-other-${lease.id}` }] });
    app.clock.advance(DELAY_MS);
    await app.sweepLeases();
    const { evidence, requests, findings } = await reportOf(app, lease.id);
    expect(requests).toBe(1);
    expect(findings).toContain(`the lease item disagrees with the cluster's record: it does not list the binding(s) "payments/${binding}"`);
    expect(evidence).not.toBe('intact');
  });

  it('an early evidence due time (the webhook may write it) only causes an early look: nothing is sealed before the log is complete', async () => {
    // The read reaches the log 4 minutes after the revoke (its delay is 5).
    const { app, lease } = await revokedLease('EVW-4', { readVisibleAfterMs: 4 * 60_000 });
    await app.evidence.postpone(lease.id, app.clock.now());
    app.clock.advance(60_000);
    await app.sweepLeases();
    expect((await app.leases.get(lease.id))?.evidence).toBeUndefined();
    app.clock.advance(DELAY_MS);
    await app.sweepLeases();
    const { evidence, requests } = await reportOf(app, lease.id);
    expect({ evidence, requests }).toEqual({ evidence: 'intact', requests: 1 });
  });

  it('evidence a table writer stored unsealed beforehand is never posted: the sweep collects, seals and posts its own', async () => {
    const { app, lease } = await revokedLease('EVW-5');
    const summary = { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 };
    const counted = { collectedAt: lease.revokedAt ?? '', from: lease.startsAt, to: lease.revokedAt ?? '', events: 0, summary };
    const forged: Lease = { ...lease, evidence: { ...counted, digest: evidenceDigest(counted) } };
    app.leases.replace(forged);
    app.clock.advance(DELAY_MS);
    await app.sweepLeases();
    const { evidence, requests, stored } = await reportOf(app, lease.id);
    expect({ evidence, requests, sealed: stored.evidence?.mac !== undefined }).toEqual({ evidence: 'intact', requests: 1, sealed: true });
    const posted = app.jira.commentsOn('EVW-5').filter((c) => c.startsWith('Activity during lease'));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('Secrets read: payments/db (get ×1)');
    const activity = app.audit.events.filter((e) => e.kind === 'activity');
    expect(activity.map((e) => (e.kind === 'activity' ? e.evidence?.requests : undefined))).toEqual([1]);
  });

  it('a log that never shows the bindings\' removal: the sweep waits a bounded time, then collects on the item\'s window and says so', async () => {
    const { app, lease } = await revokedLease('EVW-6');
    app.activity.forgetBindingWrites('delete');
    app.clock.advance(DELAY_MS);
    await app.sweepLeases();
    expect((await app.leases.get(lease.id))?.evidence).toBeUndefined();
    app.clock.advance(15 * 60_000);
    await app.sweepLeases();
    const { evidence, requests, findings } = await reportOf(app, lease.id);
    expect(requests).toBe(1);
    expect(findings).toEqual(['the cluster\'s log does not show the bindings\' removal: the window comes from the lease item']);
    expect(evidence).toBe('intact, with findings: the cluster\'s log does not show the bindings\' removal: the window comes from the lease item');
    expect(app.jira.commentsOn('EVW-6').find((c) => c.startsWith('Activity during lease'))).toContain('does not show the bindings\' removal');
    // The audit event (a copy outside the table) carries the finding too.
    const posted = app.audit.events.find((e) => e.kind === 'activity');
    expect(posted?.kind === 'activity' ? posted.evidence?.findings : undefined).toEqual(findings);
  });
});
