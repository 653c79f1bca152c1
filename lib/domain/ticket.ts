/** A person as the ITSM system knows them. `id` is the stable account id (Jira accountId or username). */
export interface Person {
  readonly id: string;
  readonly email?: string | undefined;
  readonly displayName?: string | undefined;
}

export type TicketSourceName = 'jira';

/** The approval the ITSM API reports: who moved the ticket into an approved status, when, and its id. */
export interface Approval {
  /** Stable id of the approval event (Jira: changelog history id); part of the idempotency key. */
  readonly id: string;
  readonly approver: Person;
  readonly at: string;
  readonly status: string;
}

/**
 * What the ITSM API (never the webhook payload) says about a ticket, already mapped through the
 * catalog's field mapping. Field values are raw text: the policy validates them.
 */
export interface TicketSnapshot {
  readonly source: TicketSourceName;
  readonly key: string;
  readonly url: string;
  readonly status: string;
  readonly justification: string;
  readonly requester: Person | undefined;
  /** The most recent transition into the current status, if that status is an approved one. */
  readonly approval: Approval | undefined;
  readonly requestedProfile: string | undefined;
  readonly requestedDuration: string | undefined;
  readonly requestedNamespaces: readonly string[] | undefined;
}

/** Same person if the stable ids match, or both have the same email (case-insensitive). */
export function samePerson(a: Person, b: Person): boolean {
  if (a.id === b.id) return true;
  return a.email !== undefined && b.email !== undefined && a.email.toLowerCase() === b.email.toLowerCase();
}

/** Whether a person matches an allow-list entry (account id or email). */
export function matchesPerson(person: Person, entry: string): boolean {
  return entry === person.id || (person.email !== undefined && entry.toLowerCase() === person.email.toLowerCase());
}
