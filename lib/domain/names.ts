import { createHash } from 'node:crypto';
import { allVisible } from './own-words.js';

/** Value of `app.kubernetes.io/managed-by` on every RoleBinding we create. */
export const MANAGED_BY = 'kube-lease';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_LEASE_ID = 'kube-lease.io/lease-id';
export const LABEL_SOURCE = 'kube-lease.io/source';
/** Which kube-lease deployment (stage, installation) a binding belongs to: each touches only its own. */
export const LABEL_DEPLOYMENT = 'kube-lease.io/deployment';
/** A label value (at most 63 characters, alphanumeric at both ends). */
export const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Kyverno's cleanup controller deletes a resource carrying this label at the time it names. */
export const LABEL_KYVERNO_TTL = 'cleanup.kyverno.io/ttl';

/** Kyverno's absolute TTL layout (`2006-01-02T150405Z`, no colons: label values may not hold them), rounded up to the second. */
export function kyvernoTtl(iso: string): string {
  const ms = Math.ceil(Date.parse(iso) / 1000) * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
}
export const ANNOTATION_PREFIX = 'kube-lease.io/';
export const ANNOTATION_EXPIRES_AT = `${ANNOTATION_PREFIX}expires-at`;

const LEASE_ID_LENGTH = 20;

/**
 * Lease ids are derived from the idempotency key, so every delivery of one approval computes
 * the same id and a conditional put lets exactly one of them create the lease.
 */
export function leaseIdFor(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, LEASE_ID_LENGTH);
}

export function isLeaseId(text: string): boolean {
  return new RegExp(`^[0-9a-f]{${LEASE_ID_LENGTH}}$`).test(text);
}

/** Lowercases and strips a string down to DNS-1123 label characters. */
export function dnsSlug(text: string, maxLength: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

/**
 * RoleBinding name: `kl-<profile>-<lease id>`, a DNS-1123 label of at most 63 characters.
 * The lease id (a hash) keeps names unique; the profile part is only for people reading `kubectl get`.
 */
export function bindingName(profile: string, leaseId: string): string {
  const room = 63 - 'kl-'.length - 1 - leaseId.length;
  const slug = dnsSlug(profile, room);
  return slug === '' ? `kl-${leaseId}` : `kl-${slug}-${leaseId}`;
}

/** EventBridge rule name: `<prefix>-<lease id>`; the prefix scopes IAM permissions. */
export function scheduleName(prefix: string, leaseId: string): string {
  return `${prefix}-${leaseId}`;
}

/** Characters no name kube-lease binds or shows may hold: C0 and C1 controls, DEL, the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A subject name kube-lease binds (the catalog's template rendered) and reads back: 1 to 253
 * characters, no control, line-breaking, hidden or reordering character. One test for the grant
 * and the stored item, so kube-lease never writes a lease its own read refuses.
 */
export function isSubjectName(name: string): boolean {
  return name.length >= 1 && name.length <= 253 && !CONTROL.test(name) && allVisible(name);
}

/** A Role or ClusterRole name the catalog may name and the stored item holds: a path segment (no `/`, `%` or whitespace), visible, at most 253 characters. */
export function isRoleName(name: string): boolean {
  return /^[^/%\s]{1,253}$/u.test(name) && name !== '.' && name !== '..' && !CONTROL.test(name) && allVisible(name);
}
