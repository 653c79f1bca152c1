import { DEFAULT_ACCESS_CHECK } from '../domain/catalog.js';
import type { AccessVerification, Lease } from '../domain/lease.js';
import { isLeaseId } from '../domain/names.js';
import { reviewFailure } from '../domain/own-words.js';
import { describeError } from '../errors.js';
import type { LeaseDeps } from './lease-deps.js';

/**
 * The API server's authorizer reads bindings from a cache that follows each write a moment later
 * (and on EKS the review may reach another API server than the write): an answer that is not the
 * expected one is asked again after these waits before it is reported.
 */
const RECHECK_AFTER_MS = [250, 750];

/**
 * Asks the API server, per namespace of the lease, whether its subject can do the lease's access
 * check now (a SubjectAccessReview: read-only, so safe to repeat after any crash), expecting
 * `expect` (allowed after a grant, denied after a revoke). Never throws: a review that cannot be
 * made is recorded as such, and nothing is claimed either way.
 */
export async function verifyAccess(
  deps: Pick<LeaseDeps, 'cluster' | 'clock' | 'logger'>,
  lease: Lease,
  expect: 'allowed' | 'denied',
  /** After a revoke: the namespaces where other open leases of kube-lease bind the same subject, and their ids. */
  otherLeases: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<AccessVerification> {
  const check = lease.accessCheck ?? DEFAULT_ACCESS_CHECK;
  const ask = () =>
    Promise.all(
      lease.namespaces.map(async (namespace) => {
        const answer = await deps.cluster.reviewAccess(lease.cluster, lease.subject, namespace, check);
        // Only real lease ids: a binding whose lease-id label is none is access kube-lease did not grant (standing access).
        const others = (otherLeases.get(namespace) ?? []).filter(isLeaseId);
        return { namespace, allowed: answer.allowed, ...(answer.reason ? { reason: answer.reason.slice(0, 300) } : {}), ...(others.length > 0 ? { otherLeases: [...others] } : {}) };
      }),
    );
  try {
    let answers = await ask();
    for (const wait of RECHECK_AFTER_MS) {
      // Where another lease of the subject is open, access may rightly remain: no answer there is unexpected.
      if (answers.every((a) => a.allowed === (expect === 'allowed') || a.otherLeases !== undefined)) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      answers = await ask();
    }
    return { at: deps.clock.now().toISOString(), answers };
  } catch (error) {
    deps.logger.warn('access could not be verified', { leaseId: lease.id, error: describeError(error) });
    return { at: deps.clock.now().toISOString(), answers: [], error: reviewFailure(error) };
  }
}

