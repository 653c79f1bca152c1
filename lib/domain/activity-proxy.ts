import type { AuditEvent, SessionPod, SessionSeen } from './activity.js';
import { commandText, objectName } from './activity-text.js';

/*
 * Streams through pods/proxy and services/proxy (an upgraded request: a WebSocket passed through),
 * and when an accepted eviction may be said to have ended a pod's streams.
 */

/**
 * The longest termination grace period after which an accepted eviction is reported as having
 * ended the pod's streams ("Ended … within its grace period"); beyond it, the pod is reported as
 * possibly running until its grace period ends.
 */
export const GRACE_ENDED_SECONDS = 60;

/** Whether a pod's streams are known to be ended (or ending within GRACE_ENDED_SECONDS). */
export const podEnded = (p: SessionPod): boolean => p.outcome !== 'kept' && p.mayRunUntil === undefined;

/**
 * The name in a proxy path, `[scheme:]name[:port]` (as the API server splits it), and the port;
 * undefined unless the name is an object name.
 */
function proxyTarget(value: string | undefined): { name: string; port?: string | undefined } | undefined {
  const parts = (value ?? '').split(':');
  const [name, port] = parts.length === 3 ? [parts[1], parts[2]] : parts.length <= 2 ? [parts[0], parts[1]] : [undefined, undefined];
  const valid = objectName(name);
  if (valid === undefined) return undefined;
  return port !== undefined && /^[A-Za-z0-9-]{1,15}$/.test(port) ? { name: valid, port } : { name: valid };
}

/**
 * A request through pods/proxy or services/proxy that the API server upgraded (101 Switching
 * Protocols: a WebSocket passed through), as a stream; a proxied request answered otherwise is an
 * ordinary request, over once answered, and is not a stream.
 */
export function proxyStreamOf(e: AuditEvent): SessionSeen | undefined {
  const r = e.objectRef;
  if (r?.subresource !== 'proxy' || r.apiGroup !== undefined || e.code !== 101) return undefined;
  const kind = r.resource === 'pods' ? 'proxy' : r.resource === 'services' ? 'service-proxy' : undefined;
  const namespace = objectName(r.namespace);
  const target = proxyTarget(r.name);
  if (kind === undefined || namespace === undefined || target === undefined) return undefined;
  // The proxied path, after `/proxy`: the subject's text, cleaned (see commandText).
  const uri = e.requestURI.split('?')[0] ?? '';
  const marker = `/${r.name ?? ''}/proxy`;
  const found = uri.indexOf(marker);
  const path = found < 0 ? '' : uri.slice(found + marker.length);
  const command = commandText([...(target.port === undefined ? [] : [`port ${target.port}`]), ...(path === '' ? [] : [`path ${path}`])]);
  return { kind, namespace, pod: target.name, ...(command === '' ? {} : { command }), at: e.at, allowed: true };
}

