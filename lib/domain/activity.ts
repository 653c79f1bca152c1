import { authorizationOf } from './activity-attribution.js';
import { commandText, objectName, requestPath, resourceName } from './activity-text.js';
import type { EvidenceSeal } from './evidence-digest.js';

/** One request in the cluster's API server audit log (audit.k8s.io/v1 Event): the fields kube-lease reads. */
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

const STREAMS = ['exec', 'attach', 'portforward'] as const;
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
}

/** A pod a stream ran in, and what became of it at revoke. */
export interface SessionPod {
  readonly namespace: string;
  readonly pod: string;
  /** deleted: by kube-lease (its controller recreates it); gone: no longer running (or replaced); kept: not deleted, `why`. */
  readonly outcome: 'deleted' | 'gone' | 'kept';
  readonly why?: string | undefined;
}

export interface SessionsAtRevoke {
  readonly at: string;
  /** Streams the audit log showed up to `at` (it may lag: the evidence comes later and complete). */
  readonly seen: readonly SessionSeen[];
  /** With `endSessions`: each pod of those streams. */
  readonly pods: readonly SessionPod[];
  /** Streams seen beyond the SUMMARY_ROWS listed. */
  readonly omitted?: number | undefined;
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
  /** The MAC of the lease and that digest under the evidence key (see evidenceMacMessage); absent on evidence written before keyed evidence. */
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

/** One event per request: the log holds a request at several stages; the latest with an answer wins. */
export function perRequest(events: readonly AuditEvent[]): AuditEvent[] {
  const rank = (e: AuditEvent) => (e.code === undefined ? 0 : e.stage === 'ResponseComplete' ? 2 : 1);
  const byId = new Map<string, AuditEvent>();
  for (const e of events) {
    const seen = byId.get(e.auditID);
    if (seen === undefined || rank(e) > rank(seen)) byId.set(e.auditID, e);
  }
  return [...byId.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.auditID.localeCompare(b.auditID));
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

/** Summarizes the subject's requests: by verb/resource/namespace, streams, secrets read, requests denied. */
export function summarizeActivity(events: readonly AuditEvent[], limit = SUMMARY_ROWS): ActivitySummary {
  const requests = perRequest(events);
  const byRequest = new Map<string, RequestCount>();
  const refused = new Map<string, RequestCount>();
  const secrets = new Map<string, { namespace: string; name: string; verb: string; count: number }>();
  const sessions: SessionSeen[] = [];
  for (const e of requests) {
    if (denied(e)) counted(refused, e);
    else counted(byRequest, e);
    const session = sessionOf(e);
    if (session !== undefined) sessions.push(session);
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
  return {
    requests: requests.length,
    byRequest: a.kept,
    sessions: sessions.slice(0, limit),
    secretsRead: s.kept,
    denied: d.kept,
    omitted: a.left + d.left + s.left + Math.max(0, sessions.length - limit),
  };
}

/** The streams the subject opened that the API server let through, one per pod and kind. */
export function openedSessions(events: readonly AuditEvent[]): SessionSeen[] {
  const seen = new Map<string, SessionSeen>();
  for (const e of perRequest(events)) {
    const session = sessionOf(e);
    if (session === undefined || !session.allowed) continue;
    const key = `${session.namespace}/${session.pod} ${session.kind}`;
    if (!seen.has(key)) seen.set(key, session);
  }
  return [...seen.values()];
}
