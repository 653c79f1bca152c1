import { evidenceState, type EvidenceState, type SealCheck } from './evidence-digest.js';
import { unreadableText } from './activity-unreadable.js';
import type { EndCause, LeaseOutcome } from './access-report.js';
import { approvalKindOf, OPEN_STATUSES, type DeniedApproval, type Lease, type LeaseStatus } from './lease.js';
import type { ApprovalKind } from './on-call.js';
import { leaseEnd, readInstant } from './report-period.js';
import { activityError, activityStatus, leaseActivity, leaseEndFacts, recorded, type ActivityStatus, type EndActorKind, type LeaseActivity } from './report-lease-facts.js';
import { personLabel } from './ticket.js';

/** One lease as the report shows it. Times are RFC 3339; absent values are `null` (so JSON keeps every key). */
export interface LeaseRow {
  readonly leaseId: string;
  readonly source: string;
  readonly ticketKey: string;
  readonly ticketUrl: string;
  /** The requester's email, else their id in the ticket system. */
  readonly requester: string;
  readonly approvers: readonly string[];
  /** How it was approved: `person`, `on-call` or `break-glass`. */
  readonly approvalKind: ApprovalKind;
  /** An on-call or break-glass lease whose review task was not done that many days after its access began (see review-task.ts). */
  readonly unreviewed: boolean;
  readonly profile: string;
  /** `Role/name` or `ClusterRole/name`. */
  readonly role: string;
  /** `User name` or `Group name`: who the binding names. */
  readonly subject: string;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly status: LeaseStatus;
  /** When kube-lease recorded the approved request (the lease record's creation). */
  readonly requestedAt: string;
  /** When access began: the first move to ACTIVE; `null` if the lease never had access. */
  readonly startedAt: string | null;
  /** The (final, extended) expiry. */
  readonly expiresAt: string;
  /** When the lease ended (revoked or failed); `null` while it is open. */
  readonly endedAt: string | null;
  readonly endCause: EndCause | null;
  /**
   * How long access outlived the expiry, in milliseconds: `endedAt − expiresAt` for a lease that
   * had access and ended at or after its expiry; for a lease still ACTIVE past its expiry,
   * `now − expiresAt` so far (`overdue` is true). `null` when access ended before the expiry
   * (closed ticket, operator), never began, or has not reached its expiry yet.
   */
  readonly revocationLagMs: number | null;
  readonly overdue: boolean;
  /** The lag is beyond the report's threshold. */
  readonly late: boolean;
  /** Later approvals applied to the lease (each may have moved its expiry; see its history). */
  readonly extensions: number;
  readonly outcome: LeaseOutcome;
  /** Why a failed lease failed. */
  readonly failureReason: string | null;
  /** Who ended it (`endedBy`, `endedByKind`), the reason recorded with the end, and who asked for it when the sweep finished it. */
  readonly endedBy: string | null;
  readonly endedByKind: EndActorKind | null;
  readonly endReason: string | null;
  readonly endRequestedBy: string | null;
  /** The activity evidence: `intact` only after its MAC was verified (see evidenceState); `null`: none. */
  readonly evidence: EvidenceState | null;
  readonly evidenceDigest: string | null;
  /** Audit events of its window the log cut off (they may be the subject's): the evidence is not complete; `null`: none known. */
  readonly evidenceUnreadable: string | null;
  /** Why access was asked for: the ticket's justification; `null`: not recorded (blank, or an older record). */
  readonly justification: string | null;
  /** Whether the report has the activity, and if not why (see ActivityStatus). */
  readonly activityStatus: ActivityStatus;
  /** What the subject did, as the stored evidence summary says (`evidence` says whether that is verified); `null` when none is stored. */
  readonly activity: LeaseActivity | null;
  /** Why the evidence holds no activity (it could not be collected); `null` otherwise. */
  readonly activityError: string | null;
}

