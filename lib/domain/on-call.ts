/**
 * On-call approval: a profile may accept "the requester is on call right now" (as PagerDuty says
 * it) as its approval. The domain only sees what the directory found; the reads live in an adapter.
 */
import { oneLine } from './own-words.js';

/** Every way a lease is approved: the one declaration (lease, audit events, CLI, report). */
export const APPROVAL_KINDS = ['person', 'on-call', 'break-glass'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

/** What a profile's `onCall` names: the escalation policies and schedules whose on-call counts, and optionally services with an open incident. */
export interface OnCallRule {
  /** PagerDuty escalation policy ids (e.g. `PABC123`). */
  readonly escalationPolicies?: readonly string[] | undefined;
  /** PagerDuty schedule ids. */
  readonly schedules?: readonly string[] | undefined;
  /** Only while an incident is open (triggered or acknowledged) on one of these PagerDuty services. */
  readonly incidentServices?: readonly string[] | undefined;
}

/** Where the requester was found on call. */
export interface OnCallProof {
  /** The PagerDuty user the requester's email resolved to. */
  readonly userId: string;
  readonly userEmail: string;
  /** `escalation_policy` or `schedule`, and its id and name as PagerDuty reported them. */
  readonly via: { readonly type: 'escalation_policy' | 'schedule'; readonly id: string; readonly name?: string | undefined };
  /** Escalation level of the on-call entry. */
  readonly level?: number | undefined;
  /** The open incident the profile required, when it required one. */
  readonly incident?: { readonly id: string; readonly serviceId: string; readonly number?: number | undefined } | undefined;
  /** When PagerDuty was asked. */
  readonly checkedAt: string;
}

/** What the on-call directory found for a requester. */
export type OnCallFinding =
  | { readonly kind: 'on-call'; readonly proof: OnCallProof }
  | { readonly kind: 'not-on-call'; readonly reason: string };

/** The approval id of an on-call approval: one per ticket, so it is decided once. */
export function onCallApprovalId(ticketId: string): string {
  return `on-call:${ticketId}`;
}

/** How an on-call approval is named where approvers are named (annotations, comments, audit `approver`). */
export function onCallLabel(proof: OnCallProof): string {
  const via = `${proof.via.type === 'schedule' ? 'schedule' : 'escalation policy'} ${proof.via.id}${proof.via.name ? ` ${JSON.stringify(oneLine(proof.via.name, 200))}` : ''}`;
  const incident = proof.incident === undefined ? '' : `, incident ${proof.incident.number ?? proof.incident.id} open on service ${proof.incident.serviceId}`;
  return `on call per PagerDuty (${proof.userEmail} as user ${proof.userId} on ${via}${proof.level === undefined ? '' : ` level ${proof.level}`}${incident}, checked ${proof.checkedAt})`;
}

/** The approval id of a break-glass self-approval: one per ticket, decided once. */
export function breakGlassApprovalId(ticketId: string): string {
  return `break-glass:${ticketId}`;
}

/** A profile's `breakGlass`: the requester may approve their own request, briefly, with a justification that matches, a few times a day. */
export interface BreakGlassRule {
  /** Seconds; the most a break-glass lease lasts (extensions need a person's approval). */
  readonly maxDuration: number;
  /** Break-glass leases one requester may take per UTC day, across tickets. */
  readonly perDay: number;
  readonly justification: { readonly pattern: string; readonly hint?: string | undefined };
}
