import type { Lease } from '../domain/lease.js';
import type { TicketSnapshot, TicketSourceName } from '../domain/ticket.js';
import { describeError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { Cluster } from '../ports/cluster.js';
import type { LeaseScheduler } from '../ports/lease-scheduler.js';
import type { LeaseStore, TransitionPatch } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import { sourceOf, type TicketSources } from '../ports/ticket-source.js';

/** The ports every lease use case works with. */
export interface LeaseDeps {
  readonly tickets: TicketSources;
  readonly cluster: Cluster;
  readonly leases: LeaseStore;
  readonly scheduler: LeaseScheduler;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Comments on the ticket; a failure is logged, never thrown: the decision stands whether or not
 * the ticket hears of it, and the audit log is the record.
 */
export async function commentSafely(deps: Pick<LeaseDeps, 'tickets' | 'logger'>, source: TicketSourceName, key: string, text: string): Promise<void> {
  try {
    await sourceOf(deps.tickets, source).comment(key, text);
  } catch (error) {
    deps.logger.warn('could not comment on ticket', { ticket: key, error: describeError(error) });
  }
}

/**
 * What a transition records of the ticket as the API shows it now, when that differs from the
 * lease: the immutable id (a lease recorded before leases were filed by id is migrated) and the
 * key and URL it has now (a moved Jira issue), so the lease shows and comments under the current key.
 */
export function ticketPatch(lease: Pick<Lease, 'ticketId' | 'ticketKey' | 'ticketUrl'>, ticket: Pick<TicketSnapshot, 'id' | 'key' | 'url'> | undefined): Pick<TransitionPatch, 'ticketId' | 'ticketKey' | 'ticketUrl'> {
  if (ticket === undefined) return {};
  // A lease is never moved to another ticket: a different id recorded already means a wrong list.
  if (lease.ticketId !== undefined && lease.ticketId !== ticket.id) return {};
  return {
    ...(lease.ticketId === undefined ? { ticketId: ticket.id } : {}),
    ...(lease.ticketKey === ticket.key ? {} : { ticketKey: ticket.key }),
    ...(lease.ticketUrl === ticket.url ? {} : { ticketUrl: ticket.url }),
  };
}
