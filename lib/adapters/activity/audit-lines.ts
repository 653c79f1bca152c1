import { parseAuditEvent, type AuditEvent } from '../../domain/activity.js';

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
