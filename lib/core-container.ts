import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { makeActivityLog } from './adapters/activity/activity-log.js';
import { countFailures, type PortName } from './adapters/audit/count-failures.js';
import { countingAuditLog, JsonAuditLog } from './adapters/audit/json-audit-log.js';
import { EmfMetrics } from './adapters/audit/powertools-metrics.js';
import { DynamoDbCloseMarks } from './adapters/dynamodb/close-marks.js';
import { DynamoDbLeaseStore } from './adapters/dynamodb/dynamodb-lease-store.js';
import { localDynamoDbClient } from './adapters/dynamodb/endpoint-client.js';
import { DynamoDbEvidenceStore } from './adapters/dynamodb/evidence-records.js';
import { DynamoDbOwedAnnouncements } from './adapters/dynamodb/owed-announcements.js';
import { DynamoDbOwedRevokeComments } from './adapters/dynamodb/owed-revoke-comments.js';
import { KubernetesCluster } from './adapters/kubernetes/kubernetes-cluster.js';
import { makeRbacApiProvider, type EksAccess } from './adapters/kubernetes/rbac-api-provider.js';
import { resolveSecret, type SecretBackends } from './adapters/secrets/secret-resolver.js';
import { awsEksAccess, awsSecretBackends, cloudWatchLogsClients, eventBridgeScheduler } from './composition/aws-backends.js';
import { makePrepare, type PrepareScope } from './composition/prepare.js';
import { buildSources, lazy, type SecretReader } from './composition/sources.js';
import type { Config } from './config.js';
import { catalogWarnings } from './domain/catalog.js';
import type { TicketSourceName } from './domain/ticket.js';
import { KubeLeaseError } from './errors.js';
import type { ActivityLog } from './ports/activity-log.js';
import type { AuditLog } from './ports/audit-log.js';
import type { CloseMarks } from './ports/close-marks.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { EvidenceMac } from './ports/evidence-mac.js';
import type { EvidenceStore } from './ports/evidence-store.js';
import type { LeaseScheduler } from './ports/lease-scheduler.js';
import type { Logger } from './ports/logger.js';
import type { Metrics } from './ports/metrics.js';
import type { OwedAnnouncements } from './ports/owed-announcements.js';
import type { TicketSource } from './ports/ticket-source.js';
import type { SourceModule } from './ports/webhook-source.js';
import { makeActivateLease, type ActivateLeaseInput, type ActivateOutcome } from './use-cases/activate-lease.js';
import { makeAnnounceGrant } from './use-cases/announce-grant.js';
import { makeOwedRevokes } from './use-cases/owed-revoke-comments.js';
import type { LeaseDeps } from './use-cases/lease-deps.js';
import { makeRevokeLease, type RevokeLeaseInput, type RevokeOutcome } from './use-cases/revoke-lease.js';

/*
 * What every Lambda function runs: the lease table, the ticket sources, the clusters, the timers
 * and the revoke and activate paths (every function can end a lease). Each function's own root
 * (webhook-, timer-, sweep-container.ts) adds only what that function runs, so its bundle carries
 * nothing else; container.ts puts them all together for local mode, the CLI and the tests.
 */

/** The timer callbacks an in-process scheduler needs. */
export interface TimerTargets {
  readonly revoke: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly activate: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
}

/** Replacements for local mode and tests; anything not given is built for AWS. */
export interface ContainerOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly audit?: AuditLog;
  readonly dynamodb?: DynamoDBClient;
  /** Builds the scheduler; receives the use cases an in-process scheduler calls. */
  readonly scheduler?: (targets: TimerTargets) => LeaseScheduler;
  readonly secretBackends?: SecretBackends;
  readonly eks?: EksAccess;
  readonly metrics?: Metrics;
  /** The key that seals activity evidence (local mode's key file); by default the configured one. */
  readonly evidenceMac?: EvidenceMac;
  /** CloudWatch Logs clients by region (the clusters' audit logs). */
  readonly cloudWatchLogs?: (region: string | undefined) => CloudWatchLogsClient;
  /**
   * Wraps each port once it is built (e.g. to add tracing, or to inject faults in a test harness).
   * Gets the port's name and must return an object of the same interface.
   */
  readonly decorate?: <T extends object>(name: PortName, port: T) => T;
  /** How a timer target waits for its moment (tests move a manual clock); setTimeout by default. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The ports most use cases take, spread into their dependencies. */
export interface SharedPorts extends LeaseDeps {
  readonly closeMarks: CloseMarks;
}

/** The ports and use cases every function shares, and what the function roots build the rest from. */
export interface Core extends SharedPorts {
  readonly shared: SharedPorts;
  readonly config: Config;
  readonly metrics: Metrics;
  readonly dynamodb: DynamoDBClient;
  readonly decorate: <T extends object>(name: PortName, port: T) => T;
  readonly secret: SecretReader;
  readonly sources: readonly SourceModule[];
  /** The clusters' audit logs and the evidence queue, when the catalog names any audit log. */
  readonly activity: ActivityLog | undefined;
  readonly evidence: EvidenceStore | undefined;
  readonly announcements: OwedAnnouncements;
  readonly owedRevokes: ReturnType<typeof makeOwedRevokes>;
  readonly announce: ReturnType<typeof makeAnnounceGrant>;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
  /** See Container.prepare. */
  readonly prepare: (scope?: PrepareScope) => Promise<readonly string[]>;
}

