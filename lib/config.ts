import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseCatalog, type Catalog } from './catalog.js';
import { ConfigError } from './errors.js';

const SCHEDULE_PREFIX = /^[A-Za-z0-9._-]{1,40}$/;

const envSchema = z.object({
  ACCESS_CATALOG: z.string().min(1),
  JIRA_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://your-domain.atlassian.net' }),
  JIRA_EMAIL: z.string().min(1),
  JIRA_API_TOKEN: z.string().min(1),
  JIRA_WEBHOOK_SECRET: z.string().min(1),
  LEASES_TABLE: z.string().min(3).default('kube-lease-leases'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  KUBECONFIG: z.string().min(1).optional(),
  AWS_REGION: z.string().default('us-east-1'),
  SCHEDULE_PREFIX: z.string().regex(SCHEDULE_PREFIX, 'letters, digits, . _ - and at most 40 characters').default('kube-lease'),
  REVOKE_FUNCTION_ARN: z.string().startsWith('arn:').optional(),
  EVENT_BUS_NAME: z.string().optional(),
  PENDING_GRACE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  DELIVERY_TTL_SECONDS: z.coerce.number().int().min(60).default(7 * 86_400),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(6 * 1024 * 1024).default(256 * 1024),
});

/** What each required variable is, for the error when it is missing. */
const REQUIRED: Record<string, string> = {
  ACCESS_CATALOG: 'path of the access catalog YAML',
  JIRA_BASE_URL: 'e.g. https://your-domain.atlassian.net',
  JIRA_EMAIL: 'the Jira user kube-lease acts as',
  JIRA_API_TOKEN: 'that user\'s API token; in AWS a reference such as ssm:/kube-lease/prod/jira-api-token',
  JIRA_WEBHOOK_SECRET: 'the secret of the Jira webhook; in AWS a reference such as ssm:/kube-lease/prod/jira-webhook-secret',
};

/** Validated configuration, read once per cold start. Secret values are references until resolved. */
export interface Config {
  readonly catalog: Catalog;
  readonly catalogPath: string;
  readonly jira: { readonly baseUrl: string; readonly email: string; readonly apiTokenRef: string; readonly webhookSecretRef: string };
  readonly leasesTable: string;
  readonly dynamodbEndpoint: string | undefined;
  /** Kubeconfig file for catalog clusters that name none of their own (local mode). */
  readonly kubeconfigPath: string | undefined;
  readonly region: string;
  readonly schedulePrefix: string;
  readonly revokeFunctionArn: string | undefined;
  readonly eventBusName: string | undefined;
  readonly pendingGraceSeconds: number;
  readonly sweepBatchSize: number;
  readonly deliveryTtlSeconds: number;
  readonly maxBodyBytes: number;
}

/** Reads and validates the environment and the catalog; throws ConfigError naming every problem. */
export function loadConfig(env: NodeJS.ProcessEnv, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      return present[name] === undefined ? `${name} is not set (${REQUIRED[name] ?? 'required'})` : `${name}: ${i.message}`;
    });
    throw new ConfigError(`invalid environment:\n  ${problems.join('\n  ')}`, { cause: parsed.error });
  }
  const e = parsed.data;
  let text: string;
  try {
    text = readText(e.ACCESS_CATALOG);
  } catch (error) {
    throw new ConfigError(`cannot read access catalog ${e.ACCESS_CATALOG}`, { cause: error });
  }
  const catalog = parseCatalog(text, e.ACCESS_CATALOG);
  return {
    catalog,
    catalogPath: e.ACCESS_CATALOG,
    jira: { baseUrl: e.JIRA_BASE_URL, email: e.JIRA_EMAIL, apiTokenRef: e.JIRA_API_TOKEN, webhookSecretRef: e.JIRA_WEBHOOK_SECRET },
    leasesTable: e.LEASES_TABLE,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    kubeconfigPath: e.KUBECONFIG,
    region: e.AWS_REGION,
    schedulePrefix: e.SCHEDULE_PREFIX,
    revokeFunctionArn: e.REVOKE_FUNCTION_ARN,
    eventBusName: e.EVENT_BUS_NAME,
    pendingGraceSeconds: e.PENDING_GRACE_SECONDS,
    sweepBatchSize: e.SWEEP_BATCH_SIZE,
    deliveryTtlSeconds: e.DELIVERY_TTL_SECONDS,
    maxBodyBytes: e.MAX_BODY_BYTES,
  };
}
