import * as z from 'zod';
import { LEASE_STATUSES, REVOKE_CAUSES, type Lease } from '../../domain/lease.js';
import { TICKET_SOURCES, type Person } from '../../domain/ticket.js';
import { APPROVAL_KINDS } from '../../domain/on-call.js';
import { STREAM_KINDS } from '../../domain/activity.js';
import { LABEL_VALUE } from '../../domain/names.js';
import { BINDING_PATH, GRANT_NOTES, type GrantNote, type RevokeFacts } from '../../domain/owed-notes.js';
import { reviewTaskSchema } from './review-item.js';
import { evidenceSchema, sessionsSchema } from './activity-item.js';
import { accessCheck, labelName, leaseIds, objectName, outsideText, ownError, profileName, roleName, storedTime, subjectName, ticketKeyText, ticketUrlText, unsealedText } from './stored-text.js';

const status = z.enum(LEASE_STATUSES);
const isGrantNote = (code: string): code is GrantNote => (GRANT_NOTES as readonly string[]).includes(code);
const person = z.object({ id: z.string(), email: z.string().optional(), displayName: z.string().optional() });
/** The requester as the review task and comments name them: the ticket system's text, one line (see stored-text.ts). */
const requester = z.object({ id: outsideText(256), email: outsideText(256).optional(), displayName: outsideText(256).optional() });
/** An approver as a comment names them: the ticket system's text, one line (see stored-text.ts). */
const approver = z.object({ id: unsealedText(256), email: unsealedText(256).optional(), displayName: unsealedText(256).optional() });

const verification = z.object({
  at: storedTime,
  answers: z.array(z.object({ namespace: labelName, allowed: z.boolean(), reason: unsealedText(300).optional(), otherLeases: leaseIds.optional() })),
  error: ownError.optional(),
});

