import type { AuditEvent } from '../../domain/audit.js';
import type { AuditLog } from '../../ports/audit-log.js';

/**
 * Writes each audit event as one JSON line (`{"audit":true,...}`); in Lambda that line lands in
 * CloudWatch Logs, where a metric filter or subscription can pick up `$.audit = true`.
 */
export class JsonAuditLog implements AuditLog {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  record(event: AuditEvent): void {
    try {
      this.write(JSON.stringify({ audit: true, ...event }));
    } catch {
      // An audit sink failure must not change a decision; stdout failing leaves nothing to report to.
    }
  }
}

/** Fans one event out to several logs (e.g. stdout and an in-memory trail for the demo). */
export function teeAuditLog(...logs: AuditLog[]): AuditLog {
  return { record: (event) => logs.forEach((log) => log.record(event)) };
}
