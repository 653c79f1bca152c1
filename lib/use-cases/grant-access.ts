import type { Catalog } from '../domain/catalog.js';
import { leaseAuditFields } from '../domain/audit.js';
import { bindingManifest, lastActivityAt, OPEN_STATUSES, type Lease } from '../domain/lease.js';
import { idempotencyKey, newLease } from '../domain/lease-factory.js';
import {
  clippedNote,
  deniedMessage,
  dryRunMessage,
  extendedMessage,
  failedMessage,
  grantedMessage,
  notExtendedMessage,
  scheduledMessage,
} from '../domain/messages.js';
import { decide, EMPTY_CONTEXT, notARequest, type DecisionContext, type DenialCode, type GrantPlan } from '../domain/policy.js';
import { leaseIdFor } from '../domain/names.js';
import { ownerOf } from '../ports/cluster.js';
import type { Metrics } from '../ports/metrics.js';
import { findProfile } from '../domain/catalog.js';
import { personLabel, type TicketSnapshot } from '../domain/ticket.js';
import { describeError, GrantDeferredError, KubeLeaseError, publicReasons, ScheduleQuotaError } from '../errors.js';
import { newReference } from '../ids.js';
import { sourceOf } from '../ports/ticket-source.js';
import { commentSafely, type LeaseDeps } from './lease-deps.js';
import { removeLeaseResources } from './lease-resources.js';

export interface GrantAccessDeps extends LeaseDeps {
  readonly catalog: Catalog;
  /** Prefix of schedule (rule) names; IAM permissions are scoped to it. */
  readonly schedulePrefix: string;
  /** A PENDING lease older than this is taken as abandoned by a crashed delivery and finished by the next one. */
  readonly pendingGraceSeconds: number;
  /** Counts tickets that are no access request (`Ignored`), which get no audit event. */
  readonly metrics?: Metrics;
}

export interface GrantOptions {
  /**
   * The ticket's leases when the caller read them already (beside the ticket). A snapshot a moment
   * old is safe: the conditional create is what keeps one approval to one lease, and an approval
   * claim can only exist once the ticket has a lease.
   */
  readonly ticketLeases?: readonly Lease[];
  /**
   * Called once the outcome is decided and recorded, beside the grant's last write, so that the
   * caller's own bookkeeping (the webhook's delivery record) adds no round trip to a grant.
   */
  readonly onDecided?: () => Promise<void>;
}

export type GrantOutcome =
  | { readonly kind: 'granted'; readonly lease: Lease }
  | { readonly kind: 'dry-run'; readonly lease: Lease }
  | { readonly kind: 'scheduled'; readonly lease: Lease }
  | { readonly kind: 'extended'; readonly lease: Lease; readonly previousExpiresAt: string }
  | { readonly kind: 'not-extended'; readonly lease: Lease; readonly reason: string }
  | { readonly kind: 'duplicate'; readonly lease: Lease }
  | { readonly kind: 'denied'; readonly code: DenialCode; readonly reason: string }
  | { readonly kind: 'failed'; readonly lease: Lease; readonly reason: string }
  /** This approval was decided before (denied): a repeat says nothing and grants nothing. */
  | { readonly kind: 'already-decided'; readonly code: string; readonly reason: string }
  /** Not an access request at all (see `notARequest`): no decision, no comment. */
  | { readonly kind: 'ignored'; readonly reason: string };

/** How many times an extension re-reads and retries after losing a compare-and-swap. */
const EXTEND_ATTEMPTS = 4;

/**
 * Turns an approved ticket into a lease: decide, record the lease (the idempotency point), then
 * schedule its timers and create the bindings in parallel, then ACTIVE. A new approval of a ticket
 * whose lease is still open extends that lease instead. Errors that a retry may fix (ITSM or
 * DynamoDB unavailable) are thrown so the webhook answers 5xx.
 */