/** Schema of a lease item as stored; items are checked on every read so a hand-edited item cannot confuse us. */
export const leaseItemSchema = z.object({
  pk: z.string(),
  // The lease's label value on its bindings (names.ts): what its comments name it by.
  id: z.string().regex(LABEL_VALUE, 'not a lease id as kube-lease writes it'),
  idempotencyKey: z.string(),
  source: z.enum(TICKET_SOURCES),
  ticketId: z.string().optional(),
  // The ticket's key and URL, and the profile, as kube-lease writes them, or the item is unreadable (stored-text.ts).
  ticketKey: ticketKeyText,
  ticketRef: z.string(),
  ticketUrl: ticketUrlText,
  requester,
  approvers: z.array(approver).min(1),
  approvals: z.array(z.string()).min(1),
  approvalRecords: z.array(z.string()).optional(),
  approvalKind: z.enum(APPROVAL_KINDS).optional(),
  onCall: z
    .object({
      userId: unsealedText(64),
      userEmail: unsealedText(256),
      via: z.object({ type: z.enum(['escalation_policy', 'schedule']), id: unsealedText(64), name: unsealedText(200).optional() }),
      level: z.number().int().optional(),
      incident: z.object({ id: unsealedText(64), serviceId: unsealedText(64), number: z.number().int().optional() }).optional(),
      checkedAt: unsealedText(64),
    })
    .optional(),
  // Names and times a comment says (and the revoke acts on) are as kube-lease writes them, or the item is unreadable (stored-text.ts).
  subject: z.object({ kind: z.enum(['User', 'Group']), name: subjectName }),
  profile: profileName,
  cluster: labelName,
  namespaces: z.array(labelName),
  roleRef: z.object({ kind: z.enum(['Role', 'ClusterRole']), name: roleName }),
  reason: z.string(),
  createdAt: storedTime,
  startsAt: storedTime,
  expiresAt: storedTime,
  dueAt: z.string(),
  requesterRef: z.string().optional(),
  windowEnd: z.string().optional(),
  status,
  bindings: z.array(z.object({ namespace: labelName, name: objectName })),
  scheduleName: z.string(),
  history: z.array(
    z.object({
      at: storedTime,
      from: status.nullable(),
      to: status,
      by: z.string(),
      note: z.string().optional(),
    }),
  ),
  version: z.number().int(),
  // kube-lease's words, which may quote the ticket: one line when a comment repeats it.
  failureReason: unsealedText(2000).optional(),
  revokedAt: storedTime.optional(),
  revokeCause: z.enum(REVOKE_CAUSES).optional(),
  revokeRequested: z.object({ at: storedTime, cause: z.enum(REVOKE_CAUSES), by: z.string(), reason: z.string() }).optional(),
  dryRun: z.boolean().optional(),
  deferredReason: z.string().optional(),
  accessCheck: accessCheck.optional(),
  // Codes, never text (one kube-lease does not know says nothing). An item stored before them holds the lines as text: owed still, but nothing of it is said.
  grantNote: z.union([z.array(z.string()).transform((codes) => codes.filter(isGrantNote)), z.string().transform((): GrantNote[] => [])]).optional(),
  announceAt: storedTime.optional(),
  // Facts, never text. An item stored before them holds the comment as text: owed still, rebuilt from the lease (the bindings left untouched not known).
  // Bindings that are not all Kubernetes names read as not known (the comment then names none).
  revokeNote: z.union([z.object({ untouched: z.array(z.string()).optional().transform((list) => (list?.every((b) => BINDING_PATH.test(b)) === true ? list : undefined)), evidence: z.boolean() }), z.string().transform((): RevokeFacts => ({ evidence: false }))]).optional(),
  verification: z.object({ granted: verification.optional(), revoked: verification.optional() }).optional(),
  endSessions: z.boolean().optional(),
  endStreams: z.array(z.enum(STREAM_KINDS)).optional(),
  podsPerController: z.number().int().optional(),
  idle: z.object({ timeout: z.number().int().positive(), checkAt: storedTime, readTo: storedTime.optional(), lastRequestAt: storedTime.optional() }).optional(),
  sessions: sessionsSchema.optional(),
  evidence: evidenceSchema.optional(),
  review: reviewTaskSchema.optional(),
});

/** A denied approval, stored at the pk its lease would have had (no index attributes: it is in no index). */
export const denialItemSchema = z.object({
  pk: z.string(),
  record: z.literal('denial'),
  leaseId: z.string(),
  idempotencyKey: z.string(),
  source: z.enum(TICKET_SOURCES),
  ticketId: z.string().optional(),
  ticketKey: z.string(),
  code: z.string(),
  reason: z.string(),
  at: z.string(),
  by: z.string(),
  requester: person.optional(),
  approvers: z.array(person).optional(),
  approvalKind: z.enum(APPROVAL_KINDS).optional(),
});

export const leaseKey = (id: string): string => `lease#${id}`;
export const deliveryKey = (digest: string): string => `delivery#${digest}`;
/** A lease's place on the evidence queue (in the status index under EVIDENCE_DUE_STATUS). */
export const evidenceKey = (id: string): string => `evidence#${id}`;
export const EVIDENCE_DUE_STATUS = 'EVIDENCE_DUE';
/** A REVOKED lease's place on the queue of revoke comments owed to a holder (a `lease#` key: the roles that revoke may write it). */
export const revokeCommentKey = (id: string): string => `lease#${id}#revoke-comment`;
export const REVOKE_COMMENT_DUE_STATUS = 'REVOKE_COMMENT_DUE';

/** The item holding a requester's places for open leases (a string set of lease ids), for the cap. */
export const placesKey = (source: string, requester: Person): string => `places#${requesterRef(source, requester)}`;

/**
 * When a lease next needs attention, the sort key of the status index: a SCHEDULED lease at its
 * start, a PENDING one from its creation (stale after a grace period), an ACTIVE one at its expiry
 * or, while its grant's announcement is owed, at `announceAt`, or at its next idle check (`idle.checkAt`),
 * whichever comes first; every other one at its expiry. The sweep queries `status = X AND dueAt <= t`.
 */
