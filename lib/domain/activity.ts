import { perRequest, reusedAuditIds } from './activity-events.js';
import { proxyStreamOf } from './activity-proxy.js';
import { commandText, objectName, requestPath } from './activity-text.js';
import type { UnreadableEvents } from './activity-unreadable.js';
import type { SessionPod } from './activity-sessions.js';
import type { EvidenceSeal } from './evidence-digest.js';

export { GRACE_ENDED_SECONDS, podEnded } from './activity-proxy.js';
export type { SessionPod, SessionsAtRevoke } from './activity-sessions.js';
export { auditIdText, parseAuditEvent, perRequest, podsCreated, requestKey, reusedAuditIds, type PodCreated } from './activity-events.js';

/**
 * One request in the cluster's API server audit log (audit.k8s.io/v1 Event): the fields kube-lease reads.
 * `auditID` is NOT a request's identity: kube-apiserver keeps a client-sent `Audit-ID` header as
 * the event's auditID, so a client can give many requests one id. A request is its auditID, verb,
 * requestURI, user and received time together (see requestKey).
 */
export interface AuditEvent {
  readonly auditID: string;
  readonly stage: string;
  readonly verb: string;
  readonly username: string;
  readonly requestURI: string;
  readonly objectRef?: {
    readonly resource?: string | undefined;
    readonly subresource?: string | undefined;
    readonly namespace?: string | undefined;
    readonly name?: string | undefined;
    readonly apiGroup?: string | undefined;
  } | undefined;
  /** HTTP status of the answer; absent at stages before the response. */
  readonly code?: number | undefined;
  /** RFC 3339 (micro)seconds: when the request reached the API server. */
  readonly at: string;
  /** The binding that allowed it, as the RBAC authorizer's audit annotation names it; absent when unknown. */
  readonly authorizedBy?: { readonly kind: 'RoleBinding' | 'ClusterRoleBinding'; readonly name: string; readonly namespace?: string | undefined } | undefined;
}

/** The subresources of a pod that open a stream into it: exec, attach, portforward, and `proxy` when upgraded (101: a WebSocket, a web terminal's shell). */
export const STREAM_KINDS = ['exec', 'attach', 'portforward', 'proxy'] as const;
const STREAMS = STREAM_KINDS;
export type StreamKind = (typeof STREAMS)[number];
/** A stream into a pod (StreamKind), or an upgrade through services/proxy: the audit log names no pod, so it is listed, never ended. */
export type SessionKind = StreamKind | 'service-proxy';

/** One stream the subject opened: exec, attach or port-forward into a pod, or an upgraded (101) request through pods/proxy or services/proxy. */
export interface SessionSeen {
  readonly kind: SessionKind;
  readonly namespace: string;
  /** The pod's name; for `service-proxy` the service's (no pod is known). */
  readonly pod: string;
  readonly container?: string | undefined;
  /** The command (exec), the ports (port-forward), or the port and path (proxy), as the request named them. */
  readonly command?: string | undefined;
  readonly at: string;
  /** Whether the API server let it through. */
  readonly allowed: boolean;
  /** The request carried an audit ID other requests of the subject carried too (a client-chosen `Audit-ID` header). */
  readonly reusedAuditId?: true | undefined;
  /** Named by the readable start of a line the log cut off: whose it was, and whether it opened, are unknown. */
  readonly cutOff?: true | undefined;
}

/** An audit ID that several different requests of the subject carried: kube-apiserver took it from the client's `Audit-ID` header. */
export interface ReusedAuditId {
  /** The id as it may be shown (see auditIdText). */
  readonly id: string;
  /** How many different requests carried it. */
  readonly requests: number;
}

export interface RequestCount {
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  readonly count: number;
}

