import { describe, expect, it } from '@jest/globals';
import { GrantDeferredError, LeaseRaceError } from '../../lib/errors.js';
import type { Approval, Person } from '../../lib/domain/ticket.js';
import { MemoryCluster } from '../fakes/memory-ports.js';
import { approval, approvedTicket, approver, requester, T0, useCases } from '../support/use-cases.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const HOUR = 3_600_000;

describe('grantAccess (use case, in-memory ports)', () => {
  it('grants an approved request: one binding per namespace, timers set, lease ACTIVE, ticket told', async () => {
    // Prepare
    const app = useCases();
    const ticket = approvedTicket('OPS-1', { requestedNamespaces: ['payments', 'payments-worker'] });
    // Act
    const outcome = await app.grantAccess(ticket, 'test');
    // Assess
    expect(outcome.kind).toBe('granted');
    if (outcome.kind !== 'granted') return;
    expect(outcome.lease.status).toBe('ACTIVE');
    expect(app.cluster.namespacesOf(outcome.lease.id)).toEqual(['payments', 'payments-worker']);
    expect(app.scheduler.timers.get(outcome.lease.id)?.expiresAt).toBe(new Date(T0.getTime() + HOUR).toISOString());
    expect(app.jira.commentsOn('OPS-1')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('denies a self-approval, records the denial under the approval, and says so once', async () => {
    // Prepare
    const app = useCases();
    const ticket = approvedTicket('OPS-2', { approval: approval(requester) });
    // Act
    const first = await app.grantAccess(ticket, 'test');
    const repeat = await app.grantAccess(ticket, 'test');
    // Assess
    expect(first).toMatchObject({ kind: 'denied', code: 'self-approval' });
    expect(repeat.kind).toBe('already-decided');
    expect(app.cluster.bindings.size).toBe(0);
    expect(app.jira.commentsOn('OPS-2')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['deny']);
  });

  it('says nothing and grants nothing for a ticket that names no profile', async () => {
    // Prepare
    const app = useCases();
    // Act
    const outcome = await app.grantAccess(approvedTicket('OPS-3', { requestedProfile: undefined }), 'test');
    // Assess
    expect(outcome.kind).toBe('ignored');
    expect(app.jira.comments).toEqual([]);
    expect(app.audit.events).toEqual([]);
    expect(app.leases.calls).toEqual([]);
  });

  it('extends an open lease on a new approval, capped at the profile maximum counted from its start', async () => {
    // Prepare: payments-read allows at most 4h; the lease started at T0 for 1h.
    const app = useCases();
    const first = await app.grantAccess(approvedTicket('OPS-4'), 'test');
    app.clock.advance(3 * HOUR);
    // Act: a re-approval for 2h from now would end at T0 + 5h.
    const outcome = await app.grantAccess(approvedTicket('OPS-4', { requestedDuration: '2h', approval: approval(approver, app.clock.now()) }), 'test');
    // Assess
    expect(outcome.kind).toBe('extended');
    if (outcome.kind !== 'extended' || first.kind !== 'granted') return;
    expect(outcome.lease.id).toBe(first.lease.id);
    expect(outcome.lease.expiresAt).toBe(new Date(T0.getTime() + 4 * HOUR).toISOString());
    expect(app.scheduler.timers.get(first.lease.id)?.expiresAt).toBe(outcome.lease.expiresAt);
    expect(app.jira.commentsOn('OPS-4').at(-1)).toContain('profile maximum');
    expect(app.cluster.namespacesOf(first.lease.id)).toEqual(['payments']);
  });

  it('does not shorten a lease when the new approval asks for less than is left', async () => {
    // Prepare
    const app = useCases();
    await app.grantAccess(approvedTicket('OPS-5', { requestedDuration: '3h' }), 'test');
    // Act
    const outcome = await app.grantAccess(approvedTicket('OPS-5', { requestedDuration: '30m', approval: approval() }), 'test');
    // Assess
    expect(outcome.kind).toBe('not-extended');
    if (outcome.kind !== 'not-extended') return;
    expect(outcome.lease.expiresAt).toBe(new Date(T0.getTime() + 3 * HOUR).toISOString());
  });

  it('defers a grant when the cluster is unavailable: nothing left behind, lease PENDING, no comment', async () => {
    // Prepare
    const app = useCases();
    app.cluster.refuse(MemoryCluster.unavailable());
    // Act
    const attempt = app.grantAccess(approvedTicket('OPS-6'), 'test');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(GrantDeferredError);
    const [lease] = app.leases.all();
    expect(lease?.status).toBe('PENDING');
    expect(lease?.deferredReason).toContain('unavailable');
    expect(app.cluster.bindings.size).toBe(0);
    expect(app.scheduler.timers.size).toBe(0);
    expect(app.jira.comments).toEqual([]);
  });

  it('finishes a deferred grant on the next delivery of the same approval', async () => {
    // Prepare
    const app = useCases();
    const ticket = approvedTicket('OPS-7');
    app.cluster.refuse(MemoryCluster.unavailable());
    await expect(app.grantAccess(ticket, 'test')).rejects.toBeInstanceOf(GrantDeferredError);
    // Act
    const retry = await app.grantAccess(ticket, 'test');
    // Assess
    expect(retry.kind).toBe('granted');
    expect(app.leases.all()).toHaveLength(1);
  });

  it('ends a grant FAILED on a definitive refusal, removes what was created and tells the ticket', async () => {
    // Prepare: the second namespace's binding is forbidden, the first is created.
    const app = useCases();
    app.cluster.refuse(MemoryCluster.forbidden());
    // Act
    const outcome = await app.grantAccess(approvedTicket('OPS-8', { requestedNamespaces: ['payments', 'payments-worker'] }), 'test');
    // Assess
    expect(outcome.kind).toBe('failed');
    expect(app.leases.all()[0]?.status).toBe('FAILED');
    expect(app.cluster.bindings.size).toBe(0);
    expect(app.scheduler.timers.size).toBe(0);
    expect(app.audit.kinds()).toEqual(['failure']);
    expect(app.jira.commentsOn('OPS-8')).toHaveLength(1);
  });

  it('schedules a lease whose change window opens later, and activates it when it opens', async () => {
    // Prepare
    const app = useCases(DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n'));
    const ticket = approvedTicket('OPS-9', { windowStart: new Date(T0.getTime() + 2 * HOUR).toISOString() });
    app.jira.put(ticket);
    // Act
    const outcome = await app.grantAccess(ticket, 'test');
    app.clock.advance(2 * HOUR);
    const activated = outcome.kind === 'scheduled' ? await app.activateLease({ leaseId: outcome.lease.id, actor: 'timer' }) : undefined;
    // Assess
    expect(outcome.kind).toBe('scheduled');
    expect(activated?.kind).toBe('activated');
    if (outcome.kind === 'scheduled') expect(app.cluster.namespacesOf(outcome.lease.id)).toEqual(['payments']);
  });

  it('does not extend a scheduled lease on a new approval, and says why (its activation may be creating its bindings)', async () => {
    // Prepare: scheduled for T0 + 2h, 1h long.
    const app = useCases(DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n'));
    const windowStart = new Date(T0.getTime() + 2 * HOUR).toISOString();
    const first = await app.grantAccess(approvedTicket('OPS-19', { windowStart }), 'test');
    app.clock.advance(HOUR);
    // Act: a second approval asks for 2h.
    const outcome = await app.grantAccess(approvedTicket('OPS-19', { windowStart, requestedDuration: '2h', approval: approval(approver, app.clock.now()) }), 'test');
    // Assess: a decision with its reason on the ticket (it threw a store error before), the lease unchanged.
    expect([first.kind, outcome.kind]).toEqual(['scheduled', 'not-extended']);
    if (outcome.kind !== 'not-extended') return;
    expect([outcome.lease.status, outcome.lease.expiresAt]).toEqual(['SCHEDULED', new Date(T0.getTime() + 3 * HOUR).toISOString()]);
    expect(app.jira.commentsOn('OPS-19').at(-1)).toContain('it has not begun yet, and this approval is for other times (from 2026-03-02T12:00:00.000Z until 2026-03-02T14:00:00.000Z): the lease keeps its own and, unless its activation has begun, ends without being activated');
  });

  it('refuses a lease beyond the per-requester cap before creating anything', async () => {
    // Prepare
    const app = useCases(DEMO_CATALOG.replace('clusters:', 'maxActiveLeasesPerRequester: 1\nclusters:'));
    await app.grantAccess(approvedTicket('OPS-10'), 'test');
    // Act
    const outcome = await app.grantAccess(approvedTicket('OPS-11'), 'test');
    // Assess
    expect(outcome).toMatchObject({ kind: 'denied', code: 'too-many-leases' });
    expect(app.cluster.bindings.size).toBe(1);
  });
});

describe('activateLease (use case, in-memory ports)', () => {
  it('takes back the bindings it made when a close ended the lease while it failed on another namespace', async () => {
    // Prepare: a scheduled lease over two namespaces; at the window, one create is refused for good,
    // and a close revokes the lease just before this attempt records its failure.
    const app = useCases(DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n'));
    const ticket = approvedTicket('ACT-1', { requestedNamespaces: ['payments', 'payments-worker'], windowStart: new Date(T0.getTime() + HOUR).toISOString() });
    app.jira.put(ticket);
    const scheduled = await app.grantAccess(ticket, 'test');
    if (scheduled.kind !== 'scheduled') throw new Error(scheduled.kind);
    app.clock.advance(HOUR);
    app.cluster.refuse(MemoryCluster.forbidden());
    const transition = app.leases.transition.bind(app.leases);
    app.leases.transition = async (lease, to, entry, patch) => {
      if (to === 'FAILED') {
        const current = await app.leases.get(lease.id);
        if (current !== undefined) await transition(current, 'REVOKED', { ...entry, to: 'REVOKED', note: 'closed meanwhile' }, { revokeCause: 'early' });
      }
      return transition(lease, to, entry, patch);
    };
    // Act
    const outcome = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'timer' });
    // Assess
    expect(outcome.kind).toBe('not-scheduled');
    expect(app.cluster.bindings.size).toBe(0);
  });
});

describe('closeTicket and revokeLease (use cases, in-memory ports)', () => {
  it('revokes every open lease of a closed ticket at once', async () => {
    // Prepare
    const app = useCases();
    const granted = await app.grantAccess(approvedTicket('OPS-12'), 'test');
    app.jira.put(approvedTicket('OPS-12', { state: 'closed', statusText: 'Done' }));
    // Act
    const outcome = await app.processTicket({ source: 'jira', ticketKey: 'OPS-12', actor: 'test' });
    // Assess
    expect(outcome.kind).toBe('closed');
    expect(app.cluster.bindings.size).toBe(0);
    if (granted.kind === 'granted') expect(app.leases.all()[0]).toMatchObject({ status: 'REVOKED', revokeCause: 'early' });
  });

  it('revokes at expiry and not before', async () => {
    // Prepare
    const app = useCases();
    const granted = await app.grantAccess(approvedTicket('OPS-13'), 'test');
    if (granted.kind !== 'granted') throw new Error(granted.kind);
    // Act
    const early = await app.revokeLease({ leaseId: granted.lease.id, cause: 'expiry', actor: 'timer' });
    app.clock.advance(HOUR);
    const due = await app.revokeLease({ leaseId: granted.lease.id, cause: 'expiry', actor: 'timer' });
    // Assess
    expect(early.kind).toBe('not-due');
    expect(due.kind).toBe('revoked');
    expect(app.cluster.bindings.size).toBe(0);
    expect(app.scheduler.timers.size).toBe(0);
  });
});

describe('verified access (SubjectAccessReview after grant and revoke, in-memory ports)', () => {
  it('records and tells that the access works after the grant, and is gone after the revoke', async () => {
    // Prepare
    const app = useCases();
    // Act
    const granted = await app.grantAccess(approvedTicket('VER-1', { requestedNamespaces: ['payments', 'payments-worker'] }), 'test');
    if (granted.kind !== 'granted') throw new Error(granted.kind);
    app.clock.advance(HOUR);
    await app.revokeLease({ leaseId: granted.lease.id, cause: 'expiry', actor: 'timer' });
    // Assess
    const lease = await app.leases.get(granted.lease.id);
    expect(lease?.verification?.granted?.answers.map((a) => [a.namespace, a.allowed])).toEqual([['payments', true], ['payments-worker', true]]);
    expect(lease?.verification?.revoked?.answers.map((a) => [a.namespace, a.allowed])).toEqual([['payments', false], ['payments-worker', false]]);
    const [grantComment, revokeComment] = app.jira.commentsOn('VER-1');
    expect(grantComment).toContain('Verified: the API server confirms that User alice@example.com can get pods in payments, payments-worker.');
    expect(revokeComment).toContain('Verified: the API server confirms that User alice@example.com can no longer get pods in payments, payments-worker (asked with the group system:authenticated only: access through groups of your identity provider is not checked).');
    expect(app.audit.events.map((e) => [e.kind, e.verification?.allowedIn, e.verification?.deniedIn])).toEqual([
      ['grant', undefined, undefined],
      ['verify', ['payments', 'payments-worker'], []],
      ['revoke', [], ['payments', 'payments-worker']],
    ]);
  });

  it('warns of standing access when the subject can still do it after the revoke, through a binding kube-lease did not make', async () => {
    // Prepare: a ClusterRoleBinding of view to alice that nobody's lease made.
    const app = useCases();
    app.cluster.otherBindings.push({ namespace: undefined, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice@example.com' }] });
    const granted = await app.grantAccess(approvedTicket('VER-2'), 'test');
    if (granted.kind !== 'granted') throw new Error(granted.kind);
    // Act
    await app.revokeLease({ leaseId: granted.lease.id, cause: 'manual', actor: 'cli:ops', note: 'done' });
    // Assess
    expect(app.cluster.bindings.size).toBe(0);
    // The API server's reason is its words: quoted as JSON quotes it (it cannot close the quote or begin a line).
    const reason = JSON.stringify('RBAC: allowed by ClusterRoleBinding of ClusterRole "view" to User "alice@example.com"');
    expect(app.jira.commentsOn('VER-2').at(-1)).toContain(`Warning: User alice@example.com can still get pods in payments through access kube-lease did not grant (standing access: ${reason});`);
    expect(app.audit.events.at(-1)?.verification).toEqual({ check: 'get pods', allowedIn: ['payments'], deniedIn: [] });
  });

  it('tells an overlapping lease of the same person from standing access: no warning, the other lease named', async () => {
    // Prepare: two leases of alice for the same role in the same namespace, from two tickets.
    const app = useCases();
    const first = await app.grantAccess(approvedTicket('VER-5'), 'test');
    const second = await app.grantAccess(approvedTicket('VER-6'), 'test');
    if (first.kind !== 'granted' || second.kind !== 'granted') throw new Error('not granted');
    // Act
    await app.revokeLease({ leaseId: first.lease.id, cause: 'early', actor: 'test' });
    // Assess
    const comment = app.jira.commentsOn('VER-5').at(-1) ?? '';
    expect(comment).not.toContain('Warning');
    expect(comment).toContain(`User alice@example.com still can in payments (lease ${second.lease.id}) through other open leases, each ended on its own.`);
    expect(app.audit.events.at(-1)?.verification).toEqual({ check: 'get pods', allowedIn: ['payments'], deniedIn: [], otherLeasesIn: ['payments'] });
    expect(app.cluster.namespacesOf(second.lease.id)).toEqual(['payments']);
  });

  it('says "not verified" when the role does not allow what the profile is for', async () => {
    // Prepare: the profile is for deleting pods; view allows no such thing.
    const app = useCases(DEMO_CATALOG.replace('    defaultDuration: 1h\n', '    defaultDuration: 1h\n    verify: { verb: delete, resource: pods }\n'));
    // Act
    const outcome = await app.grantAccess(approvedTicket('VER-3'), 'test');
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(app.jira.commentsOn('VER-3')[0]).toContain('Not verified: the API server says User alice@example.com cannot delete pods in payments although the binding exists');
  });

  it('asks again when the authorizer has not caught up with the new binding yet, before saying anything', async () => {
    // Prepare: the first review answers from a cache that does not hold the binding yet.
    const app = useCases();
    const review = app.cluster.reviewAccess.bind(app.cluster);
    let asked = 0;
    app.cluster.reviewAccess = async (...args) => {
      asked += 1;
      return asked === 1 ? { allowed: false } : review(...args);
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('VER-4'), 'test');
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(asked).toBe(2);
    expect(app.jira.commentsOn('VER-4')[0]).toContain('Verified: the API server confirms that User alice@example.com can get pods in payments.');
  });
});

describe('grantAccess: an approval record is spent once, also under concurrency', () => {
  const carol: Person = { id: 'acct-carol', email: 'carol@example.com', displayName: 'Carol', activeHuman: true };
  /** A ServiceNow-like approval made of records, each by one person. */
  const records = (id: string, ...parts: [string, Person][]): Approval => ({ id, approvers: parts.map(([, p]) => p), at: T0.toISOString(), records: parts.map(([r, p]) => ({ id: r, approvers: [p] })) });
  const onlyBob = DEMO_CATALOG.replace('    roleRef: { kind: ClusterRole, name: view }\n', '    roleRef: { kind: ClusterRole, name: view }\n    approvers: [bob@example.com]\n');

  it('does not extend twice on one record when two decisions read the lease list before either wrote', async () => {
    // Prepare: bob's first record granted; bob's second record then stands in two approvals at once,
    // one alone (X) and one beside carol's (Y), decided concurrently from the same lease list.
    const app = useCases(onlyBob);
    const granted = await app.grantAccess(approvedTicket('OPS-70', { approval: records('a1', ['r-bob-1', approver]) }), 'test');
    expect(granted.kind).toBe('granted');
    const before = (await app.leases.listForTicket('jira', 'OPS-70')).leases;
    app.clock.advance(30 * 60_000);
    const x = await app.grantAccess(approvedTicket('OPS-70', { approval: records('x', ['r-bob-1', approver], ['r-bob-2', approver]) }), 'test', { ticketLeases: before });
    expect(x.kind).toBe('extended');
    // Act: Y was decided from the list read before X wrote.
    const y = app.grantAccess(approvedTicket('OPS-70', { approval: records('y', ['r-bob-1', approver], ['r-bob-2', approver], ['r-carol', carol]) }), 'test', { ticketLeases: before });
    // Assess: no second extension on bob's second record; decided again, carol alone may not.
    await expect(y).rejects.toBeInstanceOf(LeaseRaceError);
    const [lease] = (await app.leases.listForTicket('jira', 'OPS-70')).leases;
    expect(lease?.approvals).toEqual(['a1', 'x']);
    expect(lease?.approvalRecords).toEqual(['r-bob-1', 'r-bob-2']);
    const retried = await app.grantAccess(approvedTicket('OPS-70', { approval: records('y', ['r-bob-1', approver], ['r-bob-2', approver], ['r-carol', carol]) }), 'test');
    expect(retried).toMatchObject({ kind: 'already-decided', code: 'approver-not-allowed' });
    expect((await app.leases.get(String(lease?.id)))?.expiresAt).toBe(lease?.expiresAt);
  });

  it('fails closed on a lease stored before leases recorded the approval records they used', async () => {
    const app = useCases();
    const granted = await app.grantAccess(approvedTicket('OPS-71'), 'test');
    if (granted.kind !== 'granted') throw new Error(granted.kind);
    const { approvalRecords: _dropped, ...legacy } = granted.lease;
    const outcome = await app.grantAccess(approvedTicket('OPS-71', { approval: records('z', ['r-carol', carol]) }), 'test', { ticketLeases: [legacy] });
    expect(outcome).toMatchObject({ kind: 'denied', code: 'approval-unverifiable', reason: expect.stringContaining(`lease ${granted.lease.id} of this ticket does not record which approvals it used`) });
    expect(app.jira.commentsOn('OPS-71').at(-1)).toMatch(/^This approval was not applied: .*request access on a new ticket\. Access already approved on this ticket is unchanged/);
  });
});

describe('grantAccess: decisions recorded before leases were filed by ticket id (under the key)', () => {
  it('keeps a denial recorded under the key-derived id: the same approval grants nothing later, and a lease recorded meanwhile ends FAILED', async () => {
    // Prepare: an earlier version denied this approval and filed the denial under `jira#<key>#<approval>`.
    const { leaseIdFor } = await import('../../lib/domain/names.js');
    const app = useCases();
    const ticket = approvedTicket('OPS-70');
    const keyed = `jira#OPS-70#${ticket.approval?.id ?? ''}`;
    await app.leases.recordDenial({ leaseId: leaseIdFor(keyed), idempotencyKey: keyed, source: 'jira', ticketKey: 'OPS-70', code: 'too-many-leases', reason: 'the requester already holds 2 open lease(s)', at: T0.toISOString(), by: 'webhook' });
    // Act: the same approval comes again, and now qualifies.
    const outcome = await app.grantAccess(ticket, 'test');
    const again = await app.grantAccess(ticket, 'test');
    // Assess: decided before, never granted; the lease this run recorded never had a binding.
    expect(outcome).toMatchObject({ kind: 'already-decided', code: 'too-many-leases' });
    expect(again.kind === 'already-decided' || again.kind === 'duplicate').toBe(true);
    expect(app.cluster.bindings.size).toBe(0);
    expect(app.leases.all().map((l) => [l.status, l.failureReason])).toEqual([['FAILED', 'this approval was denied before (too-many-leases): an approval is decided once']]);
    expect(app.jira.commentsOn('OPS-70')).toEqual([]);
  });

  it('stays quiet on a denial of an approval denied before under the key-derived id', async () => {
    // Prepare
    const { leaseIdFor } = await import('../../lib/domain/names.js');
    const app = useCases();
    const ticket = approvedTicket('OPS-71', { approval: approval(requester) });
    const keyed = `jira#OPS-71#${ticket.approval?.id ?? ''}`;
    await app.leases.recordDenial({ leaseId: leaseIdFor(keyed), idempotencyKey: keyed, source: 'jira', ticketKey: 'OPS-71', code: 'self-approval', reason: 'self', at: T0.toISOString(), by: 'webhook' });
    // Act
    const outcome = await app.grantAccess(ticket, 'test');
    // Assess
    expect(outcome).toMatchObject({ kind: 'already-decided', code: 'self-approval' });
    expect(app.jira.commentsOn('OPS-71')).toEqual([]);
    expect(app.audit.kinds()).toEqual([]);
  });

  it('never makes a second lease from an approval a lease recorded under the key holds', async () => {
    // Prepare: the lease an earlier version made for this approval (id from the key, no ticket id), still open.
    const ticket = approvedTicket('OPS-72');
    const earlier = useCases();
    const first = await earlier.grantAccess(ticket, 'test');
    if (first.kind !== 'granted') throw new Error(first.kind);
    const app = useCases();
    const keyedShape: Record<string, unknown> = { ...first.lease };
    delete keyedShape.ticketId;
    await app.leases.create({ ...(keyedShape as unknown as typeof first.lease), id: 'k'.repeat(20) });
    // Act: the same approval again (a retry, the sweep): the key-filed lease holds it.
    const outcome = await app.grantAccess(ticket, 'test');
    // Assess: that lease, and nothing new.
    expect(outcome).toMatchObject({ kind: 'duplicate', lease: { id: 'k'.repeat(20) } });
    expect(app.leases.all()).toHaveLength(1);
    expect(app.cluster.bindings.size).toBe(0);
  });
});
