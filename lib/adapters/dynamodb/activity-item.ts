import * as z from 'zod';
import { STREAM_KINDS } from '../../domain/activity.js';
import { EVIDENCE_MAC_ALGORITHM } from '../../domain/evidence-digest.js';

/* The schemas of what a lease item records of its subject's activity: the streams at revoke and the evidence. */

const session = z.object({
  kind: z.enum([...STREAM_KINDS, 'service-proxy']),
  namespace: z.string(),
  pod: z.string(),
  container: z.string().optional(),
  command: z.string().optional(),
  at: z.string(),
  allowed: z.boolean(),
  reusedAuditId: z.literal(true).optional(),
  cutOff: z.literal(true).optional(),
});
const unreadable = z.object({ count: z.number().int(), complete: z.boolean() });
const sessionPod = z.object({
  namespace: z.string(),
  pod: z.string(),
  outcome: z.enum(['evicted', 'deleted', 'gone', 'kept']),
  why: z.string().optional(),
  controller: z.string().optional(),
  mayRunUntil: z.string().optional(),
  graceSeconds: z.number().optional(),
});
const reusedAuditId = z.object({ id: z.string(), requests: z.number().int() });
const requestCount = z.object({ verb: z.string(), resource: z.string(), namespace: z.string(), count: z.number().int() });
const summary = z.object({
  requests: z.number().int(),
  byRequest: z.array(requestCount),
  sessions: z.array(session),
  secretsRead: z.array(z.object({ namespace: z.string(), name: z.string(), verb: z.string(), count: z.number().int() })),
  denied: z.array(requestCount),
  omitted: z.number().int(),
  elsewhere: z.number().int().optional(),
  reusedAuditIds: z.array(reusedAuditId).optional(),
  firstAt: z.string().optional(),
  lastAt: z.string().optional(),
  unreadable: unreadable.optional(),
});

/** The streams found (and pods ended) at revoke. */
export const sessionsSchema = z.object({
  at: z.string(),
  seen: z.array(session),
  pods: z.array(sessionPod),
  error: z.string().optional(),
  omitted: z.number().int().optional(),
  reusedAuditIds: z.array(reusedAuditId).optional(),
  unreadable: z.union([unreadable, z.object({ error: z.string() })]).optional(),
});

/** The activity evidence, with its seal. */
export const evidenceSchema = z.object({
  collectedAt: z.string(),
  from: z.string(),
  to: z.string(),
  events: z.number().int(),
  summary: summary.optional(),
  findings: z.array(z.string()).optional(),
  subject: z.object({ kind: z.enum(['User', 'Group']), name: z.string() }).optional(),
  digest: z.string().optional(),
  mac: z.object({ algorithm: z.literal(EVIDENCE_MAC_ALGORITHM), keyId: z.string(), mac: z.string() }).optional(),
  pods: z.array(sessionPod).optional(),
  error: z.string().optional(),
  postedAt: z.string().optional(),
});
