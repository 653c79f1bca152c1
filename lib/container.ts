import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import JiraApi from 'jira-client';
import { countingAuditLog, JsonAuditLog } from './adapters/audit/json-audit-log.js';
import { EmfMetrics } from './adapters/audit/powertools-metrics.js';
import { countFailures, type PortName } from './adapters/audit/count-failures.js';
import type { Metrics } from './ports/metrics.js';
import { DynamoDbLeaseStore } from './adapters/dynamodb/dynamodb-lease-store.js';
import { localDynamoDbClient } from './adapters/local/embedded-dynamodb.js';
import { EventBridgeRuleScheduler } from './adapters/eventbridge/eventbridge-rule-scheduler.js';
import { EventBridgeScheduler } from './adapters/eventbridge/eventbridge-scheduler.js';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { jiraRequest } from './adapters/jira/jira-request.js';
import { JiraTicketSource } from './adapters/jira/jira-ticket-source.js';
import { authenticateJiraDelivery, parseJiraHint } from './adapters/jira/jira-webhook.js';
import { KubernetesCluster } from './adapters/kubernetes/kubernetes-cluster.js';
import { mintEksToken } from './adapters/kubernetes/eks-token.js';
import { makeRbacApiProvider, type EksAccess } from './adapters/kubernetes/rbac-api-provider.js';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
// Static, named imports: a dynamic import() of these would keep the bundler from tree-shaking them
// (the whole SSM client would ship). Nothing is built until a setting references ssm: or secretsmanager:.
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { resolveSecret, type SecretBackends } from './adapters/secrets/secret-resolver.js';
import { ServiceNowClient } from './adapters/servicenow/servicenow-client.js';
import { ServiceNowTicketSource } from './adapters/servicenow/servicenow-ticket-source.js';
import {
  parseServiceNowHint,
  SERVICENOW_DELIVERY_HEADER,
  SERVICENOW_SIGNATURE_HEADER,
  SERVICENOW_TIMESTAMP_HEADER,
  verifyServiceNowSignature,
} from './adapters/servicenow/servicenow-webhook.js';
import { catalogWarnings } from './domain/catalog.js';
import { loadConfig, type Config } from './config.js';
import type { TicketSourceName } from './domain/ticket.js';
import { ConfigError } from './errors.js';
import type { HttpRequest, HttpResponse } from './http/http.js';
import { makeWebhookHandler } from './http/webhook-handler.js';
import type { AuditLog } from './ports/audit-log.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { LeaseScheduler } from './ports/lease-scheduler.js';
import type { LeaseStore } from './ports/lease-store.js';
import type { Logger } from './ports/logger.js';
import type { TicketSource, TicketSources } from './ports/ticket-source.js';
import { makeActivateLease, type ActivateLeaseInput, type ActivateOutcome } from './use-cases/activate-lease.js';
import { makeCloseTicket } from './use-cases/close-ticket.js';
import { makeGrantAccess } from './use-cases/grant-access.js';
import { makeProcessTicket, type ProcessOutcome, type ProcessTicketInput } from './use-cases/process-ticket.js';
import { makeRevokeLease, type RevokeLeaseInput, type RevokeOutcome } from './use-cases/revoke-lease.js';
import { makeSweepLeases, type SweepOptions, type SweepSummary } from './use-cases/sweep-leases.js';

/** Everything the handlers need, wired once per cold start. */
export interface Container {
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
  /**
   * Wraps each port once it is built (e.g. to add tracing, or to inject faults in a test harness).
   * Gets the port's name and must return an object of the same interface.
   */
  readonly decorate?: <T extends object>(name: PortName, port: T) => T;
}

const SECRET_MAX_AGE_SECONDS = 300;

