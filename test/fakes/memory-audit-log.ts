import type { AuditEvent } from '../../lib/domain/audit.js';
import { auditEventSchema } from '../../lib/domain/audit-schema.js';
import type { AuditLog } from '../../lib/ports/audit-log.js';
import type { Logger } from '../../lib/ports/logger.js';

/** Keeps audit events, and every one that does not match the documented schema. */
export class MemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  readonly violations: string[] = [];
  record(event: AuditEvent): void {
    this.events.push(event);
    // Round-trip through JSON, as the event is written, before checking it.
    const parsed = auditEventSchema.safeParse(JSON.parse(JSON.stringify(event)));
    if (!parsed.success) this.violations.push(`${event.kind}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }
}

/** Collects log lines so tests can assert on them and keep the output quiet. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  debug(message: string, ...extra: Record<string, unknown>[]): void {
    this.lines.push({ level: 'debug', message, fields: Object.assign({}, ...extra) as Record<string, unknown> });
  }
  info(message: string, ...extra: Record<string, unknown>[]): void {
    this.lines.push({ level: 'info', message, fields: Object.assign({}, ...extra) as Record<string, unknown> });
  }
  warn(message: string, ...extra: Record<string, unknown>[]): void {
    this.lines.push({ level: 'warn', message, fields: Object.assign({}, ...extra) as Record<string, unknown> });
  }
  error(message: string, ...extra: Record<string, unknown>[]): void {
    this.lines.push({ level: 'error', message, fields: Object.assign({}, ...extra) as Record<string, unknown> });
  }
}
