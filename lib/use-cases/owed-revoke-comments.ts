import type { Lease } from '../domain/lease.js';
import { owedRevokeComment } from '../domain/owed-comments.js';
import { describeError, KubeLeaseError } from '../errors.js';
import type { OwedAnnouncements } from '../ports/owed-announcements.js';
import type { OwedRevokeCommentDue, OwedRevokeComments } from '../ports/owed-revoke-comments.js';
import type { OnQueueFinding } from '../ports/queue-findings.js';
import { sourceOf } from '../ports/ticket-source.js';
import { ANNOUNCE_HOLD_SECONDS } from './announce-grant.js';
import type { LeaseDeps } from './lease-deps.js';

/** How long after a holder's hold has run out the sweep takes over the revoke comment it owed (the holder is gone by then). */
export const REVOKE_COMMENT_MARGIN_SECONDS = 30;
/** A revoke comment the ticket cannot take for this long after the revoke is given up on. */
const GIVE_UP_SECONDS = 24 * 3600;
/** A look that failed is tried again this much later. */
const RETRY_AFTER_SECONDS = 60;

/** What one look at an owed revoke comment came to. */
export type OwedRevokeOutcome =
  /** Posted on the ticket (or refused for good), cleared, and off the queue. */
  | 'told'
  /** Nothing is owed any more (the holder told it, or the revoke never stored it): off the queue. */
  | 'nothing'
  /** Still held (by its holder or another taker): looked at again once that hold has run out. */
  | 'held'
  /** The ticket could not take it now: still owed, and due for the sweep's next run after this hold. */
  | 'retry';