export function dueAt(lease: Pick<Lease, 'status' | 'startsAt' | 'expiresAt' | 'createdAt' | 'announceAt' | 'revokeRequested' | 'idle'>): string {
  const requested = lease.revokeRequested?.at;
  const open = lease.status === 'SCHEDULED' || lease.status === 'PENDING' || lease.status === 'ACTIVE';
  // A revoke that could not finish (a close) makes an open lease due at once, whatever its status.
  if (requested !== undefined && open) {
    const usual = dueAt({ ...lease, revokeRequested: undefined });
    return requested < usual ? requested : usual;
  }
  if (lease.status === 'SCHEDULED') return lease.startsAt;
  if (lease.status === 'PENDING') return lease.createdAt;
  // An ACTIVE lease is due at the first of its expiry, its owed announcement and its next idle check.
  if (lease.status === 'ACTIVE') return [lease.announceAt, lease.idle?.checkAt].reduce<string>((first, at) => (at !== undefined && at < first ? at : first), lease.expiresAt);
  return lease.expiresAt;
}

/** Drops undefined values (the document client refuses them) and adds the key and index attributes. */
export function toItem(lease: Lease): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      ...lease,
      pk: leaseKey(lease.id),
      ticketRef: leaseTicketRef(lease),
      requesterRef: requesterRef(lease.source, lease.requester),
      dueAt: dueAt(lease),
    }),
  ) as Record<string, unknown>;
}

/**
 * The ticket index's partition of a lease recorded before leases were filed by ticket id:
 * `<source>#<key>`. Keys never contain `:` (Jira: `PROJ-12`; ServiceNow:
 * `CHG0001234`), so these never meet the id partitions below.
 */
export const ticketRef = (source: string, key: string): string => `${source}#${key}`;
/** The ticket index's partition of every lease of one ticket, by its immutable id: `<source>#id:<id>`. */
export const ticketIdRef = (source: string, id: string): string => `${source}#id:${id}`;
/** Where a lease is in the ticket index: by its ticket's id, or (recorded before ids) by its key. */
export function leaseTicketRef(lease: Pick<Lease, 'source' | 'ticketId' | 'ticketKey'>): string {
  return lease.ticketId === undefined ? ticketRef(lease.source, lease.ticketKey) : ticketIdRef(lease.source, lease.ticketId);
}

/**
 * A ticket-key record: which ticket id a key (as a person types it) names, for `leases list
 * --ticket KEY`. Written beside every lease created and whenever a transition sees a lease's
 * ticket under a new key. It is in no index (no `ticketRef`, no `status`), and its `pk` is not a
 * lease's: nothing that lists or scans leases meets it, in this version or an earlier one.
 */
export const ticketKeyRecordKey = (source: string, key: string): string => `ticketkey#${source}#${key}`;
export const TICKET_KEY_RECORD = 'ticket-key';
export const ticketKeyRecordSchema = z.object({
  pk: z.string(),
  record: z.literal(TICKET_KEY_RECORD),
  source: z.enum(TICKET_SOURCES),
  key: z.string(),
  ticketId: z.string(),
  at: z.string(),
});
export function ticketKeyRecord(source: string, key: string, ticketId: string, at: string): Record<string, unknown> {
  return { pk: ticketKeyRecordKey(source, key), record: TICKET_KEY_RECORD, source, key, ticketId, at };
}

/** One person across ITSM systems: their email when known, else their id in that system. */
export function requesterRef(source: string, person: Person): string {
  return person.email !== undefined ? person.email.toLowerCase() : `${source}:${person.id}`;
}

export function fromItem(item: Record<string, unknown>): Lease {
  const { pk: _pk, ticketRef: _ticketRef, requesterRef: _requesterRef, dueAt: _dueAt, ...lease } = leaseItemSchema.parse(item);
  return lease;
}
