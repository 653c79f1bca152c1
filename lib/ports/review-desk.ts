import type { PackFile } from '../domain/review-digest.js';

/** A ticket kube-lease opened for a review (the pack's, or a finding's). */
export interface FiledTicket {
  readonly key: string;
  readonly url: string;
}

/** A review ticket as the ticket system shows it now. */
export interface ReviewTicketState extends FiledTicket {
  /** The status (Jira) or state (ServiceNow) as the system names it. */
  readonly status: string;
  /** Whether that status is a sign-off: a done status (Jira), a closed state (ServiceNow), as configured. */
  readonly signedOff: boolean;
  /** Who moved it there and when, as the system recorded it (the last such transition); undefined while not signed off or when not recorded. */
  readonly signedOffBy?: string | undefined;
  readonly signedOffAt?: string | undefined;
  readonly description: string;
  /** The files attached to it, with their bytes as downloaded now. */
  readonly files: readonly PackFile[];
}

/**
 * The ticket system a review pack is filed in (a Jira project, a ServiceNow task table), with
 * kube-lease's own integration account. Errors: TicketSourceError (a 4xx names what was refused:
 * 403 no permission, 413 a file too large), TicketNotFoundError.
 */
export interface ReviewDesk {
  readonly system: 'jira' | 'servicenow';
  /**
   * The review ticket filed for the period before (the label or correlation id kube-lease set), if
   * kube-lease's own account created one; `planted`: others carrying it (never taken for its own).
   */
  find(period: string): Promise<{ readonly own?: FiledTicket | undefined; readonly planted: readonly FiledTicket[] }>;
  /** Opens the review ticket (not yet with its files). */
  open(ticket: { readonly period: string; readonly title: string; readonly description: string }): Promise<FiledTicket>;
  /** Attaches files to it, each as its own attachment with its name and content type. */
  attach(key: string, files: readonly PackFile[]): Promise<void>;
  /** The ticket's state, description and attachments (bytes downloaded). */
  read(key: string): Promise<ReviewTicketState>;
  /** Adds a note (Jira comment, ServiceNow work note) unless one that starts with `marker` is there already. */
  note(key: string, marker: string, text: string): Promise<'added' | 'present'>;
  /** Opens a task linked to the review ticket for one finding, unless one with this `id` exists; `created` says which. */
  finding(key: string, finding: { readonly id: string; readonly title: string; readonly text: string }): Promise<FiledTicket & { readonly created: boolean }>;
}
