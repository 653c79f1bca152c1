import { leaseAuditFields } from '../domain/audit.js';
import { DEFAULT_ACCESS_CHECK } from '../domain/catalog.js';
import type { Lease } from '../domain/lease.js';
import { grantedMessage } from '../domain/messages.js';
import { auditVerification, grantVerifiedLine } from '../domain/verification.js';
import { describeError, KubeLeaseError } from '../errors.js';
import type { AnnouncementQueue } from '../ports/grant-follow-up.js';
import { sourceOf } from '../ports/ticket-source.js';
import type { LeaseDeps } from './lease-deps.js';
import { verifyAccess } from './verify-access.js';

/** A grant still in flight, or a ticket that could not be told, is looked at again this much later. */
const RETRY_SECONDS = 60;
/** A run that claimed the announcement this long ago and has not finished died: the next run takes it over. */
export const ANNOUNCING_STALE_SECONDS = 60;
/** A ticket that cannot be told for this long after the grant is given up on (the review is still recorded). */
const GIVE_UP_SECONDS = 24 * 3600;
/**
 * The request can reach the lease before the webhook's ACTIVE write lands (it is sent beside that
 * write): a lease created this recently and still PENDING is read again after these waits.
 */
const RECENT_MS = 60_000;
const REREAD_AFTER_MS = [250, 750];

export interface AnnounceGrantInput {
  readonly leaseId: string;
  readonly actor: string;
}

export type AnnounceOutcome =
  | { readonly kind: 'announced'; readonly lease: Lease }
  /** The grant is still in flight, another run is announcing it, or the ticket could not be told yet: the queue keeps it. */
  | { readonly kind: 'not-yet'; readonly reason: string }
  /** Announced already, ended before it could be, or gone: taken off the queue. */
  | { readonly kind: 'nothing-to-announce'; readonly reason: string };

/**
 * Announces a grant a webhook answered first. One run at a time: it claims the announcement on the
 * lease (a mark that leaves the version alone, so a revoke or an extension is never refused for
 * it), asks the API server whether the access works, tells the ticket, records the `verify` audit
 * event, then stores the review (which ends the wait) and takes the lease off the queue. A ticket
 * that cannot be told yet gives the claim back for a later run. At least once: a run that dies
 * after the comment is repeated by the sweep. Run by the follow-up (the activate target) and the sweep.
 */
export function makeAnnounceGrant(deps: LeaseDeps & { readonly announcements: AnnouncementQueue }): (input: AnnounceGrantInput) => Promise<AnnounceOutcome> {
  const { leases, announcements, clock, audit, logger } = deps;
  const later = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  const read = async (leaseId: string): Promise<Lease | undefined> => {
    let lease = await leases.get(leaseId);
    for (const wait of REREAD_AFTER_MS) {
      if (lease?.status !== 'PENDING' || clock.now().getTime() - Date.parse(lease.createdAt) > RECENT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      lease = await leases.get(leaseId);
    }
    return lease;
  };

  /** Tells the ticket: told, worth another try later, or refused for good. */
  const tell = async (lease: Lease, text: string): Promise<'told' | 'retry' | 'refused'> => {
    try {
      await sourceOf(deps.tickets, lease.source).comment(lease.ticketKey, text);
      return 'told';
    } catch (error) {
      logger.warn('could not comment on ticket', { ticket: lease.ticketKey, leaseId: lease.id, error: describeError(error) });
      const young = clock.now().getTime() - Date.parse(lease.startsAt) < GIVE_UP_SECONDS * 1000;
      return error instanceof KubeLeaseError && error.retryable && young ? 'retry' : 'refused';
    }
  };

  return async function announceGrant({ leaseId, actor }: AnnounceGrantInput): Promise<AnnounceOutcome> {
    const at = clock.now().toISOString();
    const take = () => announcements.claim(leaseId, at, new Date(clock.now().getTime() - ANNOUNCING_STALE_SECONDS * 1000).toISOString());
    // The claim answers with the lease: the common case costs no read before it.
    let claimed = await take();
    if (claimed === undefined) {
      const lease = await read(leaseId);
      if (lease?.status === 'PENDING') {
        await announcements.postpone(leaseId, later(RETRY_SECONDS));
        return { kind: 'not-yet', reason: 'the grant is still in flight' };
      }
      const nothing = lease === undefined ? 'the lease is gone' : lease.status !== 'ACTIVE' ? `the lease is ${lease.status}` : lease.grantNote === undefined ? 'announced already' : undefined;
      if (nothing !== undefined) {
        await announcements.drop(leaseId);
        return { kind: 'nothing-to-announce', reason: nothing };
      }
      // It turned ACTIVE while it was read again, or another run holds it (that run drops it when done).
      claimed = await take();
      if (claimed === undefined) {
        await announcements.postpone(leaseId, later(RETRY_SECONDS));
        return { kind: 'not-yet', reason: 'another run is announcing it' };
      }
    }

    const check = claimed.accessCheck ?? DEFAULT_ACCESS_CHECK;
    const review = await verifyAccess(deps, claimed, 'allowed');
    // A revoke may have come while the review ran: then its comment is the ticket's last word, and
    // this one is not posted (the revoke waits for a run that is still announcing, so it comes after).
    const now = await leases.get(leaseId);
    const told: 'told' | 'retry' | 'refused' | 'ended' = now?.status !== 'ACTIVE' ? 'ended' : await tell(claimed, `${grantedMessage(claimed)}\n${grantVerifiedLine(claimed, check, review)}${now.grantNote ?? claimed.grantNote ?? ''}`);
    if (told === 'retry') {
      await announcements.release(leaseId, at);
      await announcements.postpone(leaseId, later(RETRY_SECONDS));
      return { kind: 'not-yet', reason: 'the ticket could not be told yet' };
    }
    audit.record({ kind: 'verify', at: clock.now().toISOString(), actor, ...leaseAuditFields(claimed), verification: auditVerification(check, review) });
    const note = told === 'told' ? 'grant announced' : told === 'ended' ? 'grant reviewed; revoked before it was announced' : 'grant reviewed; the ticket refused the comment';
    const finished = await announcements.finish(leaseId, at, review, { at: clock.now().toISOString(), from: now?.status ?? claimed.status, to: now?.status ?? claimed.status, by: actor, note });
    if (!finished) {
      // Another run took it over (this one was taken for dead): that run finishes and drops it.
      logger.warn('grant announcement taken over by another run before it finished', { leaseId });
      return { kind: 'not-yet', reason: 'another run took the announcement over' };
    }
    await announcements.drop(leaseId);
    return { kind: 'announced', lease: claimed };
  };
}
