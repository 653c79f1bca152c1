import { describe, expect, it } from '@jest/globals';
import { ANNOUNCE_BACKSTOP_SECONDS } from '../../lib/use-cases/grant/provision.js';
import { SchedulerError, ScheduleQuotaError, TicketSourceError } from '../../lib/errors.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { MemoryCluster } from '../fakes/memory-ports.js';
import { approval, approvedTicket, approver, useCases } from '../support/use-cases.js';

const answerFirst = { answerFirst: true } as const;

describe('a grant answered first, announced after (use cases, in-memory ports)', () => {
  it('answers once access exists and is recorded: ACTIVE, queued, follow-up asked, nothing said or reviewed yet', async () => {
    // Prepare
    const app = useCases();
    let reviews = 0;
    const review = app.cluster.reviewAccess.bind(app.cluster);
    app.cluster.reviewAccess = (...args) => {
      reviews += 1;
      return review(...args);
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('ANN-1', { requestedNamespaces: ['payments', 'payments-worker'] }), 'webhook', answerFirst);
    // Assess
    expect(outcome.kind).toBe('granted');
    if (outcome.kind !== 'granted') return;
    expect(outcome.lease).toMatchObject({ status: 'ACTIVE', grantNote: '' });
    expect(outcome.lease.verification).toBeUndefined();
    expect(app.cluster.namespacesOf(outcome.lease.id)).toEqual(['payments', 'payments-worker']);
    expect(reviews).toBe(0);
    expect(app.jira.commentsOn('ANN-1')).toEqual([]);
    expect(app.audit.kinds()).toEqual(['grant']);
    expect(app.audit.events[0]?.verification).toBeUndefined();
    expect(app.followUp.requested).toEqual([outcome.lease.id]);
    expect(app.announcements.entries()).toEqual([[outcome.lease.id, new Date(app.clock.now().getTime() + ANNOUNCE_BACKSTOP_SECONDS * 1000).toISOString()]]);
  });

  it('announces through the activate target: reviews, records `verify`, tells the ticket, marks the lease and leaves the queue', async () => {
    // Prepare
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('ANN-2'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    // Act
    const announced = await app.activateLease({ leaseId, actor: 'eventbridge' });
    // Assess
    expect(announced.kind).toBe('announced');
    const lease = await app.leases.get(leaseId);
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.verification?.granted?.answers.map((a) => [a.namespace, a.allowed])).toEqual([['payments', true]]);
    expect(lease?.history.at(-1)).toMatchObject({ from: 'ACTIVE', to: 'ACTIVE', by: 'eventbridge', note: 'grant announced' });
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
    expect(app.audit.events[1]?.verification).toEqual({ check: 'get pods', allowedIn: ['payments'], deniedIn: [] });
    const comments = app.jira.commentsOn('ANN-2');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain(`Access granted (lease ${leaseId})`);
    expect(comments[0]).toContain('Verified: the API server confirms');
    expect(app.announcements.entries()).toEqual([]);
  });

  it('announces once: a second request (a Lambda retry, the sweep) finds it announced and only leaves the queue', async () => {
    // Prepare
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('ANN-3'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    await app.announceGrant({ leaseId, actor: 'eventbridge' });
    // Act
    const again = await app.announceGrant({ leaseId, actor: 'eventbridge' });
    // Assess
    expect(again).toEqual({ kind: 'nothing-to-announce', reason: 'announced already' });
    expect(app.jira.commentsOn('ANN-3')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('carries the grant\'s note (timers left to the sweep) into the announcement', async () => {
    // Prepare: the rule quota is reached, so the sweep ends this access; the comment must say so.
    const app = useCases();
    app.scheduler.schedule = () => Promise.reject(new ScheduleQuotaError('rule quota reached'));
    const outcome = await app.grantAccess(approvedTicket('ANN-4'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    expect(outcome.kind === 'granted' ? outcome.lease.grantNote : undefined).toContain('quota');
    // Act
    await app.announceGrant({ leaseId, actor: 'eventbridge' });
    // Assess
    expect(app.jira.commentsOn('ANN-4')[0]).toContain('the periodic sweep will end this access on time');
    expect(app.audit.events[0]).toMatchObject({ kind: 'grant', warning: expect.stringContaining('quota') });
  });

  it('announces inline when the queue cannot be written: the ticket is never left to a follow-up nothing backs', async () => {
    // Prepare
    const app = useCases();
    app.announcements.failNext('queue');
    // Act
    const outcome = await app.grantAccess(approvedTicket('ANN-5'), 'webhook', answerFirst);
    // Assess
    expect(outcome.kind).toBe('granted');
    if (outcome.kind !== 'granted') return;
    expect(outcome.lease.grantNote).toBeUndefined();
    expect(outcome.lease.verification?.granted?.answers.map((a) => [a.namespace, a.allowed])).toEqual([['payments', true]]);
    expect(app.jira.commentsOn('ANN-5')[0]).toContain('Verified: the API server confirms');
    expect(app.followUp.requested).toEqual([]);
    expect(app.audit.kinds()).toEqual(['grant']);
    expect(app.logger.lines.some((l) => l.message === 'grant not queued for announcement; announcing it now')).toBe(true);
  });

  it('still grants when the follow-up cannot be asked for; the sweep announces it once it is due, not before', async () => {
    // Prepare
    const app = useCases();
    app.followUp.refuse();
    const outcome = await app.grantAccess(approvedTicket('ANN-6'), 'webhook', answerFirst);
    expect(outcome.kind).toBe('granted');
    expect(app.logger.lines.some((l) => l.message === 'grant announcement not requested; the sweep announces it')).toBe(true);
    // Act
    const early = await app.sweepLeases();
    app.clock.advance(ANNOUNCE_BACKSTOP_SECONDS * 1000);
    const due = await app.sweepLeases();
    // Assess
    expect(early.announced).toBe(0);
    expect(due.announced).toBe(1);
    expect(app.jira.commentsOn('ANN-6')).toHaveLength(1);
    expect(app.announcements.entries()).toEqual([]);
    expect(app.metrics.counts).toEqual(expect.arrayContaining([{ name: 'SweepFixes', dimensions: { kind: 'announced' }, value: 1 }]));
  });

  it('says nothing of a grant revoked before its announcement came, and leaves the queue', async () => {
    // Prepare
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('ANN-7'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    await app.revokeLease({ leaseId, cause: 'early', actor: 'test' });
    // Act
    const late = await app.announceGrant({ leaseId, actor: 'eventbridge' });
    // Assess
    expect(late).toEqual({ kind: 'nothing-to-announce', reason: 'the lease is REVOKED' });
    expect(app.jira.commentsOn('ANN-7').some((c) => c.includes('Access granted'))).toBe(false);
    expect(app.announcements.entries()).toEqual([]);
  });

  it('keeps a grant still in flight (PENDING) on the queue for a later run, and says nothing yet', async () => {
    // Prepare: the cluster refuses for now, so the grant is deferred and stays PENDING.
    const app = useCases();
    app.cluster.refuse(MemoryCluster.unavailable(), MemoryCluster.unavailable());
    await expect(app.grantAccess(approvedTicket('ANN-8'), 'webhook', answerFirst)).rejects.toThrow('could not be granted for now');
    const [pending] = await app.leases.listForTicket('jira', 'ANN-8');
    app.clock.advance(ANNOUNCE_BACKSTOP_SECONDS * 1000);
    // Act
    const early = await app.announceGrant({ leaseId: pending?.id ?? '', actor: 'sweep' });
    // Assess
    expect(early.kind).toBe('not-yet');
    expect(app.announcements.entries()).toEqual([[pending?.id, new Date(app.clock.now().getTime() + 60_000).toISOString()]]);
    expect(app.jira.commentsOn('ANN-8')).toEqual([]);
  });

  it('leaves grants made by the sweep or the timers to be announced inline, as before', async () => {
    // Prepare
    const app = useCases();
    // Act: no answerFirst (the sweep finishing a grant, a test calling the use case).
    const outcome = await app.grantAccess(approvedTicket('ANN-9'), 'sweep');
    // Assess
    expect(outcome.kind === 'granted' ? outcome.lease.verification?.granted : undefined).toBeDefined();
    expect(app.followUp.requested).toEqual([]);
    expect(app.announcements.entries()).toEqual([]);
    expect(app.jira.commentsOn('ANN-9')).toHaveLength(1);
  });
});

describe('a grant announcement meets a revoke, another announcer or a ticket that will not take the comment', () => {
  it('lets a revoke that lands mid-announcement end the access, and its comment come last', async () => {
    // Prepare: the review of the announcement triggers an early revoke (a ticket closed right then).
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('RACE-1'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    let revoking: Promise<unknown> | undefined;
    const review = app.cluster.reviewAccess.bind(app.cluster);
    app.cluster.reviewAccess = (...args) => {
      revoking ??= app.revokeLease({ leaseId, cause: 'early', actor: 'jira-webhook:close' });
      return review(...args);
    };
    // Act
    const announced = await app.announceGrant({ leaseId, actor: 'eventbridge' });
    const revoked = await revoking;
    // Assess
    expect(announced.kind).toBe('announced');
    expect(revoked).toMatchObject({ kind: 'revoked' });
    const lease = await app.leases.get(leaseId);
    expect(lease?.status).toBe('REVOKED');
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.announcing).toBeUndefined();
    expect(app.cluster.namespacesOf(leaseId)).toEqual([]);
    const comments = app.jira.commentsOn('RACE-1');
    expect(comments).toHaveLength(2);
    expect(comments[0]).toContain('Access granted');
    expect(comments[1]).toContain('Access revoked');
    expect(app.audit.kinds()).toEqual(['grant', 'verify', 'revoke']);
  });

  it('never announces a grant whose revoke came first, and the revoke clears the wait', async () => {
    // Prepare
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('RACE-2'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    await app.revokeLease({ leaseId, cause: 'early', actor: 'test' });
    // Act
    const late = await app.announceGrant({ leaseId, actor: 'eventbridge' });
    // Assess
    expect(late.kind).toBe('nothing-to-announce');
    expect((await app.leases.get(leaseId))?.grantNote).toBeUndefined();
    expect(app.jira.commentsOn('RACE-2').map((c) => c.split('\n')[0])).toEqual([expect.stringContaining('Access revoked')]);
  });

  it('announces once when two runs come at once (the event and the sweep, or a Lambda retry)', async () => {
    // Prepare
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('RACE-3'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    // Act
    const both = await Promise.all([app.announceGrant({ leaseId, actor: 'eventbridge' }), app.announceGrant({ leaseId, actor: 'sweep' })]);
    // Assess
    expect(both.map((o) => o.kind).sort()).toEqual(['announced', 'not-yet']);
    expect(app.jira.commentsOn('RACE-3')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
    expect(app.announcements.entries()).toEqual([]);
  });

  it('keeps the announcement for a later run when the ticket cannot take the comment now, and says it once then', async () => {
    // Prepare: Jira answers 503 to the first comment.
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('RACE-4'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    const comment = app.jira.comment.bind(app.jira);
    let refusals = 1;
    app.jira.comment = (key, text) => (refusals-- > 0 ? Promise.reject(new TicketSourceError('Jira answered 503', 503, { retryable: true })) : comment(key, text));
    // Act
    const first = await app.announceGrant({ leaseId, actor: 'eventbridge' });
    const waiting = await app.leases.get(leaseId);
    app.clock.advance(60_000);
    const swept = await app.sweepLeases();
    // Assess
    expect(first).toEqual({ kind: 'not-yet', reason: 'the ticket could not be told yet' });
    expect(waiting?.announcing).toBeUndefined();
    expect(waiting?.grantNote).toBe('');
    expect(swept.announced).toBe(1);
    expect(app.jira.commentsOn('RACE-4')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('records the review and stops trying when the ticket refuses the comment for good', async () => {
    // Prepare: Jira answers 403 (the bot may not comment there).
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('RACE-5'), 'webhook', answerFirst);
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    app.jira.comment = () => Promise.reject(new TicketSourceError('Jira answered 403', 403));
    // Act
    const announced = await app.announceGrant({ leaseId, actor: 'eventbridge' });
    // Assess
    expect(announced.kind).toBe('announced');
    const lease = await app.leases.get(leaseId);
    expect(lease?.history.at(-1)?.note).toBe('grant reviewed; the ticket refused the comment');
    expect(lease?.verification?.granted).toBeDefined();
    expect(app.announcements.entries()).toEqual([]);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('revokes a grant that a close caught still in flight: the revoke read it PENDING, the grant made it ACTIVE, the revoke starts again', async () => {
    // Prepare: the close's revoke starts once the grant creates its first binding, and its write
    // waits until the grant's ACTIVE write has landed.
    const app = useCases();
    let revoking: Promise<unknown> | undefined;
    let activeWritten: () => void = () => undefined;
    const active = new Promise<void>((resolve) => (activeWritten = resolve));
    const apply = app.cluster.applyBinding.bind(app.cluster);
    app.cluster.applyBinding = (cluster, manifest, options) => {
      revoking ??= app.revokeLease({ leaseId: manifest.metadata.labels[LABEL_LEASE_ID] ?? '', cause: 'early', actor: 'jira-webhook:close' });
      return apply(cluster, manifest, options);
    };
    const transition = app.leases.transition.bind(app.leases);
    let held = false;
    app.leases.transition = async (lease, to, entry, patch) => {
      if (to === 'REVOKED' && !held) {
        held = true;
        await active;
      }
      const moved = await transition(lease, to, entry, patch);
      if (to === 'ACTIVE' && entry.from === 'PENDING') activeWritten();
      return moved;
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('RACE-6'), 'webhook', answerFirst);
    const revoked = await revoking;
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(revoked).toMatchObject({ kind: 'revoked' });
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    expect((await app.leases.get(leaseId))?.status).toBe('REVOKED');
    expect(app.cluster.namespacesOf(leaseId)).toEqual([]);
  });

  it('tells of a rule target that failed after an announcement started in a comment of its own', async () => {
    // Prepare: the rule exists, its target hangs until the announcement is done, then fails.
    const app = useCases();
    let fail: (error: unknown) => void = () => undefined;
    const target = new Promise<void>((_resolve, reject) => (fail = reject));
    app.scheduler.schedule = async (_lease, progress) => {
      progress?.created?.();
      await target;
    };
    const granting = app.grantAccess(approvedTicket('RACE-7'), 'webhook', answerFirst);
    let lease = (await app.leases.listForTicket('jira', 'RACE-7'))[0];
    while (lease?.status !== 'ACTIVE') {
      await new Promise((resolve) => setTimeout(resolve, 5));
      lease = (await app.leases.listForTicket('jira', 'RACE-7'))[0];
    }
    await app.announceGrant({ leaseId: lease.id, actor: 'eventbridge' });
    // Act
    fail(new SchedulerError('could not schedule revoke: AccessDeniedException'));
    const outcome = await granting;
    // Assess
    expect(outcome.kind).toBe('granted');
    const comments = app.jira.commentsOn('RACE-7');
    expect(comments).toHaveLength(2);
    expect(comments[0]).toContain('Access granted');
    expect(comments[1]).toBe(`Note on lease ${lease.id}: the revoke timer could not be set; the periodic sweep will end this access on time.`);
    expect(app.audit.kinds()).toEqual(['grant', 'verify', 'failure']);
    expect((await app.leases.get(lease.id))?.grantNote).toBeUndefined();
  });

  it('puts back the bindings a revoke at expiry deleted when a new approval extended the lease meanwhile', async () => {
    // Prepare: the lease is due; while the revoke deletes its binding, a new approval extends it.
    const app = useCases();
    const first = await app.grantAccess(approvedTicket('RACE-8'), 'test');
    const leaseId = first.kind === 'granted' ? first.lease.id : '';
    app.clock.advance(3_600_000 + 1000);
    let extended: Promise<unknown> | undefined;
    const remove = app.cluster.deleteBinding.bind(app.cluster);
    app.cluster.deleteBinding = async (cluster, binding, owner) => {
      extended ??= app.grantAccess(approvedTicket('RACE-8', { requestedDuration: '2h', approval: approval(approver, app.clock.now()) }), 'test');
      await extended;
      return remove(cluster, binding, owner);
    };
    // Act
    const revoked = await app.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    // Assess
    expect(await extended).toMatchObject({ kind: 'extended' });
    expect(revoked).toMatchObject({ kind: 'not-due' });
    const lease = await app.leases.get(leaseId);
    expect(lease?.status).toBe('ACTIVE');
    expect(Date.parse(lease?.expiresAt ?? '')).toBeGreaterThan(app.clock.now().getTime());
    expect(app.cluster.namespacesOf(leaseId)).toEqual(['payments']);
  });
});
