import type { AccessReport, DenialRow, LeaseRow } from '../../domain/access-report.js';
import { ReportRequestError } from '../../errors.js';
import { activityTexts, hasEnded, NOT_RECORDED, requestCountsText } from './report-text.js';

type Cell = string | number | boolean | null;

const LEASE_COLUMNS: readonly [string, (row: LeaseRow) => Cell][] = [
  ['lease_id', (r) => r.leaseId],
  ['source', (r) => r.source],
  ['ticket', (r) => r.ticketKey],
  ['ticket_url', (r) => r.ticketUrl],
  ['requester', (r) => r.requester],
  ['approvers', (r) => r.approvers.join('; ')],
  ['profile', (r) => r.profile],
  ['role', (r) => r.role],
  ['subject', (r) => r.subject],
  ['cluster', (r) => r.cluster],
  ['namespaces', (r) => r.namespaces.join('; ')],
  ['status', (r) => r.status],
  ['requested_at', (r) => r.requestedAt],
  ['started_at', (r) => r.startedAt],
  ['expires_at', (r) => r.expiresAt],
  ['ended_at', (r) => r.endedAt],
  ['end_cause', (r) => r.endCause],
  ['revocation_lag_seconds', (r) => (r.revocationLagMs === null ? null : r.revocationLagMs / 1000)],
  ['overdue', (r) => r.overdue],
  ['late', (r) => r.late],
  ['extensions', (r) => r.extensions],
  ['outcome', (r) => r.outcome],
  ['failure_reason', (r) => r.failureReason],
  ['evidence', (r) => r.evidence],
  ['evidence_digest', (r) => r.evidenceDigest],
  ['approval_kind', (r) => r.approvalKind],
  ['justification', (r) => r.justification ?? NOT_RECORDED],
  ['ended_by', (r) => (hasEnded(r) ? (r.endedBy ?? NOT_RECORDED) : null)],
  ['ended_by_kind', (r) => r.endedByKind],
  ['end_reason', (r) => r.endReason],
  ['end_requested_by', (r) => r.endRequestedBy],
  ['activity_status', (r) => r.activityStatus],
  ['activity_error', (r) => r.activityError],
  ['activity_from', (r) => r.activity?.from ?? null],
  ['activity_to', (r) => r.activity?.to ?? null],
  ['activity_requests', (r) => r.activity?.requests ?? null],
  ['activity_by_request', (r) => (r.activity === null ? null : requestCountsText(r.activity.byRequest))],
  ['activity_sessions', (r) => activityTexts(r)?.sessions ?? null],
  ['activity_secrets_read', (r) => activityTexts(r)?.secretsRead ?? null],
  ['activity_refused', (r) => activityTexts(r)?.refused ?? null],
  ['activity_omitted', (r) => r.activity?.omitted ?? null],
  ['activity_elsewhere', (r) => r.activity?.elsewhere ?? null],
  ['unreviewed', (r) => r.unreviewed],
  ['evidence_unreadable', (r) => r.evidenceUnreadable],
];

const DENIAL_COLUMNS: readonly [string, (row: DenialRow) => Cell][] = [
  ['decided_at', (d) => d.at],
  ['source', (d) => d.source],
  ['ticket', (d) => d.ticketKey],
  ['code', (d) => d.code],
  ['reason', (d) => d.reason],
  ['requester', (d) => d.requester ?? NOT_RECORDED],
  ['approvers', (d) => (d.approvers === null ? NOT_RECORDED : d.approvers.join('; '))],
  ['approval_kind', (d) => d.approvalKind ?? NOT_RECORDED],
];

/** The tables the CSV format writes, one per file: the leases (by default) or the denials. */
export const CSV_TABLES = ['leases', 'denials'] as const;
/** One of {@link CSV_TABLES}. */
export type CsvTable = (typeof CSV_TABLES)[number];

/** Whether `text` names a CSV table. */
export function isCsvTable(text: string): text is CsvTable {
  return (CSV_TABLES as readonly string[]).includes(text);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading
 * `'`: requester names and ticket text come from tickets anyone can write.
 */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function table<T>(columns: readonly [string, (row: T) => Cell][], rows: readonly T[]): string {
  const lines = [columns.map(([name]) => name).join(',')];
  for (const row of rows) lines.push(columns.map(([, value]) => csvField(value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * One table of the report as CSV: a header line, then one line per lease (or, with `denials`, per
 * denial), CRLF line ends as RFC 4180 says. Times are RFC 3339 in UTC, the lag in seconds; a value
 * a record does not hold reads `not recorded`. The summary is in the HTML and JSON formats.
 *
 * @throws ReportRequestError for an unknown table
 */
export function renderCsvReport(report: AccessReport, which: string = 'leases'): string {
  if (which === 'leases') return table(LEASE_COLUMNS, report.leases);
  if (which === 'denials') return table(DENIAL_COLUMNS, report.denials);
  throw new ReportRequestError(`unknown CSV table "${which}": use ${CSV_TABLES.join(', ')}`);
}
