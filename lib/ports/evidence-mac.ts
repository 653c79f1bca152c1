import type { EvidenceSeal } from '../domain/evidence-digest.js';

/**
 * MACs of activity evidence under a key the lease table's writers do not hold for that purpose
 * (KMS GenerateMac/VerifyMac, or the local key file). Errors: EvidenceKeyError (retryable when the
 * key service may answer later).
 */
export interface EvidenceMac {
  /** The key's ARN when it is known without a call (a KMS key configured by ARN); seals of another key are not checked against it. */
  readonly keyArn?: string | undefined;
  /** The seal of `message` (see evidenceMacMessage). */
  generate(message: string): Promise<EvidenceSeal>;
  /**
   * Whether `seal` is this key's MAC of `message`: true, or false when it is not (the record was
   * altered). Throws EvidenceKeyError when it cannot tell (key unreachable, refused, missing).
   */
  verify(message: string, seal: EvidenceSeal): Promise<boolean>;
}
