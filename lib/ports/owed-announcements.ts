import type { AccessVerification, HistoryEntry, Lease } from '../domain/lease.js';
import type { GrantNote } from '../domain/owed-notes.js';

/**
 * A grant's owed announcement (the access review and the ticket comment), kept on the lease item
 * itself: `grantNote` says it is owed, `announceAt` until when its holder is posting it. The ACTIVE
 * transition writes both (its winner holds the announcement); the lease stays in the status index at
 * `announceAt` until the announcement is settled, so the sweep finds an announcement its holder never
 * finished. Every write here is conditional on `announceAt` and leaves the lease's version alone:
 * a revoke or an extension is never refused for it, and a revoke clears `grantNote` (nothing is
 * announced after it; `settle` and `defer` need it), leaving its comment owed to a holder (`revokeNote`). Errors: LeaseStoreError.
 */
export interface OwedAnnouncements {
  /**
   * Takes over the owed announcement of an ACTIVE lease whose holder's time has run out
   * (`announceAt` at or before `now`) and whose expiry is still `lease.expiresAt`: it is held until
   * `until` (at most that expiry). Returns the lease as stored, or undefined when there is nothing
   * to take (told already, revoked, extended meanwhile, or another sweep took it first).
   */
  take(lease: Lease, now: string, until: string): Promise<Lease | undefined>;
  /**
   * Ends the announcement held until `heldUntil`: stores the review as `verification.granted` (beside
   * a revoke's review, never over it), appends `entry` to the history, clears `grantNote` and
   * `announceAt`, and puts the lease back in the index at its expiry. False when it is no longer
   * held so (a revoke cleared it, or it was taken over), and always once the lease is REVOKED.
   */
  settle(leaseId: string, heldUntil: string, review: AccessVerification, entry: HistoryEntry): Promise<boolean>;
  /**
   * The ticket could not be told now: the announcement held until `heldUntil` stays owed, with the
   * lines `note` (codes), and is due again at `retryAt` (the sweep's next run). False when no longer held so
   * (or the lease is no longer ACTIVE).
   */
  defer(leaseId: string, heldUntil: string, retryAt: string, note: readonly GrantNote[]): Promise<boolean>;
  /**
   * The revoke comment a REVOKED lease owed (`revokeNote`) is posted: clears it and `announceAt`,
   * provided `announceAt` is still `heldUntil` (undefined: absent). False when it was cleared already.
   */
  revokeTold(leaseId: string, heldUntil: string | undefined): Promise<boolean>;
}
