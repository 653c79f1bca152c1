import type { ProfileUse } from '../../domain/least-privilege.js';
import { grantText } from '../../domain/least-privilege.js';
import type { PackGroup, PackLease, ReviewPack } from '../../domain/review-pack.js';
import { escapeHtml, formatDuration, formatInstant, linkTarget } from '../report/report-format.js';

const CSS = `body{margin:0 auto;max-width:1300px;padding:24px;font:14px/1.4 system-ui,sans-serif;color:#1a1a1a}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0}th,td{border:1px solid #d9d9d9;padding:4px 5px;text-align:left;vertical-align:top}
thead th{background:#f2f2f2}td.num{text-align:right}.empty,.muted{color:#666;font-style:italic}.unused{color:#D55E00;font-weight:600}
@media print{body{padding:0;font-size:10px}table{font-size:9px}}`;

const e = escapeHtml;

function table(headers: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${e(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}

const td = (text: string | number, cls?: string) => `<td${cls === undefined ? '' : ` class="${cls}"`}>${e(String(text))}</td>`;

function ticket(l: Pick<PackLease, 'ticketKey' | 'ticketUrl'>): string {
  const url = linkTarget(l.ticketUrl);
  return url === undefined ? td(l.ticketKey) : `<td><a href="${e(url)}">${e(l.ticketKey)}</a></td>`;
}

function groupTable(groups: readonly PackGroup[], what: string): string {
  return table(
    [what, 'leases', 'approved by a person', 'on-call', 'break-glass', 'used', 'unused', 'use not known'],
    groups.map((g) => [td(g.name), td(g.leases, 'num'), td(g.approvalKinds.person, 'num'), td(g.approvalKinds['on-call'], 'num'), td(g.approvalKinds['break-glass'], 'num'), td(g.used, 'num'), td(g.unused, g.unused > 0 ? 'num unused' : 'num'), td(g.notKnown, 'num')]),
    'No lease in the period.',
  );
}

function leaseRows(leases: readonly PackLease[]): string[][] {
  return leases.map((l) => [
    ticket(l), td(l.requester), td(l.profile), td(l.approvalKind), td(l.approvers), td(formatInstant(l.startsAt)), td(formatInstant(l.end ?? l.expiresAt)),
    td(l.use === 'not known' ? `not known: ${l.why ?? ''}` : `${l.use}${l.requests === undefined ? '' : ` (${l.requests} request(s))`}`, l.use === 'unused' ? 'unused' : undefined),
  ]);
}

const LEASE_HEADERS = ['ticket', 'requester', 'profile', 'approval', 'approvers', 'start', 'end (or expiry)', 'use (from the evidence)'];

function usage(p: ProfileUse): string[] {
  const grants = p.grants === undefined ? 'role rules not given' : p.grants.map((g) => `${grantText(g)}: ${g.usedIn}`).join(', ');
  const time = p.timed === 0 ? 'not recorded' : `${formatDuration((p.usedSeconds / p.timed) * 1000)} of ${formatDuration((p.timedRequestedSeconds / p.timed) * 1000)} approved, per lease (${p.timed} lease(s))`;
  return [td(p.profile), td(p.role), td(p.leases, 'num'), td(p.judged, 'num'), td(grants), td(time)];
}

/**
 * The pack as one self-contained HTML page (no scripts, no external resources): per profile and
 * per person, every lease with its use, emergency leases, standing access, orphan bindings,
 * denials, and least privilege learned from use with its suggestions. Ticket text is escaped.
 */
export function renderPackHtml(pack: ReviewPack): string {
  const p = pack.period;
  const sections = [
    `<h1>Access review ${e(p.label)}</h1><p>Period ${e(formatInstant(p.from))} to ${e(formatInstant(p.to))} UTC (start included, end excluded). Every lease that overlapped it, from kube-lease's records.</p>`,
    pack.notes.length === 0 ? '' : `<ul>${pack.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`,
    `<h2>Suggestions (least privilege learned from use)</h2>`,
    pack.leastPrivilege.suggestions.length === 0 ? '<p class="empty">None: every granted verb and resource that could be judged was used.</p>' : `<ul>${pack.leastPrivilege.suggestions.map((s) => `<li>${e(s.text)}</li>`).join('')}</ul>`,
    `<h2>Per profile</h2>`, groupTable(pack.byProfile, 'profile'),
    `<h2>Per person</h2>`, groupTable(pack.byPerson, 'person'),
    `<h2>Emergency leases (on-call, break-glass)</h2>`, table(LEASE_HEADERS, leaseRows(pack.emergency), 'No emergency lease in the period.'),
    `<h2>Standing access found at revoke</h2>`, table(LEASE_HEADERS.concat('still allowed in'), leaseRows(pack.standingAccess).map((r, i) => r.concat(td(pack.standingAccess[i]?.standingAccess.join(', ') ?? ''))), 'None: after each revoke the API server denied the access check (or was not asked).'),
    `<h2>Orphan bindings removed by the sweep</h2>`,
    pack.orphans === undefined ? '<p class="muted">Not known: no audit events were given to this pack.</p>' : table(['at', 'lease', 'cluster', 'namespaces', 'reason'], pack.orphans.map((o) => [td(formatInstant(o.at)), td(o.leaseId), td(o.cluster), td(o.namespaces.join(', ')), td(o.reason)]), 'None in the audit events given.'),
    `<h2>Denials</h2>`, table(['at', 'ticket', 'code', 'reason', 'by'], pack.denials.map((d) => [td(formatInstant(d.at)), td(d.ticketKey), td(d.code), td(d.reason), td(d.by)]), 'No denial in the period.'),
    `<h2>Use per profile</h2>`, table(['profile', 'role', 'leases', 'leases whose evidence lists every request', 'grants: leases that used each', 'used time (first to last request)'], pack.leastPrivilege.profiles.map(usage), 'No profile.'),
    `<h2>Every lease</h2>`, table(LEASE_HEADERS, leaseRows(pack.leases), 'No lease in the period.'),
  ];
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Access review ${e(p.label)}</title><style>${CSS}</style></head><body>${sections.join('\n')}</body></html>\n`;
}
