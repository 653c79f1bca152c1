import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { countingAuditLog, JsonAuditLog } from './adapters/audit/json-audit-log.js';
import { EmfMetrics } from './adapters/audit/powertools-metrics.js';
import { countFailures, type PortName } from './adapters/audit/count-failures.js';
import type { Metrics } from './ports/metrics.js';
import { DynamoDbLeaseStore } from './adapters/dynamodb/dynamodb-lease-store.js';
import { localDynamoDbClient } from './adapters/dynamodb/endpoint-client.js';
import { KubernetesCluster } from './adapters/kubernetes/kubernetes-cluster.js';
import { makeRbacApiProvider, type EksAccess } from './adapters/kubernetes/rbac-api-provider.js';
import { awsEksAccess, awsSecretBackends, eventBridgeScheduler } from './composition/aws-backends.js';
import { makePrepare, type PrepareScope } from './composition/prepare.js';
export type { PrepareScope } from './composition/prepare.js';
import { DynamoDbOwedAnnouncements } from './adapters/dynamodb/owed-announcements.js';
import { makeAnnounceGrant } from './use-cases/announce-grant.js';
import { buildOnCall, buildSources, lazy } from './composition/sources.js';
import { resolveSecret, type SecretBackends } from './adapters/secrets/secret-resolver.js';
import { catalogWarnings } from './domain/catalog.js';
import { loadConfig, type Config, type StoreConfig } from './config.js';
import type { TicketSourceName } from './domain/ticket.js';
import { KubeLeaseError } from './errors.js';
import type { HttpRequest, HttpResponse } from './ports/http.js';
import { makeWebhookHandler } from './http/webhook-handler.js';
import type { AuditLog } from './ports/audit-log.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { LeaseScheduler } from './ports/lease-scheduler.js';
import type { LeaseStore } from './ports/lease-store.js';
import type { Logger } from './ports/logger.js';
import type { TicketSource, TicketSources } from './ports/ticket-source.js';
import { makeActivateLease, type ActivateLeaseInput, type ActivateOutcome } from './use-cases/activate-lease.js';
import { makeCloseTicket } from './use-cases/close-ticket.js';
import { makeGrantAccess } from './use-cases/grant/grant-access.js';
import { makeProcessTicket, type ProcessOutcome, type ProcessTicketInput } from './use-cases/process-ticket.js';
import { makeRevokeLease, type RevokeLeaseInput, type RevokeOutcome } from './use-cases/revoke-lease.js';
import { makeSweepLeases, type SweepOptions, type SweepSummary } from './use-cases/sweep-leases.js';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { makeActivityLog } from './adapters/activity/activity-log.js';
import { DynamoDbEvidenceStore } from './adapters/dynamodb/evidence-records.js';
import { DynamoDbCloseMarks } from './adapters/dynamodb/close-marks.js';
import { DynamoDbOwedRevokeComments } from './adapters/dynamodb/owed-revoke-comments.js';
import { makeOwedRevokes } from './use-cases/owed-revoke-comments.js';
import { cloudWatchLogsClients, evidenceMacOf } from './composition/aws-backends.js';
import type { EvidenceMac } from './ports/evidence-mac.js';
import { makeCollectEvidence } from './use-cases/collect-evidence.js';
import { makeCheckIdle } from './use-cases/check-idle.js';
import { DynamoDbIdleWatches } from './adapters/dynamodb/idle-watches.js';
import { buildReviewPorts } from './composition/reviews.js';
import { makeReviewLease } from './use-cases/review-lease.js';
import { makeTimerTargets, timerSleep, type OnTimeTargets } from './use-cases/wait-for-moment.js';

/** Evidence that cannot be read or posted for this long after it was due is given up, and said so. */
const EVIDENCE_GIVE_UP_SECONDS = 24 * 3600;

