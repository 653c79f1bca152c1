import type { Lease } from '../domain/lease.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseScheduler } from '../ports/lease-scheduler.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * In-process stand-in for EventBridge in local mode: a timer per lease that revokes it at expiry,
 * and one that activates a SCHEDULED lease at its start (to the millisecond, not rounded to the
 * minute). Timers do not survive a restart; the local server's periodic sweep covers that, as the
 * real sweep covers a missed rule.
 */
export class LocalScheduler implements LeaseScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: { revoke: (leaseId: string) => Promise<unknown>; activate: (leaseId: string) => Promise<unknown> },
    private readonly onError: (leaseId: string, error: unknown) => void,
  ) {}

  schedule(lease: Lease): Promise<void> {
    this.arm(lease.scheduleName, lease.id, Date.parse(lease.expiresAt), this.fire.revoke);
    if (lease.status === 'SCHEDULED') this.arm(`${lease.scheduleName}-start`, lease.id, Date.parse(lease.startsAt), this.fire.activate);
    return Promise.resolve();
  }

  cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    this.clear(lease.scheduleName);
    this.clear(`${lease.scheduleName}-start`);
    return Promise.resolve();
  }

  private arm(name: string, leaseId: string, at: number, fire: (leaseId: string) => Promise<unknown>): void {
    this.clear(name);
    const delay = Math.max(0, at - this.clock.now().getTime());
    // setTimeout fires at once for delays past 2^31-1 ms; wait in steps instead.
    const timer = setTimeout(() => {
      this.timers.delete(name);
      this.owners.delete(name);
      if (delay > MAX_TIMER_MS) {
        this.arm(name, leaseId, at, fire);
        return;
      }
      fire(leaseId).catch((error: unknown) => this.onError(leaseId, error));
    }, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(name, timer);
    this.owners.set(name, leaseId);
  }

  /** Names of the schedules still pending. */
  pending(): string[] {
    return [...this.timers.keys()];
  }

  stop(): void {
    for (const name of [...this.timers.keys()]) this.clear(name);
  }

  private clear(name: string): void {
    const timer = this.timers.get(name);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(name);
    this.owners.delete(name);
  }
}
