import type { AuditEvent } from '../../lib/domain/audit.js';
import type { AuditLog } from '../../lib/ports/audit-log.js';
import type { Logger } from '../../lib/ports/logger.js';

export class MemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): void {
    this.events.push(event);
  }
  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }
}

/** Collects log lines so tests can assert on them and keep the output quiet. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
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
