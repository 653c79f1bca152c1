import type { Lease } from '../../lib/domain/lease.js';
import type { OwedRevokeComments } from '../../lib/ports/owed-revoke-comments.js';
import { MemoryLeaseQueue } from './memory-lease-queue.js';
import type { MemoryLeaseStore } from './memory-lease-store.js';

/** The OwedRevokeComments contract in memory, on a MemoryLeaseStore's leases. `failNext` makes the next call of a method throw. */
export class MemoryOwedRevokeComments extends MemoryLeaseQueue<keyof OwedRevokeComments> implements OwedRevokeComments {
  constructor(private readonly leases: MemoryLeaseStore) {
    super();
  }

  async take(leaseId: string, now: string, until: string, beyond?: string): Promise<Lease | undefined> {
    this.enter('take');
    const stored = this.leases.all().find((l) => l.id === leaseId);
    if (stored?.status !== 'REVOKED' || stored.revokeNote === undefined || (stored.announceAt !== undefined && stored.announceAt > now && (beyond === undefined || stored.announceAt <= beyond))) return undefined;
    const taken: Lease = { ...stored, announceAt: until };
    this.leases.replace(taken);
    return structuredClone(taken);
  }
}
