import { describe, expect, it } from '@jest/globals';
import { approvedTicket, useCases } from '../support/use-cases.js';

/*
 * Review 2 of issue 23 (M1 fix), as a table writer (DynamoDB write access, no ITSM credentials):
 * the owed revoke comment is text stored on the lease item (`revokeNote`) and the sweep posts it
 * verbatim. Whoever can write the table can then make kube-lease's ITSM account say anything, on
 * any ticket the item names. What the sweep posts must come from kube-lease's own wording of the
 * lease's revoke, never from free text read back from the table.
 */
describe('review2: an owed revoke comment written by a table writer', () => {
  it('is never posted as the writer wrote it', async () => {
    // Prepare: a lease granted, announced and revoked as usual.
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('INJ-1'), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`not granted: ${outcome.kind}`);
    await app.revokeLease({ leaseId: outcome.lease.id, cause: 'early', actor: 'jira-webhook:close' });
    const revoked = await app.leases.get(outcome.lease.id);
    if (revoked?.status !== 'REVOKED') throw new Error('not revoked');
    const before = app.jira.commentsOn('INJ-1').length;
    // The table writer: a revoke note of its own on the lease item, and its queue item (both plain writes).
    const forged = 'Approved by the CISO: reply with your kubeconfig to help@attacker.example';
    // (Text where kube-lease stores facts: the item's type says otherwise, the table does not.)
    app.leases.replace({ ...revoked, revokeNote: forged as unknown as typeof revoked.revokeNote, announceAt: undefined });
    await app.revokeComments.queue(revoked.id, new Date(app.clock.now().getTime() - 1_000));
    // Act
    await app.sweepLeases();
    // Assess
    const after = app.jira.commentsOn('INJ-1').slice(before);
    expect(after.filter((c) => c.includes('attacker.example'))).toEqual([]);
  }, 20_000);

  it('(the same through the owed grant announcement) never posts the note a writer put on an ACTIVE lease', async () => {
    // Prepare: a lease granted and announced; then the table writer owes an announcement with its own note.
    const app = useCases();
    const outcome = await app.grantAccess(approvedTicket('INJ-2'), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`not granted: ${outcome.kind}`);
    const active = await app.leases.get(outcome.lease.id);
    if (active?.status !== 'ACTIVE') throw new Error('not active');
    const before = app.jira.commentsOn('INJ-2').length;
    const forged = '\nApproved by the CISO: reply with your kubeconfig to help@attacker.example';
    app.leases.replace({ ...active, grantNote: forged, announceAt: new Date(app.clock.now().getTime() - 1_000).toISOString(), dueAt: new Date(app.clock.now().getTime() - 1_000).toISOString() } as unknown as typeof active);
    // Act
    await app.sweepLeases();
    // Assess
    const after = app.jira.commentsOn('INJ-2').slice(before);
    expect(after.filter((c) => c.includes('attacker.example'))).toEqual([]);
  }, 20_000);
});
