import { describe, expect, it } from '@jest/globals';
import { renderReport } from '../../lib/adapters/report/render-report.js';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { parseAuditEvent } from '../../lib/domain/activity.js';
import { auditEventSchema } from '../../lib/domain/audit-schema.js';
import { parseFilterPattern } from '../fakes/fake-cloudwatch-logs.js';
import { auditEvent, auditLine, type AuditEventSpec } from '../fixtures/audit-events.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Issue 23, review finding F2: a lease holder pads a request's URI so that its audit event outgrows
 * the log's event size; the log keeps it cut off, not JSON and without the user. Such events are
 * counted at revoke and in the evidence (never an empty window), the streams they name listed with
 * their user unknown and ended as the profile says, and the report does not call the evidence complete.
 */
const ALICE = 'alice@example.com';
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const created = at(-60).toISOString();
/** CloudWatch Logs' classic event size: EKS keeps a longer event cut at it. */
const EVENT_LIMIT = 256 * 1024;

/** An exec whose command is padded past the event size, as the log holds it: cut off (not JSON, no user). */
function cutExec(spec: Omit<AuditEventSpec, 'user' | 'verb' | 'subresource' | 'command'>): string {
  const line = auditLine({ user: ALICE, verb: 'create', subresource: 'exec', command: ['sh', '-c', `${'\t'.repeat(100_000)}bash`], ...spec });
  expect(line.length).toBeGreaterThan(EVENT_LIMIT);
  expect(line.indexOf(ALICE)).toBeGreaterThan(EVENT_LIMIT);
  return line.slice(0, EVENT_LIMIT - 26);
}

async function debugLease(catalog = AUDITED_CATALOG) {
  const app = useCases(catalog);
  const outcome = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  const binding = outcome.lease.bindings[0]?.name ?? '';
  const add = (spec: Omit<AuditEventSpec, 'user'>) => {
    const parsed = parseAuditEvent(auditEvent({ user: ALICE, namespace: 'payments', binding, ...spec }));
    if (parsed === undefined) throw new Error('not an audit event');
    app.activity.add('demo', parsed);
  };
  const revoke = async () => {
    app.clock.advance(30 * 60_000 + 1000);
    await app.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
    return app.leases.get(outcome.lease.id);
  };
  const comment = (start: string) => app.jira.commentsOn('OPS-1').find((c) => c.startsWith(start)) ?? '';
  return { app, lease: outcome.lease, add, revoke, revokeComment: () => comment('Access revoked'), evidenceComment: () => comment('Activity during lease') };
}

