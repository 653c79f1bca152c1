import { ReportRequestError } from '../errors.js';
import type { ReportPeriod } from './report-period.js';

/** A review period by its name: a quarter (`2026-Q4`), a half-year (`2026-H2`) or a month (`2026-11`), in UTC. */
export interface ReviewPeriod extends ReportPeriod {
  /** The name as written: what the pack, its ticket and its files are called by. */
  readonly label: string;
  readonly kind: ReviewPeriodKind;
}

/** The lengths a review period may have: PCI DSS 7.2.4 asks for at least every six months. */
export const REVIEW_PERIOD_KINDS = ['quarter', 'half', 'month'] as const;
export type ReviewPeriodKind = (typeof REVIEW_PERIOD_KINDS)[number];

const MONTHS: Readonly<Record<ReviewPeriodKind, number>> = { quarter: 3, half: 6, month: 1 };
const PATTERN = /^(\d{4})-(?:Q([1-4])|H([12])|(0[1-9]|1[0-2]))$/;

function periodOf(year: number, kind: ReviewPeriodKind, index: number): ReviewPeriod {
  const months = MONTHS[kind];
  const first = (index - 1) * months;
  const label = kind === 'quarter' ? `${year}-Q${index}` : kind === 'half' ? `${year}-H${index}` : `${year}-${String(index).padStart(2, '0')}`;
  return { label, kind, from: new Date(Date.UTC(year, first, 1)), to: new Date(Date.UTC(year, first + months, 1)) };
}

/**
 * The period a name such as `2026-Q4`, `2026-H2` or `2026-11` stands for: from its first day
 * (midnight UTC, included) to the first day after it (excluded). Anything else is a
 * ReportRequestError saying what is accepted.
 *
 * @example parseReviewPeriod('2026-Q4') // 2026-10-01T00:00Z to 2027-01-01T00:00Z
 */
export function parseReviewPeriod(text: string): ReviewPeriod {
  const match = PATTERN.exec(text);
  if (match === null) throw new ReportRequestError(`--period ${JSON.stringify(text)} is not a period: use a quarter (2026-Q4), a half-year (2026-H2) or a month (2026-11)`);
  const year = Number(match[1]);
  if (match[2] !== undefined) return periodOf(year, 'quarter', Number(match[2]));
  if (match[3] !== undefined) return periodOf(year, 'half', Number(match[3]));
  return periodOf(year, 'month', Number(match[4]));
}

/** The last whole period of `kind` that ended at or before `now` (the scheduled review's period). */
export function previousPeriod(kind: ReviewPeriodKind, now: Date): ReviewPeriod {
  const months = MONTHS[kind];
  const monthIndex = now.getUTCFullYear() * 12 + now.getUTCMonth();
  const current = Math.floor(monthIndex / months) * months;
  const previous = current - months;
  return periodOf(Math.floor(previous / 12), kind, (previous % 12) / months + 1);
}
