import { authorizationOf } from './activity-attribution.js';
import { commandText, objectName, requestPath, resourceName } from './activity-text.js';

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

/** The subresources of a pod that open a stream into it. */
export const STREAM_KINDS = ['exec', 'attach', 'portforward'] as const;
const STREAMS = STREAM_KINDS;
export type StreamKind = (typeof STREAMS)[number];

/** One exec, attach or port-forward stream the subject opened into a pod. */
export interface SessionSeen {
  readonly kind: StreamKind;
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string | undefined;
  /** The command (exec) or the ports (port-forward), as the request named them. */
  readonly command?: string | undefined;
  readonly at: string;
  /** Whether the API server let it through. */
  readonly allowed: boolean;
  /** The request carried an audit ID other requests of the subject carried too (a client-chosen `Audit-ID` header). */
  readonly reusedAuditId?: true | undefined;
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
}

/** A pod a stream ran in, and what became of it at revoke. */
export interface SessionPod {
  readonly namespace: string;
  readonly pod: string;
  /**
   * evicted: by kube-lease through the Eviction API (its controller recreates it); deleted: the same,
   * by a plain delete (records of earlier versions); gone: a read of that pod answered 404, or showed
   * it replaced or finished; kept: could not be ended, `why`.
   */
  readonly outcome: 'evicted' | 'deleted' | 'gone' | 'kept';
  readonly why?: string | undefined;
  /** The controller of an evicted pod (`Kind name`): at most `podsPerController` of one controller's pods are evicted. */
  readonly controller?: string | undefined;
}

export interface SessionsAtRevoke {
  readonly at: string;
  /** Streams the audit log showed up to `at` (it may lag: the evidence comes later and complete). */
  readonly seen: readonly SessionSeen[];
  /** With `endSessions`: each pod of those streams. */
  readonly pods: readonly SessionPod[];
  /** Streams seen beyond the SUMMARY_ROWS listed. */
  readonly omitted?: number | undefined;
  /** Audit IDs several different requests of the subject carried, up to the revoke (see ReusedAuditId). */
  readonly reusedAuditIds?: readonly ReusedAuditId[] | undefined;
  /** Why the audit log could not be read: nothing is known of streams then. */
  readonly error?: string | undefined;
}

export interface ActivityEvidence {
  readonly collectedAt: string;
  /** The window read: from the activation to the revoke. */
  readonly from: string;
  readonly to: string;
  /** Audit events read for the subject in the window (every stage of every request). */
  readonly events: number;
  readonly summary?: ActivitySummary | undefined;
  /** `sha256:` of the summary's canonical JSON (see evidenceDigest). */
  readonly digest?: string | undefined;
  /** With `endSessions`: pods of streams the log showed only after the revoke, ended (or not) then. */
  readonly pods?: readonly SessionPod[] | undefined;
  /** Why the evidence could not be collected (then no summary and no digest). */
  readonly error?: string | undefined;
  /** When it was posted on the ticket. */
  readonly postedAt?: string | undefined;
}

/** At most this many rows per list: the rest is counted in `omitted`. */
export const SUMMARY_ROWS = 25;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * Reads one audit event (a parsed JSON line, or a CloudWatch Logs message); undefined when it is
 * not one (another kind of log line): the caller counts those, never guesses.
 */
export function parseAuditEvent(json: unknown): AuditEvent | undefined {
  const e = record(json);
  if (e === undefined || e['kind'] !== 'Event') return undefined;
  const user = record(e['user']);
  // Client-chosen (an `Audit-ID` header): kept whole for telling requests apart, never shown as is.
  const auditID = text(e['auditID']);
  const verb = resourceName(text(e['verb']));
  const username = text(user?.['username']);
  const stamped = text(e['requestReceivedTimestamp']) ?? text(e['stageTimestamp']);
  const at = stamped === undefined || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(stamped) || Number.isNaN(Date.parse(stamped)) ? stamped : new Date(stamped).toISOString();
  if (auditID === undefined || verb === undefined || username === undefined || at === undefined || Number.isNaN(Date.parse(at))) return undefined;
  const ref = record(e['objectRef']);
  const status = record(e['responseStatus']);
  const code = status?.['code'];
  return {
    auditID,
    stage: text(e['stage']) ?? 'ResponseComplete',
    verb,
    username,
    requestURI: text(e['requestURI']) ?? '',
    ...(ref === undefined
      ? {}
      : {
          objectRef: {
            resource: resourceName(text(ref['resource'])),
            subresource: resourceName(text(ref['subresource'])),
            namespace: text(ref['namespace']) === undefined ? undefined : (objectName(text(ref['namespace'])) ?? '(invalid)'),
            name: text(ref['name']) === undefined ? undefined : (objectName(text(ref['name'])) ?? '(invalid)'),
            apiGroup: resourceName(text(ref['apiGroup'])),
          },
        }),
    ...(typeof code === 'number' ? { code } : {}),
    at,
    ...authorizationOf(text(record(e['annotations'])?.['authorization.k8s.io/reason'])),
  };
}

