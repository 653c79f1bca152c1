import type { HistoryEntry, Lease, LeaseStatus, RevokeCause } from '../domain/lease.js';

export type CreateResult = { readonly created: true } | { readonly created: false; readonly existing: Lease };

/** Fields a transition may set besides status, history and version. */
export interface TransitionPatch {
  readonly failureReason?: string;
  readonly revokedAt?: string;
  readonly revokeCause?: RevokeCause;
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
  /** Leases in `status` whose expiry is at or before `before`, oldest first, from the status/expiry index. */
  listExpiring(status: LeaseStatus, before: Date, limit: number): Promise<readonly Lease[]>;
  /** Records that a webhook delivery was fully processed (kept for `ttlSeconds`). */
  rememberDelivery(deliveryId: string, now: Date, ttlSeconds: number): Promise<void>;
  /** Whether a webhook delivery was already fully processed. */
  hasDelivery(deliveryId: string): Promise<boolean>;
}
