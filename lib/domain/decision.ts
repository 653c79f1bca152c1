import type { Profile } from './catalog.js';
import type { RoleRef, Subject } from './lease.js';
import type { OnCallFinding } from './on-call.js';
import type { Approval, LinkedTicket, Person, TicketSnapshot } from './ticket.js';

/*
 * What the policy decides: a plan for exactly one grant, or a denial with its code and reason.
 */

export type DenialCode =
  | 'not-approved'
  | 'approval-declined'
  | 'no-approval'
  | 'no-requester'
  | 'self-approval'
  | 'no-justification'
  | 'no-profile'
  | 'unknown-profile'
  | 'requester-not-allowed'
  | 'approver-not-allowed'
  | 'namespace-not-allowed'
  | 'bad-duration'
  | 'duration-over-max'
  | 'bad-date'
  | 'window-ended'
  | 'no-subject'
  | 'forbidden-role'
  | 'source-not-configured'
  | 'justification-mismatch'
  | 'approver-not-in-group'
  | 'too-many-leases'
  | 'no-linked-ticket'
  | 'approver-not-person'
  | 'changed-after-approval'
  | 'approval-unverifiable'
  | 'approval-spent'
  | 'approver-is-integration'
  | 'not-on-call'
  | 'break-glass-limit';

/** Everything needed to create a lease; produced only when every rule passed. */
export interface GrantPlan {
  readonly ticket: TicketSnapshot;
  readonly approval: Approval;
  readonly requester: Person;
  readonly profile: Profile;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly roleRef: RoleRef;
  readonly subject: Subject;
  /** The access window: starts now or at the change's start, ends at the earliest of duration and change end. */
  readonly startsAt: string;
  readonly expiresAt: string;
  /** Whether the change window, not the duration, set the end. */
  readonly endClipped: boolean;
  /** The change's end, which bounds any later extension too. */
  readonly windowEnd: string | undefined;
  /** The duration asked for (or the profile default), in seconds. */
  readonly durationSeconds: number;
  /** Validate only: nothing is created in the cluster (catalog- or profile-wide `dryRun`). */
  readonly dryRun: boolean;
}

export type Decision =
  | { readonly kind: 'grant'; readonly plan: GrantPlan }
  | { readonly kind: 'deny'; readonly code: DenialCode; readonly reason: string };

/** A denial decision. */
export function deny(code: DenialCode, reason: string): Decision {
  return { kind: 'deny', code, reason };
}

/** Facts the policy needs that only I/O can give; the grant use case gathers them first. */
export interface DecisionContext {
  /** ITSM group memberships of the approvers, by person id (only for profiles with approverGroups). */
  readonly approverGroups: ReadonlyMap<string, readonly string[]>;
  /** Linked tickets and their current states (only for profiles with `linkedTicket`). */
  readonly linkedTickets: readonly LinkedTicket[];
  /** Whether PagerDuty shows the requester on call (only for an open ticket of a profile with `onCall`). */
  readonly onCall?: OnCallFinding | undefined;
}

export const EMPTY_CONTEXT: DecisionContext = { approverGroups: new Map(), linkedTickets: [] };

