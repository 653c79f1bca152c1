import { attributeTo } from '../domain/activity-attribution.js';
import { inWindow, openedSessions, SUMMARY_ROWS, type SessionPod, type SessionSeen, type SessionsAtRevoke } from '../domain/activity.js';
import { leaseAuditFields } from '../domain/audit.js';
import { accessBeganAt, type Lease } from '../domain/lease.js';
import { ActivityLogError, ClusterError, describeError, publicReason } from '../errors.js';
import type { ActivityLog } from '../ports/activity-log.js';
import type { LeaseDeps } from './lease-deps.js';

/**
 * Owners that recreate a deleted pod, so deleting one ends its streams and loses nothing. Not Job:
 * deleting a running Job's pod restarts its work and spends its retries (backoffLimit).
 */
const RECREATING_CONTROLLERS = ['ReplicaSet', 'StatefulSet', 'DaemonSet'];
/** Most pods one revoke deletes (one after another); the rest are reported, not ended. */
export const MAX_PODS_ENDED = 10;
/** The audit log read at revoke gives up after this: the bindings are gone already, the revoke must finish. */
export const SESSIONS_READ_BUDGET_MS = 5000;
/** All pod reads and deletes of one revoke stop after this: with the read, at most 15 s of a webhook function's 28 s (an early revoke runs there). */
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

function podError(error: unknown): string {
  if (error instanceof ClusterError && error.statusCode === 403) return 'kube-lease may not read or delete pods there (403 Forbidden: run `npm run rbac` for this profile)';
  return publicReason(error);
}

/**
 * Ends the streams into one pod by deleting it, when its controller recreates it and it is still
 * the pod the streams ran in (created before the last of them opened). Never throws: what could
 * not be done is reported.
 */
async function endPod(deps: SessionDeps, lease: Lease, actor: string, streams: readonly SessionSeen[]): Promise<SessionPod> {
  const [first] = streams;
  if (first === undefined) throw new Error('endPod needs a stream');
  const { namespace, pod: name } = first;
  const lastOpened = Math.max(...streams.map((s) => Date.parse(s.at)));
  try {
    const pod = await deps.cluster.getPod(lease.cluster, namespace, name);
    if (pod === undefined) return { namespace, pod: name, outcome: 'gone' };
    if (Date.parse(pod.createdAt) > lastOpened) return { namespace, pod: name, outcome: 'gone', why: 'replaced by a newer pod of the same name' };
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return { namespace, pod: name, outcome: 'gone', why: `it has finished (${pod.phase})` };
    if (pod.controller === undefined) return { namespace, pod: name, outcome: 'kept', why: 'a bare pod (no controller would recreate it; deleting it would lose it)' };
    if (!RECREATING_CONTROLLERS.includes(pod.controller.kind)) {
      return { namespace, pod: name, outcome: 'kept', why: `owned by ${pod.controller.kind} ${pod.controller.name}, not a controller kube-lease relies on to recreate it` };
    }
    const result = await deps.cluster.deletePod(lease.cluster, namespace, name, pod.uid);
    if (result === 'absent') return { namespace, pod: name, outcome: 'gone' };
    deps.audit.record({
      kind: 'end-session',
      at: deps.clock.now().toISOString(),
      actor,
      ...leaseAuditFields(lease),
      namespaces: [namespace],
      reason: `deleted pod ${namespace}/${name} (owned by ${pod.controller.kind} ${pod.controller.name}) to end ${streams.map((s) => (s.kind === 'portforward' ? 'port-forward' : s.kind)).join(', ')} stream(s) opened by ${lease.subject.name}`,
    });
    return { namespace, pod: name, outcome: 'deleted' };
  } catch (error) {
    deps.logger.warn('could not end the sessions of a pod', { leaseId: lease.id, pod: `${namespace}/${name}`, error: describeError(error) });
    return { namespace, pod: name, outcome: 'kept', why: `it could not be deleted: ${podError(error)}` };
  }
}

