import { LeaseStoreError } from '../../lib/errors.js';
import type { QueuedLease } from '../../lib/adapters/dynamodb/lease-queue.js';

/**
 * A queue of leases in memory (the evidence queue), as DynamoDbLeaseQueue
 * answers: queueing again keeps the first due time, postponing what is not queued does nothing.
 * `failNext` makes the next call of a method (of the store built on it) throw.
 */
export class MemoryLeaseQueue<Method extends string> {
  private readonly queued = new Map<string, string>();
  private readonly failures = new Map<Method | 'queue' | 'postpone' | 'due' | 'drop', unknown>();

  failNext(method: Method | 'queue' | 'postpone' | 'due' | 'drop', error: unknown = new LeaseStoreError('DynamoDB unavailable', { retryable: true })): void {
    this.failures.set(method, error);
  }

  /** Lease ids on the queue with their due times (for assertions). */
  entries(): [string, string][] {
    return [...this.queued.entries()];
  }

  /** Lease ids on the queue (for assertions). */
  queuedIds(): string[] {
    return [...this.queued.keys()];
  }

  protected enter(method: Method | 'queue' | 'postpone' | 'due' | 'drop'): void {
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

  async due(before: Date, limit: number): Promise<readonly QueuedLease[]> {
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
