import { parseAuditEvent, type AuditEvent } from '../../domain/activity.js';
import { cutRequestUri, TRUNCATION_MARKER, type UnreadableLine } from '../../domain/activity-unreadable.js';
import type { UnreadableQuery } from '../../ports/activity-log.js';

/** What one read of an audit log found: the query's events, and the lines that were not audit events. */
export interface AuditLogRead {
  readonly events: readonly AuditEvent[];
  /** Lines that are not audit events (not JSON, or JSON of another shape): skipped, counted here. */
  readonly skipped: number;
}

/** The audit event of one log line, or undefined when the line is not one. */
export function auditEventOfLine(line: string): AuditEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  return parseAuditEvent(json);
}

/** The text that marks a line as possibly the user's request in the namespaces (see unreadableMatch). */
export function unreadableTerms(query: Pick<UnreadableQuery, 'namespaces' | 'scope' | 'username'>): string[] {
  const paths = query.namespaces.map((ns) => `/namespaces/${ns}/${query.scope === 'pods' ? 'pods/' : ''}`);
  return [TRUNCATION_MARKER, ...paths, ...(query.scope === 'all' ? [query.username] : [])];
}

/** The URI's path (before `?`) with its ASCII escapes decoded, as the API server reads it; a cut escape stays as is. */
function decodedPath(uri: string | undefined): string | undefined {
  return uri?.split('?')[0]?.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * The line as an unreadable line of the query's, or undefined: a line that parses as JSON is not
 * one (`read` has it, or it is not the user's); one that does not counts when it names one of the
 * terms, or when its URI, decoded as the API server decodes it, names one of the namespaces' paths.
 */
export function unreadableMatch(line: string, at: string, terms: readonly string[]): UnreadableLine | undefined {
  try {
    JSON.parse(line);
    return undefined;
  } catch {
    // Not JSON: cut off (or another program's line, which the terms tell apart).
  }
  const requestURI = cutRequestUri(line);
  const path = decodedPath(requestURI);
  if (!terms.some((t) => line.includes(t) || (t.startsWith('/namespaces/') && path?.includes(t) === true))) return undefined;
  return { at, ...(requestURI === undefined ? {} : { requestURI }) };
}
