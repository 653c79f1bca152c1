import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../lib/domain/activity.js';
import { isLeaseBindingName, parseBindingChange, type BindingChange } from '../../lib/domain/binding-lifecycle.js';
import type { BindingRef } from '../../lib/domain/lease.js';
import type { ClusterConfig } from '../../lib/domain/catalog.js';
import { ActivityLogError } from '../../lib/errors.js';
import type { UnreadableLine } from '../../lib/domain/activity-unreadable.js';
import type { ActivityLog, ActivityQuery, BindingChangesQuery, UnreadableQuery, UnreadableRead } from '../../lib/ports/activity-log.js';
import type { Clock } from '../../lib/ports/clock.js';

/** The username kube-lease's own requests carry in the fakes' audit logs (an EKS access entry's role session). */
export const KUBE_LEASE_USER = 'arn:aws:sts::123456789012:assumed-role/kube-lease-test/kube-lease-test-grant';

/**
 * The clusters' audit logs in memory, configured from the catalog as the real adapter is. Like a
 * real log, it lags: an event is readable only from its `visibleAt` (default: at once). `failNext`
 * makes the next reads throw (throttling, a missing log group). RoleBinding creates and deletes are
 * kept as the raw audit.k8s.io/v1 events EKS logs for RBAC writes (RequestResponse: a create carries
 * its requestObject), and read through the adapter's parser.
 */
export class MemoryActivityLog implements ActivityLog {
  private readonly events: { cluster: string; event: AuditEvent; visibleAt: number }[] = [];
  private readonly failures: unknown[] = [];
  private readonly cut: { cluster: string; line: string; at: number; visibleAt: number }[] = [];
  private readonly cutFailures: unknown[] = [];
  private readonly raw: { cluster: string; json: Record<string, unknown>; visibleAt: number }[] = [];
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

  /** Logs kube-lease's create or delete of a RoleBinding at the clock's time (MemoryCluster.onBindingWrite). */
  recordBindingWrite(cluster: string, verb: 'create' | 'delete', binding: BindingRef, subjects?: readonly { readonly kind: string; readonly name: string }[], at: Date = this.clock.now(), visibleAt: Date = at): void {
    const base = `/apis/rbac.authorization.k8s.io/v1/namespaces/${binding.namespace}/rolebindings`;
    const json = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: randomUUID(),
      stage: 'ResponseComplete',
      requestURI: verb === 'create' ? base : `${base}/${binding.name}`,
      verb,
      user: { username: KUBE_LEASE_USER, groups: ['system:authenticated'] },
      objectRef: { resource: 'rolebindings', namespace: binding.namespace, name: binding.name, apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
      ...(verb === 'create' && subjects !== undefined
        ? { requestObject: { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: binding.name, namespace: binding.namespace }, subjects: subjects.map((s) => ({ apiGroup: 'rbac.authorization.k8s.io', ...s })) } }
        : {}),
      requestReceivedTimestamp: at.toISOString(),
      stageTimestamp: at.toISOString(),
    };
    this.raw.push({ cluster, json, visibleAt: visibleAt.getTime() });
  }

  /** Drops the RoleBinding events of this verb (a log that lost them, or a policy that does not record them). */
  forgetBindingWrites(verb?: 'create' | 'delete'): void {
    for (let i = this.raw.length - 1; i >= 0; i -= 1) if (verb === undefined || this.raw[i]?.json['verb'] === verb) this.raw.splice(i, 1);
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

  async bindingChanges(query: BindingChangesQuery): Promise<readonly BindingChange[]> {
    if (!this.configured(query.cluster)) throw new ActivityLogError(`cluster ${query.cluster} has no audit log`);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const now = this.clock.now().getTime();
    return this.raw
      .filter((r) => r.cluster === query.cluster && r.visibleAt <= now)
      .flatMap((r) => {
        const change = parseBindingChange(r.json);
        return change !== undefined && isLeaseBindingName(change.name, query.leaseId) && Date.parse(change.at) >= query.from.getTime() && Date.parse(change.at) <= query.to.getTime() ? [change] : [];
      });
  }
}