describe('audit events the log cut off (a padded request URI)', () => {
  it('are counted at revoke and in the evidence, their exec listed with its user unknown and its pod ended; the report does not call the evidence complete', async () => {
    // Prepare: alice's only request is a padded exec into payments/api-1; the log holds it cut off.
    const { app, lease, revoke, revokeComment, evidenceComment } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    app.activity.addCutLine('demo', cutExec({ namespace: 'payments', name: 'api-1', at: at(2) }), at(2));
    // Act
    const revoked = await revoke();
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess: the revoke lists the stream (user unknown), ends its pod, and says what it could not read.
    expect(revoked?.sessions?.seen).toEqual([{ kind: 'exec', namespace: 'payments', pod: 'api-1', at: at(2).toISOString(), allowed: true, cutOff: true }]);
    expect(revoked?.sessions?.unreadable).toEqual({ count: 1, complete: true });
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-1']);
    expect(revokeComment()).toContain("Unreadable: 1 audit event(s) that may be the subject's requests in the lease's namespaces could not be read (cut off by the log, over its event size limit): activity may be missing here");
    expect(revokeComment()).toContain(`- exec into payments/api-1, logged at ${at(2).toISOString()}: user unknown, and whether it opened unknown: the audit event was cut off by the log`);
    expect(revokeComment()).toContain('Ended: pod payments/api-1 evicted');
    expect(revokeComment()).not.toContain('shows no');
    expect(app.audit.events.filter((e) => e.kind === 'end-session').map((e) => e.reason)).toEqual(['evicted pod payments/api-1 (owned by ReplicaSet api) to end exec stream(s) opened by a user the cut-off audit event does not name']);
    const revokeEvent = app.audit.events.find((e) => e.kind === 'revoke');
    expect(revokeEvent?.sessions).toMatchObject({ seen: 1, unreadable: { count: 1, complete: true } });
    expect(auditEventSchema.safeParse(revokeEvent).success).toBe(true);
    // The evidence: never an empty window; the count is in the sealed summary, the comment and the activity event.
    const evidence = (await app.leases.get(lease.id))?.evidence;
    expect(evidence?.summary?.unreadable).toEqual({ count: 1, complete: true });
    expect(evidenceComment()).toContain("Unreadable: 1 audit event(s) that may be the subject's requests");
    expect(evidenceComment()).toContain('No requests through this lease in the readable part of the audit log.');
    const activity = app.audit.events.find((e) => e.kind === 'activity');
    expect(activity?.evidence).toMatchObject({ unreadable: { count: 1, complete: true } });
    expect(auditEventSchema.safeParse(activity).success).toBe(true);
    const stored = await app.leases.get(lease.id);
    if (stored === undefined) throw new Error('no lease');
    const row = buildAccessReport({ leases: [stored], denials: [], period: { from: at(-60), to: at(120) }, now: at(120) }).leases[0];
    expect(row?.evidenceUnreadable).toBe('incomplete: 1 audit event(s) of its window were cut off by the log: activity may be missing');
    const report = buildAccessReport({ leases: [stored], denials: [], period: { from: at(-60), to: at(120) }, now: at(120) });
    expect(renderReport(report, 'html')).toContain('<span class="warn">evidence incomplete: 1 audit event(s) of its window were cut off by the log: activity may be missing</span>');
  });

  it('a cut-off exec the log shows only after the revoke is counted and ended when the evidence is collected', async () => {
    // Prepare: the cut line reaches the log 2 minutes after the revoke (the log lags).
    const { app, lease, revoke, evidenceComment } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    app.activity.addCutLine('demo', cutExec({ namespace: 'payments', name: 'api-1', at: at(29) }), at(29), at(32));
    // Act
    const revoked = await revoke();
    expect(revoked?.sessions).toMatchObject({ seen: [], unreadable: { count: 0, complete: true } });
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-1']);
    const evidence = (await app.leases.get(lease.id))?.evidence;
    expect(evidence?.summary?.unreadable).toEqual({ count: 1, complete: true });
    expect(evidence?.pods?.map((p) => [p.pod, p.outcome])).toEqual([['api-1', 'evicted']]);
    expect(evidenceComment()).toContain('Ended: pod payments/api-1 evicted');
  });

  it('says nothing is unreadable when every line parses, and does not count a cut line of another namespace', async () => {
    // Prepare: a readable exec, and a cut-off line naming a namespace the lease does not cover.
    const { app, lease, add, revoke, revokeComment, evidenceComment } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2) });
    app.activity.addCutLine('demo', cutExec({ namespace: 'shop', name: 'web-0', at: at(3) }), at(3));
    // Act
    const revoked = await revoke();
    app.clock.advance(5 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(revoked?.sessions?.unreadable).toEqual({ count: 0, complete: true });
    expect(revoked?.sessions?.seen.map((s) => [s.pod, s.cutOff])).toEqual([['api-1', undefined]]);
    expect(revokeComment()).not.toContain('Unreadable');
    expect((await app.leases.get(lease.id))?.evidence?.summary?.unreadable).toBeUndefined();
    expect(evidenceComment()).not.toContain('Unreadable');
    expect(app.audit.events.find((e) => e.kind === 'activity')?.evidence?.unreadable).toBeUndefined();
  });

  it('searches once at revoke: a search that stops before the end of the window says there may be more', async () => {
    // Prepare: two cut-off lines; a page holds one.
    const { app, revoke, revokeComment } = await debugLease();
    app.activity.unreadablePageSize = 1;
    app.activity.addCutLine('demo', cutExec({ namespace: 'payments', name: 'api-1', at: at(2) }), at(2));
    app.activity.addCutLine('demo', cutExec({ namespace: 'payments', name: 'api-2', at: at(3) }), at(3));
    // Act
    const revoked = await revoke();
    // Assess
    expect(app.activity.unreadableReads.map((q) => [q.scope, q.maxPages, q.namespaces])).toEqual([['pods', 1, ['payments']]]);
    expect(revoked?.sessions?.unreadable).toEqual({ count: 1, complete: false });
    expect(revokeComment()).toContain('Unreadable: at least 1 audit event(s)');
    expect(revokeComment()).toContain('(the search stopped before the end of the window: there may be more)');
  });

  it('a failed search for cut-off lines is said on the ticket; the streams the log shows are still listed and ended', async () => {
    const { app, add, revoke, revokeComment } = await debugLease();
    app.cluster.addPod('payments', 'api-1', { createdAt: created, controller: { kind: 'ReplicaSet', name: 'api' } });
    add({ verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2) });
    app.activity.failUnreadableNext();
    const revoked = await revoke();
    expect(revoked?.sessions?.unreadable).toEqual({ error: "the cluster's audit log could not be read (throttled or unavailable)" });
    expect(revokeComment()).toContain('Unreadable: the audit log could not be searched for events it cut off');
    expect(app.cluster.evictedPods.map((p) => p.name)).toEqual(['api-1']);
  });
});

describe('the fake CloudWatch Logs filter patterns, as the service reads them', () => {
  const cut = '{"kind":"Event","requestURI":"/api/v1/namespaces/shop/pods/web-0/exec?command=sh';
  it('matches terms anywhere in a message, JSON or not; a JSON pattern never matches a line that is not JSON', () => {
    const any = parseFilterPattern('?"[Truncated...]" ?"/namespaces/shop/pods/" ?"alice@example.com"');
    expect(any?.(cut)).toBe(true);
    expect(any?.('{"kind":"Event","requestURI":"/api/v1/namespaces/other/pods/x"}')).toBe(false);
    expect(any?.(`${cut.slice(0, 20)}[Truncated...]`)).toBe(true);
    expect(parseFilterPattern('{ $.user.username = "alice@example.com" }')?.(cut)).toBe(false);
    // All terms must appear; `-term` must not; a quoted phrase keeps its spaces.
    expect(parseFilterPattern('ERROR "disk full"')?.('ERROR: disk full')).toBe(true);
    expect(parseFilterPattern('ERROR "disk full"')?.('ERROR: disk')).toBe(false);
    expect(parseFilterPattern('ERROR -Retrying')?.('ERROR Retrying')).toBe(false);
    // A term with other characters than letters, digits and `_` must be quoted.
    expect(parseFilterPattern('/namespaces/shop/')).toBeUndefined();
  });
});
