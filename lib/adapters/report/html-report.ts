import { DEFAULT_LATE_AFTER_MS, LEASE_OUTCOMES, type AccessReport, type LeaseRow } from '../../domain/access-report.js';
import { OUTCOME_STYLE, REPORT_CSS } from './html-style.js';
import { NO_SEAL_FINDING } from '../../domain/evidence-digest.js';
import { renderTimeline } from './html-timeline.js';
import { renderDays, shortLeaseDays } from './html-days.js';
import { activityTexts, denialApproversText, endedByText, noActivityText, NOT_RECORDED } from './report-text.js';
import { breakable as b, escapeHtml as e, formatDuration, formatInstant, linkTarget } from './report-format.js';

/** No script runs and nothing is fetched, even if some text escaped its escaping: the page allows only its own inline styles. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Column headers (markup: soft hyphens let the long ones wrap, so the table fits 1280 px and A4 landscape). */
const LEASE_COLUMNS = ['Requester', 'Approvers', 'Ticket', 'Profile', 'Role', 'Cluster', 'Name&shy;spaces', 'Requested', 'Started', 'Ended', 'End cause', 'Revo&shy;cation lag', 'Exten&shy;sions'];

function td(text: string, className?: string): string {
  return `<td${className === undefined ? '' : ` class="${className}"`}>${text}</td>`;
}

/** A time in a table cell: the date over the time of day, so three time columns fit beside the rest. */
function timeCell(iso: string | null, absent: string): string {
  if (iso === null) return td(`<span class="muted">${absent}</span>`, 'time');
  const [day, time] = formatInstant(iso).split(' ');
  return td(`${e(day ?? '')}<br>${e(time ?? '')}`, 'time');
}

function ticketCell(row: LeaseRow): string {
  const href = linkTarget(row.ticketUrl);
  const key = b(row.ticketKey);
  return `${href === undefined ? key : `<a href="${e(href)}">${key}</a>`} <span class="muted">${e(row.source)}</span>`;
}

function lagCell(row: LeaseRow): string {
  if (row.revocationLagMs === null) return '<span class="muted">—</span>';
  const lag = formatDuration(row.revocationLagMs);
  const text = row.overdue ? `≥ ${lag} (still active)` : lag;
  return row.late ? `${e(text)} <span class="tag o-late">late</span>` : e(text);
}

function endCauseCell(row: LeaseRow): string {
  if (row.endCause === null) return `<span class="muted">${row.status === 'REVOKED' ? 'not recorded' : `open (${e(row.status)})`}</span>`;
  const reason = row.failureReason === null ? '' : `<br><span class="muted">${b(row.failureReason)}</span>`;
  return `${e(row.endCause)}${reason}`;
}

function evidenceTag(row: LeaseRow): string {
  // A finding (altered, or a seal missing where the report verifies seals) is tagged; evidence the
  // report cannot vouch for is a warning; only intact and not-collected evidence is muted.
  const title = `title="${e(row.evidenceDigest ?? '')}"`;
  if (row.evidence === null) return '';
  if (row.evidence === 'altered') return '<span class="tag o-late">evidence altered</span>';
  if (row.evidence === NO_SEAL_FINDING) return `<span class="tag o-late" ${title}>evidence: ${e(row.evidence)}</span>`;
  if (row.evidence === 'intact' || row.evidence === 'not collected') return `<span class="muted" ${title}>evidence ${e(row.evidence)}</span>`;
  return `<span class="warn" ${title}>evidence ${e(row.evidence)}</span>`;
}

const notRecorded = `<span class="muted">${NOT_RECORDED}</span>`;

