import type { AccessVerification, HistoryEntry, Lease } from '../../lib/domain/lease.js';
import { SchedulerError } from '../../lib/errors.js';
import type { MemoryLeaseStore } from './memory-lease-store.js';
import type { AnnouncementQueue, GrantFollowUp } from '../../lib/ports/grant-follow-up.js';
import { MemoryLeaseQueue } from './memory-lease-queue.js';

/** The AnnouncementQueue contract in memory, on a MemoryLeaseStore's leases. `failNext` makes the next call of a method throw. */
export class MemoryAnnouncementQueue extends MemoryLeaseQueue<keyof AnnouncementQueue> implements AnnouncementQueue {
  constructor(private readonly leases: MemoryLeaseStore) {
    super();
  }

  async claim(leaseId: string, at: string, staleBefore: string): Promise<Lease | undefined> {
    this.enter('claim');
    const lease = this.lease(leaseId);
    if (lease?.status !== 'ACTIVE' || lease.grantNote === undefined || (lease.announcing !== undefined && lease.announcing >= staleBefore)) return undefined;
    const claimed: Lease = { ...lease, announcing: at };
    this.leases.replace(claimed);
    return structuredClone(claimed);
  }

  async finish(leaseId: string, at: string, review: AccessVerification, entry: HistoryEntry): Promise<boolean> {
    this.enter('finish');
    const lease = this.lease(leaseId);
    if (lease === undefined || lease.announcing !== at) return false;
    const { announcing: _announcing, grantNote: _grantNote, ...rest } = lease;
    this.leases.replace({ ...rest, verification: { ...lease.verification, granted: review }, history: [...lease.history, entry] });
    return true;
  }

  async release(leaseId: string, at: string): Promise<void> {
    this.enter('release');
    const lease = this.lease(leaseId);
    if (lease === undefined || lease.announcing !== at) return;
    const { announcing: _announcing, ...rest } = lease;
    this.leases.replace(rest);
  }

  async amendNote(leaseId: string, note: string): Promise<boolean> {
    this.enter('amendNote');
    const lease = this.lease(leaseId);
    if (lease?.grantNote === undefined || lease.announcing !== undefined) return false;
    this.leases.replace({ ...lease, grantNote: note });
    return true;
  }

  private lease(leaseId: string): Lease | undefined {
    return this.leases.all().find((l) => l.id === leaseId);
  }
}

/** A follow-up that only records what it was asked for; `refuse` makes the next request fail as PutEvents can. */
export class RecordingFollowUp implements GrantFollowUp {
  readonly requested: string[] = [];
  private refusal: unknown;

  refuse(error: unknown = new SchedulerError('EventBridge PutEvents failed: ThrottlingException', { retryable: true })): void {
    this.refusal = error;
  }

  async request(leaseId: string): Promise<void> {
    if (this.refusal !== undefined) {
      const error = this.refusal;
      this.refusal = undefined;
      throw error;
    }
    this.requested.push(leaseId);
  }
}
