import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { unzipSync } from 'fflate';
import { ensureLeaseTable, leaseTableDefinition } from '../../lib/adapters/dynamodb/lease-table.js';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakeEventBridge } from '../fakes/fake-eventbridge.js';
import { FakeJira } from '../fakes/fake-jira.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { BUNDLE_ENV } from '../support/bundle-env.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { alice, bob, carol } from '../support/stack.js';
import { testCertificate } from '../support/tls.js';
import { STAGE_TEST_CATALOG } from '../support/packaged-stack.js';
import { cleanUp } from '../support/clean-up.js';

const run = promisify(execFile);

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

interface Statement {
  Effect?: string;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

/** A CloudFormation value as one comparable string: Fn::Join flattened, Refs as {Ref:X}. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join !== undefined) return join[1].map(flatten).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref !== undefined) return `{Ref:${ref}}`;
  }
  return JSON.stringify(value) ?? '';
}

/** Every IAM policy statement anywhere in the template. */
function statements(node: unknown): Statement[] {
  if (Array.isArray(node)) return node.flatMap(statements);
  if (typeof node !== 'object' || node === null) return [];
  const here = 'Effect' in node && 'Action' in node ? [node as Statement] : [];
  return [...here, ...Object.values(node).flatMap(statements)];
}

/** Unzips a packaged function into `dir`, as Lambda would lay it out. */
async function unpack(zip: string, dir: string): Promise<string> {
  for (const [name, data] of Object.entries(unzipSync(await readFile(zip)))) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  return dir;
}

/** The backends a bundle runs against: fake Jira, fake Kubernetes over TLS, fake EventBridge, dynalite. */
async function bundleBackends() {
  const certificate = await testCertificate();
  const jira = new FakeJira();
  const kube = new FakeKubernetes();
  const eventBridge = new FakeEventBridge();
  const [jiraUrl, kubeUrl, eventBridgeUrl, dynamo] = await Promise.all([jira.start(), kube.start({ key: certificate.key, cert: certificate.cert }), eventBridge.start(), startEmbeddedDynamoDb(undefined)]);
  return { certificate, jira, kube, eventBridge, jiraUrl, kubeUrl, eventBridgeUrl, dynamo };
}

/** `serverless package` (osls, offline, placeholder credentials) builds what would be deployed. */
describe('serverless package', () => {
  let out: string;
  let template: Template;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kube-lease-package-'));
    await run(join('node_modules', '.bin', 'serverless'), ['package', '--package', out, '--stage', 'test', `--param=catalogFile=${STAGE_TEST_CATALOG}`], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder', SLS_TELEMETRY_DISABLED: '1' },
      timeout: 120_000,
    });
    template = JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  }, 150_000);
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('builds the six functions on nodejs22.x', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(6);
    for (const fn of functions) expect(fn.Properties.Runtime).toBe('nodejs22.x');
  });

  it('packages the scheduled access review switched off, with a role that only reads and verifies', () => {
    // Prepare / Act: the review function's schedule and its role, as packaged.
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.Targets).includes('ReviewPackLambdaFunction'));
    const role = template.Resources.ReviewRole?.Properties as { Policies: { PolicyDocument: { Statement: { Action: string[] }[] } }[] } | undefined;
    const actions = (role?.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement.flatMap((st) => st.Action));
    // Assess
    expect(rules.map((r) => [r.Properties.ScheduleExpression, r.Properties.State])).toEqual([['cron(0 6 1 1,4,7,10 ? *)', 'DISABLED']]);
    expect(actions.sort()).toEqual(['dynamodb:Scan', 'kms:VerifyMac', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']);
  });

  it('declares the lease table as the code creates it, on demand with point-in-time recovery', () => {
    const table = template.Resources.LeasesTable?.Properties ?? {};
    const expected = leaseTableDefinition('unused');
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect(table.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
  });

  it('lets only our rule-name prefix invoke revokeLease and activateLease, and sweeps every minute', () => {
    const permission = template.Resources.RevokeLeaseEventBridgePermission?.Properties;
    expect(permission?.Principal).toBe('events.amazonaws.com');
    expect(JSON.stringify(permission?.SourceArn)).toContain(`:rule/kube-lease-test-${'?'.repeat(20)}"`);
    const activate = template.Resources.ActivateLeaseEventBridgePermission?.Properties;
    expect(JSON.stringify(activate?.SourceArn)).toContain(`:rule/kube-lease-test-${'?'.repeat(20)}-start"`);
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    // The sweep's schedule and the access review's (disabled): no announcement rule (a grant tells its ticket in its own invocation).
    expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(1 minute)', 'cron(0 6 1 1,4,7,10 ? *)']);
  });

  it('allows no wildcard IAM action and no resource outside the allowlist, and holds secret references, not secrets', () => {
    // A key policy's statements name the key itself as "*": checked on their own.
    const { EvidenceKey: evidenceKey, ...others } = template.Resources;
    const keyStatements = statements(evidenceKey);
    expect(keyStatements.length).toBeGreaterThan(0);
    for (const statement of keyStatements) {
      expect(statement.Resource).toBe('*');
      for (const action of Array.isArray(statement.Action) ? statement.Action : [statement.Action]) expect(String(action)).toMatch(/^kms:[A-Za-z]+$/);
    }
    const allowed = statements(others).filter((s) => s.Effect === 'Allow');
    const actions = allowed.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'events:PutRule', 'ssm:GetParameter']));
    for (const action of actions) expect(String(action)).not.toContain('*');
    const ALLOWLIST = [
      /^\{"Fn::GetAtt":\["LeasesTable","Arn"\]\}(\/index\/\*)?$/,
      /^arn:\{Ref:AWS::Partition\}:events:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:rule\/kube-lease-test-\?{20}(-start)?$/,
      /^arn:\{Ref:AWS::Partition\}:ssm:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:parameter\/kube-lease\/test\/(webhook|itsm|clusters)\/\*$/,
      /^arn:\{Ref:AWS::Partition\}:secretsmanager:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:secret:kube-lease\/test\/(webhook|itsm|clusters)\/\*$/,
      /^arn:\{Ref:AWS::Partition\}:eks:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:cluster\/kube-lease-test-\*$/,
      /^\{"Fn::GetAtt":\["RevokeFailuresQueue","Arn"\]\}$/,
      /^\{"Fn::GetAtt":\["(RevokeLease|ActivateLease)LambdaFunction","Arn"\]\}$/,
      /^\{"Fn::GetAtt":\["SchedulerInvokeRole","Arn"\]\}$/,
      /^\{"Fn::GetAtt":\["EvidenceKey","Arn"\]\}$/,
      /^arn:\{Ref:AWS::Partition\}:scheduler:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:schedule\/kube-lease-test\/kube-lease-test-\?{20}(-start)?$/,
      /^arn:\{Ref:AWS::Partition\}:logs:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:log-group:\/aws\/lambda\/kube-lease-test-[A-Za-z]+:\*$/,
      /^arn:\{Ref:AWS::Partition\}:logs:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:log-group:\/aws\/eks\/kube-lease-test-\*\/cluster(:\*)?$/,
    ];
    const resources = allowed.filter((s) => s.Action !== 'sts:AssumeRole' && !(Array.isArray(s.Action) && s.Action.includes('sts:AssumeRole')));
    for (const statement of resources) {
      const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      expect(list.length).toBeGreaterThan(0);
      for (const resource of list) {
        const text = flatten(resource);
        expect(ALLOWLIST.some((pattern) => pattern.test(text)) ? 'allowed' : text).toBe('allowed');
      }
    }
    const text = JSON.stringify(template);
    expect(text).toContain('ssm:/kube-lease/test/webhook/jira-webhook-secret');
    expect(text).toContain('ssm:/kube-lease/test/webhook/servicenow-webhook-secret');
    expect(text).toContain('ssm:/kube-lease/test/itsm/jira-api-token');
  });

  it('keeps the webhook secrets to the webhook functions, and the scheduler role to our schedule group', () => {
    const resourcesOf = (role: string) => statements(template.Resources[role]).flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map(flatten);
    expect(resourcesOf('WebhookRole').some((r) => r.includes('/webhook/'))).toBe(true);
    for (const role of ['TimerRole', 'SweepRole']) {
      expect(resourcesOf(role).filter((r) => r.includes('/webhook/'))).toEqual([]);
      expect(resourcesOf(role).some((r) => r.includes('/itsm/'))).toBe(true);
    }
    const trust = JSON.stringify((template.Resources.SchedulerInvokeRole?.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement);
    expect(trust).toContain('aws:SourceArn');
    expect(trust).toContain(':schedule/kube-lease-test/*');
  });

  it('scopes rules and schedules so that one stage\'s patterns never match another stage\'s names', () => {
    // IAM's ArnLike: `*` any run, `?` one character.
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const patterns = statements(template)
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
      .map(flatten)
      .filter((r) => r.includes(':rule/') || r.includes(':schedule/'))
      .map((r) => glob(r.replace(/^.*:(rule|schedule)\//, '$1/')));
    expect(patterns.length).toBeGreaterThan(0);
    const id = 'abcdef0123456789abcd';
    const ours = [`rule/kube-lease-test-${id}`, `rule/kube-lease-test-${id}-start`, `schedule/kube-lease-test/kube-lease-test-${id}`];
    const theirs = ['test-eu', 'test-e', 'testing', 'test-abcde', 'test-1234567890123'].flatMap((stage) => [
      `rule/kube-lease-${stage}-${id}`,
      `rule/kube-lease-${stage}-${id}-start`,
      `schedule/kube-lease-test/kube-lease-${stage}-${id}`,
    ]);
    for (const name of ours) expect({ name, matched: patterns.some((p) => p.test(name)) }).toEqual({ name, matched: true });
    for (const name of theirs) expect({ name, matched: patterns.some((p) => p.test(name)) }).toEqual({ name, matched: false });
  });

  it('isolates the functions: reserved concurrency for timers and sweep, a cap on webhooks, throttled routes', () => {
    const reserved = (fn: string) => template.Resources[fn]?.Properties.ReservedConcurrentExecutions;
    expect(reserved('RevokeLeaseLambdaFunction')).toBe(5);
    expect(reserved('ActivateLeaseLambdaFunction')).toBe(5);
    expect(reserved('SweepLeasesLambdaFunction')).toBe(1);
    expect(reserved('JiraWebhookLambdaFunction')).toBe(10);
    expect(reserved('ServicenowWebhookLambdaFunction')).toBe(10);
    expect(template.Resources.HttpApiStage?.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
  });

  it('lets the sweep finish a grant left PENDING: timer targets in its environment, and the calls to schedule them', () => {
    const env = (template.Resources.SweepLeasesLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(env.REVOKE_FUNCTION_ARN)).toContain('RevokeLeaseLambdaFunction');
    expect(JSON.stringify(env.ACTIVATE_FUNCTION_ARN)).toContain('ActivateLeaseLambdaFunction');
    const actions = statements(template.Resources.SweepRole).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).map(String);
    expect(actions).toEqual(expect.arrayContaining(['events:PutRule', 'events:PutTargets', 'scheduler:CreateSchedule', 'iam:PassRole']));
  });

  it('ships alarms for what needs a person, with an optional topic, and outputs the URLs and role ARNs the deploy guide asks for', () => {
    const alarm = (id: string) => template.Resources[id]?.Properties ?? {};
    expect(alarm('RevokeFailuresQueueAlarm')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
    expect(JSON.stringify(alarm('RevokeFailuresAlarm').Metrics)).toContain('RevokeFailures');
    expect(alarm('SweepErrorsAlarm')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'kube-lease-test-sweepLeases' }] });
    expect(JSON.stringify(alarm('Webhook5xxAlarm').Metrics)).toContain('"MetricName":"5xx"');
    expect(alarm('UnreviewedEmergencyLeasesAlarm')).toMatchObject({ Namespace: 'KubeLease', MetricName: 'UnreviewedEmergencyLeases', Threshold: 0, Dimensions: [{ Name: 'service', Value: 'kube-lease' }] });
    expect(alarm('MalformedQueueItemsAlarm')).toMatchObject({ Namespace: 'KubeLease', MetricName: 'MalformedQueueItems', Statistic: 'Sum', Threshold: 0, Dimensions: [{ Name: 'service', Value: 'kube-lease' }] });
    expect(alarm('UnreadableLeaseItemsAlarm')).toMatchObject({ Namespace: 'KubeLease', MetricName: 'UnreadableLeaseItems', Threshold: 0, Dimensions: [{ Name: 'service', Value: 'kube-lease' }] });
    for (const id of ['RevokeFailuresQueueAlarm', 'RevokeFailuresAlarm', 'SweepErrorsAlarm', 'Webhook5xxAlarm', 'UnreviewedEmergencyLeasesAlarm', 'UnreadableLeaseItemsAlarm', 'MalformedQueueItemsAlarm']) expect(JSON.stringify(alarm(id).AlarmActions)).toContain('HasAlarmTopic');
    const outputs = Object.keys((template as unknown as { Outputs: Record<string, unknown> }).Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['JiraWebhookUrl', 'ServiceNowWebhookUrl', 'LeasesTableName', 'WebhookRoleArn', 'TimerRoleArn', 'SweepRoleArn']));
  });

  it('sets no --enable-source-maps: the bundles ship no source maps, so the flag would only cost start-up', () => {
    for (const fn of Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      expect(JSON.stringify(fn.Properties.Environment)).not.toContain('enable-source-maps');
    }
  });

  it('sends revocations that keep failing to a dead-letter queue after Lambda retries', () => {
    const config = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig');
    expect(config?.Properties.MaximumRetryAttempts).toBe(2);
    expect(JSON.stringify(config?.Properties.DestinationConfig)).toContain('RevokeFailuresQueue');
    expect(JSON.stringify(config?.Properties.FunctionName)).toContain('RevokeLease');
  });

  it('gives each kind of function only the calls it makes', () => {
    const actionsOf = (role: string) =>
      statements(template.Resources[role]).filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).map(String);
    const roleOf = (fn: string) => JSON.stringify(template.Resources[fn]?.Properties.Role);
    expect(roleOf('JiraWebhookLambdaFunction')).toContain('WebhookRole');
    expect(roleOf('RevokeLeaseLambdaFunction')).toContain('TimerRole');
    expect(roleOf('SweepLeasesLambdaFunction')).toContain('SweepRole');
    expect(actionsOf('TimerRole')).not.toEqual(expect.arrayContaining(['events:PutRule']));
    // The revoke's only write besides its lease: queueing the evidence, limited to those keys.
    const puts = statements(template.Resources.TimerRole).filter((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]).includes('dynamodb:PutItem'));
    expect(puts.map((st) => [st.Action, st.Condition])).toEqual([[['dynamodb:PutItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['evidence#*'] } }]]);
    const deletes = statements(template.Resources.SweepRole).filter((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]).includes('dynamodb:DeleteItem'));
    // The sweep's deletes: posted evidence's and told revoke comments' queue items, never a lease.
    expect(deletes.map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['evidence#*', 'lease#*#revoke-comment'] } }]);
    // No announcement queue, no announcement event: the timers delete nothing, and no role puts events.
    expect(actionsOf('TimerRole')).not.toContain('dynamodb:DeleteItem');
    for (const role of ['WebhookRole', 'TimerRole', 'SweepRole']) expect(actionsOf(role)).not.toContain('events:PutEvents');
    for (const role of ['WebhookRole', 'TimerRole', 'SweepRole']) expect(actionsOf(role)).toContain('logs:FilterLogEvents');
    expect(actionsOf('TimerRole')).not.toContain('dynamodb:Query');
    expect(actionsOf('SweepRole')).toContain('dynamodb:Query');
    expect(actionsOf('WebhookRole')).toContain('events:PutRule');
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role')).toHaveLength(5);
    expect(actionsOf('SchedulerInvokeRole').filter((a) => a !== 'sts:AssumeRole')).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  it('lets each function ship only what it runs: its own composition root, not every use case and client', async () => {
    // Prepare: a string each module keeps through minification, and the functions that run that module.
    const webhooks = ['jiraWebhook', 'servicenowWebhook'];
    const leaseFunctions = [...webhooks, 'activateLease', 'revokeLease', 'sweepLeases'];
    const shippedBy: { module: string; marker: string; functions: readonly string[] }[] = [
      { module: 'lib/http/webhook-handler.ts', marker: 'webhook delivery already processed', functions: webhooks },
      { module: 'lib/use-cases/grant/grant-access.ts', marker: 'finishing a grant left by an earlier attempt', functions: [...webhooks, 'sweepLeases'] },
      { module: 'lib/adapters/pagerduty/pagerduty-client.ts', marker: 'application/vnd.pagerduty+json;version=2', functions: [...webhooks, 'sweepLeases'] },
      { module: 'lib/use-cases/sweep-leases.ts', marker: 'sweep finished', functions: ['sweepLeases'] },
      { module: '@aws-sdk/client-kms', marker: 'GenerateMac', functions: ['sweepLeases', 'reviewPack'] },
      { module: '@kubernetes/client-node', marker: '/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings', functions: leaseFunctions },
      // `import { z } from 'zod'` (the namespace as a value) ships all of zod; `import * as z` only what is called.
      { module: 'zod/v4/classic/from-json-schema.js', marker: 'fromJSONSchema input is not valid JSON', functions: [] },
      { module: 'zod/v4/core/compile.js', marker: 'ZodCompileAsyncError', functions: [] },
    ];
    // Act
    const shipped: string[] = [];
    for (const fn of [...leaseFunctions, 'reviewPack']) {
      const files = unzipSync(await readFile(join(out, `${fn}.zip`)));
      const code = Object.entries(files)
        .filter(([name]) => /\.(mjs|cjs|js)$/.test(name))
        .map(([, data]) => Buffer.from(data).toString('utf8'))
        .join('\n');
      for (const { module, marker } of shippedBy) if (code.includes(marker)) shipped.push(`${fn} ships ${module}`);
    }
    // Assess
    expect(shipped.sort()).toEqual(shippedBy.flatMap(({ module, functions }) => functions.map((fn) => `${fn} ships ${module}`)).sort());
  });

  it('ships a bundle that runs on its own and rejects an unsigned webhook', async () => {
    const files = unzipSync(await readFile(join(out, 'jiraWebhook.zip')));
    expect(Object.keys(files).sort()).toEqual(['functions/jira-webhook.mjs', STAGE_TEST_CATALOG]);
    const dir = join(out, 'unzipped');
    for (const [name, data] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), data);
    }
    const script = `const m = await import('./functions/jira-webhook.mjs');
      const r = await m.handler({ headers: {}, body: '{}', isBase64Encoded: false, requestContext: { http: { method: 'POST' } } });
      process.stdout.write('RESULT ' + JSON.stringify(r) + '\\n');`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...BUNDLE_ENV, ACCESS_CATALOG: STAGE_TEST_CATALOG },
    });
    const result = stdout.split('\n').find((line) => line.startsWith('RESULT '))?.slice('RESULT '.length);
    expect(JSON.parse(result ?? 'null')).toMatchObject({ statusCode: 401 });
    // The audit event of the rejection went to stdout as one JSON line.
    expect(stdout).toContain('"audit":true');
  });

  it('grants through the shipped jiraWebhook bundle unmodified: fake Jira, fake Kubernetes over verified TLS, dynalite, fake EventBridge', async () => {
    // The bundle replaces undici, js-yaml, jira-client's HTTP stack and the proxy packages (lib/bundle/):
    // this is the test that the replacements carry a whole grant, TLS verification included.
    const dir = await unpack(join(out, 'jiraWebhook.zip'), join(out, 'e2e'));
    const { certificate, jira, kube, eventBridge, jiraUrl, kubeUrl, eventBridgeUrl, dynamo } = await bundleBackends();
    try {
      expect(kubeUrl).toMatch(/^https:/);
      await ensureLeaseTable(dynamo.client, 'leases-bundle');
      await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
      await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig(kubeUrl, 'fake', certificate.cert));
      jira.createIssue({ key: 'PKG-1', reporter: alice, summary: 'Bundle grant', fields: { customfield_10100: 'payments-read' } });
      jira.transition('PKG-1', 'In Review', alice);
      const signed = (payload: unknown, deliveryId: string) => {
        const body = JSON.stringify(payload);
        return {
          headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraBody(body, 'bundle-secret'), 'x-atlassian-webhook-identifier': deliveryId },
          body,
          isBase64Encoded: false,
          requestContext: { http: { method: 'POST' } },
        };
      };
      const approved = signed(jira.transition('PKG-1', 'Approved', bob), 'pkg-1');
      const script = `const m = await import('./functions/jira-webhook.mjs');
        const r = await m.handler(JSON.parse(process.env.EVENT));
        process.stdout.write('RESULT ' + JSON.stringify(r) + '\\n');`;
      const bundleEnv = (jiraToken?: string) => ({
        PATH: process.env.PATH,
        ...BUNDLE_ENV,
        ACCESS_CATALOG: 'catalog.yaml',
        KUBECONFIG: 'kubeconfig',
        ...jira.clientEnv(jiraUrl),
        ...(jiraToken === undefined ? {} : { JIRA_API_TOKEN: jiraToken }),
        JIRA_WEBHOOK_SECRET: 'bundle-secret',
        LEASES_TABLE: 'leases-bundle',
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl,
        AWS_ACCESS_KEY_ID: 'placeholder',
        AWS_SECRET_ACCESS_KEY: 'placeholder',
        SCHEDULE_PREFIX: 'kube-lease-pkg',
        REVOKE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:kube-lease-pkg-revokeLease',
      });
      const invoke = async (event: unknown, jiraToken?: string) => {
        const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
          cwd: dir,
          env: { ...bundleEnv(jiraToken), EVENT: JSON.stringify(event) },
        });
        const result = JSON.parse(stdout.split('\n').find((line) => line.startsWith('RESULT '))?.slice('RESULT '.length) ?? 'null') as { statusCode: number; body: string };
        return { ...result, stdout, output: `${stdout}${stderr}` };
      };

      // A wrong Jira token first: nothing happens, and the error keeps its name through minification.
      const refused = await invoke(approved, 'wrong-token');
      expect(refused.statusCode).toBe(500);
      // The audit event and the answer carry a fixed reason and a reference; the log line the detail.
      expect(refused.stdout).toMatch(/"reason":"the ticketing system's API failed \(reference [0-9a-f]{12}\)"/);
      expect(refused.output).toContain('TicketSourceError: Jira: reading PKG-1: Jira answered 401');
      expect(kube.bindings.size).toBe(0);

      const result = await invoke(approved);
      // The bundle's log lines come with a failure, to say why.
      expect({ statusCode: result.statusCode, log: result.statusCode === 200 ? '' : result.stdout }).toEqual({ statusCode: 200, log: '' });
      const outcome = JSON.parse(result.body) as { outcome: string; leaseId: string };
      expect(outcome.outcome).toBe('granted');
      expect(kube.list(LABEL_LEASE_ID, outcome.leaseId).map((b) => b.metadata.namespace).sort()).toEqual(['payments', 'payments-worker']);
      expect([...eventBridge.rules.values()].map((r) => r.targets.length)).toEqual([1]);
      // The webhook told the ticket itself, before it answered: no event asks anyone else to.
      expect(jira.comments('PKG-1')).toHaveLength(1);
      expect(jira.comments('PKG-1').at(-1)).toMatch(/Access granted[\s\S]*Verified: the API server confirms/);
      expect(eventBridge.events).toEqual([]);
      const activateDir = await unpack(join(out, 'activateLease.zip'), join(out, 'e2e-activate'));
      await writeFile(join(activateDir, 'catalog.yaml'), DEMO_CATALOG);
      await writeFile(join(activateDir, 'kubeconfig'), kube.kubeconfig(kubeUrl, 'fake', certificate.cert));
      // An activate event of another shape is refused, not retried (a retry cannot fix it).
      const refusedEvent = await run(process.execPath, ['--input-type=module', '-e', `const m = await import('./functions/activate-lease.mjs');
        process.stdout.write('RESULT ' + JSON.stringify(await m.handler(JSON.parse(process.env.EVENT))) + '\\n');`], { cwd: activateDir, env: { ...bundleEnv(), EVENT: JSON.stringify({ leaseId: '../../etc' }) } });
      expect(refusedEvent.stdout).toContain('RESULT {"outcome":"rejected","leaseId":""}');
      expect(`${refusedEvent.stdout}${refusedEvent.stderr}`).toContain('activate event refused');

      // A second approval: the same bundle extends (GET and PUT of each binding, the rule moved).
      jira.transition('PKG-1', 'In Review', alice);
      const extended = await invoke(signed(jira.transition('PKG-1', 'Approved', carol), 'pkg-3'));
      expect({ statusCode: extended.statusCode, log: extended.statusCode === 200 ? '' : extended.stdout }).toEqual({ statusCode: 200, log: '' });
      const extension = JSON.parse(extended.body) as { outcome: string; leaseId: string; expiresAt: string };
      expect(extension).toMatchObject({ outcome: 'extended', leaseId: outcome.leaseId });
      expect(kube.list(LABEL_LEASE_ID, outcome.leaseId).map((b) => b.metadata.annotations?.['kube-lease.io/expires-at'])).toEqual([extension.expiresAt, extension.expiresAt]);

      // The ticket is closed: the same bundle revokes (DELETE with a uid precondition, rule removal).
      const closed = await invoke(signed(jira.transition('PKG-1', 'Done', bob), 'pkg-2'));
      expect({ statusCode: closed.statusCode, log: closed.statusCode === 200 ? '' : closed.stdout }).toEqual({ statusCode: 200, log: '' });
      expect(JSON.parse(closed.body)).toEqual({ outcome: 'closed', revoked: [outcome.leaseId] });
      expect(kube.bindings.size).toBe(0);
      expect(eventBridge.rules.size).toBe(0);
      expect(jira.comments('PKG-1').at(-1)).toMatch(/Access revoked/);
    } finally {
      await cleanUp(() => jira.stop(), () => kube.stop(), () => eventBridge.stop(), () => dynamo.stop());
    }
  });

  it('reuses its connections across warm invocations of the shipped bundle: Kubernetes over TLS, Jira, DynamoDB, EventBridge', async () => {
    // Prepare: the jiraWebhook bundle, unmodified, imported once (a warm container) and called for 10 grants.
    const dir = await unpack(join(out, 'jiraWebhook.zip'), join(out, 'warm'));
    const { certificate, jira, kube, eventBridge, jiraUrl, kubeUrl, eventBridgeUrl, dynamo } = await bundleBackends();
    try {
      await ensureLeaseTable(dynamo.client, 'leases-warm');
      const setUp = dynamo.connections();
      await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
      await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig(kubeUrl, 'fake', certificate.cert));
      const events = Array.from({ length: 10 }, (_, i) => {
        const key = `WARM-${i + 1}`;
        jira.createIssue({ key, reporter: alice, summary: 'Warm grant', fields: { customfield_10100: 'payments-read' } });
        jira.transition(key, 'In Review', alice);
        const body = JSON.stringify(jira.transition(key, 'Approved', bob));
        return {
          headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraBody(body, 'bundle-secret'), 'x-atlassian-webhook-identifier': `warm-${i}` },
          body,
          isBase64Encoded: false,
          requestContext: { http: { method: 'POST' } },
        };
      });
      const script = `const m = await import('./functions/jira-webhook.mjs');
        const outcomes = [];
        for (const event of JSON.parse(process.env.EVENTS)) outcomes.push(JSON.parse((await m.handler(event)).body).outcome);
        process.stdout.write('RESULT ' + JSON.stringify(outcomes) + '\\n');`;
      // Act
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          ...BUNDLE_ENV,
          EVENTS: JSON.stringify(events),
          ACCESS_CATALOG: 'catalog.yaml',
          KUBECONFIG: 'kubeconfig',
          ...jira.clientEnv(jiraUrl),
          JIRA_WEBHOOK_SECRET: 'bundle-secret',
          LEASES_TABLE: 'leases-warm',
          DYNAMODB_ENDPOINT: dynamo.endpoint,
          AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl,
          AWS_ACCESS_KEY_ID: 'placeholder',
          AWS_SECRET_ACCESS_KEY: 'placeholder',
          SCHEDULE_PREFIX: 'kube-lease-warm',
          REVOKE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:kube-lease-warm-revokeLease',
        },
      });
      // Assess
      const outcomes = JSON.parse(stdout.split('\n').find((line) => line.startsWith('RESULT '))?.slice('RESULT '.length) ?? 'null') as string[];
      expect(outcomes).toEqual(Array(10).fill('granted'));
      const counts = {
        kubernetes: [kube.requests.length, kube.connections],
        jira: [jira.requests.length, jira.connections],
        dynamodb: [undefined, dynamo.connections() - setUp],
        eventbridge: [eventBridge.requests.length, eventBridge.connections],
      };
      process.stdout.write(`warm bundle, 10 grants: ${JSON.stringify(counts)} ([requests, new connections])\n`);
      // 20 binding creates and 20 access reviews (two namespaces in parallel) over TLS: a pool, never one per request.
      expect(kube.requests.length).toBe(40);
      expect(kube.connections).toBeLessThanOrEqual(2);
      expect(jira.connections).toBeLessThanOrEqual(2);
      expect(eventBridge.connections).toBeLessThanOrEqual(2);
      expect(dynamo.connections() - setUp).toBeLessThanOrEqual(3);
    } finally {
      await cleanUp(() => jira.stop(), () => kube.stop(), () => eventBridge.stop(), () => dynamo.stop());
    }
  });
});
