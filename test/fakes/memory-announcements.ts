import { LeaseStoreError, SchedulerError } from '../../lib/errors.js';
import type { AnnouncementDue, AnnouncementQueue, GrantFollowUp } from '../../lib/ports/grant-follow-up.js';

/** The AnnouncementQueue contract in memory. `failNext` makes the next call of a method throw. */
export class MemoryAnnouncementQueue implements AnnouncementQueue {
  private readonly queued = new Map<string, string>();
  private readonly failures = new Map<keyof AnnouncementQueue, unknown>();

  failNext(method: keyof AnnouncementQueue, error: unknown = new LeaseStoreError('DynamoDB unavailable', { retryable: true })): void {
    this.failures.set(method, error);
  }

  /** Lease ids on the queue with their due times (for assertions). */
  entries(): [string, string][] {
    return [...this.queued.entries()];
  }

  private enter(method: keyof AnnouncementQueue): void {
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

  async due(before: Date, limit: number): Promise<readonly AnnouncementDue[]> {
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
