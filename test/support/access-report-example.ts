import type { ActivityEvidence, ActivitySummary } from '../../lib/domain/activity.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import type { DeniedApproval, HistoryEntry, Lease, RevokeCause } from '../../lib/domain/lease.js';
import type { ApprovalKind } from '../../lib/domain/on-call.js';
import type { Person } from '../../lib/domain/ticket.js';

/** What a test says about one lease; the builder turns it into a complete record with its history. */
export interface LeaseSpec {
  readonly id: string;
  readonly requester: Person;
  readonly approver?: Person;
  readonly ticket: string;
  readonly source?: 'jira' | 'servicenow';
  readonly ticketUrl?: string;
  readonly profile?: string;
  readonly cluster?: string;
  readonly namespaces?: readonly string[];
  readonly role?: string;
  readonly created: string;
  /** When the lease became ACTIVE; omitted: it never did. */
  readonly started?: string;
  readonly expires: string;
  /** Times of later approvals applied (each moves the expiry in the history note). */
  readonly extendedAt?: readonly string[];
  readonly ended?: string;
  readonly cause?: RevokeCause;
  readonly failure?: string;
  readonly status?: Lease['status'];
  /** The ticket's justification; `''` as an older record without one. Default: `incident`. */
  readonly justification?: string;
  readonly approvalKind?: ApprovalKind;
  /** The actor of the end; by default what revokes with that cause (`eventbridge` for expiry, `sweep`, a webhook delivery, `cli:ops-lead`). */
  readonly endedBy?: string;
  /** The reason given with the end (an operator's `--reason`). */
  readonly endNote?: string;
  readonly evidence?: ActivityEvidence;
  readonly revokeRequested?: Lease['revokeRequested'];
}

const ACTORS: Readonly<Record<RevokeCause, string>> = { expiry: 'eventbridge', sweep: 'sweep', idle: 'sweep', early: 'jira-webhook:7f3c9e2a', manual: 'cli:ops-lead', 'dry-run': 'jira-webhook:0b41d6c8' };

/** Evidence as the sweep stores it (digest, no seal: the report example seals it with its own key). */
export function evidenceOf(from: string, to: string, summary: ActivitySummary): ActivityEvidence {
  const events = summary.requests * 2;
  return { collectedAt: to, from, to, events, summary, digest: evidenceDigest({ from, to, events, summary }) };
}

/** A complete lease record, with the history the use cases would have written. */
export function leaseRecord(spec: LeaseSpec): Lease {
  const history: HistoryEntry[] = [{ at: spec.created, from: null, to: spec.started === undefined && spec.status === 'SCHEDULED' ? 'SCHEDULED' : 'PENDING', by: 'webhook' }];
  if (spec.started !== undefined) history.push({ at: spec.started, from: history[0]?.to ?? 'PENDING', to: 'ACTIVE', by: 'webhook' });
  for (const at of spec.extendedAt ?? []) history.push({ at, from: 'ACTIVE', to: 'ACTIVE', by: 'webhook', note: 'extended' });
  let status: Lease['status'] = spec.status ?? (spec.started === undefined ? 'PENDING' : 'ACTIVE');
  if (spec.failure !== undefined && spec.ended !== undefined) {
    history.push({ at: spec.ended, from: history.at(-1)?.to ?? 'PENDING', to: 'FAILED', by: spec.endedBy ?? 'jira-webhook:5e77a010', note: spec.failure });
    status = 'FAILED';
  } else if (spec.ended !== undefined) {
    const cause = spec.cause ?? 'expiry';
    history.push({ at: spec.ended, from: history.at(-1)?.to ?? 'ACTIVE', to: 'REVOKED', by: spec.endedBy ?? ACTORS[cause], note: spec.endNote === undefined ? cause : `${cause}: ${spec.endNote}` });
    status = 'REVOKED';
  }
  const source = spec.source ?? 'jira';
  const namespaces = spec.namespaces ?? ['payments'];
  const [kind, name] = (spec.role ?? 'ClusterRole/view').split('/');
  return {
    id: spec.id,
    idempotencyKey: `${source}#${spec.ticket}#${spec.id}`,
    source,
    ticketKey: spec.ticket,
    ticketUrl: spec.ticketUrl ?? (source === 'jira' ? `https://example.atlassian.net/browse/${spec.ticket}` : `https://example.service-now.com/change_request.do?sys_id=${spec.id}`),
    requester: spec.requester,
    approvers: [spec.approver ?? { id: 'u-bob', email: 'bob@example.com' }],
    approvals: [`approval-${spec.id}`, ...(spec.extendedAt ?? []).map((_, i) => `approval-${spec.id}-${i + 2}`)],
    subject: { kind: 'User', name: spec.requester.email ?? spec.requester.id },
    profile: spec.profile ?? 'payments-read',
    cluster: spec.cluster ?? 'prod-eu',
    namespaces,
    roleRef: { kind: kind === 'Role' ? 'Role' : 'ClusterRole', name: name ?? 'view' },
    reason: spec.justification ?? 'incident',
    createdAt: spec.created,
    startsAt: spec.started ?? spec.created,
    expiresAt: spec.expires,
    status,
    bindings: namespaces.map((ns) => ({ namespace: ns, name: `kl-${spec.id}-${ns}` })),
    scheduleName: `kube-lease-${spec.id}`,
    history,
    version: history.length,
    ...(spec.failure === undefined ? {} : { failureReason: spec.failure }),
    ...(status === 'REVOKED' && spec.ended !== undefined ? { revokedAt: spec.ended, revokeCause: spec.cause ?? 'expiry' } : {}),
    ...(spec.cause === 'dry-run' ? { dryRun: true } : {}),
    ...(spec.approvalKind === undefined ? {} : { approvalKind: spec.approvalKind }),
    ...(spec.evidence === undefined ? {} : { evidence: spec.evidence }),
    ...(spec.revokeRequested === undefined ? {} : { revokeRequested: spec.revokeRequested }),
  };
}

