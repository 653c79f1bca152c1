import { evidenceDigest, evidenceMacMessage, isWellFormedSeal, type SealCheck } from '../domain/evidence-digest.js';
import type { Lease } from '../domain/lease.js';
import { EvidenceKeyError, EvidenceSealRejectedError } from '../errors.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';

/**
 * Whether the evidence stored on the lease is what the sweep sealed with `mac`'s key, for this
 * lease, as stored (its digest and MAC): false when unsealed, altered or sealed otherwise. Throws
 * EvidenceKeyError when the key cannot tell.
 */
export async function storedEvidenceVerifies(lease: Lease, mac: EvidenceMac): Promise<boolean> {
  const e = lease.evidence;
  if (e?.summary === undefined || e.mac === undefined || !isWellFormedSeal(e.mac)) return false;
  const sealed = { ...e, summary: e.summary };
  if (evidenceDigest(sealed) !== e.digest) return false;
  return mac.verify(evidenceMacMessage(lease, sealed), e.mac);
}

/** Seals verified at once (each is one KMS call). */
const AT_ONCE = 8;

/**
 * Verifies the MAC of each sealed evidence record, for a report: by lease id, `valid`, `invalid`
 * (the record is not what the evidence writer sealed: its MAC is not the key's, or is not even of
 * the shape of the key's MACs) or `unverified` and why; unsealed records: `unsealed`, and whether
 * the report has a key. Without a key (`mac` undefined) every seal is unverified. Once the key
 * cannot be used (a failure that does not depend on the record: refused, disabled, missing,
 * unreachable), the seals left are not asked about again: they are unverified for the same reason.
 * A failure that depends on the record (KMS refusing its seal as malformed) concerns that record only.
 */
export async function checkEvidenceSeals(leases: readonly Lease[], mac: EvidenceMac | undefined): Promise<ReadonlyMap<string, SealCheck>> {
  const checks = new Map<string, SealCheck>();
  for (const lease of leases) if (lease.evidence !== undefined && lease.evidence.mac === undefined) checks.set(lease.id, { kind: 'unsealed', keyed: mac !== undefined });
  const sealed = leases.filter((l) => l.evidence?.mac !== undefined && l.evidence.summary !== undefined);
  let broken: string | undefined = mac === undefined ? 'no evidence key is configured (EVIDENCE_KMS_KEY_ID or EVIDENCE_KEY_FILE)' : undefined;
  const check = async (lease: Lease): Promise<void> => {
    const evidence = lease.evidence;
    if (evidence?.mac === undefined || evidence.summary === undefined) return;
    // Not the shape of any seal the key makes (a writer's doing): altered, without asking the key.
    if (!isWellFormedSeal(evidence.mac)) {
      checks.set(lease.id, { kind: 'invalid' });
      return;
    }
    if (broken !== undefined || mac === undefined) {
      checks.set(lease.id, { kind: 'unverified', reason: broken ?? 'no evidence key' });
      return;
    }
    // The record claims another KMS key sealed it (the key was replaced, or the report names another
    // one): no verdict either way. The claim is the record's, so its key id is not repeated as a fact.
    if (mac.keyArn !== undefined && evidence.mac.keyId.startsWith('arn:') && evidence.mac.keyId !== mac.keyArn) {
      checks.set(lease.id, { kind: 'unverified', reason: `sealed with a key other than the report's (as the record claims; the report verifies with ${mac.keyArn})` });
      return;
    }
    try {
      const valid = await mac.verify(evidenceMacMessage(lease, { ...evidence, summary: evidence.summary }), evidence.mac);
      checks.set(lease.id, { kind: valid ? 'valid' : 'invalid' });
    } catch (error) {
      if (error instanceof EvidenceSealRejectedError) {
        checks.set(lease.id, { kind: 'unverified', reason: `the key service refused to check this seal: ${error.message}` });
        return;
      }
      const reason = error instanceof EvidenceKeyError ? `the evidence key could not be used: ${error.message}` : 'the evidence key could not be used';
      broken ??= reason;
      checks.set(lease.id, { kind: 'unverified', reason });
    }
  };
  for (let i = 0; i < sealed.length; i += AT_ONCE) await Promise.all(sealed.slice(i, i + AT_ONCE).map(check));
  return checks;
}
