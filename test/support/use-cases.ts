import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import type { Catalog } from '../../lib/domain/catalog.js';
import type { OnCallDirectory } from '../../lib/ports/on-call-directory.js';
import type { Approval, Person, TicketSnapshot } from '../../lib/domain/ticket.js';
import { makeActivateLease } from '../../lib/use-cases/activate-lease.js';
import type { CloseMarks } from '../../lib/ports/close-marks.js';
import { MemoryCloseMarks } from '../fakes/memory-close-marks.js';
import { makeCloseTicket } from '../../lib/use-cases/close-ticket.js';
import { makeGrantAccess } from '../../lib/use-cases/grant/grant-access.js';
import { makeProcessTicket } from '../../lib/use-cases/process-ticket.js';
import { makeRevokeLease } from '../../lib/use-cases/revoke-lease.js';
import { makeSweepLeases } from '../../lib/use-cases/sweep-leases.js';
import { makeCollectEvidence } from '../../lib/use-cases/collect-evidence.js';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import type { EvidenceSeal } from '../../lib/domain/evidence-digest.js';
import { EvidenceKeyError } from '../../lib/errors.js';
import type { EvidenceMac } from '../../lib/ports/evidence-mac.js';
import type { EvidenceStore } from '../../lib/ports/evidence-store.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import type { OwedAnnouncements } from '../../lib/ports/owed-announcements.js';
import type { IdleWatches } from '../../lib/ports/idle-watches.js';
import { makeAnnounceGrant } from '../../lib/use-cases/announce-grant.js';
import { MemoryOwedAnnouncements } from '../fakes/memory-announcements.js';
import { MemoryOwedRevokeComments } from '../fakes/memory-revoke-comments.js';
import { makeOwedRevokes } from '../../lib/use-cases/owed-revoke-comments.js';
import type { OwedRevokeComments } from '../../lib/ports/owed-revoke-comments.js';
import { MemoryActivityLog } from '../fakes/memory-activity-log.js';
import { MemoryIdleWatches } from '../fakes/memory-idle-watches.js';
import { makeCheckIdle } from '../../lib/use-cases/check-idle.js';
import { MemoryEvidenceStore } from '../fakes/memory-evidence-store.js';
import { MemoryAuditLog, MemoryLogger } from '../fakes/memory-audit-log.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { MemoryMetrics } from '../fakes/memory-metrics.js';
import { FixedClock, MemoryCluster, MemoryScheduler, MemoryTicketSource } from '../fakes/memory-ports.js';
import { DEMO_CATALOG } from './demo-catalog.js';

export const T0 = new Date('2026-03-02T10:00:00.000Z');
export const requester: Person = { id: 'acct-alice', email: 'alice@example.com', displayName: 'Alice', activeHuman: true };
export const approver: Person = { id: 'acct-bob', email: 'bob@example.com', displayName: 'Bob', activeHuman: true };

/**
 * The use cases wired to in-memory ports, as the container wires them to real ones: a use-case
 * branch runs in milliseconds, without servers. HTTP fakes stay for the adapters' own tests.
 */
export function useCases(catalogText: string = DEMO_CATALOG, options: { readonly onCall?: OnCallDirectory } = {}) {
  const leases = new MemoryLeaseStore();
  return wire(catalogText, { leases, evidence: new MemoryEvidenceStore(leases), announcements: new MemoryOwedAnnouncements(leases), idleWatches: new MemoryIdleWatches(leases), revokeComments: new MemoryOwedRevokeComments(leases) }, options);
}

/** The stores the lease records live in: the in-memory ones, or the DynamoDB adapters (the concurrency suite on dynalite). */
export interface LeaseStores<L extends LeaseStore, A extends OwedAnnouncements, E extends EvidenceStore, W extends IdleWatches = IdleWatches> {
  readonly leases: L;
  /** The sweep's progress through the audit log for leases with an idle timeout. */
  readonly idleWatches: W;
  /** Revoke comments left to an announcement's holder, queued for the sweep (its holder may die owing one). */
  readonly revokeComments: OwedRevokeComments;
  /** Grant announcements owed on the leases (the ticket could not be told): the sweep posts them. */
  readonly announcements: A;
  /** The evidence on the leases. */
  readonly evidence: E;
  /** Closes of tickets, read by a grant before ACTIVE and worked by the sweep (in memory unless given). */
  readonly closeMarks?: CloseMarks;
}

