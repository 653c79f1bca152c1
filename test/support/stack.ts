import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand, DeleteRuleCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeRuleScheduler } from '../../lib/adapters/eventbridge/eventbridge-rule-scheduler.js';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import type { SecretBackends } from '../../lib/adapters/secrets/secret-resolver.js';
import { loadConfig } from '../../lib/config.js';
import { buildContainer, type Container, type ContainerOverrides } from '../../lib/container.js';
import type { HttpRequest, HttpResponse } from '../../lib/ports/http.js';
import type { TicketSourceName } from '../../lib/domain/ticket.js';
import { FakeJira, type JiraUser } from '../fakes/fake-jira.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { FakeServiceNow } from '../fakes/fake-servicenow.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryAuditLog, MemoryLogger } from '../fakes/memory-audit-log.js';
import { MemoryMetrics } from '../fakes/memory-metrics.js';
import { DEMO_CATALOG } from './demo-catalog.js';

export const WEBHOOK_SECRET = 'test-webhook-secret';
export const SN_WEBHOOK_SECRET = 'test-servicenow-secret';
export const REVOKE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:kube-lease-test-revokeLease';
export const ACTIVATE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:kube-lease-test-activateLease';

export const alice: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c01', emailAddress: 'alice@example.com', displayName: 'Alice Engineer', accountType: 'atlassian', active: true };
export const bob: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c02', emailAddress: 'bob@example.com', displayName: 'Bob Approver', accountType: 'atlassian', active: true };
export const carol: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c03', emailAddress: 'carol@example.com', displayName: 'Carol Oncall', accountType: 'atlassian', active: true };

/**
 * The real container wired to real parts over real protocols: dynalite (DynamoDB protocol),
 * fake Jira and fake Kubernetes API servers over HTTP; EventBridge through aws-sdk-client-mock.
 */
export class TestStack {
  private readonly eventBridgeClient = new EventBridgeClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  readonly eventBridge = mockClient(this.eventBridgeClient);
  readonly clock = new ManualClock();
  // The ITSM fakes keep the same time as kube-lease: moving the clock moves theirs.
  readonly jira = new FakeJira(undefined, undefined, () => this.clock.now().getTime());
  readonly servicenow = new FakeServiceNow(undefined, undefined, () => this.clock.now().getTime());
  readonly kube: FakeKubernetes;
  /** Whether this stack started the API server (false when it shares another stack's cluster). */
  private readonly ownsKube: boolean;
  readonly audit = new MemoryAuditLog();
  readonly logger = new MemoryLogger();
  readonly metrics = new MemoryMetrics();
  container!: Container;
  private dynamo: EmbeddedDynamoDb | undefined;
  private dir = '';
  private deliveries = 0;

  /** With `kube`, the stack uses that (already started) API server: two deployments on one cluster. */
  constructor(options: { readonly kube?: FakeKubernetes } = {}) {
    this.kube = options.kube ?? new FakeKubernetes();
    this.ownsKube = options.kube === undefined;
    this.eventBridge.on(PutRuleCommand).resolves({ RuleArn: 'arn:aws:events:eu-west-1:123456789012:rule/x' });
    this.eventBridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
    this.eventBridge.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
    this.eventBridge.on(DeleteRuleCommand).resolves({});
    this.eventBridge.on(ListRulesCommand).resolves({ Rules: [] });
  }

  async start(
    options: {
      catalog?: string;
      env?: Record<string, string>;
      secretBackends?: SecretBackends;
      productionLogging?: boolean;
      decorate?: ContainerOverrides['decorate'];
      sleep?: ContainerOverrides['sleep'];
      /** An evidence key (e.g. memoryEvidenceMac()): evidence is sealed and seals are verified. Without: none, as with no EVIDENCE_KMS_KEY_ID. */
      evidenceMac?: ContainerOverrides['evidenceMac'];
    } = {},
  ): Promise<this> {
    const catalog = options.catalog ?? DEMO_CATALOG;
    this.dir = await mkdtemp(join(tmpdir(), 'kube-lease-test-'));
    const [jiraUrl, snUrl, kubeUrl, dynamo] = await Promise.all([this.jira.start(), this.servicenow.start(), this.ownsKube ? this.kube.start() : Promise.resolve(this.kube.url()), startEmbeddedDynamoDb(undefined)]);
    this.dynamo = dynamo;
    await writeFile(join(this.dir, 'catalog.yaml'), catalog);
    await writeFile(join(this.dir, 'kubeconfig'), this.kube.kubeconfig(kubeUrl));
    const config = loadConfig({
      ACCESS_CATALOG: join(this.dir, 'catalog.yaml'),
      ...this.jira.clientEnv(jiraUrl),
      JIRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SERVICENOW_INSTANCE_URL: snUrl,
      SERVICENOW_USER: 'kube-lease.integration',
      SERVICENOW_PASSWORD: 'fake-sn-password',
      SERVICENOW_WEBHOOK_SECRET: SN_WEBHOOK_SECRET,
      KUBECONFIG: join(this.dir, 'kubeconfig'),
      LEASES_TABLE: 'leases-test',
      SCHEDULE_PREFIX: 'kube-lease-test',
      REVOKE_FUNCTION_ARN: REVOKE_ARN,
      RETRY_BASE_MS: '1',
      ...options.env,
    });
    await ensureLeaseTable(dynamo.client, config.leasesTable);
    this.container = buildContainer(config, {
      clock: this.clock,
      // productionLogging: the container's own Powertools logger and JSON audit log, writing to stdout.
      ...(options.productionLogging ? {} : { logger: this.logger, audit: this.audit }),
      dynamodb: dynamo.client,
      secretBackends: options.secretBackends ?? {},
      ...(options.productionLogging ? {} : { metrics: this.metrics }),
      ...(options.decorate ? { decorate: options.decorate } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.evidenceMac ? { evidenceMac: options.evidenceMac } : {}),
      scheduler: () =>
        new EventBridgeRuleScheduler(this.eventBridgeClient, { revokeFunctionArn: REVOKE_ARN, activateFunctionArn: ACTIVATE_ARN, namePrefix: 'kube-lease-test' }),
    });
    return this;
  }

