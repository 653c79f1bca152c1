import type { AccessCheck } from './catalog.js';
import type { AccessVerification, Lease } from './lease.js';
import { oneLine, ownPhrase } from './own-words.js';

/** An access check as people read it: `get pods`, `create pods/exec`, `list deployments.apps`. */
export function describeCheck(check: AccessCheck): string {
  const resource = check.subresource === undefined ? check.resource : `${check.resource}/${check.subresource}`;
  return `${check.verb} ${resource}${check.group === '' ? '' : `.${check.group}`}`;
}

/** A verification as the audit event carries it. */
export function auditVerification(check: AccessCheck, v: AccessVerification): { check: string; allowedIn: string[]; deniedIn: string[]; otherLeasesIn?: string[]; error?: string } {
  const others = v.answers.filter((a) => a.otherLeases !== undefined).map((a) => a.namespace);
  return {
    check: describeCheck(check),
    allowedIn: v.answers.filter((a) => a.allowed).map((a) => a.namespace),
    deniedIn: v.answers.filter((a) => !a.allowed).map((a) => a.namespace),
    ...(others.length > 0 ? { otherLeasesIn: others } : {}),
    ...(v.error === undefined ? {} : { error: v.error }),
  };
}

/** The line a grant comment carries about what the API server said once the bindings existed. */
export function grantVerifiedLine(lease: Lease, check: AccessCheck, v: AccessVerification): string {
  const who = `${lease.subject.kind} ${lease.subject.name}`;
  if (v.error !== undefined) return `Not verified: the API server could not be asked whether ${who} can ${describeCheck(check)} (${ownPhrase(v.error)}).`;
  const denied = v.answers.filter((a) => !a.allowed).map((a) => a.namespace);
  if (denied.length === 0) return `Verified: the API server confirms that ${who} can ${describeCheck(check)} in ${v.answers.map((a) => a.namespace).join(', ')}.`;
  return `Not verified: the API server says ${who} cannot ${describeCheck(check)} in ${denied.join(', ')} although the binding exists (does the role allow it?).`;
}

/** The line a revoke comment carries: access gone, or still there through some other binding (standing access). */
export function revokeVerifiedLine(lease: Lease, check: AccessCheck, v: AccessVerification): string {
  const who = `${lease.subject.kind} ${lease.subject.name}`;
  if (v.error !== undefined) return `Not verified: the API server could not be asked whether ${who} can still ${describeCheck(check)} (${ownPhrase(v.error)}).`;
  const still = v.answers.filter((a) => a.allowed && a.otherLeases === undefined);
  const overlapping = v.answers.filter((a) => a.allowed && a.otherLeases !== undefined);
  const others =
    overlapping.length === 0
      ? ''
      : ` ${who} still can in ${overlapping.map((a) => `${a.namespace} (lease ${(a.otherLeases ?? []).join(', ')})`).join(', ')} through other open leases, each ended on its own.`;
  // The API server's reason is its own words: quoted, one line. The review asks as the subject with the group every authenticated user has: groups from the
  // identity provider are unknown to kube-lease, so access through them is not covered; say so.
  const gone = v.answers.filter((a) => !a.allowed).map((a) => a.namespace);
  if (still.length === 0) {
    const verified =
      gone.length === 0
        ? 'Verified: this lease grants nothing any more.'
        : `Verified: the API server confirms that ${who} can no longer ${describeCheck(check)} in ${gone.join(', ')} (asked with the group system:authenticated only: access through groups of your identity provider is not checked).`;
    return verified + others;
  }
  return `Warning: ${who} can still ${describeCheck(check)} in ${still.map((a) => a.namespace).join(', ')} through access kube-lease did not grant (standing access: ${still.map((a) => (a.reason === undefined ? 'another binding' : JSON.stringify(oneLine(a.reason, 300)))).join('; ')}); kube-lease removed only its own binding.${others}`;
}
