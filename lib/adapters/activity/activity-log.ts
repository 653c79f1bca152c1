import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { AuditEvent } from '../../domain/activity.js';
import type { AuditLogConfig, ClusterConfig } from '../../domain/catalog.js';
import { ActivityLogError } from '../../errors.js';
import type { BindingChange } from '../../domain/binding-lifecycle.js';
import type { ActivityLog, ActivityQuery, BindingChangesQuery } from '../../ports/activity-log.js';
import type { Logger } from '../../ports/logger.js';
import type { RetryPolicy } from '../../retry.js';
import type { AuditLogRead } from './audit-lines.js';
import { readCloudWatchBindingChanges, readFileBindingChanges } from './binding-changes.js';
import { readCloudWatchAudit } from './cloudwatch-activity-log.js';
import { readAuditFile } from './file-activity-log.js';

export interface ActivityLogDeps {
  /**
   * Builds the CloudWatch Logs client of a region (undefined: the function's own region), with
   * bounded timeouts; called once per region, the client is reused.
   */
  readonly cloudWatch: (region: string | undefined) => CloudWatchLogsClient;
  /** Told how many lines of a read were not audit events. */
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

  const logOf = (name: string): { cluster: ClusterConfig; auditLog: AuditLogConfig } => {
    const cluster = Object.hasOwn(clusters, name) ? clusters[name] : undefined;
    if (cluster === undefined) throw new ActivityLogError(`cluster "${name}" is not in the catalog: no audit log to read`);
    if (cluster.auditLog === undefined) throw new ActivityLogError(`cluster "${name}" has no auditLog in the catalog: its activity cannot be read`);
    return { cluster, auditLog: cluster.auditLog };
  };

  return {
    configured: (cluster) => auditLogOf(cluster) !== undefined,
    delaySeconds: (cluster) => auditLogOf(cluster)?.delay ?? 0,
    async read(query: ActivityQuery): Promise<readonly AuditEvent[]> {
      const { cluster, auditLog } = logOf(query.cluster);
      if (query.from.getTime() > query.to.getTime()) {
        throw new ActivityLogError(`the window to read ends (${query.to.toISOString()}) before it starts (${query.from.toISOString()})`);
      }
      const { events, skipped } = await readFrom(cluster, auditLog, query);
      if (skipped > 0) {
        deps.logger?.warn('audit log lines that are not audit events were skipped', { cluster: query.cluster, source: auditLog.type, skipped });
      }
      return events;
    },
    async bindingChanges(query: BindingChangesQuery): Promise<readonly BindingChange[]> {
      const { cluster, auditLog } = logOf(query.cluster);
      if (auditLog.type === 'file') return readFileBindingChanges(auditLog.path, query);
      const region = auditLogRegion(cluster, auditLog);
      return readCloudWatchBindingChanges(clientFor(region), { logGroup: auditLog.logGroup, region }, query, { maxPages: deps.maxPages, retry: deps.retry });
    },
  };
}
