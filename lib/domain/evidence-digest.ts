import { createHash } from 'node:crypto';
import type { ActivitySummary } from './activity.js';

/** JSON with keys in a fixed order, so the same value always has the same digest. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `sha256:<hex>` of the evidence's canonical JSON (its window, its count and its summary): a report
 * recomputes it to show that the record was not edited after it was posted.
 */
export function evidenceDigest(evidence: { readonly from: string; readonly to: string; readonly events: number; readonly summary: ActivitySummary }): string {
  const { from, to, events, summary } = evidence;
  return `sha256:${createHash('sha256').update(canonical({ from, to, events, summary })).digest('hex')}`;
}

/** The MAC algorithm of evidence seals (KMS's HMAC_SHA_256; the local key file uses the same). */
export const EVIDENCE_MAC_ALGORITHM = 'HMAC_SHA_256';

/**
 * A MAC of a lease's evidence under a key the table's writers do not hold for that purpose: KMS
 * (GenerateMac, allowed to the evidence writer's role only) or, in local mode, a key file.
 * `keyId` says which key made it (informational: a report verifies with its own configured key).
 */
export interface EvidenceSeal {
  readonly algorithm: typeof EVIDENCE_MAC_ALGORITHM;
  readonly keyId: string;
  /** The MAC, base64. */
  readonly mac: string;
}

/**
 * What the seal's MAC is computed over: the lease it belongs to (id, cluster, subject), so a seal
 * cannot be moved to another lease's record, and the digest of its window, count and summary. Short
 * and of fixed shape (KMS takes at most 4096 bytes).
 */
export function evidenceMacMessage(
  lease: { readonly id: string; readonly cluster: string; readonly subject: { readonly kind: string; readonly name: string } },
  evidence: { readonly from: string; readonly to: string; readonly events: number; readonly summary: ActivitySummary },
): string {
  return ['kube-lease evidence v1', `lease ${lease.id}`, `cluster ${lease.cluster}`, `subject ${lease.subject.kind} ${lease.subject.name}`, evidenceDigest(evidence)].join('\n');
}

/** What verifying a seal said: the key's MAC of the record (`valid`), not (`invalid`), or it could not be asked (`unverified`). */
export type SealCheck = { readonly kind: 'valid' } | { readonly kind: 'invalid' } | { readonly kind: 'unverified'; readonly reason: string };

/** What a report says of a lease's evidence. Only `intact` vouches for it, and only after a verified MAC. */
export type EvidenceState = 'intact' | 'altered' | 'not collected' | 'not verifiable (written before keyed evidence)' | `not verified: ${string}`;

/**
 * The state of stored evidence: `altered` when its content no longer has its digest or its MAC is
 * not the key's; `intact` only when the MAC was verified (`check`); no seal: not verifiable; a seal
 * that was not (or could not be) checked: not verified, and why.
 */
export function evidenceState(
  evidence: { readonly from: string; readonly to: string; readonly events: number; readonly summary?: ActivitySummary | undefined; readonly digest?: string | undefined; readonly mac?: EvidenceSeal | undefined },
  check: SealCheck | undefined,
): EvidenceState {
  const { summary, digest } = evidence;
  if (summary === undefined || digest === undefined) return 'not collected';
  if (evidenceDigest({ ...evidence, summary }) !== digest) return 'altered';
  if (evidence.mac === undefined) return 'not verifiable (written before keyed evidence)';
  if (check === undefined) return 'not verified: the report did not check its MAC';
  if (check.kind === 'unverified') return `not verified: ${check.reason}`;
  return check.kind === 'valid' ? 'intact' : 'altered';
}
