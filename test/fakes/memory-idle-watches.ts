import type { IdleWatch } from '../../lib/domain/idle.js';
import type { Lease } from '../../lib/domain/lease.js';
import { LeaseStoreError } from '../../lib/errors.js';
import type { IdleWatches } from '../../lib/ports/idle-watches.js';
import type { MemoryLeaseStore } from './memory-lease-store.js';

/** The IdleWatches contract in memory, on a MemoryLeaseStore's leases (which compute `dueAt` from the fields). `failNext` makes the next call throw. */
export class MemoryIdleWatches implements IdleWatches {
  private failure: unknown;
  /** Every watch recorded, in order (for assertions). */
  readonly recorded: { leaseId: string; watch: IdleWatch }[] = [];

  constructor(private readonly leases: MemoryLeaseStore) {}

  failNext(error: unknown = new LeaseStoreError('DynamoDB unavailable', { retryable: true })): void {
    this.failure = error;
  }

  async record(lease: Lease, next: IdleWatch): Promise<boolean> {
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    const stored = this.leases.all().find((l) => l.id === lease.id);
    if (
      stored === undefined ||
      lease.idle === undefined ||
      stored.status !== 'ACTIVE' ||
      stored.idle?.checkAt !== lease.idle.checkAt ||
      stored.expiresAt !== lease.expiresAt ||
      stored.revokeRequested !== undefined ||
      stored.announceAt !== lease.announceAt
    ) {
      return false;
    }
    this.leases.replace({ ...stored, idle: next });
    this.recorded.push({ leaseId: lease.id, watch: next });
    return true;
  }
}
