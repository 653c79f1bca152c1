import type { AccessVerification, DeniedApproval, HistoryEntry, Lease, LeaseStatus, RevokeCause } from '../domain/lease.js';
import type { TicketRef, TicketSourceName } from '../domain/ticket.js';
import type { GrantNote, RevokeFacts } from '../domain/owed-notes.js';
import type { LeaseList } from '../domain/lease-list.js';

/** A create either made the lease, or found that its approval was decided already (a lease, or a denial). */
export type CreateResult =
  | { readonly created: true }
  | { readonly created: false; readonly existing: Lease }
  | { readonly created: false; readonly denied: DeniedApproval }
  /** The approval extended another lease: it never creates one of its own. */
  | { readonly created: false; readonly extended: string };

/** What claiming an approval for an extension found: free (now ours), or decided already. */
export type ApprovalClaim =
  | { readonly kind: 'claimed' }
  /** The approval extended that lease, or created it: a repeat. */
  | { readonly kind: 'held'; readonly leaseId: string }
  | { readonly kind: 'denied'; readonly denial: DeniedApproval };

/** Fields a transition may set besides status, history and version. */
export interface TransitionPatch {
  readonly failureReason?: string;
  readonly revokedAt?: string;
  readonly revokeCause?: RevokeCause;
  /** A new expiry (extension). */
  readonly expiresAt?: string;
  /** The full list of applied approvals (extension). */
  readonly approvals?: readonly string[];
  /** The full list of approval records relied on (extension). */
  readonly approvalRecords?: readonly string[];
  /** Why a transient failure left the lease PENDING for a retry; `null` clears it. */
  readonly deferredReason?: string | null;
  /** Lines the grant's announcement adds (see Lease.grantNote); `null` clears them. */
  readonly grantNote?: readonly GrantNote[] | null;
  /** Until when the writer holds the owed announcement (see Lease.announceAt); `null` clears it. */
  readonly announceAt?: string | null;
  /** The revoke comment owed by the announcement's holder (see Lease.revokeNote); `null` clears it. */
  readonly revokeNote?: RevokeFacts | null;
  /** A revoke that could not finish, remembered for the sweep (see Lease.revokeRequested). */
  readonly revokeRequested?: Lease['revokeRequested'];
  /**
   * The API server's answers after the revoke: stored as `verification.revoked`, beside whatever
   * `verification.granted` the item holds when written (a grant's announcement settles it without
   * a new version, so it may land after the revoke read the lease: it is never overwritten).
   */
  readonly revokeVerification?: AccessVerification;
  /** What the revoke found of the subject's streams and did about them. */
  readonly sessions?: Lease['sessions'];
  /**
   * The ticket as kube-lease saw it now (its key changed, or the lease was recorded before leases
   * were filed by id): the lease is filed under the id from then on, and shows the key.
   */
  readonly ticketId?: string;
  readonly ticketKey?: string;
  readonly ticketUrl?: string;
}

export type TransitionResult = { readonly ok: true; readonly lease: Lease } | { readonly ok: false; readonly current: Lease | undefined };

/** Durable lease records. Every write is a single-item conditional write. Errors: LeaseStoreError. */
export interface LeaseStore {
  /** Creates the lease unless one with the same id (same idempotency key) exists. */
  create(lease: Lease): Promise<CreateResult>;
  get(id: string): Promise<Lease | undefined>;
  /**
   * Moves a lease from `from` to `to` if it is still in `from` at the version given,
   * appending `entry` to its history. A lost race returns `{ ok: false, current }`.
   */
  transition(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch?: TransitionPatch): Promise<TransitionResult>;
  /**
   * Leases in `status` that are due at or before `before` (SCHEDULED: their start; PENDING: their
   * creation; ACTIVE: their expiry, or their `announceAt` while the grant's announcement is owed;
   * others: their expiry), earliest first, from the status index: never a scan. At most `limit` of
   * them; `Infinity` reads the index to its end. An item that is not a readable lease is returned
   * in `unreadable` (it does not count towards `limit`), never dropped and never failing the list.
   */
  listDue(status: LeaseStatus, before: Date, limit: number): Promise<LeaseList>;
  /**
   * Takes one of the `max` places a requester has for open leases, for this lease, by one
   * conditional write on a per-requester item: exact under any history length and concurrency.
   * Idempotent for the same lease. A transition that ends a lease gives its place back; a place of
   * an ended (or unknown) lease that was not given back is reclaimed here before refusing.
   */
  reservePlace(lease: Lease, max: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly held: number }>;
  /**
   * Counts one break-glass use of the lease's requester on `day` (UTC, YYYY-MM-DD), if fewer than
   * `max` were counted: one conditional write, idempotent for the same lease. Uses are never given
   * back (a break-glass lease that failed still counted): the limit errs on the side of less access.
   */
  reserveBreakGlass(lease: Lease, max: number, day: string): Promise<{ readonly ok: true } | { readonly ok: false; readonly used: number }>;
  /**
   * All leases of one ticket, oldest first, from the ticket index: those filed under its immutable
   * id, and those recorded before leases were filed by id under any of `ticket.keys`. One round of
   * parallel queries. Items that are not readable leases are returned in `unreadable`.
   */
  listForTicketRef(source: TicketSourceName, ticket: TicketRef): Promise<LeaseList>;
  /**
   * The leases of the ticket a key names, as a person types it (the CLI's `--ticket`), oldest
   * first: those recorded under that key before ids, and every lease of each ticket id that key
   * was seen naming (when a lease was created, or kube-lease met the ticket under that key later),
   * whatever key they show. A key kube-lease never saw finds only what was recorded under it.
   * Items that are not readable leases are returned in `unreadable`.
   */
  listForTicket(source: TicketSourceName, ticketKey: string): Promise<LeaseList>;
  /**
   * Claims an approval for extending lease `holder`, under the id a lease of that approval would
   * have (`approvalLeaseId`): the one item that also records a lease or a denial of that approval,
   * so an approval is decided once whether it extends, creates or is denied.
   */
  claimApproval(approvalLeaseId: string, idempotencyKey: string, holder: string): Promise<ApprovalClaim>;
  /**
   * Records that an approval was denied, under the id its lease would have had. False when that
   * approval was decided already (a lease or a denial exists): the caller stays quiet.
   */
  recordDenial(denial: DeniedApproval): Promise<boolean>;
  /** The denial recorded under a lease id, if that approval was denied. */
  denial(leaseId: string): Promise<DeniedApproval | undefined>;
  /**
   * Claims a webhook delivery, keyed by a digest of what the sender signed, before any work. False
   * when it was processed already, or is being processed and the claim is younger than
   * `staleAfterSeconds` (an older unfinished claim was left by a crash and is taken over).
   */
  claimDelivery(key: string, now: Date, ttlSeconds: number, staleAfterSeconds: number): Promise<boolean>;
  /** Marks a claimed delivery done: every later copy is refused for the claim's lifetime. */
  finishDelivery(key: string, now: Date): Promise<void>;
  /** Gives a claim back after a failure a retry may fix, so the sender's retry is processed. */
  releaseDelivery(key: string): Promise<void>;
}