/**
 * What identifies one request: its audit ID with its verb, URI, user and received time. The audit ID
 * alone does not (a client may send the same `Audit-ID` with every request); all stages of one
 * request share these five.
 */
export function requestKey(e: AuditEvent): string {
  return JSON.stringify([e.auditID, e.verb, e.requestURI, e.username, e.at]);
}

/** One event per request: the log holds a request at several stages; the latest with an answer wins. Different requests are never merged. */
export function perRequest(events: readonly AuditEvent[]): AuditEvent[] {
  const rank = (e: AuditEvent) => (e.code === undefined ? 0 : e.stage === 'ResponseComplete' ? 2 : 1);
  const byRequest = new Map<string, AuditEvent>();
  for (const e of events) {
    const key = requestKey(e);
    const seen = byRequest.get(key);
    if (seen === undefined || rank(e) > rank(seen)) byRequest.set(key, e);
  }
  return [...byRequest.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || requestKey(a).localeCompare(requestKey(b)));
}

/** An audit ID as it may go on a ticket: a UUID-like token as is, anything else (client-chosen text) described, never quoted. */
export function auditIdText(id: string): string {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(id) ? id : `(an id of ${id.length} characters, not shown)`;
}

/** The audit IDs (of requests, one event each) that more than one request carried, most requests first. */
export function reusedAuditIds(requests: readonly AuditEvent[]): { readonly ids: ReadonlySet<string>; readonly rows: ReusedAuditId[] } {
  const count = new Map<string, number>();
  for (const e of requests) count.set(e.auditID, (count.get(e.auditID) ?? 0) + 1);
  const reused = [...count].filter(([, n]) => n > 1);
  const rows = reused.map(([id, n]) => ({ id: auditIdText(id), requests: n })).sort((a, b) => b.requests - a.requests || a.id.localeCompare(b.id));
  return { ids: new Set(reused.map(([id]) => id)), rows };
}

const denied = (e: AuditEvent) => e.code === 401 || e.code === 403;

function resourceOf(e: AuditEvent): string {
  const r = e.objectRef;
  if (r?.resource === undefined) return requestPath(e.requestURI);
  const name = r.subresource === undefined ? r.resource : `${r.resource}/${r.subresource}`;
  return r.apiGroup === undefined ? name : `${name}.${r.apiGroup}`;
}

/** The streams a request opened: exec, attach or port-forward into a pod, with what it ran. */
export function sessionOf(e: AuditEvent): SessionSeen | undefined {
  const r = e.objectRef;
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

/** A pod the subject created (a `create pods` request answered 201 that named it). */
export interface PodCreated {
  readonly namespace: string;
  readonly name: string;
  /** When the create request reached the API server. */
  readonly at: string;
}

/**
 * The pods the subject created, by name (kube-apiserver puts the created object's name in the
 * event's objectRef, at Metadata level too; a `generateName` pod has none there and is not listed).
 */
export function podsCreated(events: readonly AuditEvent[]): PodCreated[] {
  const made: PodCreated[] = [];
  for (const e of perRequest(events)) {
    const r = e.objectRef;
    const namespace = objectName(r?.namespace);
    const name = objectName(r?.name);
    if (e.verb !== 'create' || e.code !== 201 || r?.resource !== 'pods' || r.subresource !== undefined || r.apiGroup !== undefined || namespace === undefined || name === undefined) continue;
    made.push({ namespace, name, at: e.at });
  }
  return made;
}

/**
 * The streams the subject opened that the API server let through: one per request (two shells into
 * one pod are two streams), each marked when its audit ID was reused by another request.
 */
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
