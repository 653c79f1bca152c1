/**
 * EventBridge cron for a single moment: the first whole minute at or after `at`, in UTC, so the
 * rule never fires before the lease expires and at most a minute (plus delivery delay) after.
 */
export function oneShotCron(at: Date): string {
  const minuteMs = 60_000;
  const fire = new Date(Math.ceil(at.getTime() / minuteMs) * minuteMs);
  return `cron(${fire.getUTCMinutes()} ${fire.getUTCHours()} ${fire.getUTCDate()} ${fire.getUTCMonth() + 1} ? ${fire.getUTCFullYear()})`;
}
