import type { DeniedApproval, HistoryEntry, Lease, RevokeCause } from '../../lib/domain/lease.js';
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
}

/** A complete lease record, with the history the use cases would have written. */
export function leaseRecord(spec: LeaseSpec): Lease {
  const history: HistoryEntry[] = [{ at: spec.created, from: null, to: spec.started === undefined && spec.status === 'SCHEDULED' ? 'SCHEDULED' : 'PENDING', by: 'webhook' }];
  if (spec.started !== undefined) history.push({ at: spec.started, from: history[0]?.to ?? 'PENDING', to: 'ACTIVE', by: 'webhook' });
  for (const at of spec.extendedAt ?? []) history.push({ at, from: 'ACTIVE', to: 'ACTIVE', by: 'webhook', note: 'extended' });
  let status: Lease['status'] = spec.status ?? (spec.started === undefined ? 'PENDING' : 'ACTIVE');
  if (spec.failure !== undefined && spec.ended !== undefined) {
    history.push({ at: spec.ended, from: history.at(-1)?.to ?? 'PENDING', to: 'FAILED', by: 'webhook', note: spec.failure });
    status = 'FAILED';
  } else if (spec.ended !== undefined) {
    history.push({ at: spec.ended, from: history.at(-1)?.to ?? 'ACTIVE', to: 'REVOKED', by: `revoke:${spec.cause ?? 'expiry'}`, note: spec.cause ?? 'expiry' });
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
    reason: 'incident',
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
  };
}