/** A denied approval record; without `people`, as recorded before requesters and approvers were. */
export function denialRecord(ticket: string, code: string, at: string, reason = `denied: ${code}`, people?: Pick<DeniedApproval, 'requester' | 'approvers' | 'approvalKind'>): DeniedApproval {
  return { leaseId: `d-${ticket}-${at}`, idempotencyKey: `jira#${ticket}#${at}`, source: 'jira', ticketKey: ticket, code, reason, at, by: 'jira-webhook:1c2d3e4f', ...people };
}

/** The example week: Monday 2 November 2026 up to (not including) Monday 9 November. */
export const EXAMPLE_PERIOD = { from: new Date('2026-11-02T00:00:00.000Z'), to: new Date('2026-11-09T00:00:00.000Z') };
/** The example report is made on Sunday afternoon: some leases are still open. */
export const EXAMPLE_NOW = new Date('2026-11-08T15:00:00.000Z');

const alice: Person = { id: 'u-alice', email: 'alice@example.com', displayName: 'Alice Moreau' };
const bob: Person = { id: 'u-bob', email: 'bob@example.com' };
const carol: Person = { id: 'u-carol', email: 'carol@example.com' };
const dave: Person = { id: 'u-dave', email: 'dave@example.com' };
const erin: Person = { id: 'erin.k', displayName: 'Erin K' };
const lead: Person = { id: 'u-lead', email: 'lead@example.com' };

/** What alice did with payments-debug on 3 November: a shell, logs, one secret, two refused deletes. */
const DEBUG_ACTIVITY: ActivitySummary = {
  requests: 47,
  byRequest: [
    { verb: 'get', resource: 'pods', namespace: 'payments', count: 21 },
    { verb: 'list', resource: 'pods', namespace: 'payments', count: 12 },
    { verb: 'get', resource: 'pods/log', namespace: 'payments', count: 9 },
    { verb: 'create', resource: 'pods/exec', namespace: 'payments', count: 2 },
    { verb: 'get', resource: 'secrets', namespace: 'payments', count: 1 },
  ],
  sessions: [
    { kind: 'exec', namespace: 'payments', pod: 'payments-api-7d9c5-x2kqp', container: 'api', command: 'sh', at: '2026-11-03T09:20:14.000Z', allowed: true },
    { kind: 'exec', namespace: 'payments', pod: 'payments-api-7d9c5-x2kqp', container: 'api', command: 'cat /etc/payments/config.yaml', at: '2026-11-03T11:02:40.000Z', allowed: true },
  ],
  secretsRead: [{ namespace: 'payments', name: 'payments-db', verb: 'get', count: 1 }],
  denied: [{ verb: 'delete', resource: 'pods', namespace: 'payments-jobs', count: 2 }],
  omitted: 0,
};

