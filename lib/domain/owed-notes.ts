/**
 * What an owed comment is built from, as stored on the lease item: facts and codes, never text. A
 * table writer can change them, but the words are always kube-lease's own (see owed-comments.ts).
 */

/** Lines a grant's announcement adds to its comment: an end clipped by the change window, timers left to the sweep. */
export const GRANT_NOTES = ['clipped', 'timers-quota', 'timers-unavailable', 'timer-not-armed'] as const;
export type GrantNote = (typeof GRANT_NOTES)[number];

/** A binding as the revoke lists it, `namespace/name`: a DNS label and a DNS subdomain (Kubernetes names). */
export const BINDING_PATH = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/;

/** What a revoke's comment needs that the REVOKED lease does not hold (its cause, time, review and sessions are on it). */
export interface RevokeFacts {
  /** Bindings (`namespace/name`, see BINDING_PATH) under the lease's names that were not its own; absent: not known (an item stored before facts). */
  readonly untouched?: readonly string[] | undefined;
  /** Whether the revoke queued the activity evidence (it then follows on the ticket). */
  readonly evidence: boolean;
}
