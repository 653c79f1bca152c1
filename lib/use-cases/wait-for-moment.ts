import type { Lease } from '../domain/lease.js';
import type { Clock } from '../ports/clock.js';
import { MAX_TIMER_WAIT_MS } from '../ports/lease-scheduler.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { ActivateLeaseInput, ActivateOutcome } from './activate-lease.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

/** Which moment a timer is for: the lease's expiry (revoke) or its change window's start (activate). */
export type TimerKind = 'revoke' | 'activate';

/**
 * Time kept for the work after the wait (the revoke or activation itself, with its retries) and a
 * margin before the invocation's end: a wait never runs into it.
 */
export const WORK_RESERVE_MS = 35_000;

/** A timer slightly more early than MAX_TIMER_WAIT_MS is still one of ours (clock skew, a slow cold start). */
const EARLY_SLACK_MS = 5_000;

/** Rounds of wait → read again; a timer wakes at the moment (or a millisecond early), so two suffice but for extensions. */
const MAX_ROUNDS = 5;

export interface WaitForMomentDeps {
  readonly leases: Pick<LeaseStore, 'get'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Resolves after `ms` milliseconds (setTimeout in Lambda). */
  readonly sleep: (ms: number) => Promise<void>;
}

export interface WaitForMomentInput {
  readonly leaseId: string;
  /** Milliseconds left in the invocation (Lambda's getRemainingTimeInMillis); Infinity outside one. */
  readonly remainingMs: () => number;
}

export type WaitOutcome =
  /** The moment has come (or there is nothing to wait for): act now; the use case reads the lease again. */
  | { readonly kind: 'due'; readonly waitedMs: number }
  /** The moment is further away than this invocation may wait: nothing was done; a later timer or the sweep acts. */
  | { readonly kind: 'early'; readonly moment: string; readonly waitedMs: number };

/** The moment a timer of `kind` acts at for this lease, or undefined when it should act at once (let the use case decide). */
function momentOf(lease: Lease, kind: TimerKind): string | undefined {
  if (kind === 'activate') return lease.status === 'SCHEDULED' ? lease.startsAt : undefined;
  return lease.status === 'REVOKED' || lease.status === 'FAILED' ? undefined : lease.expiresAt;
}

/**
 * The step an AWS timer's target runs before its use case: timers are armed ahead of their moment
 * (TIMER_LEAD_MS), so the target waits until the moment itself, then reads the lease again (an
 * extension may have moved the moment, an early revoke may have ended it) and, once it is due, lets
 * the use case act. Only reads: a crash while waiting loses nothing (Lambda's retry or the sweep acts).
 * A wait never runs past the invocation's remaining time less WORK_RESERVE_MS; a timer that fires
 * after its moment is due at once.
 */
export function makeWaitForMoment(deps: WaitForMomentDeps): (kind: TimerKind, input: WaitForMomentInput) => Promise<WaitOutcome> {
  const { leases, clock, logger, sleep } = deps;
  return async function waitForMoment(kind, { leaseId, remainingMs }) {
    let waitedMs = 0;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const lease = await leases.get(leaseId);
      const moment = lease === undefined ? undefined : momentOf(lease, kind);
      if (moment === undefined) return { kind: 'due', waitedMs };
      const left = Date.parse(moment) - clock.now().getTime();
      if (left <= 0) return { kind: 'due', waitedMs };
      const budget = Math.min(remainingMs() - WORK_RESERVE_MS, MAX_TIMER_WAIT_MS + EARLY_SLACK_MS);
      if (left > budget) {
        // Further than any armed timer fires early: a timer from before an extension (the new one
        // fires later). Within it: this invocation cannot wait that long (its timeout is too short).
        if (left <= MAX_TIMER_WAIT_MS + EARLY_SLACK_MS) logger.warn('timer fired earlier than this invocation can wait; the sweep acts at the moment', { leaseId, kind, moment, leftMs: left, remainingMs: remainingMs() });
        else logger.info('timer is early for the lease\'s current moment; nothing to do', { leaseId, kind, moment });
        return { kind: 'early', moment, waitedMs };
      }
      await sleep(left);
      waitedMs += left;
    }
    return { kind: 'due', waitedMs };
  };
}

export type EarlyOutcome = Extract<WaitOutcome, { kind: 'early' }>;

/** The two AWS timer targets (their timers fire ahead of the moment). */
export interface OnTimeTargets {
  /**
   * Waits for the lease's expiry, reads it again, then revokes; a timer further ahead than the
   * invocation may wait does nothing ('early').
   */
  readonly revokeOnTime: (input: WaitForMomentInput) => Promise<RevokeOutcome | EarlyOutcome>;
  /** Waits for a SCHEDULED lease's start, reads it again, then activates; 'early' likewise. */
  readonly activateOnTime: (input: WaitForMomentInput) => Promise<ActivateOutcome | EarlyOutcome>;
}

/** The AWS timer targets: wait for the moment (above), then revoke at expiry or activate at the start. */
export function makeTimerTargets(
  deps: WaitForMomentDeps & {
    readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
    readonly activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
  },
): OnTimeTargets {
  const waitForMoment = makeWaitForMoment(deps);
  return {
    revokeOnTime: async (input) => {
      const waited = await waitForMoment('revoke', input);
      return waited.kind === 'early' ? waited : deps.revokeLease({ leaseId: input.leaseId, cause: 'expiry', actor: 'eventbridge' });
    },
    activateOnTime: async (input) => {
      const waited = await waitForMoment('activate', input);
      return waited.kind === 'early' ? waited : deps.activateLease({ leaseId: input.leaseId, actor: 'eventbridge' });
    },
  };
}

/** A sleep on the event loop's timer. */
export const timerSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
