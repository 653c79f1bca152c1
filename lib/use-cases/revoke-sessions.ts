import { attributeTo } from '../domain/activity-attribution.js';
import { inWindow, podEnded, openedSessions, perRequest, podsCreated, reusedAuditIds, SUMMARY_ROWS, type PodCreated, type ReusedAuditId, type SessionKind, type SessionPod, type SessionSeen, type SessionsAtRevoke, type StreamKind } from '../domain/activity.js';
import { leaseAuditFields } from '../domain/audit.js';
import { LATEST_STORED_TIME } from '../domain/ticket-date.js';
import { oneLine } from '../domain/own-words.js';
import { DEFAULT_END_STREAMS, DEFAULT_PODS_PER_CONTROLLER, MAX_PODS_ENDED } from '../domain/catalog.js';
import { accessBeganAt, type Lease } from '../domain/lease.js';
import { ClusterError, describeError, publicReason } from '../errors.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { LeaseDeps } from './lease-deps.js';
import { graceNote, graceOf } from './pod-grace.js';
import { unreadableAtRevoke, withinBudget } from './unreadable-activity.js';

export { MAX_PODS_ENDED };

/**
 * Owners that recreate an evicted pod, so evicting one ends its streams and loses nothing. Not Job:
 * evicting a running Job's pod fails it, restarts its work and spends its retries (backoffLimit).
 * Not a bare pod: nothing recreates it, an eviction loses it for good; it is evicted only when the
 * subject created it through this lease (then it is their session: `kubectl run -it`, `kubectl debug`).
 */
const RECREATING_CONTROLLERS = ['ReplicaSet', 'StatefulSet', 'DaemonSet'];
/** The audit log read at revoke gives up after this: the bindings are gone already, the revoke must finish. */
export const SESSIONS_READ_BUDGET_MS = 5000;
/** All pod reads and evictions of one revoke stop after this: with the read, at most 15 s of a webhook function's 28 s (an early revoke runs there). */
export const PODS_BUDGET_MS = 10_000;

export type SessionDeps = Pick<LeaseDeps, 'cluster' | 'audit' | 'clock' | 'logger'> & {
  readonly activity?: ActivityLog | undefined;
  /** Overrides PODS_BUDGET_MS (tests). */
  readonly podsBudgetMs?: number | undefined;
};

/** Whether kube-lease reads the audit log for this lease: a configured cluster and a User subject (the log names users, not groups). */
export function watchesActivity(activity: ActivityLog | undefined, lease: Lease): activity is ActivityLog {
  return activity !== undefined && activity.configured(lease.cluster) && lease.subject.kind === 'User' && lease.dryRun !== true;
}

const streamName = (kind: SessionKind) => (kind === 'portforward' ? 'port-forward' : kind === 'service-proxy' ? 'services/proxy' : kind);

/** A stream into a named pod (not a services/proxy upgrade, whose pod is not known). */
const intoPod = (s: SessionSeen): s is SessionSeen & { readonly kind: StreamKind } => s.kind !== 'service-proxy';

/** Why a pod could not be read or evicted, in words that are true for pods (not the bindings' wording). */
function podError(error: unknown): string {
  if (!(error instanceof ClusterError)) return publicReason(error);
  const status = error.statusCode;
  if (status === 403) return 'kube-lease may not read or evict pods there (403 Forbidden: run `npm run rbac` for this profile)';
  if (status === 404) return 'the API server answered 404 Not Found, but not for this pod (another path, or a proxy), so whether it still runs is unknown';
  if (status === undefined) return 'the API server did not answer';
  return error.retryable ? `the API server failed (${status})` : `the API server refused the request (${status})`;
}

/** How many pods of each controller (`namespace/Kind/name`) this revoke has evicted, or is evicting. */
type ControllerCounts = Map<string, number>;

/** Latest a pod may be created after the create request that made it reached the API server (admission may take a while). */
const CREATE_LAG_MS = 60_000;

/** The create request of the subject's through this lease that made this bare pod (same name, created within a minute of it), if any. */
function madeBySubject(created: readonly PodCreated[], namespace: string, name: string, createdAt: string): PodCreated | undefined {
  const t = Date.parse(createdAt);
  // creationTimestamp has whole seconds: it may read up to a second before the request's received time.
  return created.find((c) => c.namespace === namespace && c.name === name && t >= Math.floor(Date.parse(c.at) / 1000) * 1000 && t <= Date.parse(c.at) + CREATE_LAG_MS);
}

