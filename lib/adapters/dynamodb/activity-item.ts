import * as z from 'zod';
import { STREAM_KINDS } from '../../domain/activity.js';
import { EVIDENCE_MAC_ALGORITHM, EVIDENCE_SEAL_VERSION } from '../../domain/evidence-digest.js';
import { COMMAND_CHARS } from '../../domain/activity-text.js';
import { auditTime, outsideText, ownError, storedTime } from './stored-text.js';

/* The schemas of what a lease item records of its subject's activity: the streams at revoke and the evidence. */

const session = z.object({
  kind: z.enum([...STREAM_KINDS, 'service-proxy']),
  // The audit log's names (parseAuditEvent: a Kubernetes name, a proxy target, or "(invalid)"): read as
  // single lines, never refused: a name the log carries must not make the lease unreadable (its holder
  // chooses it, in a request the cluster may even refuse).
  namespace: outsideText(300),
  pod: outsideText(300),
  container: outsideText(300).optional(),
  // The subject's command line or proxied path, cleaned by commandText when written: one line, bounded.
  command: outsideText(COMMAND_CHARS).optional(),
  at: auditTime,
  allowed: z.boolean(),
  reusedAuditId: z.literal(true).optional(),
  cutOff: z.literal(true).optional(),
});
const unreadable = z.object({ count: z.number().int(), complete: z.boolean() });
const sessionPod = z.object({
  namespace: outsideText(300),
  pod: outsideText(300),
  outcome: z.enum(['evicted', 'deleted', 'gone', 'kept']),
  // kube-lease's sentence, which may quote a PodDisruptionBudget's message (clipped to 200 characters): one line.
  why: outsideText(600).optional(),
  // The pod's owner as the cluster names it (`Kind name`): one line, never refused.
  controller: outsideText(600).optional(),
  mayRunUntil: storedTime.optional(),
  graceSeconds: z.number().refine(Number.isSafeInteger, 'not a grace period as kube-lease writes it').optional(),
});
// The summary's rows are the audit log's text, cleaned when written: read as single lines (unchanged when they are: the digest covers them).
const reusedAuditId = z.object({ id: outsideText(64), requests: z.number().int() });
const requestCount = z.object({ verb: outsideText(300), resource: outsideText(300), namespace: outsideText(300), count: z.number().int() });
const summary = z.object({
  requests: z.number().int(),
  byRequest: z.array(requestCount),
  sessions: z.array(session),
  secretsRead: z.array(z.object({ namespace: outsideText(300), name: outsideText(300), verb: outsideText(300), count: z.number().int() })),
  denied: z.array(requestCount),
  omitted: z.number().int(),
  elsewhere: z.number().int().optional(),
  reusedAuditIds: z.array(reusedAuditId).optional(),
  firstAt: auditTime.optional(),
  lastAt: auditTime.optional(),
  unreadable: unreadable.optional(),
});

/** The streams found (and pods ended) at revoke. */
export const sessionsSchema = z.object({
  at: storedTime,
  seen: z.array(session),
  pods: z.array(sessionPod),
  error: ownError.optional(),
  omitted: z.number().int().optional(),
  reusedAuditIds: z.array(reusedAuditId).optional(),
  unreadable: z.union([unreadable, z.object({ error: ownError })]).optional(),
});

/** The activity evidence, with its seal. */
export const evidenceSchema = z.object({
  collectedAt: storedTime,
  from: storedTime,
  to: storedTime,
  events: z.number().int(),
  summary: summary.optional(),
  // kube-lease's sentences, naming bindings and subjects: one line (never clipped: the digest covers them).
  findings: z.array(outsideText(100_000)).optional(),
  // The subject in the cluster's record of the bindings (the log's text): one line.
  subject: z.object({ kind: z.enum(['User', 'Group']), name: outsideText(300) }).optional(),
  // Which fields the digest and MAC cover (absent: version 1); a writer who changes it breaks the MAC.
  sealVersion: z.literal(EVIDENCE_SEAL_VERSION).optional(),
  digest: z.string().optional(),
  mac: z.object({ algorithm: z.literal(EVIDENCE_MAC_ALGORITHM), keyId: z.string(), mac: z.string() }).optional(),
  pods: z.array(sessionPod).optional(),
  error: ownError.optional(),
  postedAt: storedTime.optional(),
});
