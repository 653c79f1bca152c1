import type { CloseMarks } from '../../ports/close-marks.js';
import type { Catalog } from '../../domain/catalog.js';
import type { Lease } from '../../domain/lease.js';
import type { DenialCode } from '../../domain/decision.js';
import { describeError } from '../../errors.js';
import { newReference } from '../../ids.js';
import type { AnnounceGrant } from '../announce-grant.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OnCallDirectory } from '../../ports/on-call-directory.js';
import type { LeaseDeps } from '../lease-deps.js';
import type { ReviewLease } from '../review-lease.js';

export interface GrantAccessDeps extends LeaseDeps {
  readonly catalog: Catalog;
  /** Prefix of schedule (rule) names; IAM permissions are scoped to it. */
  readonly schedulePrefix: string;
  /** A PENDING lease older than this is taken as abandoned by a crashed delivery and finished by the next one. */
  readonly pendingGraceSeconds: number;
  /** Counts tickets that are no access request (`Ignored`), which get no audit event. */
  readonly metrics?: Metrics;
  /** Tells the ticket of a grant once it is ACTIVE (the review, the comment, the owed mark settled). */
  readonly announce: AnnounceGrant;
  /** Who is on call (PagerDuty): asked only for an open ticket of a profile with `onCall`. Absent: such profiles deny. */
  readonly onCall?: OnCallDirectory | undefined;
  /** Closes of tickets (see close-ticket.ts), read before a lease goes ACTIVE. Absent: not read. */
  readonly closeMarks?: Pick<CloseMarks, 'get'> | undefined;
  /** Review tasks of on-call and break-glass leases: queued beside the create, opened after the ticket is told. */
  readonly reviews?: ReviewLease | undefined;
}

export interface GrantOptions {
  /**
   * The ticket's leases when the caller read them already (beside the ticket). A snapshot a moment
   * old is safe: the conditional create is what keeps one approval to one lease, and an approval
   * claim can only exist once the ticket has a lease.
   */
  readonly ticketLeases?: readonly Lease[];
  /**
   * Called once the outcome is decided and recorded, beside the grant's last write, so that the
   * caller's own bookkeeping (the webhook's delivery record) adds no round trip to a grant.
   */
  readonly onDecided?: () => Promise<void>;
}

export type GrantOutcome =
  | { readonly kind: 'granted'; readonly lease: Lease }
  | { readonly kind: 'dry-run'; readonly lease: Lease }
  | { readonly kind: 'scheduled'; readonly lease: Lease }
  | { readonly kind: 'extended'; readonly lease: Lease; readonly previousExpiresAt: string }
  | { readonly kind: 'not-extended'; readonly lease: Lease; readonly reason: string }
  | { readonly kind: 'duplicate'; readonly lease: Lease }
  | { readonly kind: 'denied'; readonly code: DenialCode; readonly reason: string }
  | { readonly kind: 'failed'; readonly lease: Lease; readonly reason: string }
  /** This approval was decided before (denied): a repeat says nothing and grants nothing. */
  | { readonly kind: 'already-decided'; readonly code: string; readonly reason: string }
  /** Not an access request at all (see `notARequest`): no decision, no comment. */
  | { readonly kind: 'ignored'; readonly reason: string };

/** Logs the detail of failures under a new reference, and returns the reference for what is said outside. */
export function referenceFor(deps: Pick<LeaseDeps, 'logger'>, lease: Lease, errors: readonly unknown[], what: string): string {
  const ref = newReference();
  deps.logger.error(what, { reference: ref, leaseId: lease.id, errors: errors.map(describeError) });
  return ref;
}
