import { authorizationOf } from './activity-attribution.js';
import type { AuditEvent, ReusedAuditId } from './activity.js';
import { objectName, proxyName, resourceName } from './activity-text.js';

/* Reading audit events, and telling requests apart (never by their client-chosen audit ID alone). */

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
            // A proxy's name may carry a scheme and a port (`https:web-0:8443`): kept as such, checked (see proxyName).
            name: text(ref['name']) === undefined ? undefined : ((text(ref['subresource']) === 'proxy' ? proxyName(text(ref['name'])) : objectName(text(ref['name']))) ?? '(invalid)'),
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
