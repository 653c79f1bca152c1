import { describe, expect, it } from '@jest/globals';
import { TicketSourceError } from '../../lib/errors.js';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * A revoke that meets a grant announcement still held leaves its comment to the holder (revokeNote).
 * A holder that dies owing it (a Lambda timed out mid-comment, or killed before it settled) never
 * posts it: the sweep takes it over once the hold has run out, so the ticket hears "Access revoked"
 * exactly once, after anything said of the grant.
 */
const never = new Promise<never>(() => undefined);
const firstWords = (app: ReturnType<typeof useCases>, key: string) => app.jira.commentsOn(key).map((c) => c.split(' (')[0]);

/** Grants `key`; the ticket is closed when the grant's comment begins; the holder dies `when` (its comment never returns, or its settle never does). */
async function revokedWhileHolderDies(key: string, when: 'commenting' | 'settling') {
  const app = useCases();
  const comment = app.jira.comment.bind(app.jira);
  let revoking: Promise<unknown> | undefined;
  app.jira.comment = async (ticketKey, text) => {
    if (!text.startsWith('Access granted')) return comment(ticketKey, text);
    const [lease] = (await app.leases.listForTicket('jira', key)).leases;
    revoking ??= app.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
    await revoking;
    if (when === 'commenting') return never;
    await comment(ticketKey, text);
    app.announcements.settle = () => never;
  };
  // The grant's invocation: it never finishes (it died); nothing waits for it.
  void app.grantAccess(approvedTicket(key), 'webhook');
  while (revoking === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  await revoking;
  if (when === 'settling') while (firstWords(app, key).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const [lease] = (await app.leases.listForTicket('jira', key)).leases;
  return { app, leaseId: lease?.id ?? '' };
}

describe('a revoke comment owed to a holder that died', () => {
  it('is posted by the sweep once the hold has run out, when the holder died before its grant comment returned', async () => {
    // Prepare
    const { app, leaseId } = await revokedWhileHolderDies('DIED-1', 'commenting');
    const owed = await app.leases.get(leaseId);
    // Act: a sweep within the hold, then one after it.
    await app.sweepLeases();
    const withinHold = firstWords(app, 'DIED-1');
    app.clock.advance(95_000);
    await app.sweepLeases();
    await app.sweepLeases();
    // Assess
    expect([owed?.status, owed?.revokeNote]).toEqual(['REVOKED', { untouched: [], evidence: false }]);
    expect(withinHold).toEqual([]);
    expect(firstWords(app, 'DIED-1')).toEqual(['Access revoked']);
    const after = await app.leases.get(leaseId);
    expect([after?.revokeNote, after?.announceAt]).toEqual([undefined, undefined]);
  }, 20_000);

  it('is posted by the sweep after the grant comment, when the holder died before settling', async () => {
    // Prepare
    const { app } = await revokedWhileHolderDies('DIED-2', 'settling');
    // Act
    app.clock.advance(95_000);
    await app.sweepLeases();
    await app.sweepLeases();
    // Assess
    expect(firstWords(app, 'DIED-2')).toEqual(['Access granted', 'Access revoked']);
  }, 20_000);

  it('is posted once when two sweeps run at once', async () => {
    // Prepare
    const { app } = await revokedWhileHolderDies('DIED-3', 'commenting');
    app.clock.advance(95_000);
    // Act
    await Promise.all([app.sweepLeases(), app.sweepLeases(), app.sweepLeases()]);
    await app.sweepLeases();
    // Assess
    expect(firstWords(app, 'DIED-3')).toEqual(['Access revoked']);
  }, 20_000);

  it('stays owed while the ticket cannot take it, and is posted by the next sweep after that', async () => {
    // Prepare: Jira answers 503 to the sweep's first try.
    const { app, leaseId } = await revokedWhileHolderDies('DIED-4', 'commenting');
    const comment = app.jira.comment.bind(app.jira);
    let refusals = 1;
    app.jira.comment = async (key, text) => {
      if (refusals-- > 0) throw new TicketSourceError('Jira answered 503', 503, { retryable: true });
      return comment(key, text);
    };
    app.clock.advance(95_000);
    // Act
    await app.sweepLeases();
    const afterFailure = [firstWords(app, 'DIED-4'), (await app.leases.get(leaseId))?.revokeNote];
    app.clock.advance(61_000);
    await app.sweepLeases();
    await app.sweepLeases();
    // Assess
    expect(afterFailure).toEqual([[], { untouched: [], evidence: false }]);
    expect(firstWords(app, 'DIED-4')).toEqual(['Access revoked']);
  }, 20_000);
});