  /** The catalog file the container was started with. */
  get catalogPath(): string {
    return join(this.dir, 'catalog.yaml');
  }

  /** The DynamoDB client the container uses (to count requests). */
  dynamoClient(): DynamoDBClient {
    if (this.dynamo === undefined) throw new Error('not started');
    return this.dynamo.client;
  }

  /** The embedded DynamoDB's endpoint (what DYNAMODB_ENDPOINT names for a tool beside the stack). */
  dynamoEndpoint(): string {
    if (this.dynamo === undefined) throw new Error('not started');
    return this.dynamo.endpoint;
  }

  /** New TCP connections the embedded DynamoDB accepted so far. */
  dynamoConnections(): number {
    return this.dynamo?.connections() ?? 0;
  }

  /** Also fails the test if any audit event emitted during it broke the documented schema. */
  async stop(): Promise<void> {
    this.eventBridge.restore();
    await Promise.all([this.jira.stop(), this.servicenow.stop(), this.ownsKube ? this.kube.stop() : undefined, this.dynamo?.stop()]);
    await rm(this.dir, { recursive: true, force: true });
    if (this.audit.violations.length > 0) throw new Error(`audit events off the schema:\n${this.audit.violations.join('\n')}`);
  }

  /** Sends a payload to the webhook handler as Jira would: signed, with a delivery id. */
  deliver(payload: unknown, options: { deliveryId?: string; signature?: string | null; raw?: string } = {}): Promise<HttpResponse> {
    return this.webhook('jira')(this.jiraRequest(payload, options));
  }

  /** The request Jira would send with `payload`: signed, with a delivery id. */
  jiraRequest(payload: unknown, options: { deliveryId?: string; signature?: string | null; raw?: string } = {}): HttpRequest {
    // Jira signs a `timestamp` into every body; hand-written payloads get one, as Jira would add it.
    const stamped = typeof payload === 'object' && payload !== null && !('timestamp' in payload) ? { timestamp: this.clock.now().getTime(), ...payload } : payload;
    const body = options.raw ?? JSON.stringify(stamped);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-atlassian-webhook-identifier': options.deliveryId ?? `delivery-${(this.deliveries += 1)}`,
    };
    if (options.signature !== null) headers['x-hub-signature'] = options.signature ?? signJiraBody(body, WEBHOOK_SECRET);
    return { method: 'POST', headers, body: Buffer.from(body) };
  }

  /** The webhook handler of `source`: it answers once the grant is made and the ticket told. */
  webhook(source: TicketSourceName): (request: HttpRequest) => Promise<HttpResponse> {
    const handler = this.container.webhooks[source];
    if (handler === undefined) throw new Error(`${source} is not configured`);
    return handler;
  }

  /** Sends a ServiceNow hint as our business rule would: signed `<timestamp>.<body>`, base64. */
  deliverServiceNow(
    change: Record<string, string>,
    options: { timestamp?: number; signature?: string | null; deliveryId?: string; raw?: string } = {},
  ): Promise<HttpResponse> {
    const body = options.raw ?? JSON.stringify({ sys_id: change.sys_id, number: change.number, table: 'change_request', event: 'update' });
    const timestamp = String(options.timestamp ?? Math.floor(this.clock.now().getTime() / 1000));
    const deliveryId = options.deliveryId ?? `0f8fad5b-d9cb-469f-a165-70867728${String((this.deliveries += 1)).padStart(4, '0')}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-kubelease-timestamp': timestamp,
      'x-kubelease-delivery': deliveryId,
    };
    if (options.signature !== null) headers['x-kubelease-signature'] = options.signature ?? signServiceNowBody(timestamp, deliveryId, body, SN_WEBHOOK_SECRET);
    return this.webhook('servicenow')({ method: 'POST', headers, body: Buffer.from(body) });
  }

  /** A ticket asking for `profile`, by alice, in review. */
  ticket(key: string, fields: Record<string, unknown>, reporter: JiraUser = alice): void {
    this.jira.createIssue({ key, reporter, summary: `Investigate incident for ${key}`, fields });
    this.jira.transition(key, 'In Review', reporter);
  }

  /**
   * What was logged under the reference a public reason names ("… (reference abc123)"): the
   * detail a ticket or HTTP answer must not carry. Empty when nothing was logged under it.
   */
  loggedUnder(reason: unknown): string {
    const ref = /reference ([0-9a-f]{12})/.exec(String(reason))?.[1];
    if (ref === undefined) return '';
    return this.logger.lines.filter((l) => l.fields.reference === ref).map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n');
  }

  putRuleNames(): string[] {
    return this.eventBridge.commandCalls(PutRuleCommand).map((c) => c.args[0].input.Name ?? '');
  }

  deletedRuleNames(): string[] {
    return this.eventBridge.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input.Name ?? '');
  }
}

export function bodyOf(response: HttpResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}