/** Builds the core once per cold start: clients are made here, SDK clients on first use where the adapters allow. */
export function buildCore(config: Config, overrides: ContainerOverrides = {}): Core {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? new PowertoolsLogger({ serviceName: 'kube-lease' });
  const metrics = overrides.metrics ?? new EmfMetrics();
  const audit = countingAuditLog(overrides.audit ?? new JsonAuditLog(), metrics);
  const backends = lazy(() => Promise.resolve(overrides.secretBackends ?? awsSecretBackends(config.region)));
  // Concurrent first reads of one reference share one backend call; the backends cache values for a few minutes.
  const reading = new Map<string, Promise<string>>();
  const secret = (reference: string, what: string): Promise<string> => {
    let read = reading.get(reference);
    if (read === undefined) {
      read = backends().then((b) => resolveSecret(reference, what, b));
      reading.set(reference, read);
      const forget = () => reading.delete(reference);
      read.then(forget, forget);
    }
    return read;
  };

  const dynamodb =
    overrides.dynamodb ??
    (config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint));
  const outer = overrides.decorate ?? (<T extends object>(_name: string, port: T): T => port);
  // Every port counts its failed calls (after the adapter's own retries) as BackendFailures by backend.
  const decorate = <T extends object>(name: PortName, port: T): T => outer(name, countFailures(name, port, metrics));
  const leases = decorate('leases', new DynamoDbLeaseStore(dynamodb, config.leasesTable, config.catalog.maxActiveLeasesPerRequester !== undefined));

  const sources = buildSources(config, secret, clock);
  const tickets: Partial<Record<TicketSourceName, TicketSource>> = {};
  for (const source of sources) tickets[source.name] = decorate(`tickets.${source.name}`, source.tickets);
  const rbacApi = makeRbacApiProvider(
    config.catalog.clusters,
    config.kubeconfigPath,
    (ref, name) => secret(ref, `kubeconfig of cluster ${name}`),
    overrides.eks ?? awsEksAccess(clock),
    clock,
  );
  const cluster = decorate('cluster', new KubernetesCluster(rbacApi, config.deploymentId, config.retry, config.kubernetesTimeoutMs));
  // The in-process scheduler calls revoke and activate, which cancel timers: a knot tied with closures.
  let revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome> = () => Promise.reject(new KubeLeaseError('container not built'));
  let activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome> = () => Promise.reject(new KubeLeaseError('container not built'));
  const scheduler = decorate(
    'scheduler',
    overrides.scheduler?.({ revoke: (input) => revokeLease(input), activate: (input) => activateLease(input) }) ?? eventBridgeScheduler(config, clock),
  );
  const closeMarks = decorate('leases', new DynamoDbCloseMarks(dynamodb, config.leasesTable));
  const shared: SharedPorts = { tickets, cluster, leases, scheduler, audit, clock, logger, closeMarks };
  // The clusters' audit logs, when the catalog names any: streams at revoke, activity evidence after.
  const watched = Object.values(config.catalog.clusters).some((c) => c.auditLog !== undefined);
  const activity = watched ? decorate('activity', makeActivityLog(config.catalog.clusters, { cloudWatch: overrides.cloudWatchLogs ?? cloudWatchLogsClients(config.region) })) : undefined;
  const evidence = watched ? decorate('leases', new DynamoDbEvidenceStore(dynamodb, config.leasesTable)) : undefined;
  // Every path that makes a lease ACTIVE tells the ticket itself; the sweep posts what it could not (owed on the lease item).
  const announcements = decorate('leases', new DynamoDbOwedAnnouncements(dynamodb, config.leasesTable));
  // Revoke comments left to an announcement's holder: queued, so the sweep posts one a dead holder owed.
  const owedRevokes = makeOwedRevokes({ ...shared, comments: decorate('leases', new DynamoDbOwedRevokeComments(dynamodb, config.leasesTable)), announcements });
  revokeLease = makeRevokeLease({ ...shared, activity, evidence, owedRevokes });
  const announce = makeAnnounceGrant({ ...shared, announcements });
  activateLease = makeActivateLease({ ...shared, revokeLease, announce });
  for (const warning of catalogWarnings(config.catalog)) logger.warn(`access catalog: ${warning}`);

  const prepare = makePrepare(sources, [...new Set(config.catalog.profiles.map((p) => p.cluster))], (name) => rbacApi(name), logger);
  return {
    ...shared,
    shared,
    config,
    metrics,
    dynamodb,
    decorate,
    secret,
    sources,
    activity,
    evidence,
    announcements,
    owedRevokes,
    announce,
    revokeLease,
    activateLease,
    prepare,
  };
}
