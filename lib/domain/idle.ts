import type { AuditEvent } from './activity.js';
import { attributeTo } from './activity-attribution.js';
import { formatDuration } from './duration.js';
import type { BindingRef, Lease } from './lease.js';

/**
 * Idle revoke (a profile's `idleTimeout`): a lease through whose bindings no request reached the
 * API server for that long ends early. Known only from the cluster's audit log, which lags by its
 * `delay`: the log is trusted up to `now - delay`, never beyond.
 */

/**
 * The shortest `idleTimeout` a profile may set (seconds). The sweep looks once a minute and the
 * log is read only up to `now - delay` (5 minutes by default for CloudWatch), so an idle lease ends
 * between `idleTimeout + delay` and a minute more after its last request; a timeout under five
 * minutes would also end the access of someone reading a log or a manifest between two commands.
 */
export const MIN_IDLE_TIMEOUT_SECONDS = 300;

/** How long an idle check that could not read the audit log waits before it tries again (seconds). */
export const IDLE_RETRY_SECONDS = 60;

/**
 * A lease's idle watch, on the lease record: the timeout copied from its profile when the lease was
 * made, and the sweep's progress through the audit log (so no run reads more than what is new).
 */
export interface IdleWatch {
  /** Seconds without a request through the lease's bindings after which it is revoked. */
  readonly timeout: number;
  /** When the sweep next looks (never after the expiry): the status index has the lease due then. */
  readonly checkAt: string;
  /** The audit log was read (complete, up to its delay) from the activation up to here. */
  readonly readTo?: string | undefined;
  /** The last request through the lease's bindings found so far. */
  readonly lastRequestAt?: string | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The watch of a new lease: first looked at one timeout after its start (or at its expiry, if sooner). */
export function firstIdleWatch(timeout: number, startsAt: string, expiresAt: string): IdleWatch {
  return { timeout, checkAt: iso(Math.min(Date.parse(startsAt) + timeout * 1000, Date.parse(expiresAt))) };
}

/** When the lease became ACTIVE (its first ACTIVE transition), else its start: the idle clock starts there. */
export function activeSince(lease: Pick<Lease, 'history' | 'startsAt'>): number {
  return Date.parse(lease.history.find((h) => h.to === 'ACTIVE')?.at ?? lease.startsAt);
}

/**
 * The latest request that went through the lease's bindings (see attributeTo: its own bindings,
 * or an authorizer the log does not name, which cannot be told apart and so counts); refused
 * requests (401, 403) used no binding and do not count. Undefined when there is none.
 */
export function lastRequestThrough(events: readonly AuditEvent[], bindings: readonly BindingRef[]): number | undefined {
  const times = attributeTo(events, bindings)
    .mine.filter((e) => e.code !== 401 && e.code !== 403)
    .map((e) => Date.parse(e.at));
  return times.length === 0 ? undefined : Math.max(...times);
}

/** The part of the audit log an idle check reads: from where the last one stopped to `now - delay`; undefined when nothing new is complete yet. */
export function idleReadWindow(watch: IdleWatch, since: number, now: number, delayMs: number): { readonly from: Date; readonly to: Date } | undefined {
  const from = Math.max(since, watch.readTo === undefined ? since : Date.parse(watch.readTo));
  const to = now - delayMs;
  return to < from ? undefined : { from: new Date(from), to: new Date(to) };
}

export interface IdleInput {
  readonly now: number;
  /** The audit log's delay for the lease's cluster, in milliseconds. */
  readonly delayMs: number;
  readonly watch: IdleWatch;
  /** See activeSince. */
  readonly since: number;
  readonly expiresAt: number;
  /** What this check read (the window of idleReadWindow): up to when, and the latest request through the bindings in it. */
  readonly read?: { readonly to: number; readonly lastRequest?: number | undefined } | undefined;
}

export type IdleDecision =
  /** No request in [now - timeout - delay, now - delay], and ACTIVE for at least timeout + delay: revoke. */
  | { readonly kind: 'idle'; readonly lastRequestAt?: string | undefined }
  /** Used (or too young to tell): the watch to store, next looked at one timeout after the last request (or the activation). */
  | { readonly kind: 'watch'; readonly watch: IdleWatch };

/**
 * Whether a lease is idle now. Every check reads the log from where the last one stopped, so the
 * reads together cover the activation up to `read.to`; the decision uses only that complete part.
 */
export function decideIdle(input: IdleInput): IdleDecision {
  const { now, delayMs, watch, since, expiresAt, read } = input;
  const timeoutMs = watch.timeout * 1000;
  const horizon = now - delayMs;
  const known = [watch.lastRequestAt === undefined ? undefined : Date.parse(watch.lastRequestAt), read?.lastRequest].filter((t): t is number => t !== undefined);
  const last = known.length === 0 ? undefined : Math.max(...known);
  const readTo = Math.max(read?.to ?? Number.NEGATIVE_INFINITY, watch.readTo === undefined ? Number.NEGATIVE_INFINITY : Date.parse(watch.readTo));
  // The log must have been read up to the horizon: otherwise nothing is known of the window's end.
  const complete = readTo >= horizon;
  const quietWindow = last === undefined || last < horizon - timeoutMs;
  const oldEnough = horizon - since >= timeoutMs;
  const lastRequestAt = last === undefined ? undefined : iso(last);
  if (complete && quietWindow && oldEnough) return { kind: 'idle', ...(lastRequestAt === undefined ? {} : { lastRequestAt }) };
  const reference = Math.max(since, last ?? since);
  const next = Math.max(reference + timeoutMs + delayMs, now + IDLE_RETRY_SECONDS * 1000);
  return {
    kind: 'watch',
    watch: {
      timeout: watch.timeout,
      checkAt: iso(Math.min(next, expiresAt)),
      ...(Number.isFinite(readTo) ? { readTo: iso(readTo) } : {}),
      ...(lastRequestAt === undefined ? {} : { lastRequestAt }),
    },
  };
}

/** Why an idle lease was revoked, as the ticket, the history and the audit event say it. */
export function idleRevokeText(timeout: number | undefined): string {
  return `revoked early: no request through its bindings for ${timeout === undefined ? 'its idle timeout' : formatDuration(timeout)} (idle timeout), per the cluster's audit log`;
}
