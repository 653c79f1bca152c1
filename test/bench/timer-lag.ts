import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeRuleScheduler } from '../../lib/adapters/eventbridge/eventbridge-rule-scheduler.js';
import { atExpression, EventBridgeScheduler } from '../../lib/adapters/eventbridge/eventbridge-scheduler.js';
import { oneShotCron } from '../../lib/adapters/eventbridge/one-shot-cron.js';
import type { Lease } from '../../lib/domain/lease.js';
import type { LeaseScheduler } from '../../lib/ports/lease-scheduler.js';
import type { ActivateOutcome } from '../../lib/use-cases/activate-lease.js';
import type { RevokeOutcome } from '../../lib/use-cases/revoke-lease.js';
import { makeTimerTargets } from '../../lib/use-cases/wait-for-moment.js';
import { FixedClock } from '../fakes/memory-ports.js';
import { MemoryLogger } from '../fakes/memory-audit-log.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { stats, type Stats } from './grant-bench.js';

/**
 * Timer lag in AWS, modelled: when an EventBridge timer fires is not something this machine can
 * measure, so each lease's timer is armed by the real adapter (its expression captured), fires at a
 * time drawn from the model below, and the real timer target (wait-for-moment + the use case's
 * entry) runs on a virtual clock; the work after it (the revoke's DELETE, the activation's creates)
 * is drawn from what the bench measured on this machine.
 *
 * Firing model, per AWS documentation:
 * - rules: the cron names a whole minute ("the finest resolution using a cron expression is one
 *   minute", EventBridge tutorial for Lambda); modelled like Scheduler's documented precision: the
 *   minute's start + U[0, 60 s).
 * - EventBridge Scheduler (FlexibleTimeWindow OFF): "all schedule types invoke their targets with 60
 *   second precision … at 1:00 … between 1:00:00 and 1:00:59" → the at() time + U[0, 60 s). For the
 *   old arming, whose at() carries seconds, the same spread is assumed from that second on.
 * - both: "a delay of several seconds between the time the scheduled rule is triggered and the time
 *   the target service runs the target resource" (EventBridge tutorial) and the function's cold
 *   start → + U[0, 10 s) (several seconds, taken wide).
 * - the function sleeps with setTimeout, which wakes 0–2 ms late → U[0, 2 ms); each read of the
 *   lease (DynamoDB GetItem) takes U[0, 10 ms).
 */
export const FIRING_MODEL = {
  spreadMs: 60_000,
  deliveryMs: 10_000,
  wakeMs: 2,
  readMs: 10,
  timeoutMs: 190_000,
} as const;

export type Backend = 'rules' | 'scheduler';
export type Arming = 'old' | 'new';
export type TimerKind = 'revocation' | 'activation';

export interface TimerLagFigure {
  readonly backend: Backend;
  readonly arming: Arming;
  readonly kind: TimerKind;
  /** Moment → access gone (revocation) or working (activation), ms. */
  readonly lag: Stats;
  /** Mean time the invocation waited for the moment, ms (0 with the old arming). */
  readonly meanWaitMs: number;
  /** Mean invocation duration (wait + work), ms. */
  readonly meanDurationMs: number;
}

/** A small seeded generator (mulberry32), so a run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The moment an expression names: `cron(m h d M ? y)` (UTC) or `at(yyyy-mm-ddThh:mm:ss)` (UTC). */
export function expressionTime(expression: string): number {
  const cron = /^cron\((\d+) (\d+) (\d+) (\d+) \? (\d{4})\)$/.exec(expression);
  if (cron !== null) {
    const [, m, h, d, mo, y] = cron.map(Number) as [number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h, m);
  }
  const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(expression);
  if (at?.[1] !== undefined) return Date.parse(`${at[1]}Z`);
  throw new Error(`not a one-shot expression: ${expression}`);
}

/** The expression the real adapter writes for the lease's timer of `kind`, armed at `now`. */
async function armedExpression(backend: Backend, lease: Lease, kind: TimerKind, now: Date): Promise<string> {
  const puts: { Name?: string; ScheduleExpression?: string }[] = [];
  const client = { send: (command: { input: { Name?: string; ScheduleExpression?: string } }) => (puts.push(command.input), Promise.resolve({})) };
  const clock = { now: () => now };
  const scheduler: LeaseScheduler =
    backend === 'rules'
      ? new EventBridgeRuleScheduler(client as unknown as EventBridgeClient, { revokeFunctionArn: 'arn:revoke', activateFunctionArn: 'arn:activate', clock })
      : new EventBridgeScheduler(client as unknown as SchedulerClient, { revokeFunctionArn: 'arn:revoke', activateFunctionArn: 'arn:activate', roleArn: 'arn:role', groupName: 'g', namePrefix: 'p', clock });
  await scheduler.schedule(lease);
  const name = kind === 'activation' ? `${lease.scheduleName}-start` : lease.scheduleName;
  const put = puts.find((p) => p.Name === name && p.ScheduleExpression !== undefined);
  if (put?.ScheduleExpression === undefined) throw new Error(`no ${kind} timer armed for ${backend}`);
  return put.ScheduleExpression;
}

