import type { AuditEvent } from '../../lib/domain/activity.js';
import type { ClusterConfig } from '../../lib/domain/catalog.js';
import { ActivityLogError } from '../../lib/errors.js';
import type { UnreadableLine } from '../../lib/domain/activity-unreadable.js';
import type { ActivityLog, ActivityQuery, UnreadableQuery, UnreadableRead } from '../../lib/ports/activity-log.js';
import type { Clock } from '../../lib/ports/clock.js';

/**
 * The clusters' audit logs in memory, configured from the catalog as the real adapter is. Like a
 * real log, it lags: an event is readable only from its `visibleAt` (default: at once). `failNext`
 * makes the next reads throw (throttling, a missing log group).
 */
export class MemoryActivityLog implements ActivityLog {
  private readonly events: { cluster: string; event: AuditEvent; visibleAt: number }[] = [];
  private readonly failures: unknown[] = [];
  private readonly cut: { cluster: string; line: string; at: number; visibleAt: number }[] = [];
  private readonly cutFailures: unknown[] = [];
  /** Every query, in order. */
  readonly reads: ActivityQuery[] = [];
  /** Every search for unreadable lines, in order. */
  readonly unreadableReads: UnreadableQuery[] = [];
  /** When set, a search of at most this many pages finds only this many lines, and says it is not complete (a real page's size). */
  unreadablePageSize: number | undefined;

  constructor(
    private readonly clusters: Readonly<Record<string, ClusterConfig>>,
    private readonly clock: Clock,
  ) {}

  add(cluster: string, event: AuditEvent, visibleAt: Date = this.clock.now()): void {
    this.events.push({ cluster, event, visibleAt: visibleAt.getTime() });
  }

  /** A line the log holds cut off (not JSON), stamped `at` by the log. */
  addCutLine(cluster: string, line: string, at: Date, visibleAt: Date = this.clock.now()): void {
    this.cut.push({ cluster, line, at: at.getTime(), visibleAt: visibleAt.getTime() });
  }

  /** Makes the next searches for unreadable lines throw. */
  failUnreadableNext(...errors: unknown[]): void {
    this.cutFailures.push(...(errors.length === 0 ? [new ActivityLogError('Rate exceeded', { retryable: true })] : errors));
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

  /** As the CloudWatch adapter filters: a cut line counts when it names a namespace's path (pods only for `pods`), the user, or the truncation marker. */
  async unreadable(query: UnreadableQuery): Promise<UnreadableRead> {
    this.unreadableReads.push(query);
    if (!this.configured(query.cluster)) throw new ActivityLogError(`cluster ${query.cluster} has no audit log`);
    const failure = this.cutFailures.shift();
    if (failure !== undefined) throw failure;
    const now = this.clock.now().getTime();
    const terms = ['[Truncated...]', ...query.namespaces.map((ns) => `/namespaces/${ns}/${query.scope === 'pods' ? 'pods/' : ''}`), ...(query.scope === 'all' ? [query.username] : [])];
    const found = this.cut.filter((c) => c.cluster === query.cluster && c.visibleAt <= now && c.at >= query.from.getTime() && c.at <= query.to.getTime() && terms.some((t) => c.line.includes(t)));
    const limit = this.unreadablePageSize === undefined ? found.length : this.unreadablePageSize * (query.maxPages ?? 200);
    const lines: UnreadableLine[] = found.slice(0, limit).map((c) => {
      const uri = /"requestURI":"([^"]*)/.exec(c.line)?.[1];
      return { at: new Date(c.at).toISOString(), ...(uri === undefined ? {} : { requestURI: uri }) };
    });
    return { count: lines.length, lines, complete: lines.length === found.length };
  }
}
