import { GenerateMacCommand, VerifyMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { EVIDENCE_MAC_ALGORITHM, type EvidenceSeal } from '../../domain/evidence-digest.js';
import { EvidenceKeyError, EvidenceSealRejectedError } from '../../errors.js';
import type { EvidenceMac } from '../../ports/evidence-mac.js';
import { isTransientAwsError } from '../eventbridge/transient.js';

/** The region a KMS key answers in: the key ARN's, else the default one (a key id or alias names no region). */
export function kmsKeyRegion(keyId: string, defaultRegion: string): string {
  const region = keyId.startsWith('arn:') ? keyId.split(':')[3] : undefined;
  return region === undefined || region === '' ? defaultRegion : region;
}

/**
 * Evidence MACs with a KMS HMAC key (KeySpec HMAC_256, HMAC_SHA_256) through the KMS client:
 * GenerateMac for the sweep's role, VerifyMac for the report's reader; the key never leaves KMS.
 * A MAC that does not verify is KMS's KMSInvalidMacException, answered as false; any other failure
 * is an EvidenceKeyError, retryable when KMS may answer later (throttling, 5xx, no answer). VerifyMac's
 * ValidationException (a request KMS refuses as malformed, e.g. a Mac outside 1..6144 bytes) depends on
 * the record: an EvidenceSealRejectedError, so the caller does not give up on the key for other records.
 */
export class KmsEvidenceMac implements EvidenceMac {
  readonly keyArn: string | undefined;

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {
    this.keyArn = /^arn:[^:]+:kms:[^:]*:\d{12}:key\//.test(keyId) ? keyId : undefined;
  }

  async generate(message: string): Promise<EvidenceSeal> {
    let out;
    try {
      out = await this.client.send(new GenerateMacCommand({ KeyId: this.keyId, Message: Buffer.from(message, 'utf8'), MacAlgorithm: EVIDENCE_MAC_ALGORITHM }));
    } catch (error) {
      throw this.failure('GenerateMac', error);
    }
    if (out.Mac === undefined || out.Mac.length === 0) throw new EvidenceKeyError(`KMS GenerateMac with key ${this.keyId} returned no MAC`);
    return { algorithm: EVIDENCE_MAC_ALGORITHM, keyId: out.KeyId ?? this.keyId, mac: Buffer.from(out.Mac).toString('base64') };
  }

  async verify(message: string, seal: EvidenceSeal): Promise<boolean> {
    try {
      const out = await this.client.send(
        new VerifyMacCommand({ KeyId: this.keyId, Message: Buffer.from(message, 'utf8'), Mac: Buffer.from(seal.mac, 'base64'), MacAlgorithm: seal.algorithm }),
      );
      return out.MacValid === true;
    } catch (error) {
      if (error instanceof Error && error.name === 'KMSInvalidMacException') return false;
      if (error instanceof Error && error.name === 'ValidationException') {
        throw new EvidenceSealRejectedError(`KMS VerifyMac with key ${this.keyId} refused the seal as a malformed request (ValidationException)`, { cause: error });
      }
      throw this.failure('VerifyMac', error);
    }
  }

  private failure(operation: string, error: unknown): EvidenceKeyError {
    const name = error instanceof Error ? error.name : 'Error';
    return new EvidenceKeyError(`KMS ${operation} with key ${this.keyId} failed (${name})`, { cause: error, retryable: isTransientAwsError(error) });
  }
}
