import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import JiraApi from 'jira-client';
import { JsonAuditLog } from './adapters/audit/json-audit-log.js';
import { DynamoDbLeaseStore } from './adapters/dynamodb/dynamodb-lease-store.js';
import { EventBridgeRuleScheduler } from './adapters/eventbridge/eventbridge-rule-scheduler.js';
import { jiraRequest } from './adapters/jira/jira-request.js';
import { JiraTicketSource, type JiraClient } from './adapters/jira/jira-ticket-source.js';
import { KubernetesCluster } from './adapters/kubernetes/kubernetes-cluster.js';
import { makeRbacApiProvider } from './adapters/kubernetes/rbac-api-provider.js';
import { resolveSecret, type SecretBackends } from './adapters/secrets/secret-resolver.js';
import { loadConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { makeJiraWebhookHandler } from './http/jira-webhook-handler.js';
import type { HttpRequest, HttpResponse } from './http/http.js';
import type { AuditLog } from './ports/audit-log.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { LeaseStore } from './ports/lease-store.js';
import type { Logger } from './ports/logger.js';
import type { RevocationScheduler } from './ports/revocation-scheduler.js';
import type { TicketSource } from './ports/ticket-source.js';
import { makeGrantAccess, type GrantAccessInput, type GrantOutcome } from './use-cases/grant-access.js';
import { makeRevokeLease, type RevokeLeaseInput, type RevokeOutcome } from './use-cases/revoke-lease.js';
import { makeSweepLeases, type SweepSummary } from './use-cases/sweep-leases.js';

/** Everything the handlers need, wired once per cold start. */
export interface Container {
  readonly config: Config;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly tickets: TicketSource;
  readonly grantAccess: (input: GrantAccessInput) => Promise<GrantOutcome>;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly sweepLeases: () => Promise<SweepSummary>;
  readonly jiraWebhook: (request: HttpRequest) => Promise<HttpResponse>;
}

/** Replacements for local mode and tests; anything not given is built for AWS. */
export interface ContainerOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly audit?: AuditLog;
  readonly dynamodb?: DynamoDBClient;
  /** Builds the scheduler; receives the revoke use case so an in-process scheduler can call it. */
  readonly scheduler?: (revoke: (input: RevokeLeaseInput) => Promise<RevokeOutcome>) => RevocationScheduler;
  readonly secretBackends?: SecretBackends;
}

const SECRET_MAX_AGE_SECONDS = 300;

/** AWS secret backends (Powertools Parameters, cached for a few minutes); SDK clients are built on first use. */
async function awsSecretBackends(region: string): Promise<SecretBackends> {
  const [{ SSMProvider }, { SecretsProvider }, { SSMClient }, { SecretsManagerClient }] = await Promise.all([
    import('@aws-lambda-powertools/parameters/ssm'),
    import('@aws-lambda-powertools/parameters/secrets'),
    import('@aws-sdk/client-ssm'),
    import('@aws-sdk/client-secrets-manager'),
  ]);
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

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? new PowertoolsLogger({ serviceName: 'kube-lease' });
  const audit = overrides.audit ?? new JsonAuditLog();
  let backends: Promise<SecretBackends> | undefined;
  const secret = async (reference: string, what: string): Promise<string> => {
    backends ??= overrides.secretBackends ? Promise.resolve(overrides.secretBackends) : awsSecretBackends(config.region);
    return resolveSecret(reference, what, await backends);
  };

  const dynamodb =
    overrides.dynamodb ??
    new DynamoDBClient({ region: config.region, ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}) });
  const leases = new DynamoDbLeaseStore(dynamodb, config.leasesTable);

  let jira: Promise<JiraClient> | undefined;
  const jiraClient = (): Promise<JiraClient> => {
    jira ??= secret(config.jira.apiTokenRef, 'JIRA_API_TOKEN').then((token) => {
      const url = new URL(config.jira.baseUrl);
      return new JiraApi({
        protocol: url.protocol.replace(':', ''),
        host: url.hostname,
        port: url.port === '' ? undefined : url.port,
        base: url.pathname.replace(/\/+$/, ''),
        username: config.jira.email,
        password: token,
        apiVersion: '2',
        strictSSL: true,
        request: jiraRequest,
        timeout: 10_000,
      });
    });
    jira.catch(() => (jira = undefined));
    return jira;
  };
  const tickets = new JiraTicketSource(jiraClient, config.catalog.jira, config.jira.baseUrl);
  const cluster = new KubernetesCluster(makeRbacApiProvider(config.catalog.clusters, config.kubeconfigPath, (ref, name) => secret(ref, `kubeconfig of cluster ${name}`)));

  // The in-process scheduler calls revoke, and revoke cancels schedules: tie the knot with a closure.
  let revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome> = () =>
    Promise.reject(new Error('revoke called before the container was built'));
  const scheduler = overrides.scheduler?.((input) => revokeLease(input)) ?? eventBridgeScheduler(config);
  revokeLease = makeRevokeLease({ tickets, cluster, leases, scheduler, audit, clock, logger });

  const grantAccess = makeGrantAccess({
    catalog: config.catalog,
    tickets,
    cluster,
    leases,
    scheduler,
    audit,
    clock,
    logger,
    schedulePrefix: config.schedulePrefix,
    pendingGraceSeconds: config.pendingGraceSeconds,
  });
  const sweepLeases = makeSweepLeases({ leases, clock, logger, revokeLease, batchSize: config.sweepBatchSize });
  const jiraWebhook = makeJiraWebhookHandler({
    webhookSecret: () => secret(config.jira.webhookSecretRef, 'JIRA_WEBHOOK_SECRET'),
    approvedStatuses: config.catalog.jira.approvedStatuses,
    grantAccess,
    leases,
    audit,
    clock,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    deliveryTtlSeconds: config.deliveryTtlSeconds,
  });
  return { config, logger, audit, leases, tickets, grantAccess, revokeLease, sweepLeases, jiraWebhook };
}

function eventBridgeScheduler(config: Config): RevocationScheduler {
  const arn = config.revokeFunctionArn;
  return new EventBridgeRuleScheduler(new EventBridgeClient({ region: config.region }), {
    get revokeFunctionArn(): string {
      if (arn === undefined) throw new ConfigError('REVOKE_FUNCTION_ARN is not set: cannot schedule revocations');
      return arn;
    },
    eventBusName: config.eventBusName,
  });
}

let lambdaContainer: Container | undefined;

/** The container for Lambda handlers: configuration from the environment, built on first use. */
export function container(): Container {
  lambdaContainer ??= buildContainer(loadConfig(process.env));
  return lambdaContainer;
}
