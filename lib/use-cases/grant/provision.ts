import { leaseAuditFields } from '../../domain/audit.js';
import { bindingManifest, type Lease } from '../../domain/lease.js';
import { clippedNote, dryRunMessage, grantedMessage, scheduledMessage } from '../../domain/messages.js';
import { describeError, GrantDeferredError, KubeLeaseError, LeaseRaceError, publicReasons, ScheduleQuotaError } from '../../errors.js';
import { DEFAULT_ACCESS_CHECK } from '../../domain/catalog.js';
import { auditVerification, grantVerifiedLine } from '../../domain/verification.js';
import { commentSafely } from '../lease-deps.js';
import { verifyAccess } from '../verify-access.js';
import { failLease } from '../fail-lease.js';
import { removeLeaseResources } from '../lease-resources.js';
import type { AnnouncementQueue } from '../../ports/grant-follow-up.js';
import type { TransitionResult } from '../../ports/lease-store.js';
import { referenceFor, type GrantAccessDeps, type GrantOptions, type GrantOutcome } from './grant-types.js';

/** A grant answered first is announced by the sweep this long after, if its follow-up never came. */
export const ANNOUNCE_BACKSTOP_SECONDS = 120;

/**
 * Timers ∥ bindings (none yet for a SCHEDULED lease), then ACTIVE. Safe to run for one lease from
 * several deliveries at once. A failure a retry may fix defers the grant; any other ends it FAILED.
 */
