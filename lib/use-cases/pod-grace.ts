import { GRACE_ENDED_SECONDS, type SessionPod } from '../domain/activity.js';
import { LATEST_STORED_TIME } from '../domain/ticket-date.js';

/** The API server's default spec.terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;

/**
 * After an accepted eviction: when the pod's grace period is longer than GRACE_ENDED_SECONDS, the
 * time it may run until (a lease holder with edit sets terminationGracePeriodSeconds and preStop
 * hooks), so that nothing reads "Ended" that may run on.
 */
export function graceOf(now: Date, grace: number | undefined): Pick<SessionPod, 'mayRunUntil' | 'graceSeconds'> {
  const seconds = grace ?? DEFAULT_GRACE_SECONDS;
  if (seconds <= GRACE_ENDED_SECONDS) return {};
  // The pod's owner chooses the grace period (any int64): an end past year 9999 is stored as the latest time a record holds.
  const until = now.getTime() + seconds * 1000;
  const mayRunUntil = Number.isFinite(until) && until < Date.parse(LATEST_STORED_TIME) ? new Date(until).toISOString() : LATEST_STORED_TIME;
  // A number a record can hold exactly (the store refuses others); past that, "too long to record".
  return Number.isSafeInteger(seconds) ? { mayRunUntil, graceSeconds: seconds } : { mayRunUntil };
}

export const graceNote = (g: Pick<SessionPod, 'mayRunUntil' | 'graceSeconds'>) => (g.mayRunUntil === undefined ? '' : `; its termination grace period is ${g.graceSeconds === undefined ? 'too long to record' : `${g.graceSeconds} s`}: it may run ${g.mayRunUntil === LATEST_STORED_TIME ? 'indefinitely' : `until ${g.mayRunUntil}`}`);

