import type { DenialRow, LeaseRow } from '../../domain/access-report.js';
import type { RequestCount } from '../../domain/activity.js';
import { describeSession } from '../../domain/activity-messages.js';
import type { EndActorKind } from '../../domain/report-lease-facts.js';

/**
 * The report's words for what records hold, one place for HTML and CSV so both say the same: the
 * activity lists, who ended a lease, and "not recorded" wherever a record has no value (an older
 * record, or a ticket without it), never an empty cell that could read as "nothing".
 */
export const NOT_RECORDED = 'not recorded';

/** Request counts as `get pods in payments ×3; list secrets ×1` (cluster-scoped requests name no namespace). */
export function requestCountsText(rows: readonly RequestCount[]): string {
  return rows.map((r) => `${r.verb} ${r.resource}${r.namespace === '' ? '' : ` in ${r.namespace}`} ×${r.count}`).join('; ');
}

/** The parts of a lease's activity, as text; every part `null` when the row holds no activity. */
export function activityTexts(row: LeaseRow): { readonly requests: string; readonly sessions: string; readonly secretsRead: string; readonly refused: string } | null {
  const a = row.activity;
  if (a === null) return null;
  const none = (list: readonly unknown[], text: string): string => (list.length === 0 ? 'none' : text);
  return {
    requests: `${a.requests}${a.byRequest.length === 0 ? '' : `: ${requestCountsText(a.byRequest)}`}`,
    sessions: none(a.sessions, a.sessions.map(describeSession).join('; ')),
    secretsRead: none(a.secretsRead, a.secretsRead.map((x) => `${x.namespace}/${x.name} (${x.verb} ×${x.count})`).join('; ')),
    refused: none(a.refused, requestCountsText(a.refused)),
  };
}

/** What the report says in place of the activity when it has none (see ActivityStatus). */
export function noActivityText(row: LeaseRow): string {
  switch (row.activityStatus) {
    case 'recorded':
      return '';
    case 'not collected':
      return `not collected: ${row.activityError ?? 'no reason recorded'}`;
    case 'no access':
      return 'none: the lease never had access';
    case 'after the end':
      return 'collected after the lease ends';
    case 'not recorded':
      return `${NOT_RECORDED}: no activity evidence is stored for this lease`;
  }
}

/** Whether the lease ended (revoked or failed): only then is who ended it a question. */
export function hasEnded(row: LeaseRow): boolean {
  return row.status === 'REVOKED' || row.status === 'FAILED';
}

const KIND_WORDS: Readonly<Record<EndActorKind, string>> = {
  operator: 'an operator (CLI)',
  webhook: 'the ticket system (webhook)',
  timer: 'the expiry timer',
  sweep: 'the sweep',
  other: 'kube-lease',
};

/** Who ended a lease, for people: `an operator (CLI): alice`, `the expiry timer: eventbridge`; `null` while open. */
export function endedByText(row: LeaseRow): string | null {
  if (!hasEnded(row)) return null;
  if (row.endedBy === null || row.endedByKind === null) return NOT_RECORDED;
  const name = row.endedByKind === 'operator' ? row.endedBy.slice('cli:'.length) : row.endedBy;
  return `${KIND_WORDS[row.endedByKind]}: ${name}`;
}

/** A denial's approvers, for people: the names, `none (on-call)` for an emergency request, or not recorded. */
export function denialApproversText(d: DenialRow): string {
  if (d.approvers === null) return NOT_RECORDED;
  if (d.approvers.length === 0) return d.approvalKind === null || d.approvalKind === 'person' ? 'none' : `none (${d.approvalKind})`;
  return d.approvers.join('; ');
}
