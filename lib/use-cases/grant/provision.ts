import { leaseAuditFields } from '../../domain/audit.js';
import { bindingManifest, type Lease } from '../../domain/lease.js';
import { dryRunMessage, scheduledMessage } from '../../domain/messages.js';
import { grantNoteText, TIMER_WARNINGS } from '../../domain/owed-comments.js';
import type { GrantNote } from '../../domain/owed-notes.js';
import { describeError, GrantDeferredError, KubeLeaseError, LeaseRaceError, publicReasons, ScheduleQuotaError } from '../../errors.js';
import { commentSafely } from '../lease-deps.js';
import { owedAnnouncement } from '../announce-grant.js';
import { verifyAccess } from '../verify-access.js';
import { failLease } from '../fail-lease.js';
import { removeLeaseResources } from '../lease-resources.js';
import type { AuditEvent } from '../../domain/audit.js';
import { closedMeanwhile } from './closed-meanwhile.js';
import { referenceFor, type GrantAccessDeps, type GrantOptions, type GrantOutcome } from './grant-types.js';

/**
 * Timers ∥ bindings (none yet for a SCHEDULED lease), then ACTIVE, then the ticket is told, all in
 * this invocation. Safe to run for one lease from several deliveries at once. A failure a retry may
 * fix defers the grant; any other ends it FAILED.
 */