function activityCell(row: LeaseRow): string {
  const texts = activityTexts(row);
  if (row.activity === null || texts === null) return `${row.evidence === null ? '' : `${evidenceTag(row)}<br>`}<span class="muted">${e(noActivityText(row))}</span>`;
  const a = row.activity;
  const lines = [
    // Shown as stored: only `intact` vouches for it.
    `${evidenceTag(row)}${row.evidence === 'intact' ? '' : ' <span class="warn">(the summary as stored, not vouched for)</span>'} <span class="muted">audit log ${e(formatInstant(a.from))} – ${e(formatInstant(a.to))}</span>`,
    // Intact says the record was not edited, not that the log held every event.
    ...(row.evidenceUnreadable === null ? [] : [`<span class="warn">evidence ${e(row.evidenceUnreadable)}</span>`]),
    `<b>Requests</b> ${b(texts.requests)}`,
    `<b>Sessions</b> ${b(texts.sessions)}`,
    `<b>Secrets read</b> ${b(texts.secretsRead)}`,
    `<b>Refused</b> ${b(texts.refused)}`,
    ...(a.omitted === 0 ? [] : [`<span class="muted">${a.omitted} more row(s) left out when the evidence was stored</span>`]),
    ...(a.elsewhere === null || a.elsewhere === 0 ? [] : [`<span class="muted">${a.elsewhere} request(s) other bindings allowed, not counted above</span>`]),
  ];
  return lines.join('<br>');
}

function endedCell(row: LeaseRow): string {
  const by = endedByText(row);
  if (by === null) return `<span class="muted">open</span>`;
  const parts = [by === NOT_RECORDED ? notRecorded : b(by)];
  // A failure's reason is in the End cause column already.
  if (row.endReason !== null && row.endCause !== 'failed') parts.push(`reason: ${b(row.endReason)}`);
  if (row.endRequestedBy !== null) parts.push(`asked by ${b(row.endRequestedBy)}`);
  return parts.join('<br>');
}

/** The row under a lease's row: why it was asked for, who ended it and why, and what was done with it. */
function factsRow(row: LeaseRow): string {
  const facts: [string, string][] = [
    ['Justification', row.justification === null ? notRecorded : b(row.justification)],
    ['Ended by', endedCell(row)],
    ['Activity', activityCell(row)],
  ];
  const dl = facts.map(([term, text]) => `<div><dt>${term}</dt><dd data-fact="${term.toLowerCase().replace(' ', '-')}">${text}</dd></div>`).join('');
  return `<tr class="facts" data-facts-for="${e(row.leaseId)}"><td colspan="${LEASE_COLUMNS.length}"><dl>${dl}</dl></td></tr>`;
}

function approversCell(row: LeaseRow): string {
  const kind = row.approvalKind === 'person' ? `<span class="muted">person</span>` : `<span class="tag o-late">${e(row.approvalKind)}</span>`;
  const review = row.unreviewed ? '<br><span class="tag o-late">unreviewed</span>' : '';
  return `${row.approvers.map((a) => b(a)).join('<br>')}<br>${kind}${review}`;
}

function leaseRow(row: LeaseRow): string {
  const cells = [
    td(b(row.requester)),
    td(approversCell(row)),
    td(ticketCell(row)),
    td(b(row.profile)),
    td(b(row.role)),
    td(b(row.cluster)),
    td(row.namespaces.map((n) => b(n)).join(', ')),
    timeCell(row.requestedAt, ''),
    timeCell(row.startedAt, 'never'),
    timeCell(row.endedAt, 'open'),
    td(endCauseCell(row)),
    td(lagCell(row), 'num lag'),
    td(String(row.extensions), 'num'),
  ];
  return `<tr data-lease-id="${e(row.leaseId)}" data-outcome="${row.outcome}" id="lease-${e(row.leaseId)}" title="lease ${e(row.leaseId)}" class="lease${row.late ? ' late' : ''}">${cells.join('')}</tr>${factsRow(row)}`;
}

function summaryTable(report: AccessReport): string {
  const s = report.summary;
  const lag = (ms: number | null): string => (ms === null ? '—' : formatDuration(ms));
  const rows: [string, string, string][] = [
    ['leases', 'Leases in the period', String(s.leases)],
    ['grants', 'Grants (access began in the period)', String(s.grants)],
    ['failed', 'Failed grants', String(s.failed)],
    ['denials', 'Denials', String(s.denials)],
    ['median-lag', `Median revocation lag (${s.lagSamples} revocations)`, lag(s.medianLagMs)],
    ['p99-lag', 'p99 revocation lag', lag(s.p99LagMs)],
    ['late', `Late revocations (lag over ${formatDuration(report.lateAfterMs)})`, String(s.lateRevocations)],
    ['open-now', 'Leases open now', String(s.openNow)],
  ];
  return `<table class="summary" id="summary"><tbody>${rows.map(([key, label, value]) => `<tr><th>${e(label)}</th><td data-key="${key}">${e(value)}</td></tr>`).join('')}</tbody></table>`;
}

