import type { UnreadableLease } from '../domain/lease-list.js';
import { OPEN_STATUSES } from '../domain/lease.js';
import type { CloseMark, CloseMarks } from '../ports/close-marks.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { OnQueueFinding } from '../ports/queue-findings.js';
import { CLOSE_MARK_MARGIN_SECONDS } from './grant/closed-meanwhile.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

/** A close whose look failed is tried again this much later. */
const RETRY_AFTER_SECONDS = 60;

export interface SweepClosesDeps {
  readonly leases: Pick<LeaseStore, 'listForTicketRef'>;
  readonly closeMarks: Pick<CloseMarks, 'due' | 'done' | 'postpone'>;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly batchSize: number;
}

/** Where lease items of a closed ticket that cannot be read are handed (the mark still leaves). */
export type OnUnreadable = (during: string, items: readonly UnreadableLease[]) => void;

/**
 * The closes due again (a minute after each: the ticket index has caught up by then): the ticket's
 * leases are listed again and every one still open that its grant recorded before (or while) the
 * ticket closed is revoked early, then the mark leaves the queue. A lease recorded after that is of
 * a ticket reopened and approved again: it stays. At most `batchSize` closes a run; one whose
 * revoke fails is due again a minute later, behind the closes due before then. What it revoked (or
 * found ended) is added to `counts`; a lease item of the ticket that cannot be read is handed to
 * `unreadable` (the mark still leaves); a queue item that is no close mark, to `onFinding`.
 */
export async function sweepCloses(
  deps: SweepClosesDeps,
  now: Date,
  step: (what: string, work: () => Promise<void>) => Promise<void>,
  counts: { revoked: number; skipped: number },
  unreadable: OnUnreadable = () => undefined,
  onFinding?: OnQueueFinding,
): Promise<void> {
  for (const mark of await deps.closeMarks.due(now, deps.batchSize, onFinding)) {
    await step(`finish the close of ticket ${mark.ticketKeys[0] ?? mark.ticketId}`, async () => {
      try {
        await finish(deps, mark, counts, unreadable);
      } catch (error) {
        // Behind the rest of the queue: a close that fails every time is never first in line for good.
        await deps.closeMarks.postpone(mark, new Date(now.getTime() + RETRY_AFTER_SECONDS * 1000)).catch(() => undefined);
        throw error;
      }
    });
  }
}

/** Revokes the ticket's leases the close should have ended, then takes the mark off the queue. */
async function finish(deps: SweepClosesDeps, mark: CloseMark, counts: { revoked: number; skipped: number }, unreadable: OnUnreadable): Promise<void> {
  const before = Date.parse(mark.closedAt) + CLOSE_MARK_MARGIN_SECONDS * 1000;
  const ofTicket = await deps.leases.listForTicketRef(mark.source, { id: mark.ticketId, keys: mark.ticketKeys });
  unreadable(`finishing the close of ticket ${mark.ticketKeys[0] ?? mark.ticketId}`, ofTicket.unreadable);
  for (const lease of ofTicket.leases.filter((l) => OPEN_STATUSES.includes(l.status) && Date.parse(l.createdAt) <= before)) {
    const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'early', actor: 'sweep', note: `the ticket was closed at ${mark.closedAt}; found open by the sweep's second look at the close` });
    if (outcome.kind === 'revoked') counts.revoked += 1;
    else counts.skipped += 1;
  }
  await deps.closeMarks.done(mark);
}
