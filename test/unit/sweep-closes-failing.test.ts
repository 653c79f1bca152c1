import { describe, expect, it } from '@jest/globals';
import { LeaseStoreError } from '../../lib/errors.js';
import type { CloseMark } from '../../lib/ports/close-marks.js';
import { sweepCloses } from '../../lib/use-cases/sweep-closes.js';
import { MemoryCloseMarks } from '../fakes/memory-close-marks.js';

/*
 * Issue 23, review 1, R3 (head of the queue): a close whose second look fails every time (its
 * ticket's leases cannot be listed) must not stay first in line: with a page of the batch size, that
 * many such closes used to keep every later close from being finished.
 */
describe("the sweep's second look at closes", () => {
  it('tries a close that fails again a minute later, behind the closes due before then, which are finished', async () => {
    // Prepare: three closes whose listing fails, due first; a fourth behind them.
    const marks = new MemoryCloseMarks();
    const mark = (ticketId: string, closedAt: string): CloseMark => ({ source: 'jira', ticketId, ticketKeys: [`OPS-${ticketId}`], closedAt, by: 'jira-webhook:close' });
    for (const id of ['1', '2', '3']) await marks.mark(mark(id, '2026-01-01T00:00:00.000Z'), new Date('2026-01-01T00:01:00.000Z'));
    await marks.mark(mark('4', '2026-01-01T00:00:30.000Z'), new Date('2026-01-01T00:01:30.000Z'));
    const deps = {
      leases: {
        listForTicketRef: async (_source: string, ref: { id?: string }) => {
          if (ref.id !== '4') throw new LeaseStoreError(`a lease item of ticket ${ref.id ?? ''} does not match the lease schema`);
          return { leases: [], unreadable: [] };
        },
      },
      closeMarks: marks,
      revokeLease: async () => {
        throw new Error('no lease to revoke');
      },
      batchSize: 3,
    };
    const failures: string[] = [];
    const step = async (what: string, work: () => Promise<void>) => work().catch(() => void failures.push(what));
    const counts = { revoked: 0, skipped: 0 };
    // Act: two runs, a minute apart.
    await sweepCloses(deps, new Date('2026-01-01T00:02:00.000Z'), step, counts);
    await sweepCloses(deps, new Date('2026-01-01T00:03:00.000Z'), step, counts);
    // Assess: the fourth close was finished (off the queue); the failing ones are due again, later.
    expect(failures.slice(0, 3).sort()).toEqual(['finish the close of ticket OPS-1', 'finish the close of ticket OPS-2', 'finish the close of ticket OPS-3']);
    expect(marks.marks.get('jira#4')?.dueAt).toBeUndefined();
    for (const id of ['1', '2', '3']) expect(marks.marks.get(`jira#${id}`)?.dueAt ?? '').toMatch(/^2026-01-01T00:0[34]:00.000Z$/);
  });
});
