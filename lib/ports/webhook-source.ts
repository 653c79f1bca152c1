import type { TicketSourceName } from '../domain/ticket.js';
import type { HttpRequest } from './http.js';
import type { ReviewTaskSystem } from './review-tasks.js';
import type { TicketSource } from './ticket-source.js';

/**
 * What a source says about a request's authenticity. `replayKey` is a digest of everything the
 * sender signed (body, and its timestamp and delivery id where they are signed): two deliveries
 * with the same key are the same delivery, whatever unsigned headers say.
 */
export type Authentication = { readonly ok: true; readonly replayKey: string } | { readonly ok: false; readonly reason: string };

/** Which ticket a payload is about, read as a hint only (the ticket is re-read from the API). */
export type Hint =
  /**
   * `key` is what the API reads the ticket by; `displayKey`, what the payload says its human key is;
   * `ticketId`, what it says the ticket's immutable id is (both unchecked: used only to read the
   * ticket's leases beside the API read, and kept only if the API agrees).
   */
  | { readonly kind: 'ticket'; readonly key: string; readonly displayKey?: string; readonly ticketId?: string }
  | { readonly kind: 'ignore'; readonly reason: string };

/** The webhook side of an ITSM source: everything the shared webhook pipeline needs to know about its requests. */
export interface WebhookSource {
  /** Checks the request's signature (and the age of its signed timestamp) over the raw body. */
  authenticate(request: HttpRequest): Promise<Authentication>;
  /** Reads which ticket the (authenticated) payload is about; throws PayloadError on a wrong shape. */
  hint(body: unknown): Hint;
  /** The sender's id of this delivery, if it sends one (for logs and the audit trail). */
  deliveryId(request: HttpRequest): string | undefined;
}

/** One configured ITSM source: its API (tickets) and its webhooks, built by the source's one factory. */
export interface SourceModule {
  readonly name: TicketSourceName;
  readonly tickets: TicketSource;
  readonly webhook: WebhookSource;
  /** Where review tasks of its on-call and break-glass leases are opened (absent: not configured). */
  readonly reviews?: ReviewTaskSystem | undefined;
  /**
   * Starts what the first call of each side would wait for (secret reads, client set-up), so a cold
   * start pays for them in parallel instead of one after another. Failures are left for that first
   * call to meet and report.
   */
  readonly prepare: { readonly webhook: () => Promise<unknown>; readonly tickets: () => Promise<unknown> };
}