export async function provision(deps: GrantAccessDeps, lease: Lease, actor: string, endClipped: boolean, options: Pick<GrantOptions, 'onDecided'> = {}): Promise<GrantOutcome> {
  const { cluster, scheduler, leases, audit, clock, logger } = deps;
  if (lease.dryRun === true) return dryRun(deps, lease, actor);
  // A grant finished late (after a crash or a long outage) never starts access after its window.
  if (clock.now().getTime() >= Date.parse(lease.expiresAt)) return failGrant(deps, lease, 'the access window ended before access could be granted', actor);
  const scheduled = lease.status === 'SCHEDULED';
  // The ACTIVE write need not wait for the timers' last step once they exist (EventBridge rules:
  // the target is attached beside it; see `armedLate`).
  let timersCreated: () => void = () => undefined;
  const created = new Promise<'created'>((resolve) => (timersCreated = () => resolve('created')));
  const timers = Promise.allSettled([scheduler.schedule(lease, scheduled ? undefined : { created: timersCreated })]);
  // Beside the bindings (no round trip added): whether the ticket closed meanwhile (a close that could
  // not list this lease yet). Strongly consistent, and after the create: one or the other sees the other.
  const [bindingSteps, [closeRead]] = await Promise.all([
    Promise.allSettled(scheduled ? [] : lease.bindings.map((binding) => cluster.applyBinding(lease.cluster, bindingManifest(lease, binding)))),
    Promise.allSettled([scheduled ? undefined : closedMeanwhile(deps, lease)]),
  ]);
  const early = !scheduled && bindingSteps.every((r) => r.status === 'fulfilled') ? await Promise.race([created, timers.then(() => 'settled' as const)]) : 'settled';
  // Undefined while the timers' last step runs (it is then awaited beside the ACTIVE write).
  const timerSteps = early === 'created' ? undefined : await timers;
  const steps = [...(timerSteps ?? []), ...bindingSteps, ...(closeRead?.status === 'rejected' ? [closeRead] : [])];
  const failures = steps.flatMap((step) => (step.status === 'rejected' ? [step.reason as unknown] : []));
  // At the rule quota, or with the timers unavailable for a lease whose access has not started,
  // the lease still starts and ends on time: the sweep activates and revokes from the index.
  const coveredBySweep = failures.filter((e) => e instanceof ScheduleQuotaError || (scheduled && transient(e)));
  const errors = failures.filter((e) => !coveredBySweep.includes(e));
  if (errors.length > 0) {
    if (lease.status === 'PENDING' && errors.every(transient)) return defer(deps, lease, actor, errors);
    return failGrant(deps, lease, errors, actor);
  }
  // The ticket closed while this grant ran: never ACTIVE; what it made goes, and the ticket hears why.
  const closed = closeRead?.status === 'fulfilled' ? closeRead.value : undefined;
  if (closed !== undefined) return failGrant(deps, lease, closed, actor, 'not-approved');
  const timerNote: GrantNote | undefined = coveredBySweep.length === 0 ? undefined : coveredBySweep.some((e) => e instanceof ScheduleQuotaError) ? 'timers-quota' : 'timers-unavailable';
  const warning = timerNote === undefined ? undefined : TIMER_WARNINGS[timerNote];
  if (warning !== undefined) logger.warn('lease timers not scheduled', { leaseId: lease.id, warning });
  // Stored as codes (the announcement may be owed): the comment's words are always kube-lease's own.
  const note: GrantNote[] = [...(endClipped ? (['clipped'] as const) : []), ...(timerNote === undefined ? [] : [timerNote])];

  const now = clock.now();
  if (scheduled) {
    audit.record({ kind: 'schedule', at: now.toISOString(), actor, ...leaseAuditFields(lease), reason: lease.reason, warning });
    await commentSafely(deps, lease.source, lease.ticketKey, scheduledMessage(lease) + grantNoteText(lease, note));
    return { kind: 'scheduled', lease };
  }
  // Access exists (every binding was answered): record it ACTIVE, owing its announcement, which
  // this writer holds. Beside the write, the access review (read-only: an attempt that loses the
  // write only drops its answer) and the timers' last step. The grant event goes out once the write
  // is won (invariant 14: a concurrent attempt that loses it stays silent); a crash right after the
  // write leaves the announcement owed, and the sweep that takes it over records the same event.
  const deferred = lease.deferredReason === undefined ? {} : { deferredReason: null };
  const reviewing = verifyAccess(deps, lease, 'allowed');
  const [moved, armed] = await Promise.all([
    leases.transition(lease, 'ACTIVE', { at: now.toISOString(), from: 'PENDING', to: 'ACTIVE', by: actor }, { ...deferred, ...owedAnnouncement(lease, note, now) }),
    timerSteps === undefined ? timers : undefined,
    options.onDecided?.(),
  ]);
  if (moved.ok) {
    audit.record({ kind: 'grant', at: now.toISOString(), actor, ...leaseAuditFields(lease), reason: lease.reason, warning });
    const late = armed?.[0];
    const extra = late?.status === 'rejected' ? armedLate(deps, moved.lease, late.reason, actor) : [];
    // Only the writer that won ACTIVE says so; the comment comes after that write. The grant stands
    // whatever happens to its announcement: one that cannot be settled stays owed for the sweep.
    await deps.announce.tell(moved.lease, reviewing, actor, extra).catch((error: unknown) => {
      logger.warn('grant announcement not settled; the sweep finishes it', { leaseId: lease.id, error: describeError(error) });
    });
    // After access works and the ticket was told: an emergency lease's review task (never throws; the sweep retries).
    await deps.reviews?.open(moved.lease, actor);
    return { kind: 'granted', lease: moved.lease };
  }
  const current = moved.current;
  if (current?.status === 'FAILED' || current?.status === 'REVOKED') {
    // Lost to a delivery that gave up on this lease (or a close): take back what this one created.
    await removeLeaseResources(current, deps);
    return { kind: 'failed', lease: current, reason: current.failureReason ?? 'ended by another delivery' };
  }
  if (current === undefined) throw new LeaseRaceError(`lease ${lease.id} vanished while activating it`);
  return { kind: 'duplicate', lease: current };
}

/**
 * The timers' last step failed after the lease turned ACTIVE (EventBridge rules: the target): the
 * access stays, and the sweep ends it on time, as at the rule quota. Recorded as a `failure`
 * event; returns the line the grant's comment adds (its code).
 */
function armedLate(deps: GrantAccessDeps, lease: Lease, error: unknown, actor: string): GrantNote[] {
  const warning = TIMER_WARNINGS['timer-not-armed'];
  const reason = `${warning} (reference ${referenceFor(deps, lease, [error], 'lease timer not armed')})`;
  deps.audit.record({ kind: 'failure', at: deps.clock.now().toISOString(), actor, ...leaseAuditFields(lease), code: 'backend-error', reason });
  return ['timer-not-armed'];
}

