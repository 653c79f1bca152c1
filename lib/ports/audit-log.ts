import type { AuditEvent } from '../domain/audit.js';

/** Where audit events go (CloudWatch via stdout in Lambda). Must not throw. */
export interface AuditLog {
  record(event: AuditEvent): void;
}
