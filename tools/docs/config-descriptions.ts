/**
 * What each environment variable means, for the generated table in docs/configuration.md. Defaults,
 * numeric bounds and allowed values come from the code (tools/docs/config-settings.ts); only what the
 * code cannot say is written here. The generator refuses a setting the code reads that has no entry
 * here, and an entry for a setting the code no longer reads.
 */
export interface SettingDescription {
  /** Who reads it; the table is grouped by this, in this order. */
  readonly group: 'Ticket sources' | 'Store and AWS' | 'Timers' | 'Behaviour' | 'Local mode and CLI';
  readonly meaning: string;
  /** The default cell when the code applies no literal default (required, derived, unset). */
  readonly defaultText?: string;
  /** The limits of a setting that is not a number or a fixed set (those are read from the code). */
  readonly limits?: string;
  /** A unit appended to numeric bounds. */
  readonly unit?: string;
}

const URL_LIMITS = 'an `http` or `https` URL with no user name or password in it';
const REFERENCE = 'in AWS a reference: `ssm:/…` or `secretsmanager:…`';

export const SETTING_DESCRIPTIONS: Readonly<Record<string, SettingDescription>> = {
  ACCESS_CATALOG: { group: 'Ticket sources', defaultText: '(required)', limits: 'a file path', meaning: 'path of the access catalog YAML (packaged with the functions)' },
  JIRA_BASE_URL: { group: 'Ticket sources', defaultText: '(with `jira:`)', limits: URL_LIMITS, meaning: 'e.g. `https://your-domain.atlassian.net`' },
  JIRA_EMAIL: { group: 'Ticket sources', defaultText: '(with `jira:`)', meaning: 'the Jira user kube-lease reads issues and comments as' },
  JIRA_API_TOKEN: { group: 'Ticket sources', defaultText: '(with `jira:`)', meaning: `that user's API token; ${REFERENCE}` },
  JIRA_WEBHOOK_SECRET: { group: 'Ticket sources', defaultText: '(with `jira:`)', meaning: `the Jira webhook's secret; ${REFERENCE}` },
  SERVICENOW_INSTANCE_URL: { group: 'Ticket sources', defaultText: '(with `servicenow:`)', limits: URL_LIMITS, meaning: 'e.g. `https://your-instance.service-now.com`' },
  SERVICENOW_USER: { group: 'Ticket sources', defaultText: '(with `servicenow:`)', meaning: 'the integration user kube-lease reads changes and writes work notes as' },
  SERVICENOW_PASSWORD: { group: 'Ticket sources', defaultText: '(with `servicenow:`)', meaning: `its password; ${REFERENCE}` },
  SERVICENOW_WEBHOOK_SECRET: { group: 'Ticket sources', defaultText: '(with `servicenow:`)', meaning: `the secret the business rule signs with; ${REFERENCE}` },
  PAGERDUTY_API_URL: { group: 'Ticket sources', limits: URL_LIMITS, meaning: 'PagerDuty REST API v2 base URL (EU accounts: `https://api.eu.pagerduty.com`); read only when a profile has `onCall`' },
  PAGERDUTY_API_KEY: { group: 'Ticket sources', defaultText: '(with a profile\'s `onCall`)', meaning: `a read-only PagerDuty REST API key (on-call approval); ${REFERENCE}` },
  JIRA_WEBHOOK_MAX_AGE_SECONDS: {
    group: 'Ticket sources',
    unit: 'seconds',
    meaning: 'a Jira body whose signed `timestamp` is older is refused (401) as a replay; Jira retries for about 30 minutes, so keep it above that',
  },
  DYNAMODB_ENDPOINT: { group: 'Store and AWS', limits: 'a URL with no user name or password in it', meaning: 'DynamoDB endpoint; unset in local mode = the embedded store' },
  LEASES_TABLE: { group: 'Store and AWS', limits: 'at least 3 characters', meaning: 'the lease table (the stack names it `kube-lease-<stage>-leases`)' },
  EVIDENCE_KMS_KEY_ID: { group: 'Store and AWS', defaultText: '(unset: evidence unsealed)', limits: 'a KMS HMAC key id, ARN or alias; not with `EVIDENCE_KEY_FILE`', meaning: 'the key that seals activity evidence (the sweep; the stack sets its `EvidenceKey`) and that `report` verifies seals with' },
  EVIDENCE_KEY_FILE: { group: 'Local mode and CLI', defaultText: '(local mode: `DATA_DIR/evidence-mac.key`)', limits: 'a file path; not with `EVIDENCE_KMS_KEY_ID`; not in Lambda', meaning: 'a local evidence key instead of KMS (local mode creates it, mode 0600, at start)' },
  AWS_ENDPOINT_URL_KMS: { group: 'Store and AWS', defaultText: 'the key\'s region\'s KMS endpoint', limits: URL_LIMITS, meaning: 'KMS endpoint for the evidence key (a VPC endpoint; tests)' },
  AWS_REGION: { group: 'Store and AWS', meaning: 'set by Lambda; for the CLI and local mode, the region of the AWS clients. It does not choose the deploy region: `--region` does' },
  AWS_LAMBDA_FUNCTION_NAME: { group: 'Store and AWS', defaultText: '(unset)', meaning: 'set by Lambda; when set, secrets and cluster access are read during the init phase' },
  SCHEDULE_PREFIX: { group: 'Timers', limits: '1–36 characters: letters, digits, `.`, `_`, `-`', meaning: 'prefix of the EventBridge rule and schedule names (IAM is scoped to it)' },
  DEPLOYMENT_ID: {
    group: 'Timers',
    defaultText: '`SCHEDULE_PREFIX` trimmed of `.`, `_`, `-` at both ends',
    limits: 'a label value: 1–63 characters',
    meaning: 'labels every binding (`kube-lease.io/deployment`); a deployment touches only its own bindings, so give two installations on one cluster different ids',
  },
  SCHEDULER_BACKEND: { group: 'Timers', meaning: '`rules`: one EventBridge rule per timer (300 per bus by default); `scheduler`: EventBridge Scheduler' },
  REVOKE_FUNCTION_ARN: { group: 'Timers', limits: 'starts with `arn:`', meaning: 'target of the expiry timers (set by `serverless.yml`)' },
  ACTIVATE_FUNCTION_ARN: { group: 'Timers', limits: 'starts with `arn:`', meaning: 'target of the window-start timers (set by `serverless.yml`)' },
  EVENT_BUS_NAME: { group: 'Timers', defaultText: 'the default bus', meaning: '`rules` only: the bus of the rules' },
  SCHEDULER_ROLE_ARN: { group: 'Timers', limits: 'starts with `arn:`', meaning: '`scheduler` only: the role the schedules assume (set by `serverless.yml`)' },
  SCHEDULER_GROUP: { group: 'Timers', limits: '1–64 characters: letters, digits, `-`, `_`, `.`', meaning: '`scheduler` only: the schedule group (`serverless.yml` sets `kube-lease-<stage>`)' },
  SCHEDULER_DLQ_ARN: { group: 'Timers', limits: 'starts with `arn:`', meaning: '`scheduler` only: queue for schedules that cannot invoke their target (set by `serverless.yml`)' },
  PENDING_GRACE_SECONDS: {
    group: 'Behaviour',
    unit: 'seconds',
    meaning: 'a PENDING lease older than this is finished by the sweep; an unfinished webhook claim older than this is taken over',
  },
  SWEEP_BATCH_SIZE: { group: 'Behaviour', meaning: 'most leases of each kind (to activate, to revoke, pending) one sweep run handles' },
  SWEEP_SCAN_EVERY_MINUTES: { group: 'Behaviour', unit: 'minutes', meaning: 'the orphan-binding scan runs in the minutes of the hour (UTC) divisible by this' },
  KUBERNETES_TIMEOUT_MS: { group: 'Behaviour', unit: 'ms', meaning: 'a Kubernetes call not answered within this counts as failed (and retryable)' },
  RETRY_ATTEMPTS: { group: 'Behaviour', meaning: 'attempts in all of an ITSM or Kubernetes call that fails with 429, 5xx or a network error; `1` = no retry' },
  RETRY_BASE_MS: { group: 'Behaviour', unit: 'ms', meaning: 'first back-off; it doubles per attempt up to `RETRY_MAX_DELAY_MS`, with full jitter' },
  RETRY_MAX_DELAY_MS: { group: 'Behaviour', unit: 'ms', meaning: 'longest single wait; a longer `Retry-After` fails the call at once' },
  MAX_BODY_BYTES: { group: 'Behaviour', unit: 'bytes', meaning: 'larger webhook bodies get 413' },
  DELIVERY_TTL_SECONDS: { group: 'Behaviour', unit: 'seconds, and at least `JIRA_WEBHOOK_MAX_AGE_SECONDS`', meaning: 'how long processed deliveries are remembered (replay protection)' },
  KUBECONFIG: { group: 'Local mode and CLI', limits: 'a file path', meaning: 'kubeconfig for catalog clusters that name none of their own (local mode)' },
  PORT: { group: 'Local mode and CLI', unit: '(`0` = any free port)', meaning: 'local mode: the port of the local server (127.0.0.1)' },
  DATA_DIR: { group: 'Local mode and CLI', limits: 'a directory, created when missing', meaning: 'local mode: where the embedded store keeps its data' },
  LOCAL_SWEEP_INTERVAL_MS: { group: 'Local mode and CLI', unit: 'ms', meaning: 'local mode: time between sweeps' },
  LOCAL_DYNAMODB_PORT: {
    group: 'Local mode and CLI',
    unit: '(`0` = any free port)',
    meaning: 'local mode: the port of the embedded store (127.0.0.1), printed at start for the CLI',
  },
  USER: { group: 'Local mode and CLI', meaning: 'CLI: who `leases revoke` records as the actor (`cli:<USER>`)' },
  KUBE_LEASE_CATALOG: { group: 'Local mode and CLI', defaultText: '(for requests)', limits: 'a file path', meaning: '`request`, `profiles`, `wait`, `mine`: the access catalog to check requests against (`--catalog` overrides it); [Requesting access](requesting-access.md)' },
  KUBE_LEASE_JIRA_URL: { group: 'Local mode and CLI', defaultText: '(for requests)', limits: URL_LIMITS, meaning: 'the requester\'s Jira site; never kube-lease\'s `JIRA_BASE_URL`' },
  KUBE_LEASE_JIRA_EMAIL: { group: 'Local mode and CLI', defaultText: '(for requests)', meaning: 'the requester\'s own Jira account email (requests are filed as them)' },
  KUBE_LEASE_JIRA_TOKEN: { group: 'Local mode and CLI', defaultText: '(for requests)', meaning: 'the requester\'s own Jira API token; in the environment or the credentials file (mode 0600), never printed' },
  KUBE_LEASE_JIRA_PROJECT: { group: 'Local mode and CLI', defaultText: 'the first of `jira.projects`', meaning: 'the Jira project requests are filed in (`--project` overrides it)' },
  KUBE_LEASE_SERVICENOW_URL: { group: 'Local mode and CLI', defaultText: '(for requests)', limits: URL_LIMITS, meaning: 'the requester\'s ServiceNow instance' },
  KUBE_LEASE_SERVICENOW_USER: { group: 'Local mode and CLI', defaultText: '(for requests)', meaning: 'the requester\'s own ServiceNow user name' },
  KUBE_LEASE_SERVICENOW_PASSWORD: { group: 'Local mode and CLI', defaultText: '(for requests)', meaning: 'the requester\'s own ServiceNow password; in the environment or the credentials file (mode 0600), never printed' },
  REVIEW_DESK: { group: 'Behaviour', defaultText: '(unset: packs are built, not filed)', meaning: 'where `kube-lease review --file` and the scheduled review file access review packs: a Jira issue or a ServiceNow task ([Access review packs](review-packs.md))' },
  REVIEW_JIRA_PROJECT: { group: 'Behaviour', defaultText: '(with `REVIEW_DESK=jira`)', limits: 'a Jira project key', meaning: 'the Jira project review issues and their findings are opened in' },
  REVIEW_JIRA_ISSUE_TYPE: { group: 'Behaviour', meaning: 'the issue type of review issues and findings' },
  REVIEW_JIRA_DONE_STATUSES: { group: 'Behaviour', limits: 'status names, comma-separated', meaning: 'the statuses whose transition is the sign-off of a review issue' },
  REVIEW_JIRA_LINK_TYPE: { group: 'Behaviour', limits: 'an issue link type name', meaning: 'how a finding issue is linked to its review issue' },
  REVIEW_SERVICENOW_TABLE: { group: 'Behaviour', limits: 'a table name (`task`, `sc_task`, …)', meaning: 'the ServiceNow table review tasks and their findings are created in' },
  REVIEW_SERVICENOW_CLOSED_STATES: { group: 'Behaviour', limits: '`state` values, comma-separated', meaning: 'the states whose closing is the sign-off of a review task (3: Closed Complete)' },
  REVIEW_PERIOD: { group: 'Behaviour', meaning: 'the scheduled review: the length of the period it reviews (the last whole one before its run)' },
  REVIEW_ROLES_FILE: { group: 'Behaviour', defaultText: '(unset: no unused-grant suggestions)', limits: 'a file path, packaged with the functions', meaning: 'the scheduled review: the Role and ClusterRole objects whose rules say what each profile grants (`--roles` on the CLI)' },
  REVIEW_FILE_FINDINGS: { group: 'Behaviour', meaning: 'the scheduled review: also open a linked task per least-privilege suggestion' },
  XDG_CONFIG_HOME: { group: 'Local mode and CLI', defaultText: '`~/.config`', meaning: 'the requester CLI reads `kube-lease/credentials` under it (`KUBE_LEASE_*` lines; refused unless mode 0600)' },
};
