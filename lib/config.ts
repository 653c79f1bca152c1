import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { Catalog } from './domain/catalog.js';
import { parseCatalog } from './adapters/catalog/parse-catalog.js';
import { ConfigError } from './errors.js';
import { LABEL_VALUE } from './domain/names.js';

/** Rule names are `<prefix>-<20-char lease id>-start` at most, and EventBridge allows 64 characters. */
const SCHEDULE_PREFIX = /^[A-Za-z0-9._-]{1,36}$/;

/** A URL that carries no user name or password (they would end up in error messages and logs). */
function withoutCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true; // the URL check itself reports it
  }
}
const NO_CREDENTIALS = 'must not contain a user name or password: give credentials in their own settings';

const envSchema = z.object({
  ACCESS_CATALOG: z.string().min(1),
  JIRA_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://your-domain.atlassian.net' }).refine(withoutCredentials, NO_CREDENTIALS).optional(),
  JIRA_EMAIL: z.string().min(1).optional(),
  JIRA_API_TOKEN: z.string().min(1).optional(),
  JIRA_WEBHOOK_SECRET: z.string().min(1).optional(),
  SERVICENOW_INSTANCE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://your-instance.service-now.com' }).refine(withoutCredentials, NO_CREDENTIALS).optional(),
  SERVICENOW_USER: z.string().min(1).optional(),
  SERVICENOW_PASSWORD: z.string().min(1).optional(),
  SERVICENOW_WEBHOOK_SECRET: z.string().min(1).optional(),
  PAGERDUTY_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.pagerduty.com' }).refine(withoutCredentials, NO_CREDENTIALS).default('https://api.pagerduty.com'),
  PAGERDUTY_API_KEY: z.string().min(1).optional(),
  LEASES_TABLE: z.string().min(3).default('kube-lease-leases'),
  DYNAMODB_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8000' }).refine(withoutCredentials, NO_CREDENTIALS).optional(),
  KUBECONFIG: z.string().min(1).optional(),
  AWS_REGION: z.string().default('us-east-1'),
  SCHEDULE_PREFIX: z.string().regex(SCHEDULE_PREFIX, 'letters, digits, . _ - and at most 36 characters').default('kube-lease'),
  DEPLOYMENT_ID: z.string().regex(LABEL_VALUE, 'a label value: letters, digits, - _ . (alphanumeric at both ends), at most 63 characters').optional(),
  REVOKE_FUNCTION_ARN: z.string().startsWith('arn:').optional(),
  ACTIVATE_FUNCTION_ARN: z.string().startsWith('arn:').optional(),
  EVENT_BUS_NAME: z.string().optional(),
  SCHEDULER_BACKEND: z.enum(['rules', 'scheduler']).default('rules'),
  SCHEDULER_ROLE_ARN: z.string().startsWith('arn:').optional(),
  SCHEDULER_GROUP: z.string().regex(/^[0-9a-zA-Z-_.]{1,64}$/).default('default'),
  SCHEDULER_DLQ_ARN: z.string().startsWith('arn:').optional(),
  PENDING_GRACE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  SWEEP_SCAN_EVERY_MINUTES: z.coerce.number().int().min(1).max(60).default(10),
  DELIVERY_TTL_SECONDS: z.coerce.number().int().min(60).default(7 * 86_400),
  JIRA_WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  KUBERNETES_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(200),
  RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1).max(60_000).default(5_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(6 * 1024 * 1024).default(256 * 1024),
  EVIDENCE_KMS_KEY_ID: z.string().min(1).optional(),
  EVIDENCE_KEY_FILE: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_KMS: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).refine(withoutCredentials, NO_CREDENTIALS).optional(),
});

/** The key that seals activity evidence: a KMS HMAC key (id, ARN or alias) or a local key file; none: unsealed. */
export type EvidenceKeyConfig = { readonly kind: 'kms'; readonly keyId: string; readonly endpoint: string | undefined } | { readonly kind: 'file'; readonly path: string } | undefined;

function evidenceKeyOf(e: { readonly EVIDENCE_KMS_KEY_ID?: string | undefined; readonly EVIDENCE_KEY_FILE?: string | undefined; readonly AWS_ENDPOINT_URL_KMS?: string | undefined }): EvidenceKeyConfig {
  if (e.EVIDENCE_KMS_KEY_ID !== undefined && e.EVIDENCE_KEY_FILE !== undefined) throw new ConfigError('invalid environment:\n  EVIDENCE_KMS_KEY_ID and EVIDENCE_KEY_FILE exclude each other: set the one evidence key');
  if (e.EVIDENCE_KMS_KEY_ID !== undefined) return { kind: 'kms', keyId: e.EVIDENCE_KMS_KEY_ID, endpoint: e.AWS_ENDPOINT_URL_KMS };
  return e.EVIDENCE_KEY_FILE === undefined ? undefined : { kind: 'file', path: e.EVIDENCE_KEY_FILE };
}

