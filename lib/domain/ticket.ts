import type { ApprovalKind, OnCallProof } from './on-call.js';

/** A person as the ITSM system knows them. `id` is the stable account id (Jira accountId or username, ServiceNow sys_id). */
export interface Person {
  readonly id: string;
  readonly email?: string | undefined;
  readonly displayName?: string | undefined;
  /**
   * Whether the ITSM system says this is an active account of a person (Jira: `accountType`
   * `atlassian` and `active`; ServiceNow: an active `sys_user` that is not web-service-only).
   * Undefined when the API did not say: such an account never counts as an approver.
   */
  readonly activeHuman?: boolean | undefined;
  /**
   * Set by the source when this is kube-lease's own integration account (the one whose credentials
   * it reads and comments with: Jira `JIRA_EMAIL` / its accountId, ServiceNow `SERVICENOW_USER`).
   * Its approvals and transitions are never approvals.
   */
  readonly integration?: boolean | undefined;
}

/** Every ITSM source kube-lease reads: the one declaration. */
export const TICKET_SOURCES = ['jira', 'servicenow'] as const;
export type TicketSourceName = (typeof TICKET_SOURCES)[number];

export function isTicketSource(name: string): name is TicketSourceName {
  return (TICKET_SOURCES as readonly string[]).includes(name);
}

/**
 * One record an approval is made of, with whoever approved in it: a ServiceNow
 * `sysapproval_approver` record, a Jira Service Management approval step, or the Jira changelog
 * entry of the approving transition. Ids carry their kind (`sn:`, `jsm:`, `jira-history:`).
 */
export interface ApprovalRecord {
  readonly id: string;
  readonly approvers: readonly Person[];
}

/** The approval the ITSM API reports: who approved, when, and a stable id of that approval. */
export interface Approval {
  /** Stable id of the approval event; part of the idempotency key (a new approval has a new id). */
  readonly id: string;
  /** Everyone whose approval counts; never empty. */
  readonly approvers: readonly Person[];
  readonly at: string;
  /**
   * The records the approval is made of. A lease records the ids it relied on, and no later
   * decision on the ticket counts them again (`unspentApproval`). Absent: the approval is one
   * record, under its own id, of all its approvers.
   */
  readonly records?: readonly ApprovalRecord[] | undefined;
  /**
   * Set by `unspentApproval` when earlier leases of the ticket used some of its records: the ids of
   * those leases. `approvers` and `records` then hold only what was not used before.
   */
  readonly spentBy?: readonly string[] | undefined;
  /** How it was approved; absent: by people (`person`). */
  readonly kind?: ApprovalKind | undefined;
  /** With kind `on-call`: where PagerDuty showed the requester on call. */
  readonly onCall?: OnCallProof | undefined;
}

/** The approval with every approver `isOwn` says is kube-lease's own integration account marked so (see `Person.integration`). */
export function markIntegration(approval: Approval, isOwn: (person: Person) => boolean): Approval {
  const mark = (people: readonly Person[]) => people.map((p) => (isOwn(p) ? { ...p, integration: true } : p));
  return { ...approval, approvers: mark(approval.approvers), ...(approval.records === undefined ? {} : { records: approval.records.map((r) => ({ ...r, approvers: mark(r.approvers) })) }) };
}

/** The records of an approval (see `Approval.records`). */
export function approvalRecords(approval: Approval): readonly ApprovalRecord[] {
  return approval.records ?? [{ id: approval.id, approvers: approval.approvers }];
}

/**
 * Whether the request fields the catalog maps (profile, duration, namespaces, requester,
 * justification, start, end) are still what they were when the approval was given, as the ticket's
 * own history (Jira changelog, ServiceNow sys_audit) shows it.
 */
export type ApprovalIntegrity =
  | { readonly kind: 'intact' }
  /** The catalog's names of the fields (e.g. `profile`, `duration`) edited after the approval. */
  | { readonly kind: 'edited'; readonly fields: readonly string[] }
  /** The history could not be read completely: fail closed. */
  | { readonly kind: 'unknown'; readonly reason: string };