/** The expression the code before issue 26 wrote: at the moment, rounded up (whole minute for rules, second for Scheduler). */
function oldExpression(backend: Backend, moment: Date): string {
  return backend === 'rules' ? oneShotCron(moment) : atExpression(moment);
}

/**
 * Runs `samples` leases per backend × arming × kind through the model. `work` holds measured
 * durations (ms) of the act itself: the revoke (expiry → binding deleted, local mode) and the
 * activation (→ the last binding created).
 */
export async function timerLag(samples: number, work: { readonly revocation: readonly number[]; readonly activation: readonly number[] }, seed = 26): Promise<TimerLagFigure[]> {
  const figures: TimerLagFigure[] = [];
  for (const backend of ['rules', 'scheduler'] as const) {
    for (const kind of ['revocation', 'activation'] as const) {
      for (const arming of ['old', 'new'] as const) {
        const draw = random(seed);
        const lags: number[] = [];
        let waited = 0;
        let duration = 0;
        for (let i = 0; i < samples; i += 1) {
          // A moment anywhere in a day (to the millisecond), armed between 5 minutes and 8 hours before.
          const moment = Date.UTC(2026, 2, 2) + Math.floor(draw() * 86_400_000);
          const armedAt = new Date(moment - 300_000 - Math.floor(draw() * 8 * 3600_000));
          const base = leaseFixture(`${String(i).padStart(20, '0')}`.slice(-20), new Date(kind === 'revocation' ? moment : moment + 3600_000).toISOString(), kind === 'revocation' ? 'ACTIVE' : 'SCHEDULED');
          const lease: Lease = { ...base, startsAt: new Date(kind === 'activation' ? moment : moment - 3600_000).toISOString() };
          const expression = arming === 'new' ? await armedExpression(backend, lease, kind, armedAt) : oldExpression(backend, new Date(moment));
          const fired = expressionTime(expression) + draw() * FIRING_MODEL.spreadMs + draw() * FIRING_MODEL.deliveryMs;
          // The real target on a virtual clock: it waits (setTimeout wakes a little late), reads, acts.
          const clock = new FixedClock(new Date(fired));
          let actedAt = Number.NaN;
          const targets = makeTimerTargets({
            leases: {
              get: () => {
                clock.advance(draw() * FIRING_MODEL.readMs);
                return Promise.resolve(lease);
              },
            },
            clock,
            logger: new MemoryLogger(),
            sleep: (ms) => {
              clock.advance(ms + draw() * FIRING_MODEL.wakeMs);
              return Promise.resolve();
            },
            revokeLease: () => {
              actedAt = clock.now().getTime();
              return Promise.resolve({ kind: 'revoked', lease } as RevokeOutcome);
            },
            activateLease: () => {
              actedAt = clock.now().getTime();
              return Promise.resolve({ kind: 'activated', lease } as ActivateOutcome);
            },
          });
          const input = { leaseId: lease.id, remainingMs: () => FIRING_MODEL.timeoutMs - (clock.now().getTime() - fired) };
          if (arming === 'new') await (kind === 'revocation' ? targets.revokeOnTime(input) : targets.activateOnTime(input));
          // The old target acted on arrival (and found a lease not yet due when a timer fired early).
          else actedAt = fired;
          const sample = work[kind];
          const act = sample[Math.floor(draw() * sample.length)] ?? 0;
          if (Number.isNaN(actedAt) || actedAt < moment) throw new Error(`${backend} ${arming} ${kind}: the target acted ${Number.isNaN(actedAt) ? 'never' : 'before the moment'}`);
          lags.push(actedAt + act - moment);
          waited += actedAt - fired;
          duration += actedAt - fired + act;
        }
        figures.push({ backend, arming, kind, lag: stats(lags), meanWaitMs: waited / samples, meanDurationMs: duration / samples });
      }
    }
  }
  return figures;
}
