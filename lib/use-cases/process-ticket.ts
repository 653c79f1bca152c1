import type { TicketSourceName } from '../domain/ticket.js';
import { TicketNotFoundError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import { sourceOf, type TicketSources } from '../ports/ticket-source.js';
import type { CloseOutcome } from './close-ticket.js';
import type { GrantOutcome } from './grant-access.js';
import type { TicketSnapshot } from '../domain/ticket.js';

export interface ProcessTicketInput {
  readonly source: TicketSourceName;
  readonly ticketKey: string;
  /** Who delivered the hint, for the audit trail (e.g. `jira-webhook:<delivery id>`). */
  readonly actor: string;
  /**
   * Resolves true when this delivery was already processed: then nothing is done. Awaited together
   * with the ticket read, so the check costs no extra round trip.
   */
  readonly alreadyProcessed?: Promise<boolean>;
}

export type ProcessOutcome =
  | GrantOutcome
  | CloseOutcome
  | { readonly kind: 'not-found'; readonly reason: string }
  | { readonly kind: 'duplicate-delivery' };

/**
 * A webhook said something happened to a ticket. Re-read it from the ITSM API and act on what the
 * API says: a closed/cancelled/rejected ticket ends its leases; anything else is a grant request,
 * which the policy approves or denies.
 */
export function makeProcessTicket(deps: {
  readonly tickets: TicketSources;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly grantAccess: (ticket: TicketSnapshot, actor: string) => Promise<GrantOutcome>;
  readonly closeTicket: (ticket: TicketSnapshot, actor: string) => Promise<CloseOutcome>;
}): (input: ProcessTicketInput) => Promise<ProcessOutcome> {
  return async function processTicket({ source, ticketKey, actor, alreadyProcessed }: ProcessTicketInput): Promise<ProcessOutcome> {
    let ticket: TicketSnapshot;
    const read = sourceOf(deps.tickets, source).getTicket(ticketKey);
    // Avoid an unhandled rejection if the delivery turns out to be a repeat and the read fails.
    read.catch(() => undefined);
    if (await (alreadyProcessed ?? false)) return { kind: 'duplicate-delivery' };
    try {
      ticket = await read;
    } catch (error) {
      if (!(error instanceof TicketNotFoundError)) throw error;
      deps.audit.record({ kind: 'deny', at: deps.clock.now().toISOString(), actor, source, ticket: ticketKey.slice(0, 100), code: 'ticket-not-found', reason: error.message });
      return { kind: 'not-found', reason: error.message };
    }
    if (ticket.state === 'closed') return deps.closeTicket(ticket, actor);
    return deps.grantAccess(ticket, actor);
  };
}
