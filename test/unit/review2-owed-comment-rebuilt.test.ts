import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ACCESS_CHECK } from '../../lib/domain/catalog.js';
import type { Lease } from '../../lib/domain/lease.js';
import { clippedNote, revokedMessage } from '../../lib/domain/messages.js';
import { sessionsLines } from '../../lib/domain/activity-messages.js';
import { revokeVerifiedLine } from '../../lib/domain/verification.js';
import { TicketSourceError } from '../../lib/errors.js';
import { AUDITED_CATALOG, WINDOW_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/*
 * Review 2 of issue 23 (M-A): an owed comment is stored as facts and built from kube-lease's own
 * templates when it is posted. What the sweep posts for a revoke left to a holder that died must be
 * what the revoke would have said itself: the comment as the revoke composed it before (its message
 * with the bindings left untouched, the access review, the sessions, the evidence line).
 */
const never = new Promise<never>(() => undefined);

/** The revoke's comment as the revoke composed it before its facts were stored (the reference). */
function composedByRevoke(lease: Lease, untouched: readonly string[], evidence: boolean): string {
  const review = lease.verification?.revoked;
  return [
    revokedMessage(lease, lease.revokeCause ?? 'manual', lease.revokedAt ?? '', untouched),
    ...(review === undefined ? [] : [revokeVerifiedLine(lease, lease.accessCheck ?? DEFAULT_ACCESS_CHECK, review)]),
    ...sessionsLines(lease.sessions),
    ...(evidence ? ['What the subject did during the lease will follow on this ticket, from the audit log, once it is complete.'] : []),
  ].join('\n');
}

/** Grants `key` on `app`; the ticket is closed as the grant's comment begins, and the holder dies there (its comment never returns). */
async function revokedWhileHolderDies(app: ReturnType<typeof useCases>, key: string, grant: () => Promise<unknown>): Promise<string> {
  const comment = app.jira.comment.bind(app.jira);
  let revoking: Promise<unknown> | undefined;
  app.jira.comment = async (ticketKey, text) => {
    if (!text.startsWith('Access granted')) return comment(ticketKey, text);
    const [lease] = (await app.leases.listForTicket('jira', key)).leases;
    revoking ??= app.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
    await revoking;
    return never;
  };
  void grant();
  for (let waited = 0; revoking === undefined; waited += 10) {
    if (waited > 5_000) throw new Error('the grant never began its comment');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await revoking;
  const [lease] = (await app.leases.listForTicket('jira', key)).leases;
  return lease?.id ?? '';
}

describe('review2: an owed revoke comment is rebuilt from the lease and its facts', () => {
  it('says what the revoke would have said, a binding left untouched included', async () => {
    // Prepare: one of the lease's bindings is not its own when the revoke deletes it.
    const app = useCases();
    const remove = app.cluster.deleteBinding.bind(app.cluster);
    let first = true;
    app.cluster.deleteBinding = async (...args) => (first ? ((first = false), 'not-ours' as const) : remove(...args));
    const leaseId = await revokedWhileHolderDies(app, 'REB-1', () => app.grantAccess(approvedTicket('REB-1', { requestedNamespaces: ['payments', 'payments-worker'] }), 'webhook'));
    const owed = await app.leases.get(leaseId);
    if (owed === undefined) throw new Error('no lease');
    const untouched = owed.bindings.slice(0, 1).map((b) => `${b.namespace}/${b.name}`);
    // Act
    app.clock.advance(95_000);
    await app.sweepLeases();
    // Assess
    expect(owed.revokeNote).toEqual({ untouched, evidence: false });
    expect(app.jira.commentsOn('REB-1')).toEqual([composedByRevoke(owed, untouched, false)]);
    expect(app.jira.commentsOn('REB-1')[0]).toContain(`Warning: RoleBinding(s) ${untouched[0] ?? '?'} carry this lease's name`);
  }, 20_000);

  it('says what the revoke would have said, with its sessions and the evidence to follow', async () => {
    // Prepare: a profile whose cluster's audit log is read (sessions listed, evidence queued).
    const app = useCases(AUDITED_CATALOG);
    const leaseId = await revokedWhileHolderDies(app, 'REB-2', () => app.grantAccess(approvedTicket('REB-2', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook'));
    const owed = await app.leases.get(leaseId);
    if (owed === undefined) throw new Error('no lease');
    // Act
    app.clock.advance(95_000);
    await app.sweepLeases();
    // Assess
    const [said] = app.jira.commentsOn('REB-2');
    expect([owed.revokeNote, owed.sessions === undefined]).toEqual([{ untouched: [], evidence: true }, false]);
    expect(said).toBe(composedByRevoke(owed, [], true));
    expect(said).toContain('will follow on this ticket');
  }, 20_000);
});

describe('review2: an owed grant announcement stores its lines as codes', () => {
  it('posts the clipped end in kube-lease\'s words when the sweep tells the grant', async () => {
    // Prepare: a grant clipped by its change window whose comment Jira refuses once (503).
    const app = useCases(WINDOW_CATALOG);
    const comment = app.jira.comment.bind(app.jira);
    let refusals = 1;
    app.jira.comment = async (key, text) => {
      if (refusals-- > 0) throw new TicketSourceError('Jira answered 503', 503, { retryable: true });
      return comment(key, text);
    };
    const windowEnd = new Date(T0.getTime() + 30 * 60_000).toISOString();
    const outcome = await app.grantAccess(approvedTicket('CLIP-1', { windowEnd }), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`not granted: ${outcome.kind}`);
    const owed = await app.leases.get(outcome.lease.id);
    // Act
    app.clock.advance(1_000);
    await app.sweepLeases();
    // Assess
    expect(owed?.grantNote).toEqual(['clipped']);
    const said = app.jira.commentsOn('CLIP-1');
    expect(said).toHaveLength(1);
    expect(said[0]?.endsWith(clippedNote(outcome.lease))).toBe(true);
  }, 20_000);
});
