import { createHash } from 'node:crypto';
import type { ActivitySummary, SessionPod } from './activity.js';

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
 * The seal version kube-lease writes: 2 covers everything an evidence comment shows of the record
 * (evidenceMessage). Records without a version are of version 1: their digest and MAC cover the
 * window, the count, the summary and the findings (the MAC adds the lease and the subject read), never
 * the late streams' pods or the read time.
 */
export const EVIDENCE_SEAL_VERSION = 2 as const;

/**
 * `sha256:<hex>` of the evidence's canonical JSON: a report recomputes it to show that the record was
 * not edited after it was posted. Version 2 (`sealVersion`): the version itself, the window, the
 * count, the summary, the findings, the subject read and the pods of late streams (the read time is
 * in the MAC's message instead: the same log read twice has one digest). No version: the digest of
 * version 1 (the window, the count, the summary and the findings).
 */
export function evidenceDigest(evidence: Sealed): string {
  const { from, to, events, summary } = evidence;
  // An empty list reads as none (evidenceMessage shows neither); undefined keys are left out.
  const findings = evidence.findings?.length === 0 ? undefined : evidence.findings;
  const covered =
    evidence.sealVersion === EVIDENCE_SEAL_VERSION
      ? { sealVersion: evidence.sealVersion, from, to, events, summary, findings, subject: evidence.subject, pods: evidence.pods?.length === 0 ? undefined : evidence.pods }
      : { from, to, events, summary, findings };
  return `sha256:${createHash('sha256').update(canonical(covered)).digest('hex')}`;
}

/** What the digest covers: the window, the count, the summary and the findings; from version 2 also the rest it names. */
export interface Sealed {
  readonly from: string;
  readonly to: string;
  readonly events: number;
  readonly summary: ActivitySummary;
  readonly findings?: readonly string[] | undefined;
  /** 2: the seal also covers the fields below (the read time in the MAC's message); absent: a record of version 1, whose seal does not. */
  readonly sealVersion?: typeof EVIDENCE_SEAL_VERSION | undefined;
  readonly collectedAt?: string | undefined;
  readonly subject?: { readonly kind: string; readonly name: string } | undefined;
  readonly pods?: readonly SessionPod[] | undefined;
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
 * What the seal's MAC is computed over: its version, the lease it belongs to (id, cluster, subject),
 * so a seal cannot be moved to another lease's record, from version 2 the time it was read, and the
 * evidence's digest (of that version). Short and of fixed shape (KMS takes at most 4096 bytes). The
 * version is MACed: a version 2 record set back to version 1 (to drop its pods from the seal) no longer verifies.
 */
export function evidenceMacMessage(lease: { readonly id: string; readonly cluster: string; readonly subject: { readonly kind: string; readonly name: string } }, evidence: Sealed): string {
  // The subject whose requests were read: the evidence's own when the cluster's record named another.
  const subject = evidence.subject ?? lease.subject;
  const read = evidence.sealVersion === EVIDENCE_SEAL_VERSION ? [`read ${evidence.collectedAt ?? ''}`] : [];
  return [`kube-lease evidence v${evidence.sealVersion ?? 1}`, `lease ${lease.id}`, `cluster ${lease.cluster}`, `subject ${subject.kind} ${subject.name}`, ...read, evidenceDigest(evidence)].join('\n');
}

/** Bytes of an HMAC_SHA_256 MAC: every seal the evidence key makes has this length. */
const MAC_BYTES = 32;

/**
 * Whether a seal has the shape every seal of the evidence key has: the HMAC_SHA_256 algorithm and a
 * MAC of 32 bytes in canonical base64. A seal of another shape was not made by the key (the record
 * was altered), and is never sent to KMS (which would refuse it as a malformed request).
 */
export function isWellFormedSeal(seal: { readonly algorithm: string; readonly mac: string }): boolean {
  return seal.algorithm === EVIDENCE_MAC_ALGORITHM && /^[A-Za-z0-9+/]{43}=$/.test(seal.mac) && Buffer.from(seal.mac, 'base64').length === MAC_BYTES;
}

/**
 * What verifying a seal said: the key's MAC of the record (`valid`), not (`invalid`), or it could
 * not be asked (`unverified`); `unsealed`: the record has no seal, and whether the report had an
 * evidence key to verify seals with (`keyed`).
 */
export type SealCheck =
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'unverified'; readonly reason: string }
  | { readonly kind: 'unsealed'; readonly keyed: boolean };

/** What a report says of unsealed evidence when it verifies seals with an evidence key: a finding. */
export const NO_SEAL_FINDING = 'no seal although the report verifies seals: it may have been removed';
/** What a report says of unsealed evidence when it has no evidence key. */
export const NO_SEAL = 'no seal: not verifiable';

/**
 * What a report says of a lease's evidence. Only `intact` vouches for it, and only after a verified
 * MAC. Never why a record has no seal or which key sealed it: a table writer chooses those fields.
 */
export type EvidenceState = 'intact' | `intact, with findings: ${string}` | 'altered' | 'not collected' | typeof NO_SEAL_FINDING | typeof NO_SEAL | `not verified: ${string}`;

/**
 * The state of stored evidence: `altered` when its content no longer has its digest or its MAC is
 * not the key's; `intact` only when the MAC was verified (`check`), and then with the sweep's
 * findings when it has any (never a bare `intact` for evidence whose window the log could not fix); a seal that was not (or could
 * not be) checked: not verified, and why. No seal: not verifiable, and a finding when the report
 * verifies with an evidence key (`check` says `unsealed`, `keyed`): the record's dates cannot tell
 * a record older than sealing from one whose seal was removed, since a table writer sets them too.
 */
export function evidenceState(
  evidence: Omit<Sealed, 'summary'> & { readonly summary?: ActivitySummary | undefined; readonly digest?: string | undefined; readonly mac?: EvidenceSeal | undefined },
  check: SealCheck | undefined,
): EvidenceState {
  const { summary, digest } = evidence;
  if (summary === undefined || digest === undefined) return 'not collected';
  if (evidenceDigest({ ...evidence, summary }) !== digest) return 'altered';
  if (evidence.mac === undefined) return check?.kind === 'unsealed' && check.keyed ? NO_SEAL_FINDING : NO_SEAL;
  if (check === undefined) return 'not verified: the report did not check its MAC';
  if (check.kind === 'unverified') return `not verified: ${check.reason}`;
  if (check.kind === 'unsealed') return 'not verified: the report did not check its MAC';
  if (check.kind !== 'valid') return 'altered';
  // Sealed as collected, but what was collected is qualified (the lease item disagrees with the cluster's record…).
  return evidence.findings === undefined || evidence.findings.length === 0 ? 'intact' : `intact, with findings: ${evidence.findings.join('; ')}`;
}