/** A summary of activity: bounded, so it fits a lease record and a ticket comment. */
export interface ActivitySummary {
  /** Requests (each counted once, whatever stages the log holds of it). */
  readonly requests: number;
  readonly byRequest: readonly RequestCount[];
  readonly sessions: readonly SessionSeen[];
  readonly secretsRead: readonly { readonly namespace: string; readonly name: string; readonly verb: string; readonly count: number }[];
  readonly denied: readonly RequestCount[];
  /** Rows left out of each list above (beyond the limit), so nothing is silently dropped. */
  readonly omitted: number;
  /** The subject's requests in the window that other bindings allowed (standing access, another lease): not counted above. */
  readonly elsewhere?: number | undefined;
  /** Audit IDs several different requests carried (a client-chosen `Audit-ID`): each request is counted above on its own. */
  readonly reusedAuditIds?: readonly ReusedAuditId[] | undefined;
  /** When the first and the last request counted above reached the API server (absent in older records, and with no request). */
  readonly firstAt?: string | undefined;
  readonly lastAt?: string | undefined;
  /** Lines of the window the log cut off (they may be the subject's): then this summary may miss activity. */
  readonly unreadable?: UnreadableEvents | undefined;
}

export interface ActivityEvidence {
  readonly collectedAt: string;
  /** The window read: from the activation to the revoke. */
  readonly from: string;
  readonly to: string;
  /** Audit events read for the subject in the window (every stage of every request). */
  readonly events: number;
  readonly summary?: ActivitySummary | undefined;
  /** Where the lease item and the cluster's record of its bindings disagree, or the log lacks that record (see evidenceWindow): sealed with the rest. */
  readonly findings?: readonly string[] | undefined;
  /** Whose requests were read, when not the lease item's subject (the bindings' subject in the cluster's record). */
  readonly subject?: { readonly kind: 'User' | 'Group'; readonly name: string } | undefined;
  /** What the digest and MAC cover (see evidenceDigest): 2, everything a comment shows of the record; absent, version 1 (not the late pods or the read time). */
  readonly sealVersion?: 2 | undefined;
  /** `sha256:` of the sealed fields' canonical JSON (see evidenceDigest). */
  readonly digest?: string | undefined;
  /** The MAC of the lease and that digest under the evidence key (see evidenceMacMessage); absent when stored without a key (or removed by a table writer: a report cannot tell which). */
  readonly mac?: EvidenceSeal | undefined;
  /** With `endSessions`: pods of streams the log showed only after the revoke, ended (or not) then. */
  readonly pods?: readonly SessionPod[] | undefined;
  /** Why the evidence could not be collected (then no summary and no digest). */
  readonly error?: string | undefined;
  /** When it was posted on the ticket. */
  readonly postedAt?: string | undefined;
}

/** At most this many rows per list: the rest is counted in `omitted`. */
export const SUMMARY_ROWS = 25;

const denied = (e: AuditEvent) => e.code === 401 || e.code === 403;

function resourceOf(e: AuditEvent): string {
  const r = e.objectRef;
  if (r?.resource === undefined) return requestPath(e.requestURI);
  const name = r.subresource === undefined ? r.resource : `${r.resource}/${r.subresource}`;
  return r.apiGroup === undefined ? name : `${name}.${r.apiGroup}`;
}

/** The streams a request opened: exec, attach or port-forward into a pod, with what it ran, or an upgraded proxy request. */
export function sessionOf(e: AuditEvent): SessionSeen | undefined {
  const r = e.objectRef;
  if (r?.subresource === 'proxy') return proxyStreamOf(e);
  const kind = STREAMS.find((s) => s === r?.subresource);
  const namespace = objectName(r?.namespace);
  const pod = objectName(r?.name);
  if (kind === undefined || r?.resource !== 'pods' || namespace === undefined || pod === undefined) return undefined;
  const query = new URLSearchParams(e.requestURI.split('?')[1] ?? '');
  const command = commandText(kind === 'exec' ? query.getAll('command') : kind === 'portforward' ? [query.getAll('ports').join(',')] : []);
  const container = objectName(query.get('container') ?? undefined);
  // A stream that opened is answered 101 Switching Protocols; anything else (403, 404…) opened nothing.
  return { kind, namespace, pod, ...(container === undefined ? {} : { container }), ...(command === '' ? {} : { command }), at: e.at, allowed: e.code === 101 };
}

