import type { TicketSnapshot } from '../domain/ticket.js';

/** An ITSM system, read through its API. Errors: TicketNotFoundError, TicketSourceError (retryable on 429/5xx). */
export interface TicketSource {
  /** Re-reads the ticket from the API: the only basis for a decision. */
  getTicket(key: string): Promise<TicketSnapshot>;
  /** Adds a comment (Jira) or work note visible to the requester and approver. */
  comment(key: string, text: string): Promise<void>;
}