export function makeGrantAccess(deps: GrantAccessDeps): (ticket: TicketSnapshot, actor: string, options?: GrantOptions) => Promise<GrantOutcome> {
  const { catalog, tickets, cluster, leases, scheduler, audit, clock, logger } = deps;

  const comment = (source: TicketSnapshot['source'], key: string, text: string) => commentSafely(deps, source, key, text);

  /**
   * A denial. Of an identified approval it is recorded under that approval first (the id its lease
   * would have had), so the approval can never grant later and a repeat stays quiet. The comment
   * never says "nothing was granted" on a ticket whose earlier access is still open.
   */
  async function denied(ticket: TicketSnapshot, code: DenialCode, reason: string, actor: string, options: GrantOptions): Promise<GrantOutcome> {
    const ofTicket = options.ticketLeases ?? (await leases.listForTicket(ticket.source, ticket.key));
    const approval = ticket.state === 'approved' ? ticket.approval : undefined;
    if (approval !== undefined) {
      // Already applied to a lease (it granted or extended it): decided, and "approved" stands.
      if (ofTicket.some((l) => l.approvals.includes(approval.id))) return { kind: 'already-decided', code, reason };
      const key = idempotencyKey({ ticket, approval });
      const at = clock.now().toISOString();
      const recorded = await leases.recordDenial({ leaseId: leaseIdFor(key), idempotencyKey: key, source: ticket.source, ticketKey: ticket.key, code, reason, at, by: actor });
      if (!recorded) return { kind: 'already-decided', code, reason };
    }
    audit.record({
      kind: 'deny',
      at: clock.now().toISOString(),
      actor,
      source: ticket.source,
      ticket: ticket.key,
      ticketUrl: ticket.url,
      requester: ticket.requester === undefined ? undefined : personLabel(ticket.requester),
      approver: ticket.approval?.approvers.map(personLabel).join(', '),
      profile: ticket.requestedProfile?.slice(0, 100),
      code,
      reason,
    });
    const open = ofTicket.filter((l) => OPEN_STATUSES.includes(l.status));
    await comment(ticket.source, ticket.key, deniedMessage(reason, open));
    return { kind: 'denied', code, reason };
  }

  /**
   * Ends a grant for good. `errors` are what went wrong: the ticket, the audit event and the HTTP
   * answer get their public reasons and a reference; the log line under that reference the detail.
   */
  async function fail(lease: Lease, errors: readonly unknown[] | string, actor: string): Promise<GrantOutcome> {
    const reason = typeof errors === 'string' ? errors : `${publicReasons(errors)} (reference ${reference(lease, errors, 'grant failed')})`;
    const now = clock.now().toISOString();
    const moved = await leases.transition(lease, 'FAILED', { at: now, from: lease.status, to: 'FAILED', by: actor, note: reason }, { failureReason: reason });
    if (!moved.ok) {
      // Another delivery finished this lease first; its outcome stands.
      if (moved.current?.status === 'ACTIVE') return { kind: 'duplicate', lease: moved.current };
      if (moved.current === undefined) throw new Error(`lease ${lease.id} vanished while failing it`);
      lease = moved.current;
    } else {
      lease = moved.lease;
    }
    // Only now that the lease is terminal may its resources go: a concurrent finisher that
    // created a binding after this point loses its ACTIVE transition and removes it itself.
    const leftovers = await removeLeaseResources(lease, { cluster, scheduler, logger });
    const fullReason = leftovers.length === 0 ? reason : `${reason}; could not remove ${leftovers.join(', ')} (the sweep will)`;
    audit.record({ kind: 'failure', at: clock.now().toISOString(), actor, ...leaseAuditFields(lease), code: 'backend-error', reason: fullReason });
    await comment(lease.source, lease.ticketKey, failedMessage(lease, fullReason, leftovers.length === 0));
    return { kind: 'failed', lease, reason: fullReason };
  }

  /**
   * The per-requester cap, exact: the lease takes one of the requester's places before anything is
   * created for it. Refused → the lease ends FAILED before any side effect (the approval is decided)
   * and the ticket hears a denial. Undefined when the lease may go on.
   */
  async function admit(lease: Lease, ticket: TicketSnapshot, actor: string, options: GrantOptions): Promise<GrantOutcome | undefined> {
    const max = catalog.maxActiveLeasesPerRequester;
    if (max === undefined) return undefined;
    const place = await leases.reservePlace(lease, max);
    if (place.ok) return undefined;
    const reason = `the requester already holds ${place.held} open lease(s), the most allowed is ${max}`;
    const at = clock.now().toISOString();
    const moved = await leases.transition(lease, 'FAILED', { at, from: lease.status, to: 'FAILED', by: actor, note: `too-many-leases: ${reason}` }, { failureReason: reason });
    if (!moved.ok) return moved.current === undefined ? { kind: 'failed', lease, reason } : { kind: 'duplicate', lease: moved.current };
    audit.record({
      kind: 'deny',
      at,
      actor,
      source: ticket.source,
      ticket: ticket.key,
      ticketUrl: ticket.url,
      requester: personLabel(lease.requester),
      approver: lease.approvers.map(personLabel).join(', '),
      profile: lease.profile,
      code: 'too-many-leases',
      reason,
    });
    const ofTicket = options.ticketLeases ?? (await leases.listForTicket(ticket.source, ticket.key));
    await comment(ticket.source, ticket.key, deniedMessage(reason, ofTicket.filter((l) => OPEN_STATUSES.includes(l.status) && l.id !== lease.id)));
    return { kind: 'denied', code: 'too-many-leases', reason };
  }

  /** Dry run: the API server validates and authorises each binding (`dryRun=All`); nothing is stored; the lease ends at once. */
  async function dryRun(lease: Lease, actor: string): Promise<GrantOutcome> {
    const steps = await Promise.allSettled(lease.bindings.map((b) => cluster.applyBinding(lease.cluster, bindingManifest(lease, b), { dryRun: true })));
    const errors = steps.flatMap((step) => (step.status === 'rejected' ? [step.reason as unknown] : []));
    if (errors.length > 0) return fail(lease, `dry run refused: ${publicReasons(errors)} (reference ${reference(lease, errors, 'dry run refused')})`, actor);
    const at = clock.now().toISOString();
    const ended = await leases.transition(lease, 'REVOKED', { at, from: lease.status, to: 'REVOKED', by: actor, note: 'dry run' }, { revokedAt: at, revokeCause: 'dry-run' });
    if (!ended.ok) return ended.current === undefined ? { kind: 'failed', lease, reason: 'lease vanished' } : { kind: 'duplicate', lease: ended.current };
    audit.record({ kind: 'grant', at, actor, ...leaseAuditFields(ended.lease), reason: 'dry run: nothing was created' });
    await comment(ended.lease.source, ended.lease.ticketKey, dryRunMessage(ended.lease));
    return { kind: 'dry-run', lease: ended.lease };
  }

  /** Timers ∥ bindings (none yet for a SCHEDULED lease), then ACTIVE. Safe to run for one lease from several deliveries at once. */
  async function provision(lease: Lease, actor: string, endClipped: boolean, onDecided?: () => Promise<void>): Promise<GrantOutcome> {
    if (lease.dryRun === true) return dryRun(lease, actor);
    // A grant finished late (after a crash or a long outage) never starts access after its window.
    if (clock.now().getTime() >= Date.parse(lease.expiresAt)) return fail(lease, 'the access window ended before access could be granted', actor);
    const scheduled = lease.status === 'SCHEDULED';
    const steps = await Promise.allSettled([
      scheduler.schedule(lease),
      ...(scheduled ? [] : lease.bindings.map((binding) => cluster.applyBinding(lease.cluster, bindingManifest(lease, binding)))),
    ]);
    const failures = steps.flatMap((step) => (step.status === 'rejected' ? [step.reason as unknown] : []));
    // At the rule quota, or with the timers unavailable for a lease whose access has not started,
    // the lease still starts and ends on time: the sweep activates and revokes from the index.
    const coveredBySweep = failures.filter((e) => e instanceof ScheduleQuotaError || (scheduled && transient(e)));
    const errors = failures.filter((e) => !coveredBySweep.includes(e));
    if (errors.length > 0) {
      if (lease.status === 'PENDING' && errors.every(transient)) return defer(lease, actor, errors);
      return fail(lease, errors, actor);
    }
    const warning =
      coveredBySweep.length === 0
        ? undefined
        : coveredBySweep.some((e) => e instanceof ScheduleQuotaError)
          ? 'no EventBridge rule could be created (quota reached); the periodic sweep will end this access on time'
          : 'the timers could not be set now; the periodic sweep will start and end this access on time';
    if (warning !== undefined) logger.warn('lease timers not scheduled', { leaseId: lease.id, warning });
    const note = warning === undefined ? '' : `\nNote: ${warning}.`;

    const now = clock.now().toISOString();
    if (scheduled) {
      audit.record({ kind: 'schedule', at: now, actor, ...leaseAuditFields(lease), reason: lease.reason, warning });
      await comment(lease.source, lease.ticketKey, scheduledMessage(lease) + (endClipped ? clippedNote(lease) : '') + note);
      return { kind: 'scheduled', lease };
    }
    // The bindings exist, so access exists: record and tell it now, before the state change. A crash
    // between here and ACTIVE makes the recovery tell it again (at least once), never not at all.
    audit.record({ kind: 'grant', at: now, actor, ...leaseAuditFields(lease), reason: lease.reason, warning });
    // The comment runs beside the last write: it never delays access, and the audit event above
    // is already out whatever happens to either.
    const [moved] = await Promise.all([
      leases.transition(lease, 'ACTIVE', { at: now, from: 'PENDING', to: 'ACTIVE', by: actor }, lease.deferredReason === undefined ? {} : { deferredReason: null }),
      comment(lease.source, lease.ticketKey, grantedMessage(lease) + (endClipped ? clippedNote(lease) : '') + note),
      onDecided?.(),
    ]);
    if (!moved.ok) {
      const current = moved.current;
      if (current?.status === 'FAILED' || current?.status === 'REVOKED') {
        // Lost to a delivery that gave up on this lease (or a close): take back what this one created.
        await removeLeaseResources(current, { cluster, scheduler, logger });
        return { kind: 'failed', lease: current, reason: current.failureReason ?? 'ended by another delivery' };
      }
      if (current === undefined) throw new Error(`lease ${lease.id} vanished while activating it`);
      return { kind: 'duplicate', lease: current };
    }
    return { kind: 'granted', lease: moved.lease };
  }

  /**
   * A failure a retry may fix: undo this attempt, keep the lease PENDING with the reason, and throw
   * GrantDeferredError (the webhook answers 503). The next delivery, or the sweep after the grace
   * period, provisions it again; the approval is not spent. The version bump fences a concurrent
   * attempt: it can no longer turn the lease ACTIVE with bindings this one removes.
   */
  async function defer(lease: Lease, actor: string, errors: readonly unknown[]): Promise<GrantOutcome> {
    const reason = `${publicReasons(errors)} (reference ${reference(lease, errors, 'grant deferred')})`;
    const at = clock.now().toISOString();
    const moved = await leases.transition(lease, 'PENDING', { at, from: 'PENDING', to: 'PENDING', by: actor, note: `not granted yet, will retry: ${reason}` }, { deferredReason: reason });
    if (!moved.ok) {
      // Another delivery decided this lease meanwhile; its outcome stands.
      if (moved.current?.status === 'ACTIVE') return { kind: 'duplicate', lease: moved.current };
      if (moved.current === undefined) throw new Error(`lease ${lease.id} vanished while deferring it`);
      if (moved.current.status !== 'PENDING') return { kind: 'failed', lease: moved.current, reason: moved.current.failureReason ?? 'ended by another delivery' };
    }
    const current = moved.ok ? moved.lease : (moved.current ?? lease);
    const leftovers = await removeLeaseResources(current, { cluster, scheduler, logger });
    const left = leftovers.length === 0 ? '' : `; could not remove ${leftovers.join(', ')} yet (the sweep will)`;
    audit.record({ kind: 'failure', at, actor, ...leaseAuditFields(current), code: 'backend-unavailable', reason: `${reason}; nothing granted yet, the grant will be retried${left}` });
    const retryAfter = errors.map((e) => (e instanceof KubeLeaseError ? e.retryAfterSeconds : undefined)).find((s) => s !== undefined);
    throw new GrantDeferredError(`lease ${lease.id} could not be granted for now: ${errors.map(describeError).join('; ')}`, { retryAfterSeconds: retryAfter });
  }

  /** Logs the detail of failures under a new reference, and returns the reference for what is said outside. */
  function reference(lease: Lease, errors: readonly unknown[], what: string): string {
    const ref = newReference();
    logger.error(what, { reference: ref, leaseId: lease.id, errors: errors.map(describeError) });
    return ref;
  }

  /** A new approval on a ticket whose lease is still open moves that lease's expiry; never a second binding. */
  async function extend(existing: Lease, plan: GrantPlan, actor: string): Promise<GrantOutcome> {
    const approvalId = plan.approval.id;
    // One item per approval holds its decision: a denial, a lease, or (here) the lease it extended.
    const claim = await leases.claimApproval(leaseIdFor(idempotencyKey(plan)), idempotencyKey(plan), existing.id);
    if (claim.kind === 'denied') return { kind: 'already-decided', code: claim.denial.code, reason: claim.denial.reason };
    if (claim.kind === 'held' && claim.leaseId !== existing.id) {
      const other = await leases.get(claim.leaseId);
      if (other !== undefined) return { kind: 'duplicate', lease: other };
    }
    let lease: Lease | undefined = existing;
    for (let attempt = 0; attempt < EXTEND_ATTEMPTS && lease !== undefined; attempt += 1) {
      if (lease.approvals.includes(approvalId)) return { kind: 'duplicate', lease };
      if (lease.status !== 'ACTIVE' && lease.status !== 'SCHEDULED') {
        const reason = `the lease ended (${lease.status}) before the new approval could extend it; approve again for new access`;
        await comment(lease.source, lease.ticketKey, notExtendedMessage(lease, reason));
        return { kind: 'not-extended', lease, reason };
      }
      const now = clock.now();
      const from = Math.max(now.getTime(), Date.parse(lease.startsAt));
      const caps: [number, string][] = [[Date.parse(lease.startsAt) + plan.profile.maxDuration * 1000, `the profile maximum counted from ${lease.startsAt}`]];
      const windowEnd = plan.windowEnd ?? lease.windowEnd;
      if (windowEnd !== undefined) caps.push([Date.parse(windowEnd), 'the change end']);
      let until = from + plan.durationSeconds * 1000;
      let cappedBy: string | undefined;
      for (const [cap, why] of caps) {
        if (cap < until) {
          until = cap;
          cappedBy = why;
        }
      }
      const previousExpiresAt = lease.expiresAt;
      const grows = until > Date.parse(previousExpiresAt);
      const expiresAt = grows ? new Date(until).toISOString() : previousExpiresAt;
      const note = grows ? `extended from ${previousExpiresAt} to ${expiresAt}` : `approval ${approvalId} did not move the expiry`;
      const moved = await leases.transition(
        lease,
        lease.status,
        { at: now.toISOString(), from: lease.status, to: lease.status, by: actor, note },
        { expiresAt, approvals: [...lease.approvals, approvalId] },
      );
      if (!moved.ok) {
        lease = moved.current;
        continue;
      }
      const updated = moved.lease;
      if (!grows) {
        const reason = cappedBy === undefined ? 'it already lasts at least as long as the new approval asks' : `it is already at ${cappedBy}`;
        await comment(updated.source, updated.ticketKey, notExtendedMessage(updated, reason));
        return { kind: 'not-extended', lease: updated, reason };
      }
      await moveTimersAndAnnotations(updated);
      audit.record({ kind: 'extend', at: now.toISOString(), actor, ...leaseAuditFields(updated), previousExpiresAt, reason: note });
      await comment(updated.source, updated.ticketKey, extendedMessage(updated, previousExpiresAt, cappedBy));
      return { kind: 'extended', lease: updated, previousExpiresAt };
    }
    throw new Error(`could not extend lease ${existing.id}: it kept changing`);
  }

  /** The lease record is the truth; if these fail, the sweep still revokes at the new expiry. */
  async function moveTimersAndAnnotations(lease: Lease): Promise<void> {
    const results = await Promise.allSettled([
      scheduler.schedule(lease),
      ...(lease.status === 'ACTIVE' ? lease.bindings.map((b) => cluster.setExpiry(lease.cluster, b, ownerOf(lease), lease.expiresAt)) : []),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') logger.warn('extension: could not update a timer or annotation', { leaseId: lease.id, error: describeError(result.reason) });
    }
  }

  /** The facts the policy needs from I/O: approvers' group memberships and linked tickets. */
  async function gatherContext(ticket: TicketSnapshot): Promise<DecisionContext> {
    const profile = ticket.requestedProfile === undefined ? undefined : findProfile(catalog, ticket.requestedProfile);
    const approverGroups = new Map<string, readonly string[]>();
    const wanted = profile?.approverGroups;
    if (wanted !== undefined && ticket.approval !== undefined) {
      const source = sourceOf(tickets, ticket.source);
      const memberships = await Promise.all(ticket.approval.approvers.map((a) => source.groupsOf(a, wanted)));
      ticket.approval.approvers.forEach((a, i) => approverGroups.set(a.id, memberships[i] ?? []));
    }
    let linkedTickets: DecisionContext['linkedTickets'] = [];
    if (profile?.linkedTicket !== undefined) {
      linkedTickets = await sourceOf(tickets, ticket.source).linkedTickets(ticket.key, {
        field: profile.linkedTicket.serviceNowField,
        table: profile.linkedTicket.serviceNowTable,
      });
    }
    return { approverGroups, linkedTickets };
  }

  return async function grantAccess(ticket: TicketSnapshot, actor: string, options: GrantOptions = {}): Promise<GrantOutcome> {
    const ignored = notARequest(ticket, catalog);
    if (ignored !== undefined) {
      logger.debug('not an access request', { source: ticket.source, ticket: ticket.key, reason: ignored });
      deps.metrics?.count('Ignored', { source: ticket.source });
      return { kind: 'ignored', reason: ignored };
    }
    const now = clock.now();
    const decision = decide(ticket, catalog, now, ticket.state === 'approved' ? await gatherContext(ticket) : EMPTY_CONTEXT);
    if (decision.kind === 'deny') return denied(ticket, decision.code, decision.reason, actor, options);
    const plan = decision.plan;

    const ofTicket = options.ticketLeases ?? (await leases.listForTicket(ticket.source, ticket.key));
    // Only a lease of exactly the same access is extended: same profile, cluster, role, subject and
    // namespaces. A re-approval of a request that now names someone or something else is a new lease.
    const open = ofTicket.filter((l) => (l.status === 'ACTIVE' || l.status === 'SCHEDULED') && sameAccess(l, plan));
    const current = open.at(-1);
    if (current !== undefined && !current.approvals.includes(plan.approval.id)) return extend(current, plan, actor);

    const lease = newLease(plan, now, deps.schedulePrefix, actor);
    const created = await leases.create(lease);
    if (created.created) return (await admit(lease, ticket, actor, options)) ?? provision(lease, actor, plan.endClipped, options.onDecided);
    // The approval was decided "no" before (it may qualify now, but an approval is decided once).
    if ('denied' in created) return { kind: 'already-decided', code: created.denied.code, reason: created.denied.reason };
    // This approval already extended a lease; it never creates one of its own.
    if ('extended' in created) {
      const extendedLease = await leases.get(created.extended);
      if (extendedLease !== undefined) return { kind: 'duplicate', lease: extendedLease };
      throw new Error(`approval extended lease ${created.extended}, which is gone`);
    }

    const existing = created.existing;
    const abandoned = existing.status === 'PENDING' && now.getTime() - lastActivityAt(existing) > deps.pendingGraceSeconds * 1000;
    if (existing.status === 'PENDING' && (abandoned || existing.deferredReason !== undefined)) {
      logger.warn('finishing a grant left by an earlier attempt', { leaseId: existing.id, deferred: existing.deferredReason });
      // Take the lease over first (a compare-and-swap on its version): one attempt at a time, and
      // the sweep and the orphan scan see it in flight from now on.
      const taken = await leases.transition(existing, 'PENDING', { at: now.toISOString(), from: 'PENDING', to: 'PENDING', by: actor, note: 'finishing the grant' }, { deferredReason: null });
      if (!taken.ok) return taken.current === undefined ? { kind: 'failed', lease: existing, reason: 'lease vanished' } : { kind: 'duplicate', lease: taken.current };
      return (await admit(taken.lease, ticket, actor, options)) ?? provision(taken.lease, actor, false, options.onDecided);
    }
    return { kind: 'duplicate', lease: existing };
  };
}

/** Whether a lease grants exactly what a plan asks for: a new approval of it may extend it. */
function sameAccess(lease: Lease, plan: GrantPlan): boolean {
  return (
    lease.profile === plan.profile.name &&
    lease.cluster === plan.cluster &&
    lease.roleRef.kind === plan.roleRef.kind &&
    lease.roleRef.name === plan.roleRef.name &&
    lease.subject.kind === plan.subject.kind &&
    lease.subject.name === plan.subject.name &&
    lease.requester.id === plan.requester.id &&
    [...lease.namespaces].sort().join(',') === [...plan.namespaces].sort().join(',')
  );
}

/** A failure that a retry may fix (the adapters class each error on purpose). */
function transient(error: unknown): boolean {
  return error instanceof KubeLeaseError && error.retryable;
}
