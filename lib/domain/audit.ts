import type { DenialCode } from './decision.js';
import { approvalKindOf, type Lease, type RevokeCause, type RoleRef } from './lease.js';
import type { ApprovalKind } from './on-call.js';
import { personLabel, type TicketSourceName } from './ticket.js';

export type AuditEventKind = 'grant' | 'verify' | 'schedule' | 'extend' | 'deny' | 'revoke' | 'failure' | 'reject' | 'end-session' | 'activity' | 'review';

/**
 * One structured record per decision. Stable field names: consumers (SIEM, dashboards) key on them.
 * `who` is the requester (subject of the access), `actor` who or what caused the decision.
 */
export interface AuditEvent {
  readonly kind: AuditEventKind;
  readonly at: string;
  readonly actor: string;
  readonly source?: TicketSourceName | undefined;
  readonly ticket?: string | undefined;
  readonly ticketUrl?: string | undefined;
  readonly leaseId?: string | undefined;
  readonly requester?: string | undefined;
  readonly approver?: string | undefined;
  /** How the lease was approved: `person`, `on-call` or `break-glass`. */
  readonly approvalKind?: ApprovalKind | undefined;
  readonly subject?: string | undefined;
  readonly profile?: string | undefined;
  readonly cluster?: string | undefined;
  readonly namespaces?: readonly string[] | undefined;
  readonly role?: RoleRef | undefined;
  readonly startsAt?: string | undefined;
  readonly expiresAt?: string | undefined;
  readonly previousExpiresAt?: string | undefined;
  readonly reason?: string | undefined;
  readonly code?: DenialCode | 'bad-signature' | 'too-large' | 'bad-request' | 'ticket-not-found' | 'backend-error' | 'backend-unavailable' | 'unreadable-lease-item' | undefined;
  readonly cause?: RevokeCause | undefined;
  readonly deliveryId?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** Something the operator should know about an otherwise successful decision. */
  readonly warning?: string | undefined;
  /** The API server's answer to the lease's access check, after a grant or a revoke (see Lease.verification). */
  readonly verification?:
    | { readonly check: string; readonly allowedIn: readonly string[]; readonly deniedIn: readonly string[]; readonly otherLeasesIn?: readonly string[] | undefined; readonly error?: string | undefined }
    | undefined;
  /** At revoke: streams (exec, attach, port-forward, proxy upgrades) the audit log showed; the pods known ended, and those left or that may run on (a long grace period) */
  readonly sessions?:
    | {
        readonly seen: number;
        readonly ended: readonly string[];
        readonly notEnded: readonly string[];
        readonly error?: string | undefined;
        /** Lines up to the revoke the log cut off (a padded request URI) that may be the subject's in the lease's namespaces, or why they could not be searched for. */
        readonly unreadable?: { readonly count: number; readonly complete: boolean } | { readonly error: string } | undefined;
      }
    | undefined;
  /** A lease's activity evidence: its digest and counts (see Lease.evidence). */
  readonly evidence?:
    | {
        readonly from: string;
        readonly to: string;
        readonly events: number;
        readonly requests?: number | undefined;
        readonly digest?: string | undefined;
        readonly error?: string | undefined;
        /** Audit IDs several different requests of the subject carried (a client-chosen `Audit-ID` header), as shown on the ticket. */
        readonly reusedAuditIds?: readonly string[] | undefined;
        /** Lines of the window the log cut off that may be the subject's in the lease's namespaces: the evidence may miss activity. */
        readonly unreadable?: { readonly count: number; readonly complete: boolean } | undefined;
        /** Where the lease item disagreed with the cluster's record of its bindings, or that record was missing (see ActivityEvidence.findings). */
        readonly findings?: readonly string[] | undefined;
      }
    | undefined;
  /** An on-call or break-glass lease's review task: which, where, and what happened to it. */
  readonly reviewTask?: { readonly system: TicketSourceName; readonly key: string; readonly url: string; readonly event: (typeof REVIEW_TASK_EVENTS)[number] } | undefined;
}

/**
 * What happened to an emergency lease's review task (see review-task.ts). `planted`: a task carrying
 * the lease's marker that kube-lease did not create (never taken for the lease's); `not-counted`: the
 * task was closed, but not by a person whose closing counts as the review.
 */
export const REVIEW_TASK_EVENTS = ['opened', 'evidence-added', 'done', 'planted', 'not-counted'] as const;

/** The lease fields every lease-related audit event carries. */
export function leaseAuditFields(lease: Lease): Partial<AuditEvent> {
  return {
    source: lease.source,
    ticket: lease.ticketKey,
    ticketUrl: lease.ticketUrl,
    leaseId: lease.id,
    requester: personLabel(lease.requester),
    approver: lease.approvers.map(personLabel).join(', '),
    approvalKind: approvalKindOf(lease),
    subject: `${lease.subject.kind}:${lease.subject.name}`,
    profile: lease.profile,
    cluster: lease.cluster,
    namespaces: lease.namespaces,
    role: lease.roleRef,
    startsAt: lease.startsAt,
    expiresAt: lease.expiresAt,
    ...(lease.dryRun ? { dryRun: true } : {}),
  };
}
