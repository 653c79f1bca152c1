import type { AuditEvent } from '../../domain/audit.js';
import { TIMED_CAUSES } from '../../domain/lease.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Metrics } from '../../ports/metrics.js';

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

/**
 * Counts every audit event as a metric, so metrics and the audit trail can never disagree:
 * grants, denials by code, revocations by cause with the lag behind expiry, and failures (a failed
 * revoke attempt carries its cause; a failed grant does not).
 */
export function countingAuditLog(inner: AuditLog, metrics: Metrics): AuditLog {
  return {
    record(event) {
      inner.record(event);
      const source = event.source ?? 'unknown';
      switch (event.kind) {
        case 'grant':
          metrics.count('Grants', { source, ...(event.dryRun ? { dryRun: 'true' } : {}) });
          break;
        case 'deny':
          metrics.count('Denials', { source, code: event.code ?? 'unknown' });
          break;
        case 'revoke': {
          const cause = event.cause ?? 'unknown';
          metrics.count('Revocations', { cause });
          // How late access ended: only for ends that were due at the expiry (not early or manual ones).
          if (event.cause !== undefined && TIMED_CAUSES.includes(event.cause) && event.expiresAt !== undefined) {
            const lag = (Date.parse(event.at) - Date.parse(event.expiresAt)) / 1000;
            if (Number.isFinite(lag)) metrics.seconds('RevocationLag', Math.max(0, lag), { cause });
          }
          // Access the revoke did not end: some other binding grants it (standing access).
          const explained = event.verification?.otherLeasesIn ?? [];
          if ((event.verification?.allowedIn ?? []).some((ns) => !explained.includes(ns))) metrics.count('StandingAccessDetected', { source });
          break;
        }
        case 'failure':
          metrics.count(event.cause === undefined ? 'GrantFailures' : 'RevokeFailures', { source });
          break;
        default:
          break;
      }
    },
  };
}