export interface OwedRevokes {
  /** Before a revoke's REVOKED write leaves its comment to `lease`'s holder: queued for the sweep (due once the hold has run out, plus a margin), so a holder that dies owing it cannot lose it. */
  queue(lease: Lease): Promise<void>;
  /** Leases due at or before `now` (items not the queue's: dropped and told to `onFinding`). */
  due(now: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly OwedRevokeCommentDue[]>;
  /** The lease's owed revoke comment, if it has one whose hold has run out: taken over (one taker at a time), posted, cleared and dropped from the queue. */
  tell(leaseId: string): Promise<OwedRevokeOutcome>;
}

/**
 * Whether the grant's announcement may be held now: owed, and its holder's time has not run out. Its
 * `announceAt` is cut short at the lease's expiry, so the ACTIVE write's own hold (60 seconds from
 * that write) counts too: a late activation's writer may still be posting after the expiry. (The
 * sweep never takes a hold the expiry would cut short.)
 */
export function announcementHeld(lease: Lease, now: Date): boolean {
  if (lease.grantNote === undefined || lease.announceAt === undefined) return false;
  return heldUntil(lease, now) > now.getTime();
}

/** How far the clocks of two kube-lease functions may be apart: a hold that ends later than its length from now, plus this, is no holder's. */
export const HOLD_SKEW_SECONDS = 5;

/**
 * Whether `until` (an end of a hold) is one a holder can have: no hold lasts longer than
 * ANNOUNCE_HOLD_SECONDS from the write that took it, so an end further out than that from `now` was
 * written by something else (a table writer, a clock far off), and holds nothing back.
 */
export function holdPossible(until: number, now: Date): boolean {
  return until <= now.getTime() + (ANNOUNCE_HOLD_SECONDS + HOLD_SKEW_SECONDS) * 1000;
}

/** When the holder's time runs out at the latest: `announceAt`, or the ACTIVE write's own hold if that ends later; 0 when that is no hold a holder can have. */
function heldUntil(lease: Lease, now: Date): number {
  const written = [...lease.history].reverse().find((h) => h.to === 'ACTIVE' && h.from !== 'ACTIVE');
  const until = Math.max(Date.parse(lease.announceAt ?? ''), written === undefined ? 0 : Date.parse(written.at) + ANNOUNCE_HOLD_SECONDS * 1000);
  return holdPossible(until, now) ? until : 0;
}

/** How long a revoke waits for a grant announcement in flight (its holder posting it), so that the revoke's comment comes last. */
const ANNOUNCING_WAIT_MS = 5_000;

/**
 * Waits (at most ANNOUNCING_WAIT_MS) while the lease's grant announcement is held (its holder is
 * posting it); returns the lease as stored then. An announcement owed but not held (the ticket
 * could not be told) is not waited for: the revoke clears it, and it is never posted. Still held
 * after the wait: the revoke leaves its comment to the holder (see Lease.revokeNote).
 */
export async function announcedBefore(deps: Pick<LeaseDeps, 'leases' | 'clock'>, lease: Lease): Promise<Lease> {
  let current: Lease = lease;
  for (let waited = 0; announcementHeld(current, deps.clock.now()) && waited < ANNOUNCING_WAIT_MS; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    current = (await deps.leases.get(lease.id)) ?? current;
  }
  return current;
}

/**
 * Revoke comments left to the holder of a grant's announcement (see Lease.revokeNote): the revoke
 * queues the lease, and the sweep (or the revoke itself, when the holder was gone by its write) posts
 * the comment its holder did not. A holder alive posts it itself (announce-grant), within its hold.
 */
export function makeOwedRevokes(
  deps: Pick<LeaseDeps, 'leases' | 'tickets' | 'clock' | 'logger'> & { readonly comments: OwedRevokeComments; readonly announcements: Pick<OwedAnnouncements, 'revokeTold'> },
): OwedRevokes {
  const { leases, comments, clock, logger } = deps;
  const dueAfter = (heldUntil: string) => new Date(Date.parse(heldUntil) + REVOKE_COMMENT_MARGIN_SECONDS * 1000);

  async function post(lease: Lease, text: string): Promise<'told' | 'retry'> {
    try {
      await sourceOf(deps.tickets, lease.source).comment(lease.ticketKey, text);
      return 'told';
    } catch (error) {
      logger.warn('could not post an owed revoke comment', { ticket: lease.ticketKey, leaseId: lease.id, error: describeError(error) });
      const young = clock.now().getTime() - Date.parse(lease.revokedAt ?? clock.now().toISOString()) < GIVE_UP_SECONDS * 1000;
      // Refused for good (or for a day): given up on, as any revoke comment the ticket refuses.
      return error instanceof KubeLeaseError && error.retryable && young ? 'retry' : 'told';
    }
  }

  return {
    async queue(lease) {
      const until = heldUntil(lease, clock.now());
      if (lease.announceAt !== undefined) await comments.queue(lease.id, dueAfter(new Date(until === 0 ? clock.now().getTime() : until).toISOString()));
    },
    due: (now, limit, onFinding) => comments.due(now, limit, onFinding),
    async tell(leaseId) {
      try {
        return await tell(leaseId);
      } catch (error) {
        // Behind the rest of the queue: an item that fails every time (a lease item no read accepts) is never first in line for good.
        await comments.postpone(leaseId, new Date(clock.now().getTime() + RETRY_AFTER_SECONDS * 1000)).catch(() => undefined);
        throw error;
      }
    },
  };

  /** One look at the lease's owed revoke comment (see OwedRevokes.tell). */
  async function tell(leaseId: string): Promise<OwedRevokeOutcome> {
    const now = clock.now();
    const lease = await leases.get(leaseId);
    if (lease?.status !== 'REVOKED' || lease.revokeNote === undefined) {
      await comments.drop(leaseId);
      return 'nothing';
    }
    if (lease.announceAt !== undefined && Date.parse(lease.announceAt) > now.getTime() && holdPossible(Date.parse(lease.announceAt), now)) {
      await comments.postpone(leaseId, dueAfter(lease.announceAt));
      return 'held';
    }
    // A new hold: of two takers at once (two sweeps, a sweep and a revoke), one posts it.
    const beyond = new Date(now.getTime() + (ANNOUNCE_HOLD_SECONDS + HOLD_SKEW_SECONDS) * 1000).toISOString();
    const taken = await comments.take(leaseId, now.toISOString(), new Date(now.getTime() + ANNOUNCE_HOLD_SECONDS * 1000).toISOString(), beyond);
    if (taken?.revokeNote === undefined) return 'held';
    // Built from the lease as revoked and the revoke's facts (never text read back from the table).
    const text = owedRevokeComment(taken);
    if (text !== undefined && (await post(taken, text)) === 'retry') return 'retry';
    if (!(await deps.announcements.revokeTold(leaseId, taken.announceAt))) logger.warn('owed revoke comment cleared by another actor', { leaseId });
    await comments.drop(leaseId);
    return 'told';
  }
}