/** The use cases over `stores`, with every other port in memory. */
export function wire<L extends LeaseStore, A extends OwedAnnouncements, E extends EvidenceStore, W extends IdleWatches>(
  catalogText: string,
  stores: LeaseStores<L, A, E, W>,
  options: { readonly onCall?: OnCallDirectory } = {},
) {
  const catalog: Catalog = parseCatalog(catalogText);
  const clock = new FixedClock(T0);
  const jira = new MemoryTicketSource();
  const ports = {
    tickets: { jira },
    cluster: new MemoryCluster(),
    leases: stores.leases,
    scheduler: new MemoryScheduler(),
    audit: new MemoryAuditLog(),
    clock,
    logger: new MemoryLogger(),
  };
  const metrics = new MemoryMetrics();
  // The audit logs the catalog configures (none in the demo catalog), and the evidence on the leases.
  const activity = new MemoryActivityLog(catalog.clusters, clock);
  // kube-lease's own RoleBinding writes reach the cluster's audit log, as on a real cluster.
  ports.cluster.onBindingWrite = (cluster, verb, binding, subjects) => activity.recordBindingWrite(cluster, verb, binding, subjects);
  const { evidence, announcements, revokeComments } = stores;
  const closeMarks = stores.closeMarks ?? new MemoryCloseMarks();
  const owedRevokes = makeOwedRevokes({ ...ports, comments: revokeComments, announcements });
  const revokeLease = makeRevokeLease({ ...ports, activity, evidence, owedRevokes });
  const announce = makeAnnounceGrant({ ...ports, announcements });
  const activateLease = makeActivateLease({ ...ports, revokeLease, announce });
  const grantAccess = makeGrantAccess({ ...ports, metrics, onCall: options.onCall, catalog, schedulePrefix: 'kube-lease-test', pendingGraceSeconds: 120, announce, closeMarks });
  const closeTicket = makeCloseTicket({ leases: ports.leases, revokeLease, clock, logger: ports.logger, tickets: ports.tickets, audit: ports.audit, closeMarks });
  const processTicket = makeProcessTicket({ ...ports, grantAccess, closeTicket });
  // The evidence key (a test may make it fail: evidenceMac.fail).
  const evidenceMac = new SwitchableEvidenceMac();
  const collectEvidence = makeCollectEvidence({ ...ports, activity, evidence, giveUpAfterSeconds: 86_400, mac: evidenceMac });
  // Idle watches on the leases (profiles with idleTimeout): the sweep's idle checks read the audit log.
  const { idleWatches } = stores;
  const checkIdle = makeCheckIdle({ ...ports, activity, watches: idleWatches, revokeLease });
  const sweepLeases = makeSweepLeases({
    ...ports,
    metrics,
    catalog,
    revokeLease,
    activateLease,
    grantAccess,
    batchSize: 25,
    pendingGraceSeconds: 120,
    scanEveryMinutes: 5,
    evidence: { store: evidence, collect: collectEvidence },
    announce,
    checkIdle,
    owedRevokes,
    closeMarks,
  });
  return { ...ports, closeMarks, jira, metrics, catalog, activity, evidence, evidenceMac, announcements, revokeComments, owedRevokes, idleWatches, checkIdle, revokeLease, announce, activateLease, grantAccess, closeTicket, processTicket, sweepLeases, collectEvidence };
}

let approvals = 0;

/** A new approval by `by` (a person, unless the test says otherwise), at the clock's time. */
export function approval(by: Person = approver, at: Date = T0): Approval {
  approvals += 1;
  return { id: `approval-${approvals}`, approvers: [by], at: at.toISOString() };
}

/** An approved Jira ticket asking for `profile`, intact since its approval, unless `changes` say otherwise. */
export function approvedTicket(key: string, changes: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return {
    source: 'jira',
    // The issue id: stable per key here (a moved issue is put again with its new key and this id).
    id: `id-${key}`,
    key,
    url: `https://example.atlassian.net/browse/${key}`,
    state: 'approved',
    statusText: 'Approved',
    justification: `Investigate incident for ${key}`,
    requester,
    approval: approval(),
    requestedProfile: 'payments-read',
    requestedDuration: '1h',
    requestedNamespaces: ['payments'],
    approvalIntegrity: { kind: 'intact' },
    ...changes,
  };
}

/** An in-memory evidence key that a test can make unusable (`fail = true`: as KMS refusing or unreachable). */
export class SwitchableEvidenceMac implements EvidenceMac {
  private readonly key = memoryEvidenceMac();
  fail = false;

  generate(message: string): Promise<EvidenceSeal> {
    return this.fail ? Promise.reject(new EvidenceKeyError('the evidence key is unreachable', { retryable: true })) : this.key.generate(message);
  }

  verify(message: string, seal: EvidenceSeal): Promise<boolean> {
    return this.fail ? Promise.reject(new EvidenceKeyError('the evidence key is unreachable', { retryable: true })) : this.key.verify(message, seal);
  }
}
