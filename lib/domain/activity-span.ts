import { perRequest, type AuditEvent } from './activity.js';

/**
 * When the first and the last request the API server let through reached it (each request once,
 * whatever stages the log holds of it): how long the access was actually used. Empty with no such
 * request. Times as the log wrote them.
 */
export function activitySpan(events: readonly AuditEvent[]): { readonly firstAt?: string; readonly lastAt?: string } {
  const allowed = perRequest(events).filter((e) => e.code !== 401 && e.code !== 403 && !Number.isNaN(Date.parse(e.at)));
  if (allowed.length === 0) return {};
  const sorted = [...allowed].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { firstAt: sorted[0]?.at ?? '', lastAt: sorted.at(-1)?.at ?? '' };
}
