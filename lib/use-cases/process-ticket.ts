import { ticketRefOf, type TicketSourceName } from '../domain/ticket.js';
import { TicketNotFoundError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Clock } from '../ports/clock.js';
import { sourceOf, type TicketSources } from '../ports/ticket-source.js';
import type { CloseOutcome } from './close-ticket.js';
import type { GrantOptions, GrantOutcome } from './grant/grant-access.js';
import type { TicketSnapshot } from '../domain/ticket.js';
import { wholeList } from './unreadable-leases.js';

export interface ProcessTicketInput {
  readonly source: TicketSourceName;
  readonly ticketKey: string;
  /**
   * The key leases are filed under, when it differs from `ticketKey` (a ServiceNow number beside
   * its sys_id), as the payload claims it. Used only to read the leases early; checked against the API.
   */
  readonly displayKey?: string;
  /**
   * The ticket's immutable id, as the payload claims it (Jira issue id, ServiceNow sys_id): the
   * ticket's leases are read by it beside the API read, and the list is kept only if the API agrees.
   */
  readonly ticketId?: string;
  /** Who delivered the hint, for the audit trail (e.g. `jira-webhook:<delivery id>`). */
  readonly actor: string;
  /** Called once the outcome is decided (see GrantOptions.onDecided). */
  readonly onDecided?: () => Promise<void>;
  /**
   * The delivery claim, made beside the reads: nothing is decided, recorded or said before it
   * resolves, and `false` (the content was processed already) ends here as `replayed`.
   */
  readonly admitted?: Promise<boolean>;
}

export type ProcessOutcome =
  | GrantOutcome
  | CloseOutcome
  | { readonly kind: 'not-found'; readonly reason: string }
  | { readonly kind: 'replayed' };

/**
 * A webhook said something happened to a ticket. Re-read it from the ITSM API and act on what the
 * API says: a closed/cancelled/rejected ticket ends its leases; anything else is a grant request,
 * which the policy approves or denies.
 */
export function makeProcessTicket(deps: {
  readonly tickets: TicketSources;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly leases: Pick<LeaseStore, 'listForTicketRef'>;
  readonly grantAccess: (ticket: TicketSnapshot, actor: string, options?: GrantOptions) => Promise<GrantOutcome>;
  readonly closeTicket: (ticket: TicketSnapshot, actor: string) => Promise<CloseOutcome>;
}): (input: ProcessTicketInput) => Promise<ProcessOutcome> {
  return async function processTicket({ source, ticketKey, displayKey, ticketId, actor, onDecided, admitted }: ProcessTicketInput): Promise<ProcessOutcome> {
    let ticket: TicketSnapshot;
    // The ticket and its leases are read beside the delivery claim: the payload's id and key are all
    // any of them needs, and the grant path then costs no extra round trip. A replay pays for reads
    // it drops. The lease create stays the idempotency point.
    const read = sourceOf(deps.tickets, source).getTicket(ticketKey);
    const leaseKey = displayKey ?? ticketKey;
    const early = ticketId === undefined ? undefined : { id: ticketId, keys: [leaseKey] };
    const ticketLeases = early === undefined ? Promise.resolve(undefined) : deps.leases.listForTicketRef(source, early).then((list) => wholeList(list, `ticket ${leaseKey}`));
    // Avoid an unhandled rejection when another read fails first.
    ticketLeases.catch(() => undefined);
    read.catch(() => undefined);
    if (admitted !== undefined && !(await admitted)) return { kind: 'replayed' };
    try {
      ticket = await read;
    } catch (error) {
      if (!(error instanceof TicketNotFoundError)) throw error;
      deps.audit.record({ kind: 'deny', at: deps.clock.now().toISOString(), actor, source, ticket: ticketKey.slice(0, 100), code: 'ticket-not-found', reason: error.message });
      return { kind: 'not-found', reason: error.message };
    }
    // A close lists the leases afresh: it is not on the critical path, and a fresher list misses less.
    if (ticket.state === 'closed') return deps.closeTicket(ticket, actor);
    // The early list is used only if it was read under the id the API gives the ticket and every key
    // it is known to have had (a moved issue's leases recorded before ids may sit under a former key):
    // otherwise the grant reads them afresh, one read more, for an issue whose changelog shows a move.
    const ref = ticketRefOf(ticket);
    const readEarly = early !== undefined && early.id === ref.id && ref.keys.every((k) => early.keys.includes(k));
    const listed = readEarly ? await ticketLeases : undefined;
    const known = listed === undefined ? {} : { ticketLeases: listed };
    return deps.grantAccess(ticket, actor, { ...known, ...(onDecided ? { onDecided } : {}) });
  };
}