/** AWS secret backends (Powertools Parameters, cached for a few minutes); SDK clients are built on first use. */
function awsSecretBackends(region: string): SecretBackends {
  const ssm = new SSMProvider({ awsSdkV3Client: new SSMClient({ region }) });
  const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region }) });
  return {
    ssm: async (name) => (await ssm.get(name, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS })) ?? undefined,
    secretsManager: async (id) => {
      const value = await secrets.get(id, { maxAge: SECRET_MAX_AGE_SECONDS });
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** EKS through the SDK: DescribeCluster for endpoint and CA, and tokens signed with the default credential chain. */
function awsEksAccess(clock: Clock): EksAccess {
  const clients = new Map<string, EKSClient>();
  const credentials = defaultProvider();
  return {
    async describe(name, region) {
      let client = clients.get(region);
      if (client === undefined) {
        client = new EKSClient({ region });
        clients.set(region, client);
      }
      const { cluster } = await client.send(new DescribeClusterCommand({ name }));
      const endpoint = cluster?.endpoint;
      const caData = cluster?.certificateAuthority?.data;
      if (endpoint === undefined || caData === undefined) throw new ConfigError(`EKS cluster ${name} in ${region} has no endpoint or CA yet`);
      return { endpoint, caData };
    },
    token: (name, region) => mintEksToken({ clusterName: name, region, credentials, now: clock.now() }),
  };
}

/** Memoises an async factory; a failure is not kept, so the next call tries again. */
function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (value === undefined) {
      value = build();
      value.catch(() => (value = undefined));
    }
    return value;
  };
}

function jiraClients(jira: NonNullable<Config['jira']>, token: () => Promise<string>) {
  const build = (intermediatePath?: string) =>
    lazy(async () => {
      const url = new URL(jira.baseUrl);
      return new JiraApi({
        protocol: url.protocol.replace(':', ''),
        host: url.hostname,
        port: url.port === '' ? undefined : url.port,
        base: url.pathname.replace(/\/+$/, ''),
        username: jira.email,
        password: await token(),
        apiVersion: '2',
        strictSSL: true,
        request: jiraRequest,
        timeout: 10_000,
        ...(intermediatePath === undefined ? {} : { intermediatePath }),
      });
    });
  return { api: build(), serviceDesk: build('/rest/servicedeskapi') };
}

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? new PowertoolsLogger({ serviceName: 'kube-lease' });
  const metrics = overrides.metrics ?? new EmfMetrics();
  const audit = countingAuditLog(overrides.audit ?? new JsonAuditLog(), metrics);
  const backends = lazy(() => Promise.resolve(overrides.secretBackends ?? awsSecretBackends(config.region)));
  const secret = async (reference: string, what: string): Promise<string> => resolveSecret(reference, what, await backends());

  const dynamodb =
    overrides.dynamodb ??
    (config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint));
  const outer = overrides.decorate ?? (<T extends object>(_name: string, port: T): T => port);
  // Every port counts its failed calls (after the adapter's own retries) as BackendFailures by backend.
  const decorate = <T extends object>(name: PortName, port: T): T => outer(name, countFailures(name, port, metrics));
  const leases = decorate('leases', new DynamoDbLeaseStore(dynamodb, config.leasesTable, config.catalog.maxActiveLeasesPerRequester !== undefined));

  const tickets: Partial<Record<TicketSourceName, TicketSource>> = {};
  const { jira, servicenow } = config;
  if (jira !== undefined && config.catalog.jira !== undefined) {
    const clients = jiraClients(jira, () => secret(jira.apiTokenRef, 'JIRA_API_TOKEN'));
    tickets.jira = decorate('tickets.jira', new JiraTicketSource(clients.api, config.catalog.jira, jira.baseUrl, clients.serviceDesk, config.retry));
  }
  if (servicenow !== undefined && config.catalog.servicenow !== undefined) {
    const client = new ServiceNowClient(async () => ({
      instanceUrl: servicenow.instanceUrl,
      user: servicenow.user,
      password: await secret(servicenow.passwordRef, 'SERVICENOW_PASSWORD'),
    }), config.retry);
    tickets.servicenow = decorate('tickets.servicenow', new ServiceNowTicketSource(client, config.catalog.servicenow, servicenow.instanceUrl));
  }
  const cluster = decorate(
    'cluster',
    new KubernetesCluster(
    makeRbacApiProvider(
      config.catalog.clusters,
      config.kubeconfigPath,
      (ref, name) => secret(ref, `kubeconfig of cluster ${name}`),
      overrides.eks ?? awsEksAccess(clock),
      clock,
    ),
    config.deploymentId,
    config.retry,
    config.kubernetesTimeoutMs,
    ),
  );

  // The in-process scheduler calls revoke and activate, and they cancel timers: tie the knot with closures.
  let revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome> = () => Promise.reject(new Error('container not built'));
  let activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome> = () => Promise.reject(new Error('container not built'));
  const scheduler = decorate(
    'scheduler',
    overrides.scheduler?.({ revoke: (input) => revokeLease(input), activate: (input) => activateLease(input) }) ?? eventBridgeScheduler(config),
  );
  const shared = { tickets, cluster, leases, scheduler, audit, clock, logger };
  revokeLease = makeRevokeLease(shared);
  activateLease = makeActivateLease({ ...shared, revokeLease });

  const grantAccess = makeGrantAccess({ ...shared, metrics, catalog: config.catalog, schedulePrefix: config.schedulePrefix, pendingGraceSeconds: config.pendingGraceSeconds });
  const closeTicket = makeCloseTicket({ leases, revokeLease });
  const processTicket = makeProcessTicket({ tickets, audit, clock, leases, grantAccess, closeTicket });
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
  });

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
  const webhooks: Partial<Record<TicketSourceName, (request: HttpRequest) => Promise<HttpResponse>>> = {};
  for (const warning of catalogWarnings(config.catalog)) logger.warn(`access catalog: ${warning}`);
  if (jira !== undefined && config.catalog.jira !== undefined) {
    const { approvedStatuses, closedStatuses, projects } = config.catalog.jira;
    webhooks.jira = makeWebhookHandler({
      ...common,
      source: 'jira',
      authenticate: async (request) =>
        authenticateJiraDelivery(
          request.body,
          request.headers['x-hub-signature'],
          await secret(jira.webhookSecretRef, 'JIRA_WEBHOOK_SECRET'),
          clock.now().getTime(),
          config.jiraWebhookMaxAgeSeconds,
        ),
      hint: (body) => parseJiraHint(body, [...approvedStatuses, ...closedStatuses], projects),
      deliveryId: (request) => request.headers['x-atlassian-webhook-identifier'],
    });
  }
  if (servicenow !== undefined) {
    webhooks.servicenow = makeWebhookHandler({
      ...common,
      source: 'servicenow',
      authenticate: async (request) =>
        verifyServiceNowSignature(
          request.body,
          {
            signature: request.headers[SERVICENOW_SIGNATURE_HEADER],
            timestamp: request.headers[SERVICENOW_TIMESTAMP_HEADER],
            deliveryId: request.headers[SERVICENOW_DELIVERY_HEADER],
          },
          await secret(servicenow.webhookSecretRef, 'SERVICENOW_WEBHOOK_SECRET'),
          clock.now().getTime(),
        ),
      hint: parseServiceNowHint,
      deliveryId: (request) => request.headers[SERVICENOW_DELIVERY_HEADER],
    });
  }
  return { config, clock, logger, audit, leases, tickets, processTicket, revokeLease, activateLease, sweepLeases, webhooks };
}