/**
 * Ends the streams into one pod by evicting it (the Eviction API, which honours
 * PodDisruptionBudgets), when its controller recreates it, it is still the pod the streams ran in
 * (created before the last of them opened), and fewer than `perController` pods of its controller
 * were evicted by this revoke. Never forced, never throws: what could not be done is reported.
 */
async function endPod(deps: SessionDeps, lease: Lease, actor: string, streams: readonly SessionSeen[], counts: ControllerCounts, perController: number, created: readonly PodCreated[]): Promise<SessionPod> {
  const [first] = streams;
  if (first === undefined) throw new Error('endPod needs a stream');
  const { namespace, pod: name } = first;
  const lastOpened = Math.max(...streams.map((s) => Date.parse(s.at)));
  // One line as the store reads it back (the evidence seal covers it): a PodDisruptionBudget's message is the cluster's text.
  const kept = (why: string): SessionPod => ({ namespace, pod: name, outcome: 'kept', why: oneLine(why, 600) });
  /** Records the eviction as an `end-session` event; returns what its grace period lets the pod run. */
  const recordEviction = (because: string, gracePeriodSeconds: number | undefined) => {
    const grace = graceOf(deps.clock.now(), gracePeriodSeconds);
    deps.audit.record({
      kind: 'end-session',
      at: deps.clock.now().toISOString(),
      actor,
      ...leaseAuditFields(lease),
      namespaces: [namespace],
      reason: `evicted pod ${namespace}/${name} (${because}) to end ${streams.map((s) => streamName(s.kind)).join(', ')} stream(s) opened by ${streams.every((s) => s.cutOff === true) ? 'a user the cut-off audit event does not name' : lease.subject.name}${graceNote(grace)}`,
    });
    return grace;
  };
  let counted: string | undefined;
  try {
    const pod = await deps.cluster.getPod(lease.cluster, namespace, name);
    if (pod === undefined) return { namespace, pod: name, outcome: 'gone', why: 'a read of it answered 404 Not Found' };
    if (Date.parse(pod.createdAt) > lastOpened) return { namespace, pod: name, outcome: 'gone', why: 'replaced by a newer pod of the same name' };
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return { namespace, pod: name, outcome: 'gone', why: `it has finished (${pod.phase})` };
    // Already terminating (a delete with a grace period, e.g. `kubectl delete --wait=false`): an eviction is accepted and changes nothing.
    if (pod.deletingAt !== undefined) {
      const grace = pod.deletionGracePeriodSeconds === undefined ? '' : ` with a ${pod.deletionGracePeriodSeconds} s grace period`;
      return kept(`it was already terminating (a delete${grace} was requested before kube-lease read it): it may run until ${pod.deletingAt}, and its streams with it; an eviction would not shorten that`);
    }
    if (pod.controller === undefined) {
      const made = madeBySubject(created, namespace, name, pod.createdAt);
      if (made === undefined) return kept('a bare pod: no controller would recreate it, and evicting it would lose it for good (the audit log does not show the subject creating it through this lease)');
      const result = await deps.cluster.evictPod(lease.cluster, namespace, name, pod.uid);
      if (result.outcome === 'absent') return { namespace, pod: name, outcome: 'gone', why: 'the eviction found it deleted or replaced' };
      if (result.outcome === 'refused') return kept(result.why);
      const why = `a bare pod the subject created through this lease at ${made.at}; nothing recreates it`;
      return { namespace, pod: name, outcome: 'evicted', why, ...recordEviction(why, pod.gracePeriodSeconds) };
    }
    const controller = `${pod.controller.kind} ${pod.controller.name}`;
    if (!RECREATING_CONTROLLERS.includes(pod.controller.kind)) return kept(`owned by ${controller}, not a controller kube-lease relies on to recreate it`);
    const key = `${namespace}/${pod.controller.kind}/${pod.controller.name}`;
    if ((counts.get(key) ?? 0) >= perController) {
      return kept(`${perController === 1 ? 'another pod' : `${perController} other pods`} of ${controller} ${perController === 1 ? 'was' : 'were'} evicted by this revoke, and at most ${perController} of one controller are (onRevoke.podsPerController)`);
    }
    // Counted before the call: an eviction that times out may still happen.
    counts.set(key, (counts.get(key) ?? 0) + 1);
    counted = key;
    const result = await deps.cluster.evictPod(lease.cluster, namespace, name, pod.uid);
    if (result.outcome !== 'evicted') {
      counts.set(key, (counts.get(key) ?? 1) - 1);
      return result.outcome === 'absent' ? { namespace, pod: name, outcome: 'gone', why: 'the eviction found it deleted or replaced' } : kept(result.why);
    }
    return { namespace, pod: name, outcome: 'evicted', controller, ...recordEviction(`owned by ${controller}`, pod.gracePeriodSeconds) };
  } catch (error) {
    // An eviction that failed evicted nothing (a timeout is handled by the caller, and stays counted).
    if (counted !== undefined) counts.set(counted, (counts.get(counted) ?? 1) - 1);
    deps.logger.warn('could not end the sessions of a pod', { leaseId: lease.id, pod: `${namespace}/${name}`, error: describeError(error) });
    return kept(podError(error));
  }
}

