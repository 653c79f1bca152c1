import type { AuditEvent } from '../../lib/domain/activity.js';
import type { ClusterConfig } from '../../lib/domain/catalog.js';
import { ActivityLogError } from '../../lib/errors.js';
import type { ActivityLog, ActivityQuery } from '../../lib/ports/activity-log.js';
import type { Clock } from '../../lib/ports/clock.js';

/**
 * The clusters' audit logs in memory, configured from the catalog as the real adapter is. Like a
 * real log, it lags: an event is readable only from its `visibleAt` (default: at once). `failNext`
 * makes the next reads throw (throttling, a missing log group).
 */
export class MemoryActivityLog implements ActivityLog {
  private readonly events: { cluster: string; event: AuditEvent; visibleAt: number }[] = [];
  private readonly failures: unknown[] = [];
  /** Every query, in order. */
  readonly reads: ActivityQuery[] = [];

  constructor(
    private readonly clusters: Readonly<Record<string, ClusterConfig>>,
    private readonly clock: Clock,
  ) {}

  add(cluster: string, event: AuditEvent, visibleAt: Date = this.clock.now()): void {
    this.events.push({ cluster, event, visibleAt: visibleAt.getTime() });
  }

  failNext(...errors: unknown[]): void {
    this.failures.push(...(errors.length === 0 ? [new ActivityLogError('Rate exceeded', { retryable: true })] : errors));
  }

  configured(cluster: string): boolean {
    return this.clusters[cluster]?.auditLog !== undefined;
  }

  delaySeconds(cluster: string): number {
    return this.clusters[cluster]?.auditLog?.delay ?? 0;
  }

  async read(query: ActivityQuery): Promise<readonly AuditEvent[]> {
    this.reads.push(query);
    if (!this.configured(query.cluster)) throw new ActivityLogError(`cluster ${query.cluster} has no audit log`);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const now = this.clock.now().getTime();
    return this.events
      .filter((e) => e.cluster === query.cluster && e.visibleAt <= now && e.event.username === query.username)
      .filter((e) => Date.parse(e.event.at) >= query.from.getTime() && Date.parse(e.event.at) <= query.to.getTime())
      .map((e) => e.event);
  }
}
