import type { ActivitySummary, RequestCount, SessionSeen } from './activity.js';
import { OPEN_STATUSES, type Lease } from './lease.js';

/**
 * Who or what ended a lease, from the actor its history names: an `operator` (`cli:<name>`), a
 * ticket system's `webhook` (a close, or the grant that failed), the expiry `timer` (EventBridge,
 * local mode's scheduler), the `sweep`, or `other` (shown as recorded).
 */
export const END_ACTOR_KINDS = ['operator', 'webhook', 'timer', 'sweep', 'other'] as const;
/** One of {@link END_ACTOR_KINDS}. */
export type EndActorKind = (typeof END_ACTOR_KINDS)[number];

/** How a lease ended beyond its cause: by whom, why, and who asked for it when another finished it. */
export interface LeaseEndFacts {
  /** The actor of the transition to REVOKED or FAILED as the history records it; `null`: open, or not recorded. */
  readonly endedBy: string | null;
  readonly endedByKind: EndActorKind | null;
  /** The reason recorded with the end: an operator's `--reason`, a failure's reason; `null` when the cause says it all or none was recorded. */
  readonly endReason: string | null;
  /** Who asked for the revoke when another actor finished it (a close the sweep completed); else `null`. */
  readonly endRequestedBy: string | null;
}

/** The kind of an actor string as the use cases write it. */
export function endActorKind(actor: string): EndActorKind {
  if (actor.startsWith('cli:')) return 'operator';
  if (/^[a-z]+-webhook(:|$)/.test(actor)) return 'webhook';
  if (actor === 'eventbridge' || actor === 'local-scheduler') return 'timer';
  if (actor === 'sweep') return 'sweep';
  return 'other';
}

const sameWords = (a: string, b: string): boolean => a.replace(/[-\s]+/g, ' ') === b.replace(/[-\s]+/g, ' ');

/** Who ended a lease and why, from its history (the last move to REVOKED or FAILED) and its record. */
export function leaseEndFacts(lease: Lease): LeaseEndFacts {
  const ended = lease.status === 'REVOKED' || lease.status === 'FAILED';
  const entry = ended ? [...lease.history].reverse().find((h) => h.to === lease.status) : undefined;
  const endedBy = entry === undefined || entry.by.trim() === '' ? null : entry.by;
  let endReason: string | null = null;
  if (lease.status === 'FAILED') endReason = lease.failureReason ?? entry?.note ?? null;
  else if (entry?.note !== undefined) {
    const cause = lease.revokeCause;
    const note = cause !== undefined && entry.note.startsWith(`${cause}: `) ? entry.note.slice(cause.length + 2) : entry.note;
    endReason = cause !== undefined && sameWords(note, cause) ? null : note;
  }
  const asked = ended ? lease.revokeRequested?.by : undefined;
  return {
    endedBy,
    endedByKind: endedBy === null ? null : endActorKind(endedBy),
    endReason: endReason === null || endReason.trim() === '' ? null : endReason,
    endRequestedBy: asked === undefined || asked === endedBy ? null : asked,
  };
}

/** What the subject did during a lease, as its stored evidence summary says (see the row's `evidence` for whether it is verified). */
export interface LeaseActivity {
  /** The audit-log window read: from the activation to the revoke. */
  readonly from: string;
  readonly to: string;
  readonly requests: number;
  readonly byRequest: readonly RequestCount[];
  readonly sessions: readonly SessionSeen[];
  readonly secretsRead: ActivitySummary['secretsRead'];
  /** Requests the API server refused (401, 403). */
  readonly refused: readonly RequestCount[];
  /** Rows left out of the lists above when the evidence was stored. */
  readonly omitted: number;
  /** Requests other bindings allowed (standing access, another lease); `null` when not recorded. */
  readonly elsewhere: number | null;
}

/** The activity summary stored with the lease's evidence; `null` when none was stored (not collected, or no evidence). */
export function leaseActivity(lease: Lease): LeaseActivity | null {
  const evidence = lease.evidence;
  const summary = evidence?.summary;
  if (evidence === undefined || summary === undefined) return null;
  return {
    from: evidence.from,
    to: evidence.to,
    requests: summary.requests,
    byRequest: summary.byRequest,
    sessions: summary.sessions,
    secretsRead: summary.secretsRead,
    refused: summary.denied,
    omitted: summary.omitted,
    elsewhere: summary.elsewhere ?? null,
  };
}

/**
 * Whether the report has the lease's activity: `recorded` (the evidence holds a summary), `not
 * collected` (the evidence says why not), `no access` (the lease never had access: nothing to
 * collect), `after the end` (open: evidence is collected after the end), or `not recorded` (ended
 * with access, but no evidence is stored: the audit log is not configured, the evidence is still
 * due, or the record predates evidence).
 */
export const ACTIVITY_STATUSES = ['recorded', 'not collected', 'no access', 'after the end', 'not recorded'] as const;
/** One of {@link ACTIVITY_STATUSES}. */
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** The {@link ActivityStatus} of a lease; `startedAt`: when its access began, `null` if never. */
export function activityStatus(lease: Lease, startedAt: string | null): ActivityStatus {
  if (lease.evidence !== undefined) return lease.evidence.summary === undefined ? 'not collected' : 'recorded';
  if (startedAt === null) return 'no access';
  return OPEN_STATUSES.includes(lease.status) ? 'after the end' : 'not recorded';
}

/** Why the evidence holds no activity: the collection's error; `null` when it holds one or none was stored. */
export function activityError(lease: Lease): string | null {
  return lease.evidence !== undefined && lease.evidence.summary === undefined ? (lease.evidence.error ?? 'not collected (no reason recorded)') : null;
}

/** Text as a record holds it, `null` when blank (an older record, or a ticket without it). */
export function recorded(text: string | undefined): string | null {
  return text === undefined || text.trim() === '' ? null : text;
}