function eventBridgeScheduler(config: Config): LeaseScheduler {
  const { revokeFunctionArn, activateFunctionArn } = config;
  const required = (value: string | undefined, name: string): string => {
    if (value === undefined) throw new ConfigError(`${name} is not set: cannot schedule lease timers`);
    return value;
  };
  if (config.scheduler.backend === 'scheduler') {
    const { roleArn, group, deadLetterArn } = config.scheduler;
    return new EventBridgeScheduler(new SchedulerClient({ region: config.region }), {
      get revokeFunctionArn(): string {
        return required(revokeFunctionArn, 'REVOKE_FUNCTION_ARN');
      },
      get activateFunctionArn(): string {
        return required(activateFunctionArn, 'ACTIVATE_FUNCTION_ARN');
      },
      get roleArn(): string {
        return required(roleArn, 'SCHEDULER_ROLE_ARN');
      },
      groupName: group,
      namePrefix: config.schedulePrefix,
      deadLetterArn,
    });
  }
  return new EventBridgeRuleScheduler(new EventBridgeClient({ region: config.region }), {
    get revokeFunctionArn(): string {
      return required(revokeFunctionArn, 'REVOKE_FUNCTION_ARN');
    },
    get activateFunctionArn(): string {
      return required(activateFunctionArn, 'ACTIVATE_FUNCTION_ARN');
    },
    eventBusName: config.eventBusName,
    namePrefix: config.schedulePrefix,
  });
}

let lambdaContainer: Container | undefined;

/** The container for Lambda handlers: configuration from the environment, built on first use. */
export function container(): Container {
  lambdaContainer ??= buildContainer(loadConfig(process.env));
  return lambdaContainer;
}
