import { cutOffStreams, type UnreadableEvents } from '../domain/activity-unreadable.js';
import type { SessionSeen } from '../domain/activity.js';
import type { Lease } from '../domain/lease.js';
import { ActivityLogError, describeError, publicReason } from '../errors.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { Logger } from '../ports/logger.js';

/*
 * Audit events the log cut off (see domain/activity-unreadable.ts): counted for a lease's window,
 * and the streams their readable start names listed (and, with the profile's stream kinds, ended
 * as any other stream into a pod of the lease's namespaces).
 */

/** The work, or a retryable ActivityLogError once `ms` have passed: the caller goes on without it. */
export function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ActivityLogError(`the audit log did not answer within ${ms} ms`, { retryable: true })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The cut-off lines of the lease's window (`scope` and `maxPages` as in UnreadableQuery) that may be
 * the subject's in its namespaces, counted, and the streams into its pods they name.
 */
export async function unreadableIn(activity: ActivityLog, lease: Lease, from: Date, to: Date, scope: 'pods' | 'all', maxPages?: number): Promise<{ unreadable: UnreadableEvents; streams: SessionSeen[] }> {
  const found = await activity.unreadable({ cluster: lease.cluster, username: lease.subject.name, from, to, namespaces: lease.namespaces, scope, maxPages });
  return { unreadable: { count: found.count, complete: found.complete }, streams: cutOffStreams(found.lines, lease.namespaces) };
}

/**
 * At revoke: ONE page of the search (one FilterLogEvents call) for cut-off lines naming a pod of the
 * lease's namespaces, within `ms`. Never throws: a failure is returned as the reason nothing is known.
 */
export async function unreadableAtRevoke(activity: ActivityLog, lease: Lease, from: Date, to: Date, ms: number, logger: Logger): Promise<{ unreadable: UnreadableEvents | { error: string }; streams: SessionSeen[] }> {
  try {
    return await withinBudget(unreadableIn(activity, lease, from, to, 'pods', 1), ms);
  } catch (error) {
    logger.warn('could not search the audit log for cut-off events', { leaseId: lease.id, error: describeError(error) });
    return { unreadable: { error: publicReason(error) }, streams: [] };
  }
}
