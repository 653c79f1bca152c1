import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { AuditEvent } from '../../domain/activity.js';
import type { AuditLogConfig, ClusterConfig } from '../../domain/catalog.js';
import { ActivityLogError } from '../../errors.js';
import type { BindingChange } from '../../domain/binding-lifecycle.js';
import type { ActivityLog, ActivityQuery, BindingChangesQuery, UnreadableQuery, UnreadableRead } from '../../ports/activity-log.js';
import type { Logger } from '../../ports/logger.js';
import type { RetryPolicy } from '../../retry.js';
import type { AuditLogRead } from './audit-lines.js';
import { readCloudWatchBindingChanges, readFileBindingChanges } from './binding-changes.js';
import { readCloudWatchAudit } from './cloudwatch-activity-log.js';
import { readCloudWatchUnreadable } from './cloudwatch-unreadable.js';
import { readAuditFile, readUnreadableFile } from './file-activity-log.js';

export interface ActivityLogDeps {
  /**
   * Builds the CloudWatch Logs client of a region (undefined: the function's own region), with
   * bounded timeouts; called once per region, the client is reused.
   */
  readonly cloudWatch: (region: string | undefined) => CloudWatchLogsClient;
  /** Told how many lines of a read were not audit events, and of cut-off lines found. */
  readonly logger?: Logger | undefined;
  /** Pages of one CloudWatch read at most (default 200). */
  readonly maxPages?: number | undefined;
  /** Retries on top of the SDK client's (default: 3 attempts within the invocation's time). */
  readonly retry?: RetryPolicy | undefined;
}

/** The region of a cluster's CloudWatch audit log: its own, else the EKS cluster's, else the function's. */
export function auditLogRegion(cluster: ClusterConfig, auditLog: Extract<AuditLogConfig, { type: 'cloudwatch' }>): string | undefined {
  return auditLog.region ?? (cluster.type === 'eks' ? cluster.region : undefined);
}

/**
 * The ActivityLog port over the catalog's clusters: each cluster's `auditLog` says where its API
 * server audit log is (CloudWatch Logs or a file). A cluster without one has no evidence: `read`
 * refuses it with a non-retryable ActivityLogError.
 *
 * @example
 * const activity = makeActivityLog(catalog.clusters, {
 *   cloudWatch: (region) => new CloudWatchLogsClient({ region: region ?? config.region, requestHandler: BOUNDED }),
 * });
 */
export function makeActivityLog(clusters: Readonly<Record<string, ClusterConfig>>, deps: ActivityLogDeps): ActivityLog {
  const clients = new Map<string, CloudWatchLogsClient>();
  const clientFor = (region: string | undefined): CloudWatchLogsClient => {
    const key = region ?? '';
    let client = clients.get(key);
    if (client === undefined) {
      client = deps.cloudWatch(region);
      clients.set(key, client);
    }
    return client;
  };
  const auditLogOf = (name: string): AuditLogConfig | undefined => (Object.hasOwn(clusters, name) ? clusters[name]?.auditLog : undefined);

  async function readFrom(cluster: ClusterConfig, auditLog: AuditLogConfig, query: ActivityQuery): Promise<AuditLogRead> {
    if (auditLog.type === 'file') return readAuditFile(auditLog.path, query);
    const region = auditLogRegion(cluster, auditLog);
    return readCloudWatchAudit(clientFor(region), { logGroup: auditLog.logGroup, region }, query, { maxPages: deps.maxPages, retry: deps.retry });
  }

  /** The cluster and its audit log, or a non-retryable ActivityLogError; checks the window. */
  function logOf(query: { readonly cluster: string; readonly from: Date; readonly to: Date }): { cluster: ClusterConfig; auditLog: AuditLogConfig } {
    const cluster = Object.hasOwn(clusters, query.cluster) ? clusters[query.cluster] : undefined;
    if (cluster === undefined) throw new ActivityLogError(`cluster "${query.cluster}" is not in the catalog: no audit log to read`);
    const auditLog = cluster.auditLog;
    if (auditLog === undefined) throw new ActivityLogError(`cluster "${query.cluster}" has no auditLog in the catalog: its activity cannot be read`);
    if (query.from.getTime() > query.to.getTime()) {
      throw new ActivityLogError(`the window to read ends (${query.to.toISOString()}) before it starts (${query.from.toISOString()})`);
    }
    return { cluster, auditLog };
  }

  return {
    configured: (cluster) => auditLogOf(cluster) !== undefined,
    delaySeconds: (cluster) => auditLogOf(cluster)?.delay ?? 0,
    async read(query: ActivityQuery): Promise<readonly AuditEvent[]> {
      const { cluster, auditLog } = logOf(query);
      const { events, skipped } = await readFrom(cluster, auditLog, query);
      if (skipped > 0) {
        deps.logger?.warn('audit log lines that are not audit events were skipped', { cluster: query.cluster, source: auditLog.type, skipped });
      }
      return events;
    },
    async unreadable(query: UnreadableQuery): Promise<UnreadableRead> {
      const { cluster, auditLog } = logOf(query);
      if (auditLog.type === 'file') return readUnreadableFile(auditLog.path, query);
      const region = auditLogRegion(cluster, auditLog);
      const found = await readCloudWatchUnreadable(clientFor(region), { logGroup: auditLog.logGroup, region }, query, { retry: deps.retry });
      if (found.count > 0 || !found.complete) {
        deps.logger?.warn('audit log lines that may be the subject\'s were cut off by the log and cannot be read', { cluster: query.cluster, count: found.count, complete: found.complete });
      }
      return found;
    },
    async bindingChanges(query: BindingChangesQuery): Promise<readonly BindingChange[]> {
      const { cluster, auditLog } = logOf(query);
      if (auditLog.type === 'file') return readFileBindingChanges(auditLog.path, query);
      const region = auditLogRegion(cluster, auditLog);
      return readCloudWatchBindingChanges(clientFor(region), { logGroup: auditLog.logGroup, region }, query, { maxPages: deps.maxPages, retry: deps.retry });
    },
  };
}