/** One denied approval as the report shows it. */
export interface DenialRow {
  readonly at: string;
  readonly source: string;
  readonly ticketKey: string;
  readonly code: string;
  readonly reason: string;
  /** Who asked; `null`: not recorded (a denial stored before requesters were, or a ticket that named none). */
  readonly requester: string | null;
  /** Who approved what was denied (empty for an on-call or break-glass request); `null`: not recorded. */
  readonly approvers: readonly string[] | null;
  /** How it was to be approved; `null`: not recorded. */
  readonly approvalKind: ApprovalKind | null;
}

function outcomeOf(lease: Lease, endCause: EndCause | null, late: boolean, endedBeforeExpiry: boolean): LeaseOutcome {
  // Late first: a lease still active well past its expiry is a late revocation in progress.
  if (late) return 'late';
  if (endCause === null && OPEN_STATUSES.includes(lease.status)) return 'open';
  if (endCause === 'failed') return 'failed';
  if (endCause === 'dry-run') return 'dry-run';
  if (endCause === 'early' || endCause === 'manual') return endCause;
  // expiry, sweep, or a revocation whose cause was not recorded: judged by its timing.
  return endedBeforeExpiry ? 'early' : 'on-time';
}

/** A lease as the report shows it (see {@link LeaseRow}). */
export function leaseRow(lease: Lease, now: number, lateAfterMs: number, seal: SealCheck | undefined): Omit<LeaseRow, 'unreviewed'> {
  const what = `lease ${lease.id}`;
  const startedAt = lease.history.find((h) => h.to === 'ACTIVE')?.at ?? null;
  const endedAt = leaseEnd(lease);
  const expires = readInstant(lease.expiresAt, `${what} expiresAt`);
  const ended = endedAt === null ? null : readInstant(endedAt, `${what} end`);
  if (startedAt !== null) readInstant(startedAt, `${what} history`);
  const endCause: EndCause | null = lease.status === 'FAILED' ? 'failed' : lease.status === 'REVOKED' ? (lease.revokeCause ?? null) : null;
  const overdue = ended === null && lease.status === 'ACTIVE' && now > expires;
  let lag: number | null = null;
  if (startedAt !== null && ended !== null && ended >= expires && endCause !== 'failed') lag = ended - expires;
  if (overdue) lag = now - expires;
  const late = lag !== null && lag > lateAfterMs;
  return {
    leaseId: lease.id,
    source: lease.source,
    ticketKey: lease.ticketKey,
    ticketUrl: lease.ticketUrl,
    requester: personLabel(lease.requester),
    approvers: lease.approvers.map(personLabel),
    approvalKind: approvalKindOf(lease),
    profile: lease.profile,
    role: `${lease.roleRef.kind}/${lease.roleRef.name}`,
    subject: `${lease.subject.kind} ${lease.subject.name}`,
    cluster: lease.cluster,
    namespaces: lease.namespaces,
    status: lease.status,
    requestedAt: lease.createdAt,
    startedAt,
    expiresAt: lease.expiresAt,
    endedAt,
    endCause,
    revocationLagMs: lag,
    overdue,
    late,
    extensions: Math.max(0, lease.approvals.length - 1),
    outcome: outcomeOf(lease, endCause, late, ended !== null && ended < expires),
    failureReason: lease.failureReason ?? null,
    ...leaseEndFacts(lease),
    evidence: lease.evidence === undefined ? null : evidenceState(lease.evidence, seal),
    evidenceDigest: lease.evidence?.summary === undefined ? null : (lease.evidence.digest ?? null),
    evidenceUnreadable: unreadableText(lease.evidence?.summary?.unreadable),
    justification: recorded(lease.reason),
    activityStatus: activityStatus(lease, startedAt),
    activity: leaseActivity(lease),
    activityError: activityError(lease),
  };
}

/** A denial as the report shows it (see {@link DenialRow}): the people as the record names them, or `null` where it does not. */
export function denialRow(d: DeniedApproval): DenialRow {
  return {
    at: d.at,
    source: d.source,
    ticketKey: d.ticketKey,
    code: d.code,
    reason: d.reason,
    requester: d.requester === undefined ? null : personLabel(d.requester),
    approvers: d.approvers === undefined ? null : d.approvers.map(personLabel),
    approvalKind: d.approvalKind ?? null,
  };
}
