import type { SessionSeen, StreamKind } from './activity.js';
import { objectName } from './activity-text.js';

/*
 * Audit log lines that cannot be read. A client chooses its request's URI: padded (an exec's
 * command, a query string), the audit event outgrows the log's event size (CloudWatch Logs: 256 KiB,
 * 1 MiB since 2025) while kube-apiserver still accepts the request (a request line up to 1 MiB), and
 * EKS stores the event cut off: not JSON, and, cut in `requestURI`, without the `user` that follows
 * it. Such a line names no user, so it is never the subject's event for certain; it is counted, and
 * its readable start (the pod of an exec or attach) is listed, so that no window reads as empty.
 */

/**
 * What CloudWatch Logs ends an event it cut with, as EKS's audit lines show it (Falco's k8saudit-eks
 * plugin skips lines ending with it). A line cut without it is unreadable all the same: it does not parse.
 */
export const TRUNCATION_MARKER = '[Truncated...]';

/** Unreadable lines kept for a closer look (every one is counted). */
export const UNREADABLE_LINES_KEPT = 100;

/** Characters of a cut line's request URI kept: enough for any pod's path. */
const URI_CHARS = 2000;

/** A log line that is not an audit event: one the log cut off (over its event size limit). */
export interface UnreadableLine {
  /** When the log stamped it (the request's own times are in the part cut off). */
  readonly at: string;
  /** The request URI as far as the line holds it (bounded), when the line starts as an audit event does. */
  readonly requestURI?: string | undefined;
}

/** Lines of a lease's window the audit log holds but that could not be read: activity may be missing. */
export interface UnreadableEvents {
  readonly count: number;
  /** false: the search stopped before the end of the window (the revoke reads one page): there may be more. */
  readonly complete: boolean;
}

/**
 * The request URI at the start of a line that is not JSON, as far as the line holds it; undefined
 * when the line does not start as an audit event does. kube-apiserver writes `requestURI` fifth,
 * after four fields whose values are JSON strings: an unescaped `"requestURI":"` cannot occur in them.
 */
export function cutRequestUri(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  const key = '"requestURI":"';
  const start = line.indexOf(key);
  if (start < 0) return undefined;
  const rest = line.slice(start + key.length, start + key.length + URI_CHARS);
  const end = rest.search(/(?<!\\)"/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** A path segment as the API server reads it (percent-decoded), or undefined. */
function segment(value: string | undefined): string | undefined {
  try {
    return value === undefined ? undefined : decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const CUT_STREAMS: readonly StreamKind[] = ['exec', 'attach', 'portforward'];

/**
 * The stream a cut line's readable start names: an exec, attach or port-forward into a pod of
 * `namespaces` (the path decoded as the API server decodes it). Whose it was, and whether it opened,
 * were in the part cut off: the stream is marked `cutOff`.
 */
export function cutOffStream(line: UnreadableLine, namespaces: readonly string[]): SessionSeen | undefined {
  const path = (line.requestURI ?? '').split('?')[0] ?? '';
  const parts = path.split('/');
  // ['', 'api', 'v1', 'namespaces', ns, 'pods', name, kind] (a trailing slash allowed).
  if (parts.length < 8 || parts.length > 9 || (parts.length === 9 && parts[8] !== '') || parts[0] !== '' || parts[1] !== 'api' || parts[2] !== 'v1') return undefined;
  const [collection, ns, pods, name, kind] = parts.slice(3, 8).map(segment);
  const namespace = objectName(ns);
  const pod = objectName(name);
  const stream = CUT_STREAMS.find((s) => s === kind);
  if (collection !== 'namespaces' || pods !== 'pods' || namespace === undefined || pod === undefined || stream === undefined || !namespaces.includes(namespace)) return undefined;
  return { kind: stream, namespace, pod, at: line.at, allowed: true, cutOff: true };
}

/** The streams the cut lines name (see cutOffStream), one per line. */
export function cutOffStreams(lines: readonly UnreadableLine[], namespaces: readonly string[]): SessionSeen[] {
  return lines.flatMap((l) => cutOffStream(l, namespaces) ?? []);
}

/** What a ticket says of the lines that could not be read; nothing when there are none. */
export function unreadableLines(u: UnreadableEvents | undefined): string[] {
  if (u === undefined || (u.count === 0 && u.complete)) return [];
  if (u.count === 0) return ['Unreadable: the search for audit events cut off by the log stopped before the end of the window: some may be missing here.'];
  const count = `${u.complete ? '' : 'at least '}${u.count}`;
  const more = u.complete ? '' : ' (the search stopped before the end of the window: there may be more)';
  return [
    `Unreadable: ${count} audit event(s) that may be the subject's requests in the lease's namespaces could not be read (cut off by the log, over its event size limit)${more}: activity may be missing here; whose they were, the log does not say.`,
  ];
}

/** How a report says the evidence is not complete (see UnreadableEvents); null when nothing is known to be missing. */
export function unreadableText(u: UnreadableEvents | undefined): string | null {
  if (u === undefined || (u.count === 0 && u.complete)) return null;
  return `incomplete: ${u.complete ? '' : 'at least '}${u.count} audit event(s) of its window were cut off by the log${u.complete ? '' : ' (the search stopped before the end)'}: activity may be missing`;
}
