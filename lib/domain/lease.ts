import type { ActivityEvidence, SessionsAtRevoke, StreamKind } from './activity.js';
import type { AccessCheck } from './catalog.js';
import type { IdleWatch } from './idle.js';
import type { ApprovalKind, OnCallProof } from './on-call.js';
import type { ReviewTask } from './review-task.js';
import type { GrantNote, RevokeFacts } from './owed-notes.js';
import { personLabel, type Person, type TicketSourceName } from './ticket.js';
import { ANNOTATION_EXPIRES_AT, ANNOTATION_PREFIX, LABEL_KYVERNO_TTL, LABEL_LEASE_ID, LABEL_MANAGED_BY, LABEL_SOURCE, MANAGED_BY, kyvernoTtl } from './names.js';

/** Every lease status: the one declaration (types, schemas and the CLI derive from it). */
export const LEASE_STATUSES = ['SCHEDULED', 'PENDING', 'ACTIVE', 'REVOKED', 'FAILED'] as const;
export type LeaseStatus = (typeof LEASE_STATUSES)[number];
/** Why a lease ended by revocation. */
export const REVOKE_CAUSES = ['expiry', 'sweep', 'manual', 'early', 'dry-run', 'idle'] as const;
export type RevokeCause = (typeof REVOKE_CAUSES)[number];
/** Causes of an on-time end (the timer or the sweep at expiry): their lag counts against the expiry. */
export const TIMED_CAUSES: readonly RevokeCause[] = ['expiry', 'sweep'];

/** Lease states in which access exists or is about to: what a closed ticket must end. */
export const OPEN_STATUSES: readonly LeaseStatus[] = ['SCHEDULED', 'PENDING', 'ACTIVE'];

/** Allowed transitions; anything else is a bug or a lost race, and the store refuses it. SCHEDULED waits for the change window to open; ACTIVE → ACTIVE is an extension. */
export const TRANSITIONS: Readonly<Record<LeaseStatus, readonly LeaseStatus[]>> = {
  // SCHEDULED → SCHEDULED: a new approval noted on a lease whose window has not opened (its expiry unchanged).
  SCHEDULED: ['SCHEDULED', 'ACTIVE', 'REVOKED', 'FAILED'],
  // PENDING → PENDING: a transient failure undid the attempt and left the approval to be retried.
  PENDING: ['PENDING', 'ACTIVE', 'FAILED', 'REVOKED'],
  ACTIVE: ['ACTIVE', 'REVOKED'],
  REVOKED: [],
  FAILED: [],
};

/** A revoke asked for (a close) that could not finish then; the ticket hears once, from the revoke that succeeds. */
export interface RevokeRequest { readonly at: string; readonly cause: RevokeCause; readonly by: string; readonly reason: string }

