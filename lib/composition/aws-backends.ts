import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
// Static, named imports: a dynamic import() of these would keep the bundler from tree-shaking them
// (the whole SSM client would ship). Nothing is built until a setting references ssm: or secretsmanager:.
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { EventBridgeRuleScheduler } from '../adapters/eventbridge/eventbridge-rule-scheduler.js';
import { EventBridgeScheduler } from '../adapters/eventbridge/eventbridge-scheduler.js';
import { mintEksToken } from '../adapters/kubernetes/eks-token.js';
import type { EksAccess } from '../adapters/kubernetes/rbac-api-provider.js';
import type { SecretBackends } from '../adapters/secrets/secret-resolver.js';
import type { Config, EvidenceKeyConfig } from '../config.js';
import { kmsKeyRegion, KmsEvidenceMac } from '../adapters/evidence-mac/kms-evidence-mac.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import { ConfigError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseScheduler } from '../ports/lease-scheduler.js';

/** Reads that a cold start waits for give up after this, rather than hold a first request until Lambda's timeout. */
const BOUNDED = { connectionTimeout: 3000, requestTimeout: 5000 };

/*
 * The AWS clients of the Lambda composition root: secrets, EKS access and the timer backends.
 * One client per service and region, built once per container (warm invocations reuse them).
 */

const SECRET_MAX_AGE_SECONDS = 300;

/** AWS secret backends (Powertools Parameters, cached for a few minutes); SDK clients are built on first use. */
export function awsSecretBackends(region: string): SecretBackends {
  const ssm = new SSMProvider({ awsSdkV3Client: new SSMClient({ region, requestHandler: BOUNDED }) });
  const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region, requestHandler: BOUNDED }) });
  return {
    ssm: async (name) => (await ssm.get(name, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS })) ?? undefined,
    secretsManager: async (id) => {
      const value = await secrets.get(id, { maxAge: SECRET_MAX_AGE_SECONDS });
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** EKS through the SDK: DescribeCluster for endpoint and CA, and tokens signed with the default credential chain. */
export function awsEksAccess(clock: Clock): EksAccess {
  const clients = new Map<string, EKSClient>();
  const credentials = defaultProvider();
  return {
    async describe(name, region) {
      let client = clients.get(region);
      if (client === undefined) {
        client = new EKSClient({ region, requestHandler: BOUNDED });
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

/** CloudWatch Logs clients (the clusters' audit logs), one per region, built on first use. */
export function cloudWatchLogsClients(defaultRegion: string): (region: string | undefined) => CloudWatchLogsClient {
  const clients = new Map<string, CloudWatchLogsClient>();
  return (region = defaultRegion) => {
    let client = clients.get(region);
    if (client === undefined) {
      // A filtered read of a big log group takes longer than a secret read: a wider bound.
      client = new CloudWatchLogsClient({ region, requestHandler: { connectionTimeout: 3000, requestTimeout: 15_000 } });
      clients.set(region, client);
    }
    return client;
  };
}

/** The configured timer backend: EventBridge Scheduler schedules, or EventBridge rules. */
export function eventBridgeScheduler(config: Config, clock?: Clock): LeaseScheduler {
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
      clock,
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
    clock,
  });
}

/**
 * The evidence key as configured: a KMS HMAC key (in the key ARN's region, else the default one;
 * credentials from the default chain); undefined when none is configured. A key file is local
 * mode's (which passes it in itself) and the report's: the Lambda bundles do not carry it.
 */
export function evidenceMacOf(key: EvidenceKeyConfig, defaultRegion: string): EvidenceMac | undefined {
  if (key === undefined) return undefined;
  if (key.kind === 'file') throw new ConfigError('EVIDENCE_KEY_FILE is for local mode and the report: in AWS, seal evidence with EVIDENCE_KMS_KEY_ID');
  const client = new KMSClient({ region: kmsKeyRegion(key.keyId, defaultRegion), requestHandler: BOUNDED, ...(key.endpoint === undefined ? {} : { endpoint: key.endpoint }) });
  return new KmsEvidenceMac(client, key.keyId);
}
