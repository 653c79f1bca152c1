import { leaseAuditFields } from '../domain/audit.js';
import { DEFAULT_ACCESS_CHECK } from '../domain/catalog.js';
import type { AccessVerification, Lease } from '../domain/lease.js';
import { grantedMessage } from '../domain/messages.js';
import { grantNoteText, owedRevokeComment } from '../domain/owed-comments.js';
import type { GrantNote } from '../domain/owed-notes.js';
import { auditVerification, grantVerifiedLine } from '../domain/verification.js';
import { describeError, KubeLeaseError } from '../errors.js';
import type { OwedAnnouncements } from '../ports/owed-announcements.js';
import { sourceOf } from '../ports/ticket-source.js';
import type { LeaseDeps } from './lease-deps.js';
import { verifyAccess } from './verify-access.js';

/**
 * How long the actor that holds a grant's announcement has to post it before the sweep may take it
 * over: longer than any invocation that holds one runs (a webhook's 28 s timeout, a sweep's budget).
 */
export const ANNOUNCE_HOLD_SECONDS = 60;
/** A ticket that cannot be told for this long after the grant is given up on (the review is still recorded). */
const GIVE_UP_SECONDS = 24 * 3600;

/** What telling a grant came to. */
export type TellOutcome =
  /** The ticket has the comment; the review is stored. */
  | 'told'
  /** The ticket could not take it now: the announcement stays owed, and the sweep's next run posts it. */
  | 'owed'
  /** The ticket refused it for good (or for a day): the review is stored, the ticket is not told. */
  | 'refused'
  /** The announcement was no longer held by this actor (a revoke cleared it): nothing more is done. */
  | 'lost';

export type AnnounceOutcome =
  | { readonly kind: 'announced'; readonly lease: Lease }
  | { readonly kind: 'not-yet'; readonly reason: string }
  | { readonly kind: 'nothing-to-announce'; readonly reason: string };

export interface AnnounceGrant {
  /**
   * Tells the ticket of a grant whose announcement `lease` holds (the lease as written by the ACTIVE
   * transition this actor won, or as taken over): waits for the access review, posts the comment
   * (with the lines of the lease's `grantNote` and `extraNote`, in kube-lease's words), records the `verify` audit event and settles
   * the announcement. Used by every path that makes a lease ACTIVE, in its own invocation.
   */
  tell(lease: Lease, review: Promise<AccessVerification>, actor: string, extraNote?: readonly GrantNote[]): Promise<TellOutcome>;
  /**
   * The sweep: takes over the owed announcement of an ACTIVE lease whose holder's time ran out (it
   * died, or the ticket could not be told then), asks the API server again and tells the ticket.
   * At most one of several sweeps at once takes it.
   */
  takeOver(lease: Lease, actor: string): Promise<AnnounceOutcome>;
}

/**
 * The one step that announces a grant (the webhook, the scheduled activation, the sweep and the
 * CLI through it). At least once: a holder that dies before settling leaves the announcement owed,
 * and the sweep posts it once the hold runs out; at most once per holder, and one holder at a time.
 */
