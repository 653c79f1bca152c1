import type { AccessReport, LeaseRow } from '../../domain/access-report.js';

const COLUMNS: readonly [string, (row: LeaseRow) => string | number | boolean | null][] = [
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
  ['unreviewed', (r) => r.unreviewed],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading
 * `'`: requester names and ticket text come from tickets anyone can write.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The report's leases as CSV: a header line, then one line per lease (CRLF line ends, as RFC 4180
 * says). Times are RFC 3339 in UTC, the lag in seconds. Denials and the summary are in the HTML and
 * JSON formats, which hold more than one table.
 */
export function renderCsvReport(report: AccessReport): string {
  const lines = [COLUMNS.map(([name]) => name).join(',')];
  for (const row of report.leases) lines.push(COLUMNS.map(([, value]) => csvField(value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