/** What each required variable is, for the error when it is missing. */
const REQUIRED: Record<string, string> = {
  ACCESS_CATALOG: 'path of the access catalog YAML',
  SERVICENOW_INSTANCE_URL: 'e.g. https://your-instance.service-now.com',
  SERVICENOW_USER: 'the ServiceNow user kube-lease acts as',
  SERVICENOW_PASSWORD: 'that user\'s password; in AWS a reference such as ssm:/kube-lease/prod/itsm/servicenow-password',
  SERVICENOW_WEBHOOK_SECRET: 'the secret the business rule signs with; in AWS a reference such as ssm:/kube-lease/prod/webhook/servicenow-webhook-secret',
  JIRA_BASE_URL: 'e.g. https://your-domain.atlassian.net',
  JIRA_EMAIL: 'the Jira user kube-lease acts as',
  JIRA_API_TOKEN: 'that user\'s API token; in AWS a reference such as ssm:/kube-lease/prod/itsm/jira-api-token',
  JIRA_WEBHOOK_SECRET: 'the secret of the Jira webhook; in AWS a reference such as ssm:/kube-lease/prod/webhook/jira-webhook-secret',
  PAGERDUTY_API_KEY: 'a read-only PagerDuty REST API key, needed because a profile has onCall; in AWS a reference such as ssm:/kube-lease/prod/webhook/pagerduty-api-key',
};

/** Validated configuration, read once per cold start. Secret values are references until resolved. */
export interface Config {
  readonly catalog: Catalog;
  readonly catalogPath: string;
  /** Present when the catalog has a `jira` section. */
  readonly jira: { readonly baseUrl: string; readonly email: string; readonly apiTokenRef: string; readonly webhookSecretRef: string } | undefined;
  /** Present when the catalog has a `servicenow` section. */
  readonly servicenow:
    | { readonly instanceUrl: string; readonly user: string; readonly passwordRef: string; readonly webhookSecretRef: string }
    | undefined;
  /** Present when a catalog profile has `onCall`: PagerDuty's REST API and a reference to its key. */
  readonly pagerDuty: { readonly apiUrl: string; readonly apiKeyRef: string } | undefined;
  readonly leasesTable: string;
  readonly dynamodbEndpoint: string | undefined;
  /** Kubeconfig file for catalog clusters that name none of their own (local mode). */
  readonly kubeconfigPath: string | undefined;
  readonly region: string;
  readonly schedulePrefix: string;
  /** Labels every binding this deployment creates; bindings of other deployments are never touched. */
  readonly deploymentId: string;
  readonly revokeFunctionArn: string | undefined;
  readonly activateFunctionArn: string | undefined;
  readonly eventBusName: string | undefined;
  /** `rules`: one EventBridge rule per timer (300 per bus by default); `scheduler`: EventBridge Scheduler. */
  readonly scheduler: { readonly backend: 'rules' | 'scheduler'; readonly roleArn: string | undefined; readonly group: string; readonly deadLetterArn: string | undefined };
  readonly pendingGraceSeconds: number;
  readonly sweepBatchSize: number;
  readonly sweepScanEveryMinutes: number;
  readonly deliveryTtlSeconds: number;
  /** How old a Jira delivery's signed timestamp may be (Jira's own retries arrive up to ~30 minutes late). */
  readonly jiraWebhookMaxAgeSeconds: number;
  readonly maxBodyBytes: number;
  /** Retries of ITSM and Kubernetes calls that failed with 429, 5xx or a network error. */
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly kubernetesTimeoutMs: number;
  readonly evidenceKey: EvidenceKeyConfig;
}

/** The settings that name the lease table: all that read-only tools (CLI listings, the report) need. */
export interface StoreConfig {
  readonly leasesTable: string;
  readonly dynamodbEndpoint: string | undefined;
  readonly region: string;
  readonly pendingGraceSeconds: number;
  /** The key a report verifies evidence seals with. */
  readonly evidenceKey: EvidenceKeyConfig;
}

const storeSchema = envSchema.pick({ LEASES_TABLE: true, DYNAMODB_ENDPOINT: true, AWS_REGION: true, PENDING_GRACE_SECONDS: true, EVIDENCE_KMS_KEY_ID: true, EVIDENCE_KEY_FILE: true, AWS_ENDPOINT_URL_KMS: true });

/** Reads only the table settings (same names, defaults and limits as `loadConfig`); throws ConfigError naming every problem. */
export function loadStoreConfig(env: NodeJS.ProcessEnv): StoreConfig {
  const e = parseEnv(storeSchema, env);
  return { leasesTable: e.LEASES_TABLE, dynamodbEndpoint: e.DYNAMODB_ENDPOINT, region: e.AWS_REGION, pendingGraceSeconds: e.PENDING_GRACE_SECONDS, evidenceKey: evidenceKeyOf(e) };
}

