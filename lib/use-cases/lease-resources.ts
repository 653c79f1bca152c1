import type { Lease } from '../domain/lease.js';
import { describeError } from '../errors.js';
import { ownerOf, type Cluster } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import type { LeaseScheduler } from '../ports/lease-scheduler.js';

/**
 * Best-effort removal of everything a lease may have created: its bindings and its schedule.
 * Returns what could not be removed (empty when all is gone); never throws.
 */
export async function removeLeaseResources(
  lease: Lease,
  deps: { cluster: Cluster; scheduler: LeaseScheduler; logger: Logger },
): Promise<string[]> {
  const targets = [
    ...lease.bindings.map((binding) => ({
      what: `RoleBinding ${binding.namespace}/${binding.name}`,
      run: () => deps.cluster.deleteBinding(lease.cluster, binding, ownerOf(lease)),
    })),
    { what: `schedule ${lease.scheduleName}`, run: () => deps.scheduler.cancel(lease) },
  ];
  const results = await Promise.allSettled(targets.map((t) => t.run()));
  const leftovers: string[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') return;
    const what = targets[index]?.what ?? 'resource';
    leftovers.push(what);
    deps.logger.error('could not remove lease resource', { leaseId: lease.id, what, error: describeError(result.reason) });
  });
  return leftovers;
}
