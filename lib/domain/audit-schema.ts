import * as z from 'zod';

/**
 * The audit event schema, stable for consumers (SIEM, dashboards): documented in the README, and
 * every event the test suite emits is checked against it. Add fields; never rename or retype one.
 */
export const auditEventSchema = z.strictObject({
  kind: z.enum(['grant', 'schedule', 'extend', 'deny', 'revoke', 'failure', 'reject']),
  at: z.iso.datetime(),
  actor: z.string().min(1),
  source: z.enum(['jira', 'servicenow']).optional(),
  ticket: z.string().optional(),
  ticketUrl: z.string().optional(),
  leaseId: z.string().regex(/^[0-9a-f]{20}$/).optional(),
  requester: z.string().optional(),
  approver: z.string().optional(),
  subject: z.string().optional(),
  profile: z.string().optional(),
  cluster: z.string().optional(),
  namespaces: z.array(z.string()).optional(),
  role: z.strictObject({ kind: z.enum(['Role', 'ClusterRole']), name: z.string() }).optional(),
  startsAt: z.iso.datetime().optional(),
  expiresAt: z.iso.datetime().optional(),
  previousExpiresAt: z.iso.datetime().optional(),
  reason: z.string().optional(),
  code: z.string().optional(),
  cause: z.enum(['expiry', 'sweep', 'manual', 'early', 'dry-run']).optional(),
  deliveryId: z.string().optional(),
  dryRun: z.boolean().optional(),
  warning: z.string().optional(),
});
