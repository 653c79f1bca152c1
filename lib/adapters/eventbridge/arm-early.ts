import { TIMER_LEAD_MS } from '../../ports/lease-scheduler.js';

const MINUTE_MS = 60_000;

/**
 * The whole minute (UTC) an EventBridge timer for `moment` is armed at: the last one at least
 * TIMER_LEAD_MS before it, so that the timer fires (anywhere within that minute, plus delivery)
 * before the moment and its target waits for the moment itself. Never a minute that has begun
 * already: a timer whose moment is too close (or past) is armed for the next whole minute, and its
 * target acts at once when it fires.
 */
export function armedMinute(moment: Date, now: Date): Date {
  const early = Math.floor((moment.getTime() - TIMER_LEAD_MS) / MINUTE_MS) * MINUTE_MS;
  const soonest = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return new Date(Math.max(early, soonest));
}
