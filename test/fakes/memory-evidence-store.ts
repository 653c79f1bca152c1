import type { ActivityEvidence } from '../../lib/domain/activity.js';
import type { Lease } from '../../lib/domain/lease.js';
import { LeaseStoreError } from '../../lib/errors.js';
import type { EvidenceDue, EvidenceStore } from '../../lib/ports/evidence-store.js';
import type { MemoryLeaseStore } from './memory-lease-store.js';

/** The EvidenceStore contract in memory, on a MemoryLeaseStore's leases. `failNext` makes the next call of a method throw. */
export class MemoryEvidenceStore implements EvidenceStore {
  private readonly queued = new Map<string, string>();
  private readonly failures = new Map<keyof EvidenceStore, unknown>();

  constructor(private readonly leases: MemoryLeaseStore) {}

  failNext(method: keyof EvidenceStore, error: unknown = new LeaseStoreError('DynamoDB unavailable', { retryable: true })): void {
    this.failures.set(method, error);
  }

  /** Lease ids on the queue (for assertions). */
  queuedIds(): string[] {
    return [...this.queued.keys()];
  }

  private enter(method: keyof EvidenceStore): void {
    const failure = this.failures.get(method);
    if (failure === undefined) return;
    this.failures.delete(method);
    throw failure;
  }

  async queue(leaseId: string, dueAt: Date): Promise<void> {
    this.enter('queue');
    if (!this.queued.has(leaseId)) this.queued.set(leaseId, dueAt.toISOString());
  }

  async postpone(leaseId: string, dueAt: Date): Promise<void> {
    this.enter('postpone');
    if (this.queued.has(leaseId)) this.queued.set(leaseId, dueAt.toISOString());
  }

  async due(before: Date, limit: number): Promise<readonly EvidenceDue[]> {
    this.enter('due');
    return [...this.queued.entries()]
      .filter(([, dueAt]) => dueAt <= before.toISOString())
      .sort(([, a], [, b]) => a.localeCompare(b))
      .slice(0, limit)
      .map(([leaseId, dueAt]) => ({ leaseId, dueAt }));
  }

  async drop(leaseId: string): Promise<void> {
    this.enter('drop');
    this.queued.delete(leaseId);
  }

  async record(leaseId: string, evidence: ActivityEvidence): Promise<Lease | undefined> {
    this.enter('record');
    const lease = this.leases.all().find((l) => l.id === leaseId);
    if (lease === undefined || lease.evidence !== undefined || lease.status !== 'REVOKED') return lease;
    const stored: Lease = { ...lease, evidence, version: lease.version + 1 };
    this.leases.replace(stored);
    return stored;
  }

  async markPosted(leaseId: string, at: string): Promise<void> {
    this.enter('markPosted');
    const lease = this.leases.all().find((l) => l.id === leaseId);
    if (lease?.evidence === undefined) return;
    this.leases.replace({ ...lease, evidence: { ...lease.evidence, postedAt: at } });
  }
}