/** A denied approval record. */
export function denialRecord(ticket: string, code: string, at: string, reason = `denied: ${code}`): DeniedApproval {
  return { leaseId: `d-${ticket}-${at}`, idempotencyKey: `jira#${ticket}#${at}`, source: 'jira', ticketKey: ticket, code, reason, at, by: 'webhook' };
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

/**
 * A week of leases that shows every way a lease ends: on time (expiry and sweep), late, ticket
 * closed early, revoked by an operator, failed, dry run, still open, scheduled, extended; plus a
 * lease from before the period that ended in it, and one that ended before it (left out).
 */
export function exampleLeases(): Lease[] {
  return [
    leaseRecord({ id: 'a0000000000000000000', requester: erin, ticket: 'OPS-1187', created: '2026-10-30T16:00:00.000Z', started: '2026-10-30T16:00:01.000Z', expires: '2026-10-30T20:00:01.000Z', ended: '2026-10-30T20:00:03.000Z' }),
    leaseRecord({ id: 'a0000000000000000001', requester: alice, ticket: 'OPS-1201', created: '2026-11-01T22:00:00.000Z', started: '2026-11-01T22:00:01.000Z', expires: '2026-11-02T02:00:01.000Z', ended: '2026-11-02T02:00:04.200Z' }),
    leaseRecord({ id: 'a0000000000000000002', requester: alice, ticket: 'OPS-1204', profile: 'payments-debug', role: 'Role/pod-exec', namespaces: ['payments', 'payments-jobs'], created: '2026-11-03T09:12:00.000Z', started: '2026-11-03T09:12:01.500Z', expires: '2026-11-03T15:12:01.500Z', extendedAt: ['2026-11-03T10:40:00.000Z', '2026-11-03T12:05:00.000Z'], ended: '2026-11-03T15:12:41.000Z' }),
    leaseRecord({ id: 'a0000000000000000003', requester: bob, approver: lead, ticket: 'OPS-1209', profile: 'checkout-admin', cluster: 'prod-us', namespaces: ['checkout'], role: 'ClusterRole/admin', created: '2026-11-03T13:30:00.000Z', started: '2026-11-03T13:30:02.000Z', expires: '2026-11-03T17:30:02.000Z', ended: '2026-11-03T14:10:00.000Z', cause: 'early' }),
    leaseRecord({ id: 'a0000000000000000004', requester: carol, ticket: 'OPS-1213', created: '2026-11-04T08:00:00.000Z', started: '2026-11-04T08:00:01.000Z', expires: '2026-11-04T12:00:01.000Z', ended: '2026-11-04T12:07:31.000Z', cause: 'sweep' }),
    leaseRecord({ id: 'a0000000000000000005', requester: dave, ticket: 'CHG0031337', source: 'servicenow', profile: 'ledger-migrate', cluster: 'prod-us', namespaces: ['ledger'], role: 'Role/migrator', created: '2026-11-04T19:00:00.000Z', failure: 'the cluster refused the binding (403 Forbidden: kube-lease may not bind this role there)', ended: '2026-11-04T19:00:02.000Z', expires: '2026-11-04T23:00:00.000Z' }),
    leaseRecord({ id: 'a0000000000000000006', requester: bob, approver: lead, ticket: 'OPS-1220', profile: 'checkout-admin', cluster: 'prod-us', namespaces: ['checkout'], role: 'ClusterRole/admin', created: '2026-11-05T10:00:00.000Z', started: '2026-11-05T10:00:01.000Z', expires: '2026-11-05T18:00:01.000Z', ended: '2026-11-05T11:30:00.000Z', cause: 'manual' }),
    leaseRecord({ id: 'a0000000000000000007', requester: erin, ticket: 'OPS-1222', created: '2026-11-05T14:00:00.000Z', started: '2026-11-05T14:00:01.000Z', expires: '2026-11-05T22:00:01.000Z', ended: '2026-11-05T22:00:02.100Z', cause: 'expiry' }),
    leaseRecord({ id: 'a0000000000000000008', requester: dave, ticket: 'OPS-1225', created: '2026-11-06T09:00:00.000Z', expires: '2026-11-06T09:00:00.000Z', ended: '2026-11-06T09:00:00.400Z', cause: 'dry-run' }),
    leaseRecord({ id: 'a0000000000000000009', requester: carol, ticket: 'OPS-1230', created: '2026-11-06T11:00:00.000Z', started: '2026-11-06T11:00:01.000Z', expires: '2026-11-06T19:00:01.000Z', ended: '2026-11-06T19:00:05.000Z' }),
    leaseRecord({ id: 'a0000000000000000010', requester: alice, ticket: 'OPS-1236', profile: 'payments-debug', role: 'Role/pod-exec', created: '2026-11-07T21:00:00.000Z', started: '2026-11-07T21:00:01.000Z', expires: '2026-11-08T05:00:01.000Z', ended: '2026-11-08T05:00:02.800Z' }),
    leaseRecord({ id: 'a0000000000000000011', requester: carol, ticket: 'OPS-1241', created: '2026-11-08T09:30:00.000Z', started: '2026-11-08T09:30:01.000Z', expires: '2026-11-08T17:30:01.000Z' }),
    leaseRecord({ id: 'a0000000000000000012', requester: dave, ticket: 'CHG0031402', source: 'servicenow', profile: 'ledger-migrate', cluster: 'prod-us', namespaces: ['ledger'], role: 'Role/migrator', created: '2026-11-08T13:00:00.000Z', status: 'SCHEDULED', expires: '2026-11-08T22:00:00.000Z' }),
    leaseRecord({ id: 'a0000000000000000013', requester: erin, ticket: 'OPS-1150', created: '2026-10-20T08:00:00.000Z', started: '2026-10-20T08:00:01.000Z', expires: '2026-10-20T12:00:01.000Z', ended: '2026-10-20T12:00:02.000Z' }),
  ];
}

/** Denials of the example week, and one from the week before (left out). */
export function exampleDenials(): DeniedApproval[] {
  return [
    denialRecord('OPS-1199', 'self-approval', '2026-10-29T10:00:00.000Z'),
    denialRecord('OPS-1203', 'self-approval', '2026-11-02T11:15:00.000Z', 'the requester approved their own request'),
    denialRecord('OPS-1207', 'duration-over-max', '2026-11-03T08:01:00.000Z', 'asked for 24h; payments-debug allows at most 8h'),
    denialRecord('OPS-1215', 'namespace-not-allowed', '2026-11-04T16:20:00.000Z', 'namespace kube-system is not in profile payments-read'),
    denialRecord('OPS-1228', 'self-approval', '2026-11-06T17:45:00.000Z', 'the requester approved their own request'),
  ];
}
