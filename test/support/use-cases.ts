import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import type { Catalog } from '../../lib/domain/catalog.js';
import type { OnCallDirectory } from '../../lib/ports/on-call-directory.js';
import type { Approval, Person, TicketSnapshot } from '../../lib/domain/ticket.js';
import { makeActivateLease } from '../../lib/use-cases/activate-lease.js';
import { makeCloseTicket } from '../../lib/use-cases/close-ticket.js';
import { makeGrantAccess } from '../../lib/use-cases/grant/grant-access.js';
import { makeProcessTicket } from '../../lib/use-cases/process-ticket.js';
import { makeRevokeLease } from '../../lib/use-cases/revoke-lease.js';
import { makeSweepLeases } from '../../lib/use-cases/sweep-leases.js';
import { makeCollectEvidence } from '../../lib/use-cases/collect-evidence.js';
import { makeAnnounceGrant } from '../../lib/use-cases/announce-grant.js';
import { MemoryAnnouncementQueue, RecordingFollowUp } from '../fakes/memory-announcements.js';
import { MemoryActivityLog } from '../fakes/memory-activity-log.js';
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
  const catalog: Catalog = parseCatalog(catalogText);
  const clock = new FixedClock(T0);
  const jira = new MemoryTicketSource();
  const ports = {
    tickets: { jira },
    cluster: new MemoryCluster(),
    leases: new MemoryLeaseStore(),
    scheduler: new MemoryScheduler(),
    audit: new MemoryAuditLog(),
    clock,
    logger: new MemoryLogger(),
  };
  const metrics = new MemoryMetrics();
  // The audit logs the catalog configures (none in the demo catalog), and the evidence on the leases.
  const activity = new MemoryActivityLog(catalog.clusters, clock);
  const evidence = new MemoryEvidenceStore(ports.leases);
  // Grants answered first (the webhook's `answerFirst`): queued, and asked for through a follow-up
  // that only records; a test runs the announcement itself (announceGrant) or lets the sweep do it.
  const announcements = new MemoryAnnouncementQueue(ports.leases);
  const followUp = new RecordingFollowUp();
  const revokeLease = makeRevokeLease({ ...ports, activity, evidence });
  const announceGrant = makeAnnounceGrant({ ...ports, announcements });
  const activateLease = makeActivateLease({ ...ports, revokeLease, announceGrant });
  const grantAccess = makeGrantAccess({ ...ports, metrics, onCall: options.onCall, catalog, schedulePrefix: 'kube-lease-test', pendingGraceSeconds: 120, announceLater: { queue: announcements, followUp } });
  const closeTicket = makeCloseTicket({ leases: ports.leases, revokeLease });
  const processTicket = makeProcessTicket({ ...ports, grantAccess, closeTicket });
  const collectEvidence = makeCollectEvidence({ ...ports, activity, evidence, giveUpAfterSeconds: 86_400 });
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
    announcements: { queue: announcements, announce: announceGrant },
  });
  return { ...ports, jira, metrics, catalog, activity, evidence, announcements, followUp, revokeLease, announceGrant, activateLease, grantAccess, closeTicket, processTicket, sweepLeases, collectEvidence };
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