/** The request fields of the catalog's field mapping, in the order reasons name them. */
export const REQUEST_FIELDS = ['profile', 'duration', 'namespaces', 'requester', 'justification', 'start', 'end'] as const;
export type RequestField = (typeof REQUEST_FIELDS)[number];

/**
 * What the ticket's state means for access: `approved` (an approved status/state), `closed`
 * (closed, cancelled, declined, rejected: access must end) or `open` (anything else).
 */
export type TicketState = 'approved' | 'closed' | 'open';

/**
 * What the ITSM API (never the webhook payload) says about a ticket, already mapped through the
 * catalog's field mapping. Field values are raw text: the policy validates them.
 */
export interface TicketSnapshot {
  readonly source: TicketSourceName;
  /**
   * The ticket's immutable id (Jira issue id, ServiceNow sys_id): what leases are filed under, so
   * that a ticket whose key changes (a Jira *Move issue*) keeps its leases.
   */
  readonly id: string;
  /** The key as a person reads it now (Jira issue key, ServiceNow change number): for display. */
  readonly key: string;
  /**
   * Keys the ticket had before (Jira: the `Key` items of its changelog, left by *Move issue*), as
   * far as the history read shows them: leases recorded before kube-lease filed them by id may
   * be filed under one of them.
   */
  readonly formerKeys?: readonly string[] | undefined;
  readonly url: string;
  readonly state: TicketState;
  /** The status/state as a person would read it, for reasons and comments. */
  readonly statusText: string;
  readonly justification: string;
  readonly requester: Person | undefined;
  /** The approval that put the ticket in its approved state, if the API shows one. */
  readonly approval: Approval | undefined;
  /**
   * Set when the history shows an approval that does not count (Jira: given while the issue was in
   * a project the catalog does not watch, then moved in): why, for the `no-approval` denial.
   */
  readonly approvalNotCounted?: string | undefined;
  /** Set when the API shows the approval was declined or rejected: a reason to deny. */
  readonly declined?: string | undefined;
  readonly requestedProfile: string | undefined;
  readonly requestedDuration: string | undefined;
  readonly requestedNamespaces: readonly string[] | undefined;
  /** Start and end of the change window, as the API wrote them (parsed by the policy). */
  readonly windowStart?: string | undefined;
  readonly windowEnd?: string | undefined;
  /** Present with an approval: whether the request fields changed after it. */
  readonly approvalIntegrity?: ApprovalIntegrity | undefined;
  /** Where the ticket lives, for the catalog's scope (Jira: project key and issue type name). */
  readonly project?: string | undefined;
  readonly issueType?: string | undefined;
  /** ServiceNow: an emergency change (`type` emergency), the break-glass path of profiles with `breakGlass`. */
  readonly emergency?: boolean | undefined;
}

/**
 * How leases of one ticket are found: by its immutable id, and (for leases recorded before
 * kube-lease filed them by id) by each key it has had.
 */
export interface TicketRef {
  readonly id: string;
  readonly keys: readonly string[];
}

/** The ticket's id and every key it is known to have had, the current one first. */
export function ticketRefOf(ticket: Pick<TicketSnapshot, 'id' | 'key' | 'formerKeys'>): TicketRef {
  return { id: ticket.id, keys: [...new Set([ticket.key, ...(ticket.formerKeys ?? [])])] };
}

/** A ticket linked to the one asking for access (e.g. the incident it is about), as its API reports it now. */
export interface LinkedTicket {
  readonly key: string;
  readonly status: string;
}

/** Same person if the stable ids match, or both have the same email (case-insensitive). */
export function samePerson(a: Person, b: Person): boolean {
  if (a.id === b.id) return true;
  return a.email !== undefined && b.email !== undefined && a.email.toLowerCase() === b.email.toLowerCase();
}

/**
 * Whether a person matches an allow-list entry. An entry is an account id; an entry with an `@` is
 * an email address, which is weaker (whoever administers the ITSM system can change a user's
 * email) and documented as such.
 */
export function matchesPerson(person: Person, entry: string): boolean {
  if (entry === person.id) return true;
  return entry.includes('@') && person.email !== undefined && entry.toLowerCase() === person.email.toLowerCase();
}

/** How a person is named in comments, annotations and audit events. */
export function personLabel(person: Person): string {
  return person.email ?? person.id;
}
