import { leaseAuditFields, type AuditEvent } from '../domain/audit.js';
import type { Lease } from '../domain/lease.js';
import { failedMessage } from '../domain/messages.js';
import { commentSafely, type LeaseDeps } from './lease-deps.js';
import { removeLeaseResources } from './lease-resources.js';

export type FailResult =
  /** The lease is FAILED, what it created is removed (or named in `reason`), the audit log and the ticket are told. */
  | { readonly kind: 'failed'; readonly lease: Lease; readonly reason: string }
  /** Another attempt changed the lease first: nothing was done, its outcome stands. */
  | { readonly kind: 'lost'; readonly current: Lease | undefined };

/**
 * Ends a grant (or an activation) for good, the one way every path does: mark the lease FAILED
 * (conditional on its version), then remove what it created, then audit, then comment. Only once
 * the lease is terminal may its resources go: a concurrent attempt that creates a binding after
 * this point loses its ACTIVE transition and removes it itself.
 */
export async function failLease(deps: LeaseDeps, lease: Lease, reason: string, actor: string, code: AuditEvent['code'] = 'backend-error'): Promise<FailResult> {
  const at = deps.clock.now().toISOString();
  const moved = await deps.leases.transition(lease, 'FAILED', { at, from: lease.status, to: 'FAILED', by: actor, note: reason }, { failureReason: reason });
  if (!moved.ok) return { kind: 'lost', current: moved.current };
  const failed = moved.lease;
  const leftovers = await removeLeaseResources(failed, deps);
  const fullReason = leftovers.length === 0 ? reason : `${reason}; could not remove ${leftovers.join(', ')} (the sweep will)`;
  deps.audit.record({ kind: 'failure', at: deps.clock.now().toISOString(), actor, ...leaseAuditFields(failed), code, reason: fullReason });
  await commentSafely(deps, failed.source, failed.ticketKey, failedMessage(failed, fullReason, leftovers.length === 0));
  return { kind: 'failed', lease: failed, reason: fullReason };
}
