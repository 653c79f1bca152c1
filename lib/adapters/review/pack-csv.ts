import type { PackGroup, PackLease, ReviewPack } from '../../domain/review-pack.js';
import { csvField } from '../report/csv-report.js';

type Cell = string | number | boolean | null;

/** The pack's columns: every section fills the ones that apply to it and leaves the others empty. */
const COLUMNS = ['section', 'name', 'ticket', 'lease_id', 'approval_kind', 'status', 'starts_at', 'expires_at', 'ended_at', 'use', 'requests', 'first_request_at', 'last_request_at', 'leases', 'used', 'unused', 'not_known', 'emergency', 'detail'] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], Cell>>;

function leaseRow(section: string, l: PackLease, detail: string | null): Row {
  return {
    section, name: l.requester, ticket: l.ticketKey, lease_id: l.id, approval_kind: l.approvalKind, status: l.status, starts_at: l.startsAt, expires_at: l.expiresAt, ended_at: l.end,
    use: l.use, requests: l.requests ?? null, first_request_at: l.firstAt ?? null, last_request_at: l.lastAt ?? null, detail,
  };
}

function groupRow(section: string, g: PackGroup): Row {
  const kinds = Object.entries(g.approvalKinds).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join('; ');
  return { section, name: g.name, leases: g.leases, used: g.used, unused: g.unused, not_known: g.notKnown, emergency: g.emergency, detail: kinds };
}

/**
 * The pack as one CSV table (RFC 4180, CRLF): a `section` column says what each line is (`profile`,
 * `person`, `lease`, `emergency`, `standing-access`, `orphan-binding`, `denial`, `suggestion`,
 * `note`). Formula-like text is neutralised as in the access report's CSV.
 */
export function renderPackCsv(pack: ReviewPack): string {
  const rows: Row[] = [
    ...pack.byProfile.map((g) => groupRow('profile', g)),
    ...pack.byPerson.map((g) => groupRow('person', g)),
    ...pack.leases.map((l) => leaseRow('lease', l, `${l.profile}${l.why === undefined ? '' : `; use not known: ${l.why}`}`)),
    ...pack.emergency.map((l) => leaseRow('emergency', l, `${l.profile}; approved ${l.approvalKind}`)),
    ...pack.standingAccess.map((l) => leaseRow('standing-access', l, `still allowed after the revoke in ${l.standingAccess.join('; ')}`)),
    ...(pack.orphans ?? []).map((o): Row => ({ section: 'orphan-binding', lease_id: o.leaseId, ended_at: o.at, detail: `${o.cluster} ${o.namespaces.join('; ')}: ${o.reason}` })),
    ...pack.denials.map((d): Row => ({ section: 'denial', ticket: d.ticketKey, ended_at: d.at, name: d.by, detail: `${d.code}: ${d.reason}` })),
    ...pack.leastPrivilege.suggestions.map((s): Row => ({ section: 'suggestion', name: s.profile, status: s.kind, detail: s.text })),
    ...pack.notes.map((n): Row => ({ section: 'note', detail: n })),
  ];
  const lines = [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvField(r[c] ?? null)).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
