import type { SealCheck } from './evidence-digest.js';
import type { UnreadableLease } from './lease-list.js';
import { ReportRequestError } from '../errors.js';
import { denialRow, leaseRow, type DenialRow, type LeaseRow } from './access-report-rows.js';
import { OPEN_STATUSES, type DeniedApproval, type Lease, type RevokeCause } from './lease.js';
import { checkPeriod, deniedInPeriod, overlapsPeriod, type ReportPeriod } from './report-period.js';

export type { DenialRow, LeaseRow } from './access-report-rows.js';
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
  /** Lease items of the table that could not be read (the report is then incomplete, and says so). */
  readonly unreadable?: readonly UnreadableLease[];
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
  /**
   * Lease items of the table that could not be read (key and refused fields): whether they overlap
   * the period is not known. Empty: every lease item was read.
   */
  readonly unreadableLeaseItems: readonly UnreadableLease[];
}

/** Nearest-rank percentile (`p` in 0–100) of sorted values: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
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
    .map(denialRow)
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
    unreadableLeaseItems: input.unreadable ?? [],
  };
}
