import * as z from 'zod';
import { REVOKE_CAUSES } from './lease.js';
import { APPROVAL_KINDS } from './on-call.js';
import { TICKET_SOURCES } from './ticket.js';
import { REVIEW_TASK_EVENTS } from './audit.js';

/**
 * The audit event schema, stable for consumers (SIEM, dashboards): docs/audit-events.md is generated
 * from it (npm run docs:gen; a test fails when the page is stale), and every event the test
 * suite emits is checked against it. Add fields; never rename, retype or drop one.
 *
 * Every field any kind may carry is listed once in `fields`; each kind then says which of them it
 * always carries. Events are strict: an unknown field is an error.
 */
/** Lines the audit log cut off that may be the subject's (see domain/activity-unreadable.ts). */
const unreadable = z.strictObject({ count: z.number().int().nonnegative(), complete: z.boolean() });

const fields = {
  at: z.iso.datetime(),
  actor: z.string().min(1),
  source: z.enum(TICKET_SOURCES),
  ticket: z.string().min(1),
  ticketUrl: z.string(),
  leaseId: z.string().regex(/^[0-9a-f]{20}$/),
  requester: z.string(),
  approver: z.string(),
  approvalKind: z.enum(APPROVAL_KINDS),
  subject: z.string(),
  profile: z.string(),
  cluster: z.string(),
  namespaces: z.array(z.string()),
  role: z.strictObject({ kind: z.enum(['Role', 'ClusterRole']), name: z.string() }),
  startsAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  previousExpiresAt: z.iso.datetime(),
  reason: z.string(),
  code: z.string().min(1),
  cause: z.enum(REVOKE_CAUSES),
  deliveryId: z.string(),
  dryRun: z.boolean(),
  warning: z.string(),
  verification: z.strictObject({ check: z.string(), allowedIn: z.array(z.string()), deniedIn: z.array(z.string()), otherLeasesIn: z.array(z.string()).optional(), error: z.string().optional() }),
  sessions: z.strictObject({ seen: z.number().int(), ended: z.array(z.string()), notEnded: z.array(z.string()), error: z.string().optional(), unreadable: z.union([unreadable, z.strictObject({ error: z.string() })]).optional() }),
  reviewTask: z.strictObject({ system: z.enum(TICKET_SOURCES), key: z.string().min(1), url: z.string(), event: z.enum(REVIEW_TASK_EVENTS) }),
  evidence: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime(), events: z.number().int(), requests: z.number().int().optional(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(), error: z.string().optional(), reusedAuditIds: z.array(z.string()).optional(), unreadable: unreadable.optional(), findings: z.array(z.string()).optional() }),
} as const;

type Field = keyof typeof fields;

/** All fields optional, then the kind's own fields required. */
function kind<K extends string, R extends Field>(name: K, required: readonly R[]) {
  const shape = Object.fromEntries(
    (Object.keys(fields) as Field[]).map((field) => [field, required.includes(field as R) ? fields[field] : fields[field].optional()]),
  ) as { [F in Field]: F extends R ? (typeof fields)[F] : z.ZodOptional<(typeof fields)[F]> };
  return z.strictObject({ kind: z.literal(name), ...shape });
}

/** What every event about a lease carries (access given, scheduled, extended or ended with its record). */
const LEASE: readonly Field[] = ['at', 'actor', 'source', 'ticket', 'leaseId', 'requester', 'approver', 'subject', 'profile', 'cluster', 'namespaces', 'role', 'startsAt', 'expiresAt'];

export const AUDIT_REQUIRED_FIELDS = {
  /** Access exists (or, with `dryRun`, the cluster accepted it and nothing was stored). */
  grant: [...LEASE, 'reason'],
  /** Approved for a change window that has not opened yet. */
  schedule: [...LEASE, 'reason'],
  /** The API server's answer to the access check of a grant, made beside its ACTIVE write and recorded when the ticket is told (its `grant` event carries none). */
  verify: [...LEASE, 'verification'],
  /** A new approval moved the expiry. */
  extend: [...LEASE, 'previousExpiresAt', 'reason'],
  /** No access: `code` says why (a denial code, or `ticket-not-found`). */
  deny: ['at', 'actor', 'source', 'ticket', 'code', 'reason'],
  /** Access ended; an orphan binding's removal names the lease, cluster and namespace only. */
  revoke: ['at', 'actor', 'leaseId', 'cluster', 'namespaces', 'cause', 'reason'],
  /** Something could not be done (`code` is `backend-error`, or `unreadable-lease-item`: a close met a lease item it could not read); a failed revoke attempt carries its `cause`. */
  failure: ['at', 'actor', 'code', 'reason'],
  /** A webhook request refused before any work (`bad-signature`, `too-large`, `bad-request`). */
  reject: ['at', 'actor', 'source', 'code', 'reason'],
  /** At revoke, a pod deleted to end the streams the subject opened into it (`reason` names it). */
  'end-session': ['at', 'actor', 'leaseId', 'cluster', 'namespaces', 'reason'],
  /** A lease's activity evidence was collected (or could not be: `evidence.error`). */
  activity: [...LEASE, 'evidence'],
  /** An on-call or break-glass lease's review task was opened (or found, after a crash), given the evidence, or seen done. */
  review: [...LEASE, 'reviewTask'],
} as const satisfies Record<string, readonly Field[]>;

export const auditEventSchema = z.discriminatedUnion('kind', [
  kind('grant', AUDIT_REQUIRED_FIELDS.grant),
  kind('verify', AUDIT_REQUIRED_FIELDS.verify),
  kind('schedule', AUDIT_REQUIRED_FIELDS.schedule),
  kind('extend', AUDIT_REQUIRED_FIELDS.extend),
  kind('deny', AUDIT_REQUIRED_FIELDS.deny),
  kind('revoke', AUDIT_REQUIRED_FIELDS.revoke),
  kind('failure', AUDIT_REQUIRED_FIELDS.failure),
  kind('reject', AUDIT_REQUIRED_FIELDS.reject),
  kind('end-session', AUDIT_REQUIRED_FIELDS['end-session']),
  kind('activity', AUDIT_REQUIRED_FIELDS.activity),
  kind('review', AUDIT_REQUIRED_FIELDS.review),
]);

/** Every field an event may carry, for the documentation's table. */
export const AUDIT_FIELDS: readonly string[] = ['kind', ...Object.keys(fields)];