/**
 * At revoke (after the bindings are gone): the streams (exec, attach, port-forward, proxy upgrades) the subject
 * opened into the lease's namespaces, from the audit log up to now, and with `endSessions` their
 * pods evicted where that is safe. Read-only but for those evictions, each idempotent: a retry after
 * a crash finds an evicted pod gone. Undefined when the audit log is not watched for this lease.
 */
export async function sessionsAtRevoke(deps: SessionDeps, lease: Lease, actor: string): Promise<SessionsAtRevoke | undefined> {
  const { activity } = deps;
  if (!watchesActivity(activity, lease)) return undefined;
  const now = deps.clock.now();
  // One more search, at the same time: lines the log cut off (a padded URI) that name a pod of the lease's namespaces.
  const cut = unreadableAtRevoke(activity, lease, new Date(accessBeganAt(lease)), now, SESSIONS_READ_BUDGET_MS, deps.logger);
  let found: { streams: SessionSeen[]; reused: ReusedAuditId[]; created: PodCreated[] };
  try {
    found = await withinBudget(streamsOf(activity, lease, now), SESSIONS_READ_BUDGET_MS);
  } catch (error) {
    deps.logger.warn('could not read the audit log for the subject\'s sessions', { leaseId: lease.id, error: describeError(error) });
    return { at: now.toISOString(), seen: [], pods: [], error: publicReason(error), unreadable: (await cut).unreadable };
  }
  const { unreadable, streams: cutOff } = await cut;
  const seen = [...found.streams, ...cutOff];
  const kept = seen.slice(0, SUMMARY_ROWS);
  const omitted = seen.length - kept.length;
  const reused = found.reused.slice(0, SUMMARY_ROWS);
  const listed = { at: now.toISOString(), seen: kept, ...(omitted > 0 ? { omitted } : {}), ...(reused.length > 0 ? { reusedAuditIds: reused } : {}), unreadable };
  if (lease.endSessions !== true || seen.length === 0) return { ...listed, pods: [] };
  return { ...listed, pods: await endPods(deps, lease, actor, seen, [], found.created) };
}

/**
 * The streams this lease's bindings let the subject open in its namespaces, from the start of its
 * access up to `to` (one per request), the audit IDs several of the subject's requests carried, and
 * the pods the subject created through this lease.
 */
export async function streamsOf(activity: ActivityLog, lease: Lease, to: Date): Promise<{ streams: SessionSeen[]; reused: ReusedAuditId[]; created: PodCreated[] }> {
  const from = new Date(accessBeganAt(lease));
  const events = (await activity.read({ cluster: lease.cluster, username: lease.subject.name, from, to })).filter((e) => inWindow(e, lease.subject.name, from, to));
  // Streams opened through other access (standing, another lease) are not this lease's to end.
  const { mine } = attributeTo(events, lease.bindings);
  return { streams: openedSessions(mine, events).filter((s) => lease.namespaces.includes(s.namespace)), reused: reusedAuditIds(perRequest(events)).rows, created: podsCreated(mine) };
}