function counted(rows: Map<string, RequestCount>, e: AuditEvent): void {
  const namespace = e.objectRef?.namespace ?? '(cluster)';
  const resource = resourceOf(e);
  const key = `${e.verb} ${resource} ${namespace}`;
  const row = rows.get(key);
  rows.set(key, { verb: e.verb, resource, namespace, count: (row?.count ?? 0) + 1 });
}

function top<T extends { readonly count: number }>(rows: Iterable<T>, limit: number): { kept: T[]; left: number } {
  const all = [...rows].sort((a, b) => b.count - a.count || JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { kept: all.slice(0, limit), left: Math.max(0, all.length - limit) };
}

/** Whether an event is the subject's and falls in [from, to]. */
export function inWindow(e: AuditEvent, username: string, from: Date, to: Date): boolean {
  const t = Date.parse(e.at);
  return e.username === username && t >= from.getTime() && t <= to.getTime();
}

/** Summarizes the subject's requests: by verb/resource/namespace, streams, secrets read, requests denied, audit IDs reused. */
export function summarizeActivity(events: readonly AuditEvent[], limit = SUMMARY_ROWS, context: readonly AuditEvent[] = events): ActivitySummary {
  const requests = perRequest(events);
  // Reuse is looked for among all the subject's requests (`context`), whichever binding allowed them.
  const reused = reusedAuditIds(perRequest(context));
  const byRequest = new Map<string, RequestCount>();
  const refused = new Map<string, RequestCount>();
  const secrets = new Map<string, { namespace: string; name: string; verb: string; count: number }>();
  const sessions: SessionSeen[] = [];
  for (const e of requests) {
    if (denied(e)) counted(refused, e);
    else counted(byRequest, e);
    const session = sessionOf(e);
    if (session !== undefined) sessions.push(reused.ids.has(e.auditID) ? { ...session, reusedAuditId: true } : session);
    const r = e.objectRef;
    const answered = e.code !== undefined && e.code >= 200 && e.code < 300;
    if (answered && r?.resource === 'secrets' && r.apiGroup === undefined && ['get', 'list', 'watch'].includes(e.verb)) {
      const namespace = r.namespace ?? '(cluster)';
      const name = r.name ?? '(all)';
      const key = `${namespace}/${name} ${e.verb}`;
      secrets.set(key, { namespace, name, verb: e.verb, count: (secrets.get(key)?.count ?? 0) + 1 });
    }
  }
  const a = top(byRequest.values(), limit);
  const d = top(refused.values(), limit);
  const s = top(secrets.values(), limit);
  const ids = reused.rows.slice(0, limit);
  return {
    requests: requests.length,
    byRequest: a.kept,
    sessions: sessions.slice(0, limit),
    secretsRead: s.kept,
    denied: d.kept,
    omitted: a.left + d.left + s.left + Math.max(0, sessions.length - limit) + (reused.rows.length - ids.length),
    ...(ids.length > 0 ? { reusedAuditIds: ids } : {}),
  };
}

/** The streams the subject opened that the API server let through: one per request (two shells into one pod are two), each marked when its audit ID was reused. */
export function openedSessions(events: readonly AuditEvent[], context: readonly AuditEvent[] = events): SessionSeen[] {
  const requests = perRequest(events);
  const reused = reusedAuditIds(perRequest(context));
  const opened: SessionSeen[] = [];
  for (const e of requests) {
    const session = sessionOf(e);
    if (session === undefined || !session.allowed) continue;
    opened.push(reused.ids.has(e.auditID) ? { ...session, reusedAuditId: true } : session);
  }
  return opened;
}
