import { ReportDataError, ReportRequestError } from '../errors.js';
import { OPEN_STATUSES, type DeniedApproval, type Lease } from './lease.js';

/** A reporting period: `from` included, `to` excluded. */
export interface ReportPeriod {
  readonly from: Date;
  readonly to: Date;
}

/** Milliseconds of an RFC 3339 time read from a record; ReportDataError names `what` when it is not a date. */
export function readInstant(text: string, what: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ReportDataError(`${what} has a time that is not a date: ${JSON.stringify(text)}`);
  return ms;
}

/** Checks a period: both ends real dates, `from` before `to`. Throws ReportRequestError otherwise. */
export function checkPeriod(period: ReportPeriod): ReportPeriod {
  const from = period.from.getTime();
  const to = period.to.getTime();
  if (Number.isNaN(from) || Number.isNaN(to)) throw new ReportRequestError('the report period needs two valid dates');
  if (from >= to) throw new ReportRequestError(`the period is empty: from (${period.from.toISOString()}) must be before to (${period.to.toISOString()})`);
  return period;
}

/** When the lease ended (revoked or failed), or `null` while it is open. */
export function leaseEnd(lease: Lease): string | null {
  if (OPEN_STATUSES.includes(lease.status)) return null;
  if (lease.status === 'REVOKED' && lease.revokedAt !== undefined) return lease.revokedAt;
  const last = [...lease.history].reverse().find((h) => h.to === lease.status);
  return last?.at ?? lease.history.at(-1)?.at ?? lease.createdAt;
}

/** Whether the lease's life (its creation to its end, or on while open) touches the period `[from, to)`. */
export function overlapsPeriod(lease: Lease, period: ReportPeriod): boolean {
  const end = leaseEnd(lease);
  return (
    readInstant(lease.createdAt, `lease ${lease.id} createdAt`) < period.to.getTime() &&
    (end === null || readInstant(end, `lease ${lease.id} end`) >= period.from.getTime())
  );
}

/** Whether a denial was decided in the period `[from, to)`. */
export function deniedInPeriod(denial: DeniedApproval, period: ReportPeriod): boolean {
  const at = readInstant(denial.at, `denial of ${denial.source} ${denial.ticketKey}`);
  return at >= period.from.getTime() && at < period.to.getTime();
}