/** Parses environment variables with a schema: empty values count as unset, as in a shell; every problem is named at once. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      return present[name] === undefined ? `${name} is not set (${REQUIRED[name] ?? 'required'})` : `${name}: ${i.message}`;
    });
    throw new ConfigError(`invalid environment:\n  ${problems.join('\n  ')}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Reads and validates the environment and the catalog; throws ConfigError naming every problem. */
export function loadConfig(env: NodeJS.ProcessEnv, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): Config {
  const e = parseEnv(envSchema, env);
  if (e.DELIVERY_TTL_SECONDS < e.JIRA_WEBHOOK_MAX_AGE_SECONDS) {
    // A delivery must be remembered for as long as its signed timestamp is accepted, or it could be replayed.
    throw new ConfigError(`invalid environment:\n  DELIVERY_TTL_SECONDS (${e.DELIVERY_TTL_SECONDS}) must be at least JIRA_WEBHOOK_MAX_AGE_SECONDS (${e.JIRA_WEBHOOK_MAX_AGE_SECONDS})`);
  }
  let text: string;
  try {
    text = readText(e.ACCESS_CATALOG);
  } catch (error) {
    throw new ConfigError(`cannot read access catalog ${e.ACCESS_CATALOG}`, { cause: error });
  }
  const catalog = parseCatalog(text, e.ACCESS_CATALOG);
  const onCall = catalog.profiles.some((p) => p.onCall !== undefined);
  // Each configured ticket source needs its own variables; name all that are missing at once.
  const missing = [
    ...(catalog.jira ? (['JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_WEBHOOK_SECRET'] as const) : []),
    ...(catalog.servicenow ? (['SERVICENOW_INSTANCE_URL', 'SERVICENOW_USER', 'SERVICENOW_PASSWORD', 'SERVICENOW_WEBHOOK_SECRET'] as const) : []),
    ...(onCall ? (['PAGERDUTY_API_KEY'] as const) : []),
  ].filter((name) => e[name] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(`invalid environment:\n  ${missing.map((name) => `${name} is not set (${REQUIRED[name] ?? 'required'})`).join('\n  ')}`);
  }
  return {
    catalog,
    catalogPath: e.ACCESS_CATALOG,
    jira:
      catalog.jira && e.JIRA_BASE_URL && e.JIRA_EMAIL && e.JIRA_API_TOKEN && e.JIRA_WEBHOOK_SECRET
        ? { baseUrl: e.JIRA_BASE_URL, email: e.JIRA_EMAIL, apiTokenRef: e.JIRA_API_TOKEN, webhookSecretRef: e.JIRA_WEBHOOK_SECRET }
        : undefined,
    servicenow:
      catalog.servicenow && e.SERVICENOW_INSTANCE_URL && e.SERVICENOW_USER && e.SERVICENOW_PASSWORD && e.SERVICENOW_WEBHOOK_SECRET
        ? { instanceUrl: e.SERVICENOW_INSTANCE_URL, user: e.SERVICENOW_USER, passwordRef: e.SERVICENOW_PASSWORD, webhookSecretRef: e.SERVICENOW_WEBHOOK_SECRET }
        : undefined,
    pagerDuty: onCall && e.PAGERDUTY_API_KEY !== undefined ? { apiUrl: e.PAGERDUTY_API_URL, apiKeyRef: e.PAGERDUTY_API_KEY } : undefined,
    leasesTable: e.LEASES_TABLE,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    kubeconfigPath: e.KUBECONFIG,
    region: e.AWS_REGION,
    schedulePrefix: e.SCHEDULE_PREFIX,
    deploymentId: e.DEPLOYMENT_ID ?? deploymentIdFrom(e.SCHEDULE_PREFIX),
    revokeFunctionArn: e.REVOKE_FUNCTION_ARN,
    activateFunctionArn: e.ACTIVATE_FUNCTION_ARN,
    eventBusName: e.EVENT_BUS_NAME,
    scheduler: { backend: e.SCHEDULER_BACKEND, roleArn: e.SCHEDULER_ROLE_ARN, group: e.SCHEDULER_GROUP, deadLetterArn: e.SCHEDULER_DLQ_ARN },
    pendingGraceSeconds: e.PENDING_GRACE_SECONDS,
    sweepBatchSize: e.SWEEP_BATCH_SIZE,
    sweepScanEveryMinutes: e.SWEEP_SCAN_EVERY_MINUTES,
    deliveryTtlSeconds: e.DELIVERY_TTL_SECONDS,
    jiraWebhookMaxAgeSeconds: e.JIRA_WEBHOOK_MAX_AGE_SECONDS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    retry: { attempts: e.RETRY_ATTEMPTS, baseDelayMs: e.RETRY_BASE_MS, maxDelayMs: e.RETRY_MAX_DELAY_MS },
    kubernetesTimeoutMs: e.KUBERNETES_TIMEOUT_MS,
    evidenceKey: evidenceKeyOf(e),
  };
}

/** The default deployment id: the schedule prefix (one per stage), made a valid label value. */
function deploymentIdFrom(prefix: string): string {
  const id = prefix.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return id === '' ? 'kube-lease' : id;
}
