import { describe, expect, it } from '@jest/globals';
import type { CloseMark } from '../../lib/ports/close-marks.js';
import type { RevokeLeaseInput } from '../../lib/use-cases/revoke-lease.js';
import { sweepCloses } from '../../lib/use-cases/sweep-closes.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * The sweep's second look at a close revokes every lease of the ticket still open: one whose grant
 * ran while the ticket closed, but also an older one the close's own list missed (the ticket index
 * is eventually consistent). What it records must be true of both.
 */
describe("the sweep's second look at a close", () => {
  it('records when the ticket closed, not that it closed while access was being granted', async () => {
    // Prepare: an ACTIVE lease created an hour before the close.
    const mark: CloseMark = { source: 'jira', ticketId: '10001', ticketKeys: ['OPS-1'], closedAt: '2026-01-01T02:00:00.000Z', by: 'jira-webhook:close' };
    const older = { ...leaseFixture('c0000000000000000001', '2026-01-01T05:00:00.000Z', 'ACTIVE'), createdAt: '2026-01-01T01:00:00.000Z' };
    const revokes: RevokeLeaseInput[] = [];
    const deps = {
      leases: { listForTicketRef: async () => ({ leases: [older], unreadable: [] }) },
      closeMarks: { due: async () => [mark], done: async () => undefined, postpone: async () => undefined },
      revokeLease: async (input: RevokeLeaseInput) => {
        revokes.push(input);
        return { kind: 'revoked' as const, lease: { ...older, status: 'REVOKED' as const } };
      },
      batchSize: 10,
    };
    const counts = { revoked: 0, skipped: 0 };
    // Act
    await sweepCloses(deps, new Date('2026-01-01T02:05:00.000Z'), (_what, work) => work(), counts);
    // Assess
    expect(revokes.map((r) => [r.leaseId, r.cause, r.note])).toEqual([['c0000000000000000001', 'early', "the ticket was closed at 2026-01-01T02:00:00.000Z; found open by the sweep's second look at the close"]]);
    expect(counts).toEqual({ revoked: 1, skipped: 0 });
  });
});