/** Dry run: the API server validates and authorises each binding (`dryRun=All`); nothing is stored; the lease ends at once. */
async function dryRun(deps: GrantAccessDeps, lease: Lease, actor: string): Promise<GrantOutcome> {
  const steps = await Promise.allSettled(lease.bindings.map((b) => deps.cluster.applyBinding(lease.cluster, bindingManifest(lease, b), { dryRun: true })));
  const errors = steps.flatMap((step) => (step.status === 'rejected' ? [step.reason as unknown] : []));
  if (errors.length > 0) return failGrant(deps, lease, `dry run refused: ${publicReasons(errors)} (reference ${referenceFor(deps, lease, errors, 'dry run refused')})`, actor);
  const at = deps.clock.now().toISOString();
  const ended = await deps.leases.transition(lease, 'REVOKED', { at, from: lease.status, to: 'REVOKED', by: actor, note: 'dry run' }, { revokedAt: at, revokeCause: 'dry-run' });
  if (!ended.ok) return ended.current === undefined ? { kind: 'failed', lease, reason: 'lease vanished' } : { kind: 'duplicate', lease: ended.current };
  deps.audit.record({ kind: 'grant', at, actor, ...leaseAuditFields(ended.lease), reason: 'dry run: nothing was created' });
  await commentSafely(deps, ended.lease.source, ended.lease.ticketKey, dryRunMessage(ended.lease));
  return { kind: 'dry-run', lease: ended.lease };
}

/**
 * Ends a grant for good through `failLease`. `errors` are what went wrong: the ticket, the audit
 * event and the HTTP answer get their public reasons and a reference; the log line under that
 * reference the detail. Lost to another attempt, that attempt's outcome stands.
 */
export async function failGrant(deps: GrantAccessDeps, lease: Lease, errors: readonly unknown[] | string, actor: string, code?: AuditEvent['code']): Promise<GrantOutcome> {
  const reason = typeof errors === 'string' ? errors : `${publicReasons(errors)} (reference ${referenceFor(deps, lease, errors, 'grant failed')})`;
  const result = await failLease(deps, lease, reason, actor, code);
  if (result.kind === 'failed') return result;
  const current = result.current;
  if (current === undefined) throw new LeaseRaceError(`lease ${lease.id} vanished while failing it`);
  if (current.status === 'FAILED' || current.status === 'REVOKED') {
    // Ended by another attempt, which told the ticket: only take back what this one created.
    await removeLeaseResources(current, deps);
    return { kind: 'failed', lease: current, reason: current.failureReason ?? 'ended by another delivery' };
  }
  // Another attempt holds the lease (it took it over, or made it ACTIVE): its outcome stands.
  return { kind: 'duplicate', lease: current };
}

/**
 * A failure a retry may fix: undo this attempt, keep the lease PENDING with the reason, and throw
 * GrantDeferredError (the webhook answers 503). The next delivery, or the sweep after the grace
 * period, provisions it again; the approval is not spent. The version bump fences a concurrent
 * attempt: it can no longer turn the lease ACTIVE with bindings this one removes.
 */
async function defer(deps: GrantAccessDeps, lease: Lease, actor: string, errors: readonly unknown[]): Promise<GrantOutcome> {
  const reason = `${publicReasons(errors)} (reference ${referenceFor(deps, lease, errors, 'grant deferred')})`;
  const at = deps.clock.now().toISOString();
  const moved = await deps.leases.transition(lease, 'PENDING', { at, from: 'PENDING', to: 'PENDING', by: actor, note: `not granted yet, will retry: ${reason}` }, { deferredReason: reason });
  if (!moved.ok) {
    // Another delivery decided this lease meanwhile; its outcome stands.
    if (moved.current?.status === 'ACTIVE') return { kind: 'duplicate', lease: moved.current };
    if (moved.current === undefined) throw new LeaseRaceError(`lease ${lease.id} vanished while deferring it`);
    if (moved.current.status !== 'PENDING') return { kind: 'failed', lease: moved.current, reason: moved.current.failureReason ?? 'ended by another delivery' };
  }
  const current = moved.ok ? moved.lease : (moved.current ?? lease);
  const leftovers = await removeLeaseResources(current, deps);
  const left = leftovers.length === 0 ? '' : `; could not remove ${leftovers.join(', ')} yet (the sweep will)`;
  deps.audit.record({ kind: 'failure', at, actor, ...leaseAuditFields(current), code: 'backend-unavailable', reason: `${reason}; nothing granted yet, the grant will be retried${left}` });
  const retryAfter = errors.map((e) => (e instanceof KubeLeaseError ? e.retryAfterSeconds : undefined)).find((s) => s !== undefined);
  throw new GrantDeferredError(`lease ${lease.id} could not be granted for now: ${errors.map(describeError).join('; ')}`, { retryAfterSeconds: retryAfter });
}

/** A failure that a retry may fix (the adapters class each error on purpose). */
export function transient(error: unknown): boolean {
  return error instanceof KubeLeaseError && error.retryable;
}
