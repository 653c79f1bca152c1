import { describe, expect, it } from '@jest/globals';
import { ANNOUNCE_HOLD_SECONDS } from '../../lib/use-cases/announce-grant.js';
import { SchedulerError, ScheduleQuotaError, TicketSourceError } from '../../lib/errors.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approval, approvedTicket, approver, T0, useCases } from '../support/use-cases.js';

const HOUR = 3_600_000;
const jiraDown = () => new TicketSourceError('Jira answered 503', 503, { retryable: true });

/** A use-case app whose Jira refuses the next `times` comments as unavailable (503). */
function withJiraDown(app: ReturnType<typeof useCases>, times: number): void {
  const comment = app.jira.comment.bind(app.jira);
  let refusals = times;
  app.jira.comment = (key, text) => (refusals-- > 0 ? Promise.reject(jiraDown()) : comment(key, text));
}

describe('a grant tells its ticket in the same invocation (use cases, in-memory ports)', () => {
  it('grants, records ACTIVE, reviews the access and tells the ticket before it returns: nothing is left owed', async () => {
    // Prepare
    const app = useCases();
    // Act
    const outcome = await app.grantAccess(approvedTicket('ONE-1', { requestedNamespaces: ['payments', 'payments-worker'] }), 'webhook');
    // Assess
    expect(outcome.kind).toBe('granted');
    const lease = await app.leases.get(outcome.kind === 'granted' ? outcome.lease.id : '');
    expect(lease?.status).toBe('ACTIVE');
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.announceAt).toBeUndefined();
    expect(lease?.verification?.granted?.answers.map((a) => a.allowed)).toEqual([true, true]);
    expect(lease?.history.map((h) => h.note ?? `${h.from ?? '-'}→${h.to}`)).toEqual(['approved by bob@example.com', 'PENDING→ACTIVE', 'grant announced']);
    const comments = app.jira.commentsOn('ONE-1');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Access granted');
    expect(comments[0]).toContain('Verified: the API server confirms');
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('comments only once the lease is recorded ACTIVE, and with the owed mark held by the writer until then', async () => {
    // Prepare: note what Jira had been told when the ACTIVE write landed.
    const app = useCases();
    const transition = app.leases.transition.bind(app.leases);
    let commentsAtActive = -1;
    let written: Awaited<ReturnType<typeof transition>> | undefined;
    app.leases.transition = async (lease, to, entry, patch) => {
      const moved = await transition(lease, to, entry, patch);
      if (to === 'ACTIVE') {
        commentsAtActive = app.jira.commentsOn('ONE-2').length;
        written = moved;
      }
      return moved;
    };
    // Act
    await app.grantAccess(approvedTicket('ONE-2'), 'webhook');
    // Assess
    expect(commentsAtActive).toBe(0);
    expect(written?.ok && written.lease.grantNote).toEqual([]);
    expect(written?.ok && written.lease.announceAt).toBe(new Date(T0.getTime() + ANNOUNCE_HOLD_SECONDS * 1000).toISOString());
    expect(app.jira.commentsOn('ONE-2')).toHaveLength(1);
  });

  it('carries the grant\'s note (timers left to the sweep) into its comment', async () => {
    // Prepare
    const app = useCases();
    app.scheduler.schedule = () => Promise.reject(new ScheduleQuotaError('rule quota reached'));
    // Act
    await app.grantAccess(approvedTicket('ONE-3'), 'webhook');
    // Assess
    const [comment] = app.jira.commentsOn('ONE-3');
    expect(comment).toContain('Verified: the API server confirms');
    expect(comment).toContain('the periodic sweep will end this access on time');
  });

  it('tells of a rule target that failed after ACTIVE in the grant\'s own comment, with a failure event', async () => {
    // Prepare: the rule exists; attaching its target fails after the ACTIVE write went out.
    const app = useCases();
    app.scheduler.schedule = async (_lease, progress) => {
      progress?.created?.();
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new SchedulerError('could not schedule revoke: AccessDeniedException');
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('ONE-4'), 'webhook');
    // Assess
    expect(outcome.kind).toBe('granted');
    const comments = app.jira.commentsOn('ONE-4');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Access granted');
    expect(comments[0]).toContain('Note: the revoke timer could not be set; the periodic sweep will end this access on time.');
    expect(app.audit.kinds()).toEqual(['grant', 'failure', 'verify']);
  });

  it('tells the ticket when a scheduled lease\'s window opens, in the activation itself', async () => {
    // Prepare
    const app = useCases(DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n'));
    const ticket = approvedTicket('ONE-5', { windowStart: new Date(T0.getTime() + HOUR).toISOString() });
    app.jira.put(ticket);
    const scheduled = await app.grantAccess(ticket, 'webhook');
    if (scheduled.kind !== 'scheduled') throw new Error(scheduled.kind);
    app.clock.advance(HOUR);
    // Act
    const activated = await app.activateLease({ leaseId: scheduled.lease.id, actor: 'eventbridge' });
    // Assess
    expect(activated.kind).toBe('activated');
    const lease = await app.leases.get(scheduled.lease.id);
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.verification?.granted?.answers.every((a) => a.allowed)).toBe(true);
    expect(app.jira.commentsOn('ONE-5').map((c) => c.split('\n')[0])).toEqual([expect.stringContaining('scheduled'), expect.stringContaining('Access granted')]);
    expect(app.audit.kinds()).toEqual(['schedule', 'grant', 'verify']);
  });
});

describe('an announcement the ticket could not take now is owed, and the sweep posts it', () => {
  it('keeps the grant when Jira is down at the comment; the sweep\'s next run posts it exactly once', async () => {
    // Prepare: every comment attempt of the grant fails (the adapter's retries included).
    const app = useCases();
    withJiraDown(app, 1);
    // Act
    const outcome = await app.grantAccess(approvedTicket('OWE-1'), 'webhook');
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    const owed = await app.leases.get(leaseId);
    const first = await app.sweepLeases();
    const second = await app.sweepLeases();
    app.clock.advance(10 * 60_000);
    const later = await app.sweepLeases();
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(owed?.status).toBe('ACTIVE');
    expect(app.cluster.namespacesOf(leaseId)).toEqual(['payments']);
    expect(owed?.grantNote).toEqual([]);
    expect(owed?.announceAt).toBe(T0.toISOString());
    expect([first.announced, second.announced, later.announced]).toEqual([1, 0, 0]);
    const comments = app.jira.commentsOn('OWE-1');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Verified: the API server confirms');
    const lease = await app.leases.get(leaseId);
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.history.at(-1)).toMatchObject({ by: 'sweep', note: 'grant announced' });
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('posts it once when two sweeps run at once', async () => {
    // Prepare
    const app = useCases();
    withJiraDown(app, 1);
    const outcome = await app.grantAccess(approvedTicket('OWE-2'), 'webhook');
    // Act
    const both = await Promise.all([app.sweepLeases(), app.sweepLeases()]);
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(both.map((s) => s.announced).sort()).toEqual([0, 1]);
    expect(app.jira.commentsOn('OWE-2')).toHaveLength(1);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('keeps trying on each sweep while Jira stays down, and says it once when Jira is back', async () => {
    // Prepare: the grant's comment and the first sweep's fail.
    const app = useCases();
    withJiraDown(app, 2);
    await app.grantAccess(approvedTicket('OWE-3'), 'webhook');
    // Act
    const failed = await app.sweepLeases();
    app.clock.advance(60_000);
    const posted = await app.sweepLeases();
    // Assess
    expect([failed.announced, posted.announced]).toEqual([0, 1]);
    expect(app.jira.commentsOn('OWE-3')).toHaveLength(1);
  });

  it('leaves a grant whose holder died after ACTIVE to the sweep once the hold runs out, not before', async () => {
    // Prepare: the process "dies" at the comment (the call never returns).
    const app = useCases();
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = () => new Promise(() => undefined);
    void app.grantAccess(approvedTicket('OWE-4'), 'webhook');
    let [lease] = (await app.leases.listForTicket('jira', 'OWE-4')).leases;
    while (lease?.status !== 'ACTIVE') {
      await new Promise((resolve) => setTimeout(resolve, 5));
      [lease] = (await app.leases.listForTicket('jira', 'OWE-4')).leases;
    }
    app.jira.comment = comment;
    // Act
    const early = await app.sweepLeases();
    app.clock.advance(ANNOUNCE_HOLD_SECONDS * 1000);
    const due = await app.sweepLeases();
    // Assess
    expect(early.announced).toBe(0);
    expect(due.announced).toBe(1);
    expect(app.jira.commentsOn('OWE-4')).toHaveLength(1);
    expect((await app.leases.get(lease.id))?.grantNote).toBeUndefined();
  });

  it('keeps the grant when its announcement cannot be settled (DynamoDB fails then): the sweep finishes it after the hold', async () => {
    // Prepare
    const app = useCases();
    app.announcements.failNext('settle');
    // Act
    const outcome = await app.grantAccess(approvedTicket('OWE-6'), 'webhook');
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    const owed = await app.leases.get(leaseId);
    app.clock.advance(ANNOUNCE_HOLD_SECONDS * 1000);
    const swept = await app.sweepLeases();
    // Assess: told at least once (twice here: the first comment went out before the store failed).
    expect(outcome.kind).toBe('granted');
    expect(owed?.grantNote).toEqual([]);
    expect(swept.announced).toBe(1);
    expect(app.jira.commentsOn('OWE-6').length).toBeGreaterThanOrEqual(1);
    expect((await app.leases.get(leaseId))?.grantNote).toBeUndefined();
  });

  it('records the review and stops trying when the ticket refuses the comment for good', async () => {
    // Prepare: Jira answers 403 (the bot may not comment there).
    const app = useCases();
    app.jira.comment = () => Promise.reject(new TicketSourceError('Jira answered 403', 403));
    // Act
    const outcome = await app.grantAccess(approvedTicket('OWE-5'), 'webhook');
    const swept = await app.sweepLeases();
    // Assess
    const lease = await app.leases.get(outcome.kind === 'granted' ? outcome.lease.id : '');
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.history.at(-1)?.note).toBe('grant reviewed; the ticket refused the comment');
    expect(lease?.verification?.granted).toBeDefined();
    expect(swept.announced).toBe(0);
    expect(app.audit.kinds()).toEqual(['grant', 'verify']);
  });
});

describe('a grant announcement meets a revoke', () => {
  it('says only the revoke when a revoke finds the announcement owed: it clears it, and no sweep posts it after', async () => {
    // Prepare: Jira is down at the grant's comment, back for the revoke.
    const app = useCases();
    withJiraDown(app, 1);
    const outcome = await app.grantAccess(approvedTicket('REV-1'), 'webhook');
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    // Act
    const revoked = await app.revokeLease({ leaseId, cause: 'early', actor: 'jira-webhook:close' });
    app.clock.advance(5 * 60_000);
    const swept = await app.sweepLeases();
    // Assess
    expect(revoked.kind).toBe('revoked');
    const lease = await app.leases.get(leaseId);
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.announceAt).toBeUndefined();
    expect(swept.announced).toBe(0);
    expect(app.jira.commentsOn('REV-1').map((c) => c.split('\n')[0])).toEqual([expect.stringContaining('Access revoked')]);
    expect(app.audit.kinds()).toEqual(['grant', 'revoke']);
  });

  it('lets a revoke that lands while the grant is told end the access, and its comment come last', async () => {
    // Prepare: the grant's access review triggers an early revoke (a ticket closed right then), and
    // the grant's comment is slow to post (Jira takes 400 ms): the revoke's would otherwise land first.
    const app = useCases();
    const comment = app.jira.comment.bind(app.jira);
    app.jira.comment = async (key, text) => {
      if (text.startsWith('Access granted')) await new Promise((resolve) => setTimeout(resolve, 400));
      return comment(key, text);
    };
    let revoking: Promise<unknown> | undefined;
    const review = app.cluster.reviewAccess.bind(app.cluster);
    app.cluster.reviewAccess = async (cluster, subject, namespace, check) => {
      const [lease] = (await app.leases.listForTicket('jira', 'REV-2')).leases;
      revoking ??= app.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
      return review(cluster, subject, namespace, check);
    };
    // Act
    const outcome = await app.grantAccess(approvedTicket('REV-2'), 'webhook');
    const revoked = await revoking;
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(revoked).toMatchObject({ kind: 'revoked' });
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    const lease = await app.leases.get(leaseId);
    expect(lease?.status).toBe('REVOKED');
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.verification?.granted).toBeDefined();
    expect(lease?.verification?.revoked).toBeDefined();
    expect(app.cluster.namespacesOf(leaseId)).toEqual([]);
    const comments = app.jira.commentsOn('REV-2');
    expect(comments.map((c) => c.split('\n')[0])).toEqual([expect.stringContaining('Access granted'), expect.stringContaining('Access revoked')]);
    expect(app.audit.kinds()).toEqual(['grant', 'verify', 'revoke']);
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
    const outcome = await app.grantAccess(approvedTicket('REV-3'), 'webhook');
    const revoked = await revoking;
    // Assess
    expect(outcome.kind).toBe('granted');
    expect(revoked).toMatchObject({ kind: 'revoked' });
    const leaseId = outcome.kind === 'granted' ? outcome.lease.id : '';
    expect((await app.leases.get(leaseId))?.status).toBe('REVOKED');
    expect(app.cluster.namespacesOf(leaseId)).toEqual([]);
  });

  it('puts back the bindings a revoke at expiry deleted when a new approval extended the lease meanwhile', async () => {
    // Prepare: the lease is due; while the revoke deletes its binding, a new approval extends it.
    const app = useCases();
    const first = await app.grantAccess(approvedTicket('REV-4'), 'test');
    const leaseId = first.kind === 'granted' ? first.lease.id : '';
    app.clock.advance(HOUR + 1000);
    let extended: Promise<unknown> | undefined;
    const remove = app.cluster.deleteBinding.bind(app.cluster);
    app.cluster.deleteBinding = async (cluster, binding, owner) => {
      extended ??= app.grantAccess(approvedTicket('REV-4', { requestedDuration: '2h', approval: approval(approver, app.clock.now()) }), 'test');
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
