import type { Lease } from '../../domain/lease.js';
import type { Clock } from '../../ports/clock.js';
import type { RevocationScheduler } from '../../ports/revocation-scheduler.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * In-process stand-in for EventBridge in local mode: a timer per lease that calls `fire` at expiry
 * (to the millisecond, not rounded to the minute). Timers do not survive a restart; the local
 * server's periodic sweep covers that, as the real sweep covers a missed rule.
 */
export class LocalScheduler implements RevocationScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (leaseId: string) => Promise<unknown>,
    private readonly onError: (leaseId: string, error: unknown) => void,
  ) {}

  schedule(lease: Lease): Promise<void> {
    this.clear(lease.scheduleName);
    const delay = Math.max(0, Date.parse(lease.expiresAt) - this.clock.now().getTime());
    // setTimeout fires at once for delays past 2^31-1 ms; wait in steps instead.
    const timer = setTimeout(() => {
      this.timers.delete(lease.scheduleName);
      if (delay > MAX_TIMER_MS) {
        void this.schedule(lease);
        return;
      }
      this.fire(lease.id).catch((error: unknown) => this.onError(lease.id, error));
    }, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(lease.scheduleName, timer);
    return Promise.resolve();
  }

  cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    this.clear(lease.scheduleName);
    return Promise.resolve();
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
  }
}
