import { GenerateMacCommand, KMSInvalidMacException, VerifyMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { EVIDENCE_MAC_ALGORITHM, type EvidenceSeal } from '../../domain/evidence-digest.js';
import { EvidenceKeyError } from '../../errors.js';
import type { EvidenceMac } from '../../ports/evidence-mac.js';

/** Whether an SDK failure may pass (throttling, 5xx, network) rather than a refusal or a missing key. */
function retryable(error: unknown): boolean {
  const e = error as { $retryable?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number } };
  return e.$retryable !== undefined || e.$fault === 'server' || e.$metadata?.httpStatusCode === undefined;
}

function keyError(call: string, keyId: string, error: unknown): EvidenceKeyError {
  const name = error instanceof Error ? error.name : 'Error';
  return new EvidenceKeyError(`KMS ${call} with key ${keyId} failed (${name})`, { cause: error, retryable: retryable(error) });
}

/**
 * Evidence MACs with a KMS HMAC key (KeySpec HMAC_256, HMAC_SHA_256): the sweep's role may call
 * GenerateMac, the report's reader VerifyMac; the key never leaves KMS. A MAC that does not verify
 * is KMS's KMSInvalidMacException, answered as false; anything else is an EvidenceKeyError.
 */
export class KmsEvidenceMac implements EvidenceMac {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async generate(message: string): Promise<EvidenceSeal> {
    try {
      const out = await this.client.send(new GenerateMacCommand({ KeyId: this.keyId, Message: Buffer.from(message, 'utf8'), MacAlgorithm: EVIDENCE_MAC_ALGORITHM }));
      if (out.Mac === undefined) throw new EvidenceKeyError(`KMS GenerateMac with key ${this.keyId} returned no MAC`);
      return { algorithm: EVIDENCE_MAC_ALGORITHM, keyId: out.KeyId ?? this.keyId, mac: Buffer.from(out.Mac).toString('base64') };
    } catch (error) {
      if (error instanceof EvidenceKeyError) throw error;
      throw keyError('GenerateMac', this.keyId, error);
    }
  }

  async verify(message: string, seal: EvidenceSeal): Promise<boolean> {
    try {
      const out = await this.client.send(
        new VerifyMacCommand({ KeyId: this.keyId, Message: Buffer.from(message, 'utf8'), Mac: Buffer.from(seal.mac, 'base64'), MacAlgorithm: seal.algorithm }),
      );
      return out.MacValid === true;
    } catch (error) {
      if (error instanceof KMSInvalidMacException) return false;
      throw keyError('VerifyMac', this.keyId, error);
    }
  }
}
