import type { ReusedAuditId, SessionSeen } from './activity.js';
import type { UnreadableEvents } from './activity-unreadable.js';

/* What the revoke found of the subject's streams and did to their pods (stored on the lease). */

/** A pod a stream ran in, and what became of it at revoke. */
export interface SessionPod {
  readonly namespace: string;
  readonly pod: string;
  /**
   * evicted: by kube-lease through the Eviction API (its controller recreates it); deleted: the same,
   * by a plain delete (records of earlier versions); gone: a read of that pod answered 404, or showed
   * it replaced or finished; kept: could not be ended, `why`.
   */
  readonly outcome: 'evicted' | 'deleted' | 'gone' | 'kept';
  readonly why?: string | undefined;
  /** With `evicted`: its grace period is over GRACE_ENDED_SECONDS, so it (and its streams) may run until then: not known to be ended. */
  readonly mayRunUntil?: string | undefined;
  /** With `mayRunUntil`: the pod's termination grace period, in seconds. */
  readonly graceSeconds?: number | undefined;
  /** The controller of an evicted pod (`Kind name`): at most `podsPerController` of one controller's pods are evicted. */
  readonly controller?: string | undefined;
}

export interface SessionsAtRevoke {
  readonly at: string;
  /** Streams the audit log showed up to `at` (it may lag: the evidence comes later and complete). */
  readonly seen: readonly SessionSeen[];
  /** With `endSessions`: each pod of those streams. */
  readonly pods: readonly SessionPod[];
  /** Streams seen beyond the SUMMARY_ROWS listed. */
  readonly omitted?: number | undefined;
  /** Audit IDs several different requests of the subject carried, up to the revoke (see ReusedAuditId). */
  readonly reusedAuditIds?: readonly ReusedAuditId[] | undefined;
  /** Lines the log cut off (see UnreadableEvents), or why they could not be searched for. */
  readonly unreadable?: UnreadableEvents | { readonly error: string } | undefined;
  /** Why the audit log could not be read: nothing is known of streams then. */
  readonly error?: string | undefined;
}
