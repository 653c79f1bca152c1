import { evidenceMessage } from '../domain/activity-messages.js';
import type { ActivityEvidence } from '../domain/activity.js';
import type { Lease } from '../domain/lease.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import type { Logger } from '../ports/logger.js';
import { storedEvidenceVerifies } from './check-evidence.js';

/** What goes on a review task for the evidence stored on its lease, and what the audit event says of it. */
export interface ReviewEvidenceNote {
  readonly text: string;
  readonly reason: string;
}

/**
 * The review task's comment for the evidence stored on the lease item. Only evidence whose seal
 * verifies with the evidence key is posted (a table writer may write the item); evidence that does
 * not verify is not posted (undefined: the sweep's own replaces it, and is posted then), unless
 * `givenUp` (none came in time): then the task says it could not be verified. Without an evidence
 * key nothing stored can be verified: the task says where the evidence is posted instead. Throws
 * EvidenceKeyError when the key cannot tell now (the caller tries again later).
 */
export async function reviewEvidenceNote(
  deps: { readonly mac?: EvidenceMac | undefined; readonly logger: Logger },
  lease: Lease,
  evidence: ActivityEvidence,
  delaySeconds: number,
  givenUp: boolean,
): Promise<ReviewEvidenceNote | undefined> {
  if (deps.mac === undefined) {
    return {
      text: `The activity evidence of lease ${lease.id} goes on its ticket ${lease.ticketKey}. kube-lease has no evidence key (EVIDENCE_KMS_KEY_ID or EVIDENCE_KEY_FILE) to verify the record stored with the lease, so it does not repeat it here.`,
      reason: 'the review task was pointed to the ticket for the activity evidence (no evidence key to verify the stored record)',
    };
  }
  if (await storedEvidenceVerifies(lease, deps.mac)) {
    return { text: evidenceMessage(lease, evidence, delaySeconds), reason: 'the activity evidence was added to the review task' };
  }
  deps.logger.warn('the evidence stored on a lease does not verify with the evidence key: not posted on its review task', { leaseId: lease.id });
  if (!givenUp) return undefined;
  return {
    text: `kube-lease could not verify the activity evidence stored for lease ${lease.id} (its seal does not verify with the evidence key), so it does not post it here. See the lease's ticket ${lease.ticketKey}.`,
    reason: 'the activity evidence stored on the lease did not verify with the evidence key: the review task says so',
  };
}