/** Erin's five minutes of break-glass: reading pods and logs. */
const GLASS_ACTIVITY: ActivitySummary = {
  requests: 6,
  byRequest: [
    { verb: 'get', resource: 'pods', namespace: 'payments', count: 4 },
    { verb: 'get', resource: 'pods/log', namespace: 'payments', count: 2 },
  ],
  sessions: [],
  secretsRead: [],
  denied: [],
  omitted: 0,
};

/**
 * A week of leases that shows every way a lease ends: on time (expiry and sweep), late, ticket
 * closed early, revoked by an operator, failed, dry run, still open, scheduled, extended; plus a
 * lease from before the period that ended in it, and one that ended before it (left out).
 */
export function exampleLeases(): Lease[] {
  return [
    leaseRecord({ id: 'a0000000000000000000', requester: erin, ticket: 'OPS-1187', created: '2026-10-30T16:00:00.000Z', started: '2026-10-30T16:00:01.000Z', expires: '2026-10-30T20:00:01.000Z', ended: '2026-10-30T20:00:03.000Z' }),
    leaseRecord({ id: 'a0000000000000000001', requester: alice, ticket: 'OPS-1201', justification: '', created: '2026-11-01T22:00:00.000Z', started: '2026-11-01T22:00:01.000Z', expires: '2026-11-02T02:00:01.000Z', ended: '2026-11-02T02:00:04.200Z' }),
    leaseRecord({ id: 'a0000000000000000002', requester: alice, ticket: 'OPS-1204', profile: 'payments-debug', role: 'Role/pod-exec', namespaces: ['payments', 'payments-jobs'], created: '2026-11-03T09:12:00.000Z', started: '2026-11-03T09:12:01.500Z', expires: '2026-11-03T15:12:01.500Z', extendedAt: ['2026-11-03T10:40:00.000Z', '2026-11-03T12:05:00.000Z'], ended: '2026-11-03T15:12:41.000Z', justification: 'INC-4411: payments API answers 5xx after the 09:00 deploy; need a shell in the payments pods', evidence: evidenceOf('2026-11-03T09:12:01.500Z', '2026-11-03T15:12:41.000Z', DEBUG_ACTIVITY) }),
    leaseRecord({ id: 'a0000000000000000003', requester: bob, approver: lead, ticket: 'OPS-1209', profile: 'checkout-admin', cluster: 'prod-us', namespaces: ['checkout'], role: 'ClusterRole/admin', created: '2026-11-03T13:30:00.000Z', started: '2026-11-03T13:30:02.000Z', expires: '2026-11-03T17:30:02.000Z', ended: '2026-11-03T14:10:00.000Z', cause: 'early', justification: 'Roll back checkout schema change CHG0031290' }),
    leaseRecord({ id: 'a0000000000000000004', requester: carol, ticket: 'OPS-1213', created: '2026-11-04T08:00:00.000Z', started: '2026-11-04T08:00:01.000Z', expires: '2026-11-04T12:00:01.000Z', ended: '2026-11-04T12:07:31.000Z', cause: 'sweep' }),
    leaseRecord({ id: 'a0000000000000000005', requester: dave, ticket: 'CHG0031337', source: 'servicenow', profile: 'ledger-migrate', cluster: 'prod-us', namespaces: ['ledger'], role: 'Role/migrator', created: '2026-11-04T19:00:00.000Z', failure: 'the cluster refused the binding (403 Forbidden: kube-lease may not bind this role there)', ended: '2026-11-04T19:00:02.000Z', expires: '2026-11-04T23:00:00.000Z' }),
    leaseRecord({ id: 'a0000000000000000006', requester: bob, approver: lead, ticket: 'OPS-1220', profile: 'checkout-admin', cluster: 'prod-us', namespaces: ['checkout'], role: 'ClusterRole/admin', created: '2026-11-05T10:00:00.000Z', started: '2026-11-05T10:00:01.000Z', expires: '2026-11-05T18:00:01.000Z', ended: '2026-11-05T11:30:00.000Z', cause: 'manual', endNote: 'work done, access no longer needed (bob asked on the ticket)', justification: 'Rotate the checkout payment-provider keys' }),
    leaseRecord({ id: 'a0000000000000000007', requester: erin, approver: erin, approvalKind: 'break-glass', ticket: 'OPS-1222', created: '2026-11-05T14:00:00.000Z', started: '2026-11-05T14:00:01.000Z', expires: '2026-11-05T14:05:01.000Z', ended: '2026-11-05T14:05:02.100Z', cause: 'expiry', justification: 'SEV1 INC-4432: card payments failing, on-call lead unreachable', evidence: evidenceOf('2026-11-05T14:00:01.000Z', '2026-11-05T14:05:02.100Z', GLASS_ACTIVITY) }),
    leaseRecord({ id: 'a0000000000000000008', requester: dave, ticket: 'OPS-1225', created: '2026-11-06T09:00:00.000Z', expires: '2026-11-06T09:00:00.000Z', ended: '2026-11-06T09:00:00.400Z', cause: 'dry-run' }),
    leaseRecord({ id: 'a0000000000000000009', requester: carol, ticket: 'OPS-1230', created: '2026-11-06T11:00:00.000Z', started: '2026-11-06T11:00:01.000Z', expires: '2026-11-06T19:00:01.000Z', ended: '2026-11-06T19:00:05.000Z' }),
    leaseRecord({ id: 'a0000000000000000010', requester: alice, ticket: 'OPS-1236', profile: 'payments-debug', role: 'Role/pod-exec', created: '2026-11-07T21:00:00.000Z', started: '2026-11-07T21:00:01.000Z', expires: '2026-11-08T05:00:01.000Z', ended: '2026-11-08T05:00:02.800Z', evidence: { collectedAt: '2026-11-08T05:10:00.000Z', from: '2026-11-07T21:00:01.000Z', to: '2026-11-08T05:00:02.800Z', events: 0, error: "the cluster's audit log could not be read (missing, or kube-lease may not read it)" } }),
    leaseRecord({ id: 'a0000000000000000011', requester: carol, approver: carol, approvalKind: 'on-call', ticket: 'OPS-1241', created: '2026-11-08T09:30:00.000Z', started: '2026-11-08T09:30:01.000Z', expires: '2026-11-08T17:30:01.000Z' }),
    leaseRecord({ id: 'a0000000000000000012', requester: dave, ticket: 'CHG0031402', source: 'servicenow', profile: 'ledger-migrate', cluster: 'prod-us', namespaces: ['ledger'], role: 'Role/migrator', created: '2026-11-08T13:00:00.000Z', status: 'SCHEDULED', expires: '2026-11-08T22:00:00.000Z' }),
    leaseRecord({ id: 'a0000000000000000013', requester: erin, ticket: 'OPS-1150', created: '2026-10-20T08:00:00.000Z', started: '2026-10-20T08:00:01.000Z', expires: '2026-10-20T12:00:01.000Z', ended: '2026-10-20T12:00:02.000Z' }),
  ];
}

/** Denials of the example week, and one from the week before (left out). */
export function exampleDenials(): DeniedApproval[] {
  return [
    denialRecord('OPS-1199', 'self-approval', '2026-10-29T10:00:00.000Z'),
    denialRecord('OPS-1203', 'self-approval', '2026-11-02T11:15:00.000Z', 'the requester approved their own request', { requester: dave, approvers: [dave], approvalKind: 'person' }),
    denialRecord('OPS-1207', 'duration-over-max', '2026-11-03T08:01:00.000Z', 'asked for 24h; payments-debug allows at most 8h', { requester: alice, approvers: [bob], approvalKind: 'person' }),
    denialRecord('OPS-1215', 'namespace-not-allowed', '2026-11-04T16:20:00.000Z', 'namespace kube-system is not in profile payments-read', { requester: carol, approvers: [lead], approvalKind: 'person' }),
    denialRecord('OPS-1228', 'self-approval', '2026-11-06T17:45:00.000Z', 'the requester approved their own request'),
  ];
}
