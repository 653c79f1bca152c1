import type { TicketSourceName } from '../domain/ticket.js';
import { describeError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { Cluster } from '../ports/cluster.js';
import type { LeaseScheduler } from '../ports/lease-scheduler.js';
import type { LeaseStore } from '../ports/lease-store.js';
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
