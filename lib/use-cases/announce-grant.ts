import { leaseAuditFields } from '../domain/audit.js';
import { DEFAULT_ACCESS_CHECK } from '../domain/catalog.js';
import type { Lease } from '../domain/lease.js';
import { grantedMessage } from '../domain/messages.js';
import { auditVerification, grantVerifiedLine } from '../domain/verification.js';
import type { AnnouncementQueue } from '../ports/grant-follow-up.js';
import { commentSafely, type LeaseDeps } from './lease-deps.js';
import { verifyAccess } from './verify-access.js';

/** A grant still in flight is looked at again this much later (the sweep's next runs). */
const STILL_PENDING_RETRY_SECONDS = 60;
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
  /** The grant is still in flight (PENDING): the queue keeps it for a later run. */
  | { readonly kind: 'not-yet'; readonly lease: Lease }
  /** Announced already, ended before it could be, or gone: taken off the queue. */
  | { readonly kind: 'nothing-to-announce'; readonly reason: string };

/**
 * Announces a grant a webhook answered first: asks the API server whether the access works,
 * records the `verify` audit event, tells the ticket, then stores the answer on the lease (which
 * marks it announced) and takes it off the queue. At least once: a crash before the mark makes
 * the sweep announce it again. Run by the follow-up (the activate target) and by the sweep.
 */
export function makeAnnounceGrant(deps: LeaseDeps & { readonly announcements: AnnouncementQueue }): (input: AnnounceGrantInput) => Promise<AnnounceOutcome> {
  const { leases, announcements, clock, audit } = deps;

  const read = async (leaseId: string): Promise<Lease | undefined> => {
    let lease = await leases.get(leaseId);
    for (const wait of REREAD_AFTER_MS) {
      if (lease?.status !== 'PENDING' || clock.now().getTime() - Date.parse(lease.createdAt) > RECENT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      lease = await leases.get(leaseId);
    }
    return lease;
  };

  return async function announceGrant({ leaseId, actor }: AnnounceGrantInput): Promise<AnnounceOutcome> {
    const lease = await read(leaseId);
    if (lease?.status === 'PENDING') {
      await announcements.postpone(leaseId, new Date(clock.now().getTime() + STILL_PENDING_RETRY_SECONDS * 1000));
      return { kind: 'not-yet', lease };
    }
    const nothing = lease === undefined ? 'the lease is gone' : lease.status !== 'ACTIVE' ? `the lease is ${lease.status}` : lease.grantNote === undefined ? 'announced already' : undefined;
    if (lease === undefined || nothing !== undefined) {
      await announcements.drop(leaseId);
      return { kind: 'nothing-to-announce', reason: nothing ?? 'the lease is gone' };
    }

    const check = lease.accessCheck ?? DEFAULT_ACCESS_CHECK;
    const verification = await verifyAccess(deps, lease, 'allowed');
    const at = clock.now().toISOString();
    audit.record({ kind: 'verify', at, actor, ...leaseAuditFields(lease), verification: auditVerification(check, verification) });
    await commentSafely(deps, lease.source, lease.ticketKey, `${grantedMessage(lease)}\n${grantVerifiedLine(lease, check, verification)}${lease.grantNote ?? ''}`);
    let current: Lease | undefined = lease;
    // The mark is a compare-and-swap: an extension or a revoke in between moves the version on.
    for (let attempt = 0; attempt < 3 && current?.status === 'ACTIVE' && current.grantNote !== undefined; attempt += 1) {
      const marked = await leases.transition(current, 'ACTIVE', { at, from: 'ACTIVE', to: 'ACTIVE', by: actor, note: 'grant announced' }, { verification: { ...current.verification, granted: verification }, grantNote: null });
      current = marked.ok ? marked.lease : marked.current;
    }
    await announcements.drop(leaseId);
    return { kind: 'announced', lease: current ?? lease };
  };
}