/** Lease items the report could not read: named (key and refused fields), so the report never reads as complete. */
function unreadableWarning(report: AccessReport): string {
  const items = report.unreadableLeaseItems;
  if (items.length === 0) return '';
  const list = items.map((u) => `<li><code>${e(u.pk)}</code> (${e(u.paths.join(', '))})</li>`).join('');
  return `<p class="warn" id="unreadable">This report is incomplete: ${items.length} lease item(s) of the table could not be read (they do not match the lease schema). Whether they overlap the period, and what access they stand for, is not known.</p><ul class="warn">${list}</ul>\n`;
}

function denialTables(report: AccessReport): string {
  if (report.denials.length === 0) return '<p class="empty">No approval was denied in this period.</p>';
  const byCode = report.denialsByCode.map((d) => `<tr data-code="${e(d.code)}">${td(e(d.code))}${td(String(d.count), 'num')}</tr>`).join('');
  const list = report.denials
    .map((d) => {
      const approvers = denialApproversText(d);
      const people = [d.requester === null ? notRecorded : b(d.requester), approvers === NOT_RECORDED ? notRecorded : b(approvers), d.approvalKind === null ? notRecorded : e(d.approvalKind)];
      return `<tr>${td(e(formatInstant(d.at)), 'time')}${td(`${b(d.ticketKey)} <span class="muted">${e(d.source)}</span>`)}${people.map((p) => td(p)).join('')}${td(b(d.code))}${td(b(d.reason))}</tr>`;
    })
    .join('');
  return `<table class="counts" id="denials-by-code"><thead><tr><th>Code</th><th class="num">Denials</th></tr></thead><tbody>${byCode}</tbody></table>
<h3>Each denial</h3>
<div class="wide"><table id="denials"><thead><tr><th>Decided</th><th>Ticket</th><th>Requester</th><th>Approvers</th><th>Approval</th><th>Code</th><th>Reason</th></tr></thead><tbody>${list}</tbody></table></div>`;
}

/**
 * The report as one self-contained HTML page: summary, a timeline (inline SVG, a row per requester,
 * a bar per lease coloured by how it ended), the lease table and the denials; inline CSS with a
 * print layout; no script, no external resource (a Content-Security-Policy forbids both). Every
 * text from a record is escaped, and only http(s) ticket URLs become links.
 */
export function renderHtmlReport(report: AccessReport): string {
  const period = `${formatInstant(report.period.from)} – ${formatInstant(report.period.to)} UTC`;
  const days = shortLeaseDays(report);
  const legend = LEASE_OUTCOMES.map((o) => `<li><span class="swatch o-${o}"></span>${e(OUTCOME_STYLE[o].label)}</li>`).join('');
  const leases =
    report.leases.length === 0
      ? '<p class="empty">No lease overlapped this period.</p>'
      : `<div class="wide"><table id="leases"><thead><tr>${LEASE_COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${report.leases.map(leaseRow).join('')}</tbody></table></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kube-lease access report, ${e(period)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>kube-lease access report</h1>
<p class="meta">Period ${e(period)} (end excluded) · generated ${e(formatInstant(report.generatedAt))} UTC · times in UTC</p>
<h2>Summary</h2>
${unreadableWarning(report)}${summaryTable(report)}
<h2>Timeline</h2>
${renderTimeline(report, (row) => days.get(row.leaseId))}
<ul class="legend">${legend}</ul>
${renderDays(report, days)}
<h2>Leases</h2>
${leases}
<h2>Denials by code</h2>
${denialTables(report)}
<footer>
<p>A lease is listed when its life (from the approved request to its end, or until now while open) overlaps the period.
<b>Revocation lag</b>: how long access outlived the expiry (end − expiry, for leases that had access and ended at or after it;
for a lease still active past its expiry, the time so far). Leases ended before their expiry have none. Median and p99 are nearest-rank over ended leases.
A revocation is <b>late</b> when its lag exceeds ${e(formatDuration(report.lateAfterMs))}${report.lateAfterMs === DEFAULT_LATE_AFTER_MS ? ' (the sweep interval plus one minute)' : ''}.
<b>Extensions</b>: later approvals applied to the lease.</p>
</footer>
</body>
</html>
`;
}