/**
 * At revoke (after the bindings are gone): the exec, attach and port-forward streams the subject
 * opened into the lease's namespaces, from the audit log up to now, and with `endSessions` their
 * pods deleted where that is safe. Read-only but for those deletes, each idempotent: a retry after a
 * crash finds a deleted pod gone. Undefined when the audit log is not watched for this lease.
 */
export async function sessionsAtRevoke(deps: SessionDeps, lease: Lease, actor: string): Promise<SessionsAtRevoke | undefined> {
  const { activity } = deps;
  if (!watchesActivity(activity, lease)) return undefined;
  const now = deps.clock.now();
  let seen: SessionSeen[];
  try {
    seen = await withinBudget(streamsOf(activity, lease, now), SESSIONS_READ_BUDGET_MS);
  } catch (error) {
    deps.logger.warn('could not read the audit log for the subject\'s sessions', { leaseId: lease.id, error: describeError(error) });
    return { at: now.toISOString(), seen: [], pods: [], error: publicReason(error) };
  }
  const kept = seen.slice(0, SUMMARY_ROWS);
  const omitted = seen.length - kept.length;
  const listed = { at: now.toISOString(), seen: kept, ...(omitted > 0 ? { omitted } : {}) };
  if (lease.endSessions !== true || seen.length === 0) return { ...listed, pods: [] };
  return { ...listed, pods: await endPods(deps, lease, actor, seen) };
}

/** The streams this lease's bindings let the subject open in its namespaces, from the start of its access up to `to`. */
export async function streamsOf(activity: ActivityLog, lease: Lease, to: Date): Promise<SessionSeen[]> {
  const from = new Date(accessBeganAt(lease));
  const events = await activity.read({ cluster: lease.cluster, username: lease.subject.name, from, to });
  // Streams opened through other access (standing, another lease) are not this lease's to end.
  const { mine } = attributeTo(events.filter((e) => inWindow(e, lease.subject.name, from, to)), lease.bindings);
  return openedSessions(mine).filter((s) => lease.namespaces.includes(s.namespace));
}

/** Ends the streams' pods one after another, at most MAX_PODS_ENDED; the rest are reported as not ended. */
export async function endPods(deps: SessionDeps, lease: Lease, actor: string, streams: readonly SessionSeen[]): Promise<SessionPod[]> {
  const byPod = new Map<string, SessionSeen[]>();
  for (const s of streams) byPod.set(`${s.namespace}/${s.pod}`, [...(byPod.get(`${s.namespace}/${s.pod}`) ?? []), s]);
  const pods: SessionPod[] = [];
  // Wall time, not the clock port: this bounds how long the function waits for the API server.
  const started = Date.now();
  for (const group of byPod.values()) {
    const [first] = group;
    if (first === undefined) continue;
    const left = (deps.podsBudgetMs ?? PODS_BUDGET_MS) - (Date.now() - started);
    const kept = (why: string): SessionPod => ({ namespace: first.namespace, pod: first.pod, outcome: 'kept', why });
    if (pods.length >= MAX_PODS_ENDED) pods.push(kept(`more than ${MAX_PODS_ENDED} pods: not ended by kube-lease`));
    else if (left <= 0) pods.push(kept('the time for ending sessions ran out before this pod'));
    else pods.push(await withinBudget(endPod(deps, lease, actor, group), left).catch(() => kept('the API server did not answer in time (it may still delete it)')));
  }
  return pods;
}

/** The work, or an ActivityLogError (retryable) once `ms` have passed: the caller goes on without it. */
function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ActivityLogError(`the audit log did not answer within ${ms} ms`, { retryable: true })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The sessions as the revoke audit event carries them. */
export function auditSessions(s: SessionsAtRevoke): { seen: number; ended: string[]; notEnded: string[]; error?: string } {
  return {
    seen: s.seen.length,
    ended: s.pods.filter((p) => p.outcome !== 'kept').map((p) => `${p.namespace}/${p.pod}`),
    notEnded: s.pods.filter((p) => p.outcome === 'kept').map((p) => `${p.namespace}/${p.pod}: ${p.why ?? ''}`),
    ...(s.error === undefined ? {} : { error: s.error }),
  };
}
