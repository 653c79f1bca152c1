import type { OnCallFinding, OnCallRule } from '../domain/on-call.js';

/**
 * Who is on call right now (PagerDuty). Errors: OnCallLookupError (always retryable): a failed
 * read is never taken as "not on call".
 */
export interface OnCallDirectory {
  /** Whether the person with this email is on call now in one of the rule's escalation policies or schedules (and, if it names services, an incident is open on one). */
  findOnCall(email: string, rule: OnCallRule, now: Date): Promise<OnCallFinding>;
}