export function makeAnnounceGrant(deps: LeaseDeps & { readonly announcements: OwedAnnouncements }): AnnounceGrant {
  const { announcements, clock, audit, logger } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();
  const atMost = (time: string, lease: Lease) => (time < lease.expiresAt ? time : lease.expiresAt);

  /** Tells the ticket: told, worth another try later, or refused for good. */
  const comment = async (lease: Lease, text: string): Promise<'told' | 'retry' | 'refused'> => {
    try {
      await sourceOf(deps.tickets, lease.source).comment(lease.ticketKey, text);
      return 'told';
    } catch (error) {
      logger.warn('could not comment on ticket', { ticket: lease.ticketKey, leaseId: lease.id, error: describeError(error) });
      const young = clock.now().getTime() - Date.parse(lease.startsAt) < GIVE_UP_SECONDS * 1000;
      return error instanceof KubeLeaseError && error.retryable && young ? 'retry' : 'refused';
    }
  };

  async function tell(lease: Lease, reviewing: Promise<AccessVerification>, actor: string, extraNote: readonly GrantNote[] = []): Promise<TellOutcome> {
    const heldUntil = lease.announceAt;
    if (heldUntil === undefined || lease.grantNote === undefined) return 'lost';
    const check = lease.accessCheck ?? DEFAULT_ACCESS_CHECK;
    const review = await reviewing;
    // A revoke leaves its comment to a holder whose hold has not run out, which posts it after its own: while
    // the hold outlasts any comment (half of it), the order is kept without a read. Nearer its end (a late
    // activation), the lease is read first: revoked meanwhile, nothing is said of the grant.
    if (Date.parse(heldUntil) - clock.now().getTime() <= (ANNOUNCE_HOLD_SECONDS * 1000) / 2) {
      const now = await deps.leases.get(lease.id);
      if (now?.status !== 'ACTIVE' || now.grantNote === undefined || now.announceAt !== heldUntil) return revokeOwed(lease.id, heldUntil);
    }
    const note = [...lease.grantNote, ...extraNote];
    const told = await comment(lease, `${grantedMessage(lease)}\n${grantVerifiedLine(lease, check, review)}${grantNoteText(lease, note)}`);
    if (told === 'retry') {
      // Due at once for the sweep's next run (never after the expiry: the index must still see that).
      const deferred = await announcements.defer(lease.id, heldUntil, atMost(clock.now().toISOString(), lease), note);
      if (!deferred) logger.warn('grant announcement no longer held when deferring it', { leaseId: lease.id });
      return deferred ? 'owed' : revokeOwed(lease.id, heldUntil);
    }
    audit.record({ kind: 'verify', at: clock.now().toISOString(), actor, ...leaseAuditFields(lease), verification: auditVerification(check, review) });
    const entry = { at: clock.now().toISOString(), from: 'ACTIVE', to: 'ACTIVE', by: actor, note: told === 'told' ? 'grant announced' : 'grant reviewed; the ticket refused the comment' } as const;
    if (!(await announcements.settle(lease.id, heldUntil, review, entry))) {
      logger.warn('grant announcement no longer held when settling it (revoked meanwhile)', { leaseId: lease.id });
      return revokeOwed(lease.id, heldUntil);
    }
    return told;
  }

  /**
   * A revoke met this holder's announcement and left its comment to it (`revokeNote`, hold kept): it is
   * built from the lease and posted now, after the grant's (or instead of it), then cleared. Nothing when the revoke said it itself.
   * A ticket that cannot take it now: left owed, and the sweep posts it once the hold has run out.
   */
  async function revokeOwed(leaseId: string, heldUntil: string): Promise<'lost'> {
    const lease = await deps.leases.get(leaseId);
    const text = lease === undefined ? undefined : owedRevokeComment(lease);
    if (lease === undefined || text === undefined || lease.announceAt !== heldUntil) return 'lost';
    if ((await comment(lease, text)) === 'retry') return 'lost';
    if (!(await announcements.revokeTold(leaseId, heldUntil))) logger.warn('owed revoke comment cleared by another actor', { leaseId });
    return 'lost';
  }

  async function takeOver(lease: Lease, actor: string): Promise<AnnounceOutcome> {
    const now = clock.now();
    // A hold the expiry would cut short would not tell a revoke how long this run may still post: left to the revoke.
    if (now.getTime() + ANNOUNCE_HOLD_SECONDS * 1000 > Date.parse(lease.expiresAt)) return { kind: 'nothing-to-announce', reason: 'the lease ends within the hold; its revoke tells the ticket' };
    const taken = await announcements.take(lease, now.toISOString(), atMost(iso(now.getTime() + ANNOUNCE_HOLD_SECONDS * 1000), lease));
    if (taken === undefined) return { kind: 'nothing-to-announce', reason: 'announced, revoked, extended or taken by another run meanwhile' };
    const won = diedHolding(lease, now);
    if (won !== undefined) {
      // The writer that won ACTIVE died with the announcement in hand (it never deferred it): its grant
      // event may be lost, so it is recorded again as that writer made it (same time and actor: one event).
      audit.record({ kind: 'grant', at: won.at, actor: won.by, ...leaseAuditFields(taken), reason: taken.reason });
    }
    const told = await tell(taken, verifyAccess(deps, taken, 'allowed'), actor);
    if (told === 'told') return { kind: 'announced', lease: taken };
    if (told === 'owed') return { kind: 'not-yet', reason: 'the ticket could not be told yet' };
    return { kind: 'nothing-to-announce', reason: told === 'refused' ? 'the ticket refused the comment' : 'revoked meanwhile' };
  }

  return { tell, takeOver };
}

/**
 * The ACTIVE transition whose writer still held the announcement when it died: the lease's hold is
 * still the one that transition wrote (a holder that deferred it set another). Undefined otherwise.
 * With `now`: only once that hold has run out (a holder still within it is alive).
 */
export function diedHolding(lease: Lease, now?: Date): { readonly at: string; readonly by: string } | undefined {
  if (now !== undefined && (lease.announceAt === undefined || Date.parse(lease.announceAt) > now.getTime())) return undefined;
  const entry = [...lease.history].reverse().find((h) => h.to === 'ACTIVE' && h.from !== 'ACTIVE');
  if (entry === undefined || lease.announceAt === undefined) return undefined;
  return owedAnnouncement(lease, [], new Date(entry.at)).announceAt === lease.announceAt ? { at: entry.at, by: entry.by } : undefined;
}

/** The owed-announcement fields an ACTIVE transition writes: its winner holds the announcement. */
export function owedAnnouncement(lease: Lease, note: readonly GrantNote[], now: Date): { readonly grantNote: readonly GrantNote[]; readonly announceAt: string } {
  const hold = new Date(now.getTime() + ANNOUNCE_HOLD_SECONDS * 1000).toISOString();
  return { grantNote: note, announceAt: hold < lease.expiresAt ? hold : lease.expiresAt };
}
