import type { LinkedTicket, Person, TicketSnapshot, TicketSourceName } from '../domain/ticket.js';
import { ConfigError } from '../errors.js';

/** An ITSM system, read through its API. Errors: TicketNotFoundError, TicketSourceError (retryable on 429/5xx). */
export interface TicketSource {
  /** Re-reads the ticket from the API: the only basis for a decision. */
  getTicket(key: string): Promise<TicketSnapshot>;
  /** Adds a comment (Jira) or work note visible to the requester and approver. */
  comment(key: string, text: string): Promise<void>;
  /**
   * Tickets linked to this one, each with its current status as the API says (Jira: issue links,
   * re-read; ServiceNow: the record named by `field` in `table`).
   */
  linkedTickets(key: string, options: { readonly field: string; readonly table: string }): Promise<LinkedTicket[]>;
  /** Which of `groups` the person belongs to, as the ITSM system's group membership says. */
  groupsOf(person: Person, groups: readonly string[]): Promise<string[]>;
}

/** The configured ITSM systems, by name. */
export type TicketSources = Readonly<Partial<Record<TicketSourceName, TicketSource>>>;

/** The ticket source of a lease or hint; an unconfigured one is a configuration error. */
export function sourceOf(sources: TicketSources, name: TicketSourceName): TicketSource {
  const source = sources[name];
  if (source === undefined) throw new ConfigError(`ticket source ${name} is not configured`);
  return source;
}
