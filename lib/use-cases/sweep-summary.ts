/* The sweep's summary of a run, and the kinds of fixes it counts (`SweepFixes`). */

/** What the sweep repaired (or failed to), each a `SweepFixes` dimension. */
export const FIX_KINDS = ['revoked', 'activated', 'announced', 'finishedPending', 'rolledBackPending', 'orphanBindingsDeleted', 'failed'] as const;

export interface SweepSummary {
  readonly due: number;
  readonly revoked: number;
  readonly activated: number;
  /** Grants announced by the sweep because the actor that granted them could not tell the ticket. */
  readonly announced: number;
  readonly finishedPending: number;
  readonly rolledBackPending: number;
  readonly orphanBindingsDeleted: number;
  readonly failed: number;
  readonly skipped: number;
  /** Leases whose activity evidence was posted on their ticket. */
  readonly evidencePosted: number;
  /** Leases revoked early because the audit log showed no request through their bindings for their idle timeout. */
  readonly idleRevoked: number;
  /**
   * Lease items this run met that do not match the lease schema (each once): logged at error level
   * with their key and refused fields, left as they are, and counted into `UnreadableLeaseItems`.
   */
  readonly unreadableLeaseItems: number;
  /** Queue items that were not their queue's (a table writer's: see QueueFinding), logged at error level and dropped. */
  readonly malformedQueueItems: number;
  /** Whether the time budget ran out before every step was done (the next run continues). */
  readonly outOfTime: boolean;
}