export function canTransition(from: LeaseStatus, to: LeaseStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface RoleRef {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
}

export interface Subject {
  readonly kind: 'User' | 'Group';
  readonly name: string;
}

export interface BindingRef {
  readonly namespace: string;
  readonly name: string;
}

export interface HistoryEntry {
  readonly at: string;
  readonly from: LeaseStatus | null;
  readonly to: LeaseStatus;
  /** Who or what caused it: `webhook`, `revoke:expiry`, `sweep`, an operator… */
  readonly by: string;
  readonly note?: string | undefined;
}

/** One grant of one role to one subject in one or more namespaces of one cluster, for a bounded time. */
export interface Lease {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly source: TicketSourceName;
  /** The ticket's immutable id (Jira issue id, ServiceNow sys_id): what the lease is filed under. Absent on leases recorded before kube-lease filed leases by id: those are found by their key. */
  readonly ticketId?: string | undefined;
  /** The ticket's key as kube-lease last saw it (for display, comments and the report). */
  readonly ticketKey: string;
  readonly ticketUrl: string;
  readonly requester: Person;
  /** Who approved (the first approval); later approvals that extended the lease are in `approvals` and history. */
  readonly approvers: readonly Person[];
  /** Ids of every approval applied to this lease (the first one and any extensions). */
  readonly approvals: readonly string[];
  /** Ids of the approval records (`ApprovalRecord.id`) this lease's grant and extensions relied on: spent, they never count for another decision on the ticket. Absent only on leases stored before it was recorded. */
  readonly approvalRecords?: readonly string[] | undefined;
  /** How the grant was approved (absent in older records, and for people: `person`). */
  readonly approvalKind?: ApprovalKind | undefined;
  /** With `approvalKind` `on-call`: where PagerDuty showed the requester on call when it was granted. */
  readonly onCall?: OnCallProof | undefined;
  readonly subject: Subject;
  readonly profile: string;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly roleRef: RoleRef;
  readonly reason: string;
  readonly createdAt: string;
  readonly startsAt: string;
  readonly expiresAt: string;
  /** End of the change window, if the ticket has one: no extension goes past it. */
  readonly windowEnd?: string | undefined;
  readonly status: LeaseStatus;
  readonly bindings: readonly BindingRef[];
  readonly scheduleName: string;
  readonly history: readonly HistoryEntry[];
  /** Incremented on every write; transitions compare-and-swap on it. */
  readonly version: number;
  readonly failureReason?: string | undefined;
  readonly revokedAt?: string | undefined;
  readonly revokeCause?: RevokeCause | undefined;
  /** A close whose revoke could not finish: due for the sweep from `at`, which finishes it (see RevokeRequest). */
  readonly revokeRequested?: RevokeRequest | undefined;
  /** A dry-run lease: validated by the API server, never created, ended at once. */
  readonly dryRun?: boolean | undefined;
  /** Set while a PENDING lease waits for a retry after a transient failure (the cluster or AWS was unavailable): what went wrong. The next delivery or the sweep provisions it again. */
  readonly deferredReason?: string | undefined;
  /** What the API server is asked after the grant and the revoke (the profile's `verify` when the lease was made). */
  readonly accessCheck?: AccessCheck | undefined;
  /** Set (possibly empty) while the grant's announcement (review and comment) is owed: the lines it adds, as codes (never text). Written with ACTIVE, cleared once told (or refused for good) and by a revoke (never announced after it). */
  readonly grantNote?: readonly GrantNote[] | undefined;
  /**
   * Beside `grantNote` (or `revokeNote`): until when the actor that holds the announcement is posting it (the
   * transition's winner, or a sweep that took it over). From then on the sweep may take it; a run
   * that could not tell the ticket sets it to the time of its failure, so the next sweep retries.
   */
  readonly announceAt?: string | undefined;
  /** A REVOKED lease's revoke comment, owed by the holder of the grant's announcement (held until `announceAt`): it posts it after its own, built from these facts and the lease (owed-comments.ts). */
  readonly revokeNote?: RevokeFacts | undefined;
  /** The API server's answers: after the grant (expected: allowed) and after the revoke (expected: denied). */
  readonly verification?: { readonly granted?: AccessVerification | undefined; readonly revoked?: AccessVerification | undefined } | undefined;
  /** End the streams the subject opened (evict their controller-owned pods) at revoke: the profile's `onRevoke` when the lease was made. */
  readonly endSessions?: boolean | undefined;
  /** With `endSessions`: the stream kinds whose pods are evicted (absent in older records: exec and attach). */
  readonly endStreams?: readonly StreamKind[] | undefined;
  /** With `endSessions`: the most pods of one controller one revoke evicts (absent in older records: 1). */
  readonly podsPerController?: number | undefined;
  /** The profile's `idleTimeout` when the lease was made, and the sweep's progress through the audit log (see IdleWatch). */
  readonly idle?: IdleWatch | undefined;
  /** What the revoke found in the audit log of streams the subject opened, and what it did about them. */
  readonly sessions?: SessionsAtRevoke | undefined;
  /** What the subject did during the lease, from the cluster's audit log, collected a while after the end. */
  readonly evidence?: ActivityEvidence | undefined;
  /** On-call and break-glass leases: the review task opened for them (see review-task.ts). */
  readonly review?: ReviewTask | undefined;
}

/** When the lease's bindings may first have existed: its first PENDING (a grant) or ACTIVE (an activation), else its start. */
export function accessBeganAt(lease: Pick<Lease, 'history' | 'startsAt'>): string {
  return lease.history.find((h) => h.to === 'PENDING' || h.to === 'ACTIVE')?.at ?? lease.startsAt;
}

/**
 * What the API server answered, per namespace, when asked whether the lease's subject can do the
 * lease's access check (a SubjectAccessReview). `error` when it could not be asked (kube-lease lacks
 * the permission, or the API server failed): nothing is known then.
 */
export interface AccessVerification {
  readonly at: string;
  readonly answers: readonly {
    readonly namespace: string;
    readonly allowed: boolean;
    readonly reason?: string | undefined;
    /** Other open leases of kube-lease that bind the same subject there (overlapping leases, each ended on its own). */
    readonly otherLeases?: readonly string[] | undefined;
  }[];
  readonly error?: string | undefined;
}

/** Whether a verification shows access in every namespace (after a grant). */
export function verifiedAllowed(v: AccessVerification | undefined): boolean {
  return v !== undefined && v.error === undefined && v.answers.length > 0 && v.answers.every((a) => a.allowed);
}

/** The namespaces in which access remained after a revoke: standing access through some other binding. */
export function standingAccess(v: AccessVerification | undefined): readonly string[] {
  return v === undefined || v.error !== undefined ? [] : v.answers.filter((a) => a.allowed && (a.otherLeases ?? []).length === 0).map((a) => a.namespace);
}

/**
 * An approval that was decided "no": stored under the id its lease would have had, so the same
 * approval can never create a lease later, whatever changes around it.
 */
export interface DeniedApproval {
  readonly leaseId: string;
  readonly idempotencyKey: string;
  readonly source: TicketSourceName;
  /** The ticket's immutable id; absent on denials recorded before leases were filed by id. */
  readonly ticketId?: string | undefined;
  readonly ticketKey: string;
  readonly code: string;
  readonly reason: string;
  readonly at: string;
  readonly by: string;
  /** Who asked, who approved (none for on-call or break-glass) and how, as the ticket said; absent on denials recorded before they were stored. */
  readonly requester?: Person | undefined;
  readonly approvers?: readonly Person[] | undefined;
  readonly approvalKind?: ApprovalKind | undefined;
}

/**
 * When anything last happened to a lease (its last history entry): a PENDING lease is in the hands
 * of a running attempt until this is older than the grace period, whatever its age.
 */
export function lastActivityAt(lease: Pick<Lease, 'createdAt' | 'history'>): number {
  return Math.max(Date.parse(lease.createdAt), ...lease.history.map((h) => Date.parse(h.at)).filter((t) => !Number.isNaN(t)));
}

/** A RoleBinding as we create it: plain data, turned into an API object by the Kubernetes adapter. */
export interface RoleBindingManifest {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly roleRef: { readonly apiGroup: 'rbac.authorization.k8s.io'; readonly kind: RoleRef['kind']; readonly name: string };
  readonly subjects: readonly { readonly apiGroup: 'rbac.authorization.k8s.io'; readonly kind: Subject['kind']; readonly name: string }[];
}

/** Annotation values are free text from tickets: keep them bounded. */
function clip(text: string, max = 1024): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The RoleBinding for one namespace of a lease, labelled and annotated as ARCHITECTURE.md requires. */
export function bindingManifest(lease: Lease, binding: BindingRef): RoleBindingManifest {
  return {
    metadata: {
      name: binding.name,
      namespace: binding.namespace,
      labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        [LABEL_LEASE_ID]: lease.id,
        [LABEL_SOURCE]: lease.source,
        // Cluster-side backstop: Kyverno deletes the binding at expiry even if AWS never revokes it.
        [LABEL_KYVERNO_TTL]: kyvernoTtl(lease.expiresAt),
      },
      annotations: {
        [`${ANNOTATION_PREFIX}ticket`]: lease.ticketKey,
        [`${ANNOTATION_PREFIX}ticket-url`]: clip(lease.ticketUrl),
        [`${ANNOTATION_PREFIX}requester`]: clip(personLabel(lease.requester)),
        [`${ANNOTATION_PREFIX}approver`]: clip(lease.approvers.map(personLabel).join(', ')),
        [`${ANNOTATION_PREFIX}reason`]: clip(lease.reason),
        [ANNOTATION_EXPIRES_AT]: lease.expiresAt,
      },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: lease.roleRef.kind, name: lease.roleRef.name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: lease.subject.kind, name: lease.subject.name }],
  };
}

/** How a lease was approved: `person` unless it records another kind. */
export function approvalKindOf(lease: Pick<Lease, 'approvalKind'>): ApprovalKind {
  return lease.approvalKind ?? 'person';
}
