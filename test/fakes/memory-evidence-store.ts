import type { ActivityEvidence } from '../../lib/domain/activity.js';
import type { Lease } from '../../lib/domain/lease.js';
import type { EvidenceStore } from '../../lib/ports/evidence-store.js';
import { MemoryLeaseQueue } from './memory-lease-queue.js';
import type { MemoryLeaseStore } from './memory-lease-store.js';

/** The EvidenceStore contract in memory, on a MemoryLeaseStore's leases. `failNext` makes the next call of a method throw. */
export class MemoryEvidenceStore extends MemoryLeaseQueue<keyof EvidenceStore> implements EvidenceStore {
  constructor(private readonly leases: MemoryLeaseStore) {
    super();
  }

  async record(leaseId: string, evidence: ActivityEvidence, replacing?: string): Promise<Lease | undefined> {
    this.enter('record');
    const lease = this.leases.all().find((l) => l.id === leaseId);
    const replaceable = lease?.evidence === undefined || (replacing !== undefined && lease.evidence.collectedAt === replacing && lease.evidence.postedAt === undefined);
    if (lease === undefined || !replaceable || lease.status !== 'REVOKED') return lease;
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