export async function provision(deps: GrantAccessDeps, lease: Lease, actor: string, endClipped: boolean, options: Pick<GrantOptions, 'onDecided' | 'answerFirst'> = {}): Promise<GrantOutcome> {
  const { cluster, scheduler, leases, audit, clock, logger } = deps;
  if (lease.dryRun === true) return dryRun(deps, lease, actor);
  // A grant finished late (after a crash or a long outage) never starts access after its window.
  if (clock.now().getTime() >= Date.parse(lease.expiresAt)) return failGrant(deps, lease, 'the access window ended before access could be granted', actor);
  const scheduled = lease.status === 'SCHEDULED';
  // Answering first: the lease goes on the announcement queue beside its bindings, before it can turn
  // ACTIVE, so a crash at any later point leaves the announcement to the sweep (and one before it
  // leaves a PENDING lease, which the sweep finishes and announces inline). A queue that cannot be
  // written only means announcing inline.
  const later = options.answerFirst === true && !scheduled ? deps.announceLater : undefined;
  const queued = later?.queue.queue(lease.id, new Date(clock.now().getTime() + ANNOUNCE_BACKSTOP_SECONDS * 1000)).then(
    () => true,
    (error: unknown) => {
      logger.warn('grant not queued for announcement; announcing it now', { leaseId: lease.id, error: describeError(error) });
      return false;
    },
  );
  // Answering first, the ACTIVE write need not wait for the timers' last step once they exist
  // (EventBridge rules: the target is attached beside it; see `armedLate`).
  let timersCreated: () => void = () => undefined;
  const created = new Promise<'created'>((resolve) => (timersCreated = () => resolve('created')));
  const timers = Promise.allSettled([scheduler.schedule(lease, later === undefined ? undefined : { created: timersCreated })]);
  const bindings = Promise.allSettled(scheduled ? [] : lease.bindings.map((binding) => cluster.applyBinding(lease.cluster, bindingManifest(lease, binding))));
  // The access review starts as soon as the bindings exist, beside the timers' last call (PutTargets):
  // it is read-only, so an attempt that fails after all only drops its answer.
  const verifying = later !== undefined ? undefined : bindings.then((results) => (scheduled || results.some((r) => r.status === 'rejected') ? undefined : verifyAccess(deps, lease, 'allowed')));
  const bindingSteps = await bindings;
  const announceLater = later !== undefined && (await queued) === true ? later : undefined;
  const early = announceLater !== undefined && bindingSteps.every((r) => r.status === 'fulfilled') ? await Promise.race([created, timers.then(() => 'settled' as const)]) : 'settled';
  // Undefined while the timers' last step runs (it is then awaited beside the ACTIVE write).
  const timerSteps = early === 'created' ? undefined : await timers;
  const steps = [...(timerSteps ?? []), ...bindingSteps];
  const failures = steps.flatMap((step) => (step.status === 'rejected' ? [step.reason as unknown] : []));
  // At the rule quota, or with the timers unavailable for a lease whose access has not started,
  // the lease still starts and ends on time: the sweep activates and revokes from the index.
  const coveredBySweep = failures.filter((e) => e instanceof ScheduleQuotaError || (scheduled && transient(e)));
  const errors = failures.filter((e) => !coveredBySweep.includes(e));
  if (errors.length > 0) {
    if (lease.status === 'PENDING' && errors.every(transient)) return defer(deps, lease, actor, errors);
    return failGrant(deps, lease, errors, actor);
  }
  const warning =
    coveredBySweep.length === 0
      ? undefined
      : coveredBySweep.some((e) => e instanceof ScheduleQuotaError)
        ? 'no EventBridge rule could be created (quota reached); the periodic sweep will end this access on time'
        : 'the timers could not be set now; the periodic sweep will start and end this access on time';
  if (warning !== undefined) logger.warn('lease timers not scheduled', { leaseId: lease.id, warning });
  const note = (endClipped ? clippedNote(lease) : '') + (warning === undefined ? '' : `\nNote: ${warning}.`);

  const now = clock.now().toISOString();
  if (scheduled) {
    audit.record({ kind: 'schedule', at: now, actor, ...leaseAuditFields(lease), reason: lease.reason, warning });
    await commentSafely(deps, lease.source, lease.ticketKey, scheduledMessage(lease) + note);
    return { kind: 'scheduled', lease };
  }
  const deferred = lease.deferredReason === undefined ? {} : { deferredReason: null };
  let moved: TransitionResult;
  if (announceLater !== undefined) {
    // Access exists and is recorded: answer now. The review and the comment follow (see announce-grant).
    audit.record({ kind: 'grant', at: now, actor, ...leaseAuditFields(lease), reason: lease.reason, warning });
    const written = leases.transition(lease, 'ACTIVE', { at: now, from: 'PENDING', to: 'ACTIVE', by: actor }, { ...deferred, grantNote: note });
    const arming = timerSteps === undefined ? timers : undefined;
    // An in-process announcement waits for the timers too (a remote one is asked for at once).
    const ready = Promise.all([written, arming]);
    ready.catch(() => undefined);
    const asked = announceLater.followUp.request(lease.id, ready).catch((error: unknown) => {
      logger.warn('grant announcement not requested; the sweep announces it', { leaseId: lease.id, error: describeError(error) });
    });
    const [result, armed] = await Promise.all([written, arming, asked, options.onDecided?.()]);
    const late = armed?.[0];
    if (result.ok && late?.status === 'rejected') await armedLate(deps, announceLater.queue, result.lease, note, late.reason, actor);
    moved = result;
  } else {
    // The bindings exist, so access exists: ask the API server whether it works, then record and
    // tell it, before the state change. A crash between here and ACTIVE makes the recovery ask and
    // tell it again (at least once), never not at all.
    const check = lease.accessCheck ?? DEFAULT_ACCESS_CHECK;
    // (`verifying` is undefined only for a scheduled lease or a failed binding, both returned above, or when answering first.)
    const verification = (await verifying) ?? (await verifyAccess(deps, lease, 'allowed'));
    audit.record({ kind: 'grant', at: now, actor, ...leaseAuditFields(lease), reason: lease.reason, warning, verification: auditVerification(check, verification) });
    // The comment runs beside the last write: it never delays access, and the audit event above
    // is already out whatever happens to either.
    [moved] = await Promise.all([
      leases.transition(lease, 'ACTIVE', { at: now, from: 'PENDING', to: 'ACTIVE', by: actor }, { ...deferred, verification: { granted: verification } }),
      commentSafely(deps, lease.source, lease.ticketKey, `${grantedMessage(lease)}\n${grantVerifiedLine(lease, check, verification)}${note}`),
      options.onDecided?.(),
    ]);
  }
  if (moved.ok) return { kind: 'granted', lease: moved.lease };
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
 * The timers' last step failed after the lease turned ACTIVE (answering first): the access stays,
 * and the sweep ends it on time, as at the rule quota. Recorded as a `failure` event, and told on
 * the ticket: in the announcement if none has started yet, else in a comment of its own.
 */
async function armedLate(deps: GrantAccessDeps, queue: AnnouncementQueue, lease: Lease, note: string, error: unknown, actor: string): Promise<void> {
  const warning = 'the revoke timer could not be set; the periodic sweep will end this access on time';
  const reason = `${warning} (reference ${referenceFor(deps, lease, [error], 'lease timer not armed')})`;
  deps.audit.record({ kind: 'failure', at: deps.clock.now().toISOString(), actor, ...leaseAuditFields(lease), code: 'backend-error', reason });
  const amended = await queue.amendNote(lease.id, `${note}\nNote: ${warning}.`).catch((failure: unknown) => {
    deps.logger.warn('could not add the timer warning to the announcement', { leaseId: lease.id, error: describeError(failure) });
    return false;
  });
  if (!amended) await commentSafely(deps, lease.source, lease.ticketKey, `Note on lease ${lease.id}: ${warning}.`);
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
export async function failGrant(deps: GrantAccessDeps, lease: Lease, errors: readonly unknown[] | string, actor: string): Promise<GrantOutcome> {
  const reason = typeof errors === 'string' ? errors : `${publicReasons(errors)} (reference ${referenceFor(deps, lease, errors, 'grant failed')})`;
  const result = await failLease(deps, lease, reason, actor);
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
