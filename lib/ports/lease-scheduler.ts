import type { Lease } from '../domain/lease.js';

/**
 * How long before its moment (a lease's expiry, a change window's start) an AWS timer is armed: at
 * the last whole minute at least this long before it. Both EventBridge backends fire within the
 * minute they are armed for ("60 second precision" for EventBridge Scheduler; a scheduled rule "runs
 * within that minute"), and the target starts a few seconds after that; the invoked function then
 * waits until the moment itself (see wait-for-moment). 60 s of precision + 30 s for delivery and a
 * cold start.
 */
export const TIMER_LEAD_MS = 90_000;

/** The longest an AWS timer can fire before its moment (the lead plus the minute it fires within): what its target may wait. */
export const MAX_TIMER_WAIT_MS = TIMER_LEAD_MS + 60_000;

/**
 * Fires the lease's timers: revocation at its expiry and, for a SCHEDULED lease, activation at its
 * start. A timer may fire early (by at most MAX_TIMER_WAIT_MS, in AWS): its target then waits for the
 * moment, and a target that runs before the moment never acts. Errors: SchedulerError.
 */
export interface LeaseScheduler {
  /**
   * Idempotent: scheduling the same lease twice leaves one timer of each kind, at the lease's current
   * times. A backend that arms a timer in two steps calls `progress.created` between them.
   */
  schedule(lease: Lease, progress?: ScheduleProgress): Promise<void>;
  /** Idempotent: timers that are already gone count as cancelled. */
  cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void>;
}

/** What a scheduler tells of its progress, for callers that can go on before it is done. */
export interface ScheduleProgress {
  /**
   * Every timer of the lease exists and only its last step is left (EventBridge rules: the rules
   * exist, their targets are being attached). Not called by backends that arm a timer in one call.
   */
  readonly created?: () => void;
}