/** Everything the handlers need, wired once per cold start (with the AWS timer targets, which wait for their moment). */
export interface Container extends OnTimeTargets {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly tickets: TicketSources;
  readonly processTicket: (input: ProcessTicketInput) => Promise<ProcessOutcome>;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
  readonly sweepLeases: (options?: SweepOptions) => Promise<SweepSummary>;
  /**
   * Starts every read a cold start needs (ITSM credentials, cluster access, and the webhook secrets
   * of `scope.webhooks`) in parallel, once per scope; resolves, never rejects, when all have
   * settled, with what failed in words (empty when everything could be read). Each webhook handler
   * calls it on its first request, handlers during Lambda's init phase, local mode before it starts.
   */
  readonly prepare: (scope?: PrepareScope) => Promise<readonly string[]>;
  /** Webhook handlers of the configured ticket sources. */
  readonly webhooks: Readonly<Partial<Record<TicketSourceName, (request: HttpRequest) => Promise<HttpResponse>>>>;
}

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

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
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
  const cluster = decorate(
    'cluster',
    new KubernetesCluster(
    rbacApi,
    config.deploymentId,
    config.retry,
    config.kubernetesTimeoutMs,
    ),
  );
  // The in-process scheduler calls revoke and activate, which cancel timers: a knot tied with closures.
  let revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome> = () => Promise.reject(new KubeLeaseError('container not built'));
  let activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome> = () => Promise.reject(new KubeLeaseError('container not built'));
  const scheduler = decorate(
    'scheduler',
    overrides.scheduler?.({ revoke: (input) => revokeLease(input), activate: (input) => activateLease(input) }) ?? eventBridgeScheduler(config, clock),
  );
  const shared = { tickets, cluster, leases, scheduler, audit, clock, logger, closeMarks: decorate('leases', new DynamoDbCloseMarks(dynamodb, config.leasesTable)) };
  // The clusters' audit logs, when the catalog names any: streams at revoke, activity evidence after.
  const watched = Object.values(config.catalog.clusters).some((c) => c.auditLog !== undefined);
  const activity = watched ? decorate('activity', makeActivityLog(config.catalog.clusters, { cloudWatch: overrides.cloudWatchLogs ?? cloudWatchLogsClients(config.region) })) : undefined;
  const evidence = watched ? decorate('leases', new DynamoDbEvidenceStore(dynamodb, config.leasesTable)) : undefined;
  const evidenceMac = watched ? (overrides.evidenceMac ?? evidenceMacOf(config.evidenceKey, config.region)) : undefined;
  const reviewPorts = buildReviewPorts({ catalog: config.catalog, sources, dynamodb, tableName: config.leasesTable, decorate, activity });
  const reviews = reviewPorts === undefined ? undefined : makeReviewLease({ ...shared, ...reviewPorts, catalog: config.catalog, metrics, mac: evidenceMac });
  // Every path that makes a lease ACTIVE tells the ticket itself; the sweep posts what it could not (owed on the lease item).
  const announcements = decorate('leases', new DynamoDbOwedAnnouncements(dynamodb, config.leasesTable));
  // Revoke comments left to an announcement's holder: queued, so the sweep posts one a dead holder owed.
  const owedRevokes = makeOwedRevokes({ ...shared, comments: decorate('leases', new DynamoDbOwedRevokeComments(dynamodb, config.leasesTable)), announcements });
  revokeLease = makeRevokeLease({ ...shared, activity, evidence, owedRevokes });
  const announce = makeAnnounceGrant({ ...shared, announcements });
  activateLease = makeActivateLease({ ...shared, revokeLease, announce });

  const directory = buildOnCall(config, secret);
  const onCall = directory === undefined ? undefined : decorate('onCall', directory);
  const grantAccess = makeGrantAccess({
    ...shared,
    metrics,
    onCall,
    catalog: config.catalog,
    schedulePrefix: config.schedulePrefix,
    pendingGraceSeconds: config.pendingGraceSeconds,
    announce,
    reviews,
  });
  const processTicket = makeProcessTicket({ tickets, audit, clock, leases, grantAccess, closeTicket: makeCloseTicket({ ...shared, revokeLease }) });
  const sweepLeases = makeSweepLeases({
    ...shared,
    metrics,
    catalog: config.catalog,
    revokeLease,
    activateLease,
    grantAccess,
    batchSize: config.sweepBatchSize,
    pendingGraceSeconds: config.pendingGraceSeconds,
    scanEveryMinutes: config.sweepScanEveryMinutes,
    announce,
    checkIdle: activity === undefined ? undefined : makeCheckIdle({ activity, watches: decorate('leases', new DynamoDbIdleWatches(dynamodb, config.leasesTable)), clock, logger, revokeLease }),
    reviews,
    owedRevokes,
    evidence:
      activity === undefined || evidence === undefined
        ? undefined
        : { store: evidence, collect: makeCollectEvidence({ ...shared, activity, evidence, giveUpAfterSeconds: EVIDENCE_GIVE_UP_SECONDS, mac: evidenceMac, reviews }) },
  });

  const { revokeOnTime, activateOnTime } = makeTimerTargets({ leases, clock, logger, sleep: overrides.sleep ?? timerSleep, revokeLease, activateLease });
  const common = {
    processTicket,
    leases,
    audit,
    clock,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    deliveryTtlSeconds: config.deliveryTtlSeconds,
    claimStaleSeconds: config.pendingGraceSeconds,
  };
  for (const warning of catalogWarnings(config.catalog)) logger.warn(`access catalog: ${warning}`);

  const prepare = makePrepare(sources, [...new Set(config.catalog.profiles.map((p) => p.cluster))], (name) => rbacApi(name), logger);
  const webhooks: Partial<Record<TicketSourceName, (request: HttpRequest) => Promise<HttpResponse>>> = {};
  for (const source of sources) {
    const handle = makeWebhookHandler({ ...common, source: source.name, webhook: source.webhook });
    webhooks[source.name] = (request) => {
      void prepare({ webhooks: [source.name] });
      return handle(request);
    };
  }
  return { config, clock, logger, audit, leases, tickets, processTicket, revokeLease, activateLease, revokeOnTime, activateOnTime, sweepLeases, webhooks, prepare };
}

/**
 * The lease table alone, for read-only tools (CLI listings, `sweep --dry-run`, the report): no
 * catalog, no ticket systems, no clusters are needed or touched.
 */
export function buildLeaseStore(config: StoreConfig, overrides: { readonly dynamodb?: DynamoDBClient } = {}): { readonly leases: LeaseStore; close(): void } {
  const client = overrides.dynamodb ?? (config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint));
  return { leases: new DynamoDbLeaseStore(client, config.leasesTable, false), close: () => client.destroy() };
}

let lambdaContainer: Container | undefined;

/** The container for Lambda handlers: configuration from the environment, built on first use. */
export function container(): Container {
  lambdaContainer ??= buildContainer(loadConfig(process.env));
  return lambdaContainer;
}