/** Whether the streams into a pod make the profile end it: a kind it ends, or a request whose audit ID was reused (it hid from the log). */
function ends(lease: Lease, streams: readonly SessionSeen[]): boolean {
  const kinds = lease.endStreams ?? DEFAULT_END_STREAMS;
  return streams.some((s) => (intoPod(s) && kinds.includes(s.kind)) || s.reusedAuditId === true);
}

/**
 * Ends the streams' pods one after another, at most MAX_PODS_ENDED evictions and at most the
 * lease's `podsPerController` pods of one controller (counting `before`, the pods an earlier pass
 * of this revoke evicted); pods of streams of kinds the profile does not end are listed, untouched.
 * A bare pod is evicted only when it is in `created` (the subject made it through this lease).
 */
export async function endPods(deps: SessionDeps, lease: Lease, actor: string, streams: readonly SessionSeen[], before: readonly SessionPod[] = [], created: readonly PodCreated[] = []): Promise<SessionPod[]> {
  const byPod = new Map<string, SessionSeen[]>();
  // A services/proxy upgrade names a service, not a pod: it is listed with the streams, never ended.
  for (const s of streams.filter(intoPod)) byPod.set(`${s.namespace}/${s.pod}`, [...(byPod.get(`${s.namespace}/${s.pod}`) ?? []), s]);
  const perController = lease.podsPerController ?? DEFAULT_PODS_PER_CONTROLLER;
  const counts: ControllerCounts = new Map();
  for (const p of before) {
    const [kind, ...name] = p.outcome === 'evicted' ? (p.controller ?? '').split(' ') : [];
    if (kind !== undefined && kind !== '') counts.set(`${p.namespace}/${kind}/${name.join(' ')}`, (counts.get(`${p.namespace}/${kind}/${name.join(' ')}`) ?? 0) + 1);
  }
  const kinds = (lease.endStreams ?? DEFAULT_END_STREAMS).map((k) => streamName(k)).join(', ');
  const pods: SessionPod[] = [];
  let tried = 0;
  // Wall time, not the clock port: this bounds how long the function waits for the API server.
  const started = Date.now();
  for (const group of byPod.values()) {
    const [first] = group;
    if (first === undefined) continue;
    const kept = (why: string): SessionPod => ({ namespace: first.namespace, pod: first.pod, outcome: 'kept', why: oneLine(why, 600) });
    if (!ends(lease, group)) {
      const what = [...new Set(group.map((s) => streamName(s.kind)))].join(', ');
      pods.push(kept(`its ${what} stream(s) are not of a kind this profile ends (onRevoke.streams: ${kinds})`));
      continue;
    }
    const left = (deps.podsBudgetMs ?? PODS_BUDGET_MS) - (Date.now() - started);
    if (tried >= MAX_PODS_ENDED) pods.push(kept(`more than ${MAX_PODS_ENDED} pods: not ended by kube-lease`));
    else if (left <= 0) pods.push(kept('the time for ending sessions ran out before this pod'));
    else {
      tried += 1;
      pods.push(await withinBudget(endPod(deps, lease, actor, group, counts, perController, created), left).catch(() => kept('the API server did not answer in time (it may still evict it)')));
    }
  }
  return pods;
}

/** The sessions as the revoke audit event carries them. */
export function auditSessions(s: SessionsAtRevoke): { seen: number; ended: string[]; notEnded: string[]; error?: string; unreadable?: { count: number; complete: boolean } | { error: string } } {
  return {
    seen: s.seen.length,
    ended: s.pods.filter(podEnded).map((p) => `${p.namespace}/${p.pod}`),
    notEnded: s.pods.filter((p) => !podEnded(p)).map((p) => `${p.namespace}/${p.pod}: ${p.mayRunUntil === undefined ? (p.why ?? '') : `eviction accepted; it may run ${p.mayRunUntil === LATEST_STORED_TIME ? 'indefinitely' : `until ${p.mayRunUntil}`} (termination grace period ${p.graceSeconds === undefined ? 'too long to record' : `${p.graceSeconds} s`})`}`),
    ...(s.error === undefined ? {} : { error: s.error }),
    ...(s.unreadable === undefined ? {} : { unreadable: s.unreadable }),
  };
}
