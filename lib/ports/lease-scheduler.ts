import type { Lease } from '../domain/lease.js';

/**
 * Fires the lease's timers: revocation at (never before) its expiry and, for a SCHEDULED lease,
 * activation at (never before) its start. Errors: SchedulerError.
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
