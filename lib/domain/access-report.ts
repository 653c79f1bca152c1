import { evidenceState, type EvidenceState, type SealCheck } from './evidence-digest.js';
import { ReportRequestError } from '../errors.js';
import { approvalKindOf, OPEN_STATUSES, type DeniedApproval, type Lease, type LeaseStatus, type RevokeCause } from './lease.js';
import type { ApprovalKind } from './on-call.js';
import { checkPeriod, deniedInPeriod, leaseEnd, overlapsPeriod, readInstant, type ReportPeriod } from './report-period.js';
import { personLabel } from './ticket.js';
import { DEFAULT_UNREVIEWED_AFTER_DAYS, unreviewed } from './review-task.js';

/**
 * When a revocation counts as late: the sweep runs every minute (`rate(1 minute)` in serverless.yml)
 * and invariant 2 allows one minute more, so access that outlived its expiry by more than two
 * minutes broke the promise.
 */
export const DEFAULT_LATE_AFTER_MS = 2 * 60_000;

/** Why a lease ended: the revocation cause, or `failed` when it never got (or kept) its bindings. */
export type EndCause = RevokeCause | 'failed';

/**
 * How a lease ended, for the timeline's colours: `late` whenever access outlived the expiry by more
 * than the threshold (whatever revoked it), else by cause. One declaration, in legend order.
 */
export const LEASE_OUTCOMES = ['on-time', 'late', 'early', 'manual', 'failed', 'dry-run', 'open'] as const;
/** One of {@link LEASE_OUTCOMES}. */
export type LeaseOutcome = (typeof LEASE_OUTCOMES)[number];

/** What a report is made from: records (already read), the period and the time it is made. */
export interface AccessReportInput {
  readonly leases: readonly Lease[];
  readonly denials: readonly DeniedApproval[];
  readonly period: ReportPeriod;
  /** When the report is made (from the Clock): ends the bars of open leases, measures overdue ones. */
  readonly now: Date;
  /** Revocation lag beyond which a revocation is late; {@link DEFAULT_LATE_AFTER_MS} by default. */
  readonly lateAfterMs?: number;
  /** The evidence seals verified, by lease id; evidence whose seal is not here is never said to be intact. */
  readonly sealChecks?: ReadonlyMap<string, SealCheck>;
  /** Days after which an emergency lease whose review task is not done is flagged; {@link DEFAULT_UNREVIEWED_AFTER_DAYS} by default. */
  readonly unreviewedAfterDays?: number;
}

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
  /** The activity evidence: `intact` only after its MAC was verified (see evidenceState); `null`: none. */
  readonly evidence: EvidenceState | null;
  readonly evidenceDigest: string | null;
}

/** One denied approval as the report shows it. */
export interface DenialRow {
  readonly at: string;
  readonly source: string;
  readonly ticketKey: string;
  readonly code: string;
  readonly reason: string;
}

/** The report's figures. */
export interface ReportSummary {
  /** Leases in the report (their life overlapped the period). */
  readonly leases: number;
  /** Leases whose access began in the period. */
  readonly grants: number;
  /** Leases that failed in the period. */
  readonly failed: number;
  /** Approvals denied in the period. */
  readonly denials: number;
  /** Nearest-rank median and 99th percentile of the revocation lags of the report's ended leases; `null` with none. */
  readonly medianLagMs: number | null;
  readonly p99LagMs: number | null;
  /** How many lags the percentiles are taken over. */
  readonly lagSamples: number;
  /** Leases whose lag is beyond the threshold, overdue ones (still ACTIVE past expiry) included. */
  readonly lateRevocations: number;
  /** Leases of the report still SCHEDULED, PENDING or ACTIVE when read. */
  readonly openNow: number;
}

/** The access report: the JSON format is exactly this; HTML and CSV are drawn from it. */
export interface AccessReport {
  readonly period: { readonly from: string; readonly to: string };
  readonly generatedAt: string;
  readonly lateAfterMs: number;
  /** Earliest request first. */
  readonly leases: readonly LeaseRow[];
  /** Earliest first. */
  readonly denials: readonly DenialRow[];
  /** Most frequent first. */
  readonly denialsByCode: readonly { readonly code: string; readonly count: number }[];
  readonly summary: ReportSummary;
}

/** Nearest-rank percentile (`p` in 0–100) of sorted values: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
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

function leaseRow(lease: Lease, now: number, lateAfterMs: number, seal: SealCheck | undefined): Omit<LeaseRow, 'unreviewed'> {
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
    evidence: lease.evidence === undefined ? null : evidenceState(lease.evidence, seal),
    evidenceDigest: lease.evidence?.summary === undefined ? null : (lease.evidence.digest ?? null),
  };
}

/**
 * Builds the access report of a period from lease and denial records: every lease whose life
 * overlapped the period, the denials decided in it, and a summary. Pure: `now` comes in.
 *
 * @throws ReportRequestError when the period is empty or inverted
 * @throws ReportDataError when a record holds a time that is not a date
 * @example
 * const report = buildAccessReport({ leases, denials, period: { from, to }, now: clock.now() });
 */
export function buildAccessReport(input: AccessReportInput): AccessReport {
  const period = checkPeriod(input.period);
  const lateAfterMs = input.lateAfterMs ?? DEFAULT_LATE_AFTER_MS;
  if (!Number.isFinite(lateAfterMs) || lateAfterMs < 0) throw new ReportRequestError('the late threshold must be a non-negative number of milliseconds');
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new ReportRequestError('the time the report is made at is not a date');
  const from = period.from.getTime();
  const to = period.to.getTime();
  const inPeriod = (at: number): boolean => at >= from && at < to;

  const rows = input.leases
    .filter((lease) => overlapsPeriod(lease, period))
    .map((lease) => ({ ...leaseRow(lease, now, lateAfterMs, input.sealChecks?.get(lease.id)), unreviewed: unreviewed(lease, input.now, input.unreviewedAfterDays ?? DEFAULT_UNREVIEWED_AFTER_DAYS) }))
    .sort((a, b) => Date.parse(a.requestedAt) - Date.parse(b.requestedAt) || a.leaseId.localeCompare(b.leaseId));

  const denials: DenialRow[] = input.denials
    .filter((d) => deniedInPeriod(d, period))
    .map((d) => ({ at: d.at, source: d.source, ticketKey: d.ticketKey, code: d.code, reason: d.reason }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.ticketKey.localeCompare(b.ticketKey));
  const counts = new Map<string, number>();
  for (const d of denials) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  const denialsByCode = [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));

  const lags = rows.flatMap((r) => (r.revocationLagMs !== null && !r.overdue ? [r.revocationLagMs] : [])).sort((a, b) => a - b);
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: input.now.toISOString(),
    lateAfterMs,
    leases: rows,
    denials,
    denialsByCode,
    summary: {
      leases: rows.length,
      grants: rows.filter((r) => r.startedAt !== null && inPeriod(Date.parse(r.startedAt))).length,
      failed: rows.filter((r) => r.endCause === 'failed' && r.endedAt !== null && inPeriod(Date.parse(r.endedAt))).length,
      denials: denials.length,
      medianLagMs: percentile(lags, 50),
      p99LagMs: percentile(lags, 99),
      lagSamples: lags.length,
      lateRevocations: rows.filter((r) => r.late).length,
      openNow: rows.filter((r) => OPEN_STATUSES.includes(r.status)).length,
    },
  };
}
