import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { packagedFunction, packageStack, resolve, STAND_IN, type PackagedFunction, type PolicyStatement, type Template } from '../support/packaged-stack.js';

/*
 * The packaged template against CloudFormation's published resource specification, as the npm
 * package @aws-cdk/cfnspec ships it (the spec version is printed): every resource type exists, every
 * property is one the type has, required properties are there, and values have the spec's types
 * (intrinsic functions stand for any value).
 */

interface PropertySpec {
  readonly Required?: boolean;
  readonly PrimitiveType?: string;
  readonly Type?: string;
  readonly ItemType?: string;
  readonly PrimitiveItemType?: string;
}
interface TypeSpec {
  readonly Properties?: Record<string, PropertySpec>;
}
interface Specification {
  readonly ResourceSpecificationVersion: string;
  readonly ResourceTypes: Record<string, TypeSpec>;
  readonly PropertyTypes: Record<string, TypeSpec>;
}

const require = createRequire(import.meta.url);
const spec = (require('@aws-cdk/cfnspec') as { specification(): Specification }).specification();

const isIntrinsic = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'));

function checkPrimitive(type: string, value: unknown, path: string, problems: string[]): void {
  if (isIntrinsic(value)) return;
  const ok =
    type === 'String' ? typeof value === 'string'
    : type === 'Integer' || type === 'Long' || type === 'Double' ? typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
    : type === 'Boolean' ? typeof value === 'boolean' || value === 'true' || value === 'false'
    : type === 'Json' ? typeof value === 'object' || typeof value === 'string'
    : type === 'Timestamp' ? typeof value === 'string'
    : false;
  if (!ok) problems.push(`${path}: expected ${type}, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

function checkProperties(resourceType: string, typeSpec: TypeSpec, properties: Record<string, unknown>, path: string, problems: string[]): void {
  const known = typeSpec.Properties ?? {};
  for (const [name, prop] of Object.entries(known)) {
    if (prop.Required === true && properties[name] === undefined) problems.push(`${path}: required property ${name} is missing`);
  }
  for (const [name, value] of Object.entries(properties)) {
    const prop = known[name];
    if (prop === undefined) {
      problems.push(`${path}: ${name} is not a property of ${resourceType}`);
      continue;
    }
    checkValue(resourceType, prop, value, `${path}.${name}`, problems);
  }
}

function checkValue(resourceType: string, prop: PropertySpec, value: unknown, path: string, problems: string[]): void {
  if (isIntrinsic(value)) return;
  if (prop.PrimitiveType !== undefined) return checkPrimitive(prop.PrimitiveType, value, path, problems);
  if (prop.Type === 'List') {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected a list`);
    value.forEach((item, i) => checkValue(resourceType, { PrimitiveType: prop.PrimitiveItemType, Type: prop.ItemType }, item, `${path}[${i}]`, problems));
    return;
  }
  if (prop.Type === 'Map') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problems.push(`${path}: expected a map`);
    for (const [key, item] of Object.entries(value)) checkValue(resourceType, { PrimitiveType: prop.PrimitiveItemType, Type: prop.ItemType }, item, `${path}.${key}`, problems);
    return;
  }
  if (prop.Type !== undefined) {
    const nested = spec.PropertyTypes[`${resourceType}.${prop.Type}`] ?? spec.PropertyTypes[prop.Type];
    if (nested === undefined) return void problems.push(`${path}: unknown property type ${prop.Type}`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problems.push(`${path}: expected an object of type ${prop.Type}`);
    checkProperties(resourceType, nested, value as Record<string, unknown>, path, problems);
  }
}

let template: Template;
beforeAll(async () => {
  template = await packageStack('test');
}, 150_000);

describe('the packaged template against the CloudFormation resource specification', () => {
  it(`uses only types and properties the specification has, with their types (spec ${spec.ResourceSpecificationVersion})`, () => {
    const problems: string[] = [];
    for (const [id, resource] of Object.entries(template.Resources)) {
      const typeSpec = spec.ResourceTypes[resource.Type];
      if (typeSpec === undefined) {
        problems.push(`${id}: unknown resource type ${resource.Type}`);
        continue;
      }
      checkProperties(resource.Type, typeSpec, resource.Properties ?? {}, id, problems);
    }
    expect(problems).toEqual([]);
    expect(Object.keys(template.Resources).length).toBeGreaterThan(20);
  });

  it('catches what it is for: an unknown property and a wrong type', () => {
    const problems: string[] = [];
    const queue = spec.ResourceTypes['AWS::SQS::Queue'];
    if (queue === undefined) throw new Error('spec has no AWS::SQS::Queue');
    checkProperties('AWS::SQS::Queue', queue, { QueueNmae: 'x', MessageRetentionPeriod: 'two weeks' }, 'Queue', problems);
    expect(problems).toEqual(['Queue: QueueNmae is not a property of AWS::SQS::Queue', 'Queue.MessageRetentionPeriod: expected Integer, got "two weeks"']);
  });
});

/*
 * No announcement hop in the packaged template (stage "test"): a grant tells its ticket in the
 * invocation that made it, so no function puts events, no rule hands an announcement to
 * activateLease, no role deletes announcement queue items, and no alarm watches for late
 * announcements. What each role needs for the announcement step itself (conditional updates of the
 * lease item) is checked too. Policies are read with the stand-in region and account, and run
 * through an IAM policy simulator.
 */
describe('the grant announcement in the packaged template', () => {
  const { region, accountId, partition } = STAND_IN;
  const PREFIX = 'kube-lease-test';
  const DEFAULT_BUS = `arn:${partition}:events:${region}:${accountId}:event-bus/default`;
  const table = `arn:${partition}:dynamodb:${region}:${accountId}:table/${PREFIX}-leases`;
  const FUNCTIONS = ['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction', 'ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction', 'SweepLeasesLambdaFunction'];
  const key = (k: string) => ({ 'dynamodb:LeadingKeys': [k] });

  async function allowed(fn: PackagedFunction, action: string, resource: string, context: Record<string, string[]>): Promise<boolean> {
    const result = await runSimulation(
      {
        request: { principal: fn.roleArn, action, resource: { resource, accountId }, contextVariables: context },
        identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }

  it('has no announcement rule, no late-announcement alarm, and no role that puts events', async () => {
    const patterned = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern !== undefined);
    expect(patterned).toEqual([]);
    const alarms = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => String(resolve(template, r.Properties.AlarmName)));
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.filter((name) => name.includes('announce'))).toEqual([]);
    for (const id of FUNCTIONS) {
      const fn = packagedFunction(template, id);
      expect(await allowed(fn, 'events:PutEvents', DEFAULT_BUS, { 'events:source': [PREFIX], 'events:detail-type': ['Grant announcement due'] })).toBe(false);
      // Nothing left to fence off with a Deny.
      expect(fn.policies.flatMap((p) => p.policy.Statement).filter((s: PolicyStatement) => s.Effect === 'Deny')).toEqual([]);
    }
  });

  it('lets every function that makes a lease ACTIVE (or takes an owed announcement over) update the lease item; the timers and the sweep delete no lease and no announcement item', async () => {
    for (const id of ['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction', 'ActivateLeaseLambdaFunction', 'SweepLeasesLambdaFunction']) {
      const fn = packagedFunction(template, id);
      expect(await allowed(fn, 'dynamodb:UpdateItem', table, key('lease#0123456789abcdef0123'))).toBe(true);
    }
    // (The webhooks' DeleteItem gives back delivery claims; its key conditions are another change's.)
    for (const id of ['ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction', 'SweepLeasesLambdaFunction']) {
      const fn = packagedFunction(template, id);
      expect(await allowed(fn, 'dynamodb:DeleteItem', table, key('lease#0123456789abcdef0123'))).toBe(false);
      expect(await allowed(fn, 'dynamodb:DeleteItem', table, key('announce#0123456789abcdef0123'))).toBe(false);
    }
    // The evidence queue stays: the sweep takes posted evidence off it, and nothing else does.
    expect(await allowed(packagedFunction(template, 'SweepLeasesLambdaFunction'), 'dynamodb:DeleteItem', table, key('evidence#0123456789abcdef0123'))).toBe(true);
    expect(await allowed(packagedFunction(template, 'ActivateLeaseLambdaFunction'), 'dynamodb:DeleteItem', table, key('evidence#0123456789abcdef0123'))).toBe(false);
    // So does the queue of revoke comments owed to a holder: the sweep drops a told one, and only it.
    const owedRevoke = key('lease#0123456789abcdef0123#revoke-comment');
    expect(await allowed(packagedFunction(template, 'SweepLeasesLambdaFunction'), 'dynamodb:DeleteItem', table, owedRevoke)).toBe(true);
    for (const id of ['JiraWebhookLambdaFunction', 'ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction']) {
      expect(await allowed(packagedFunction(template, id), 'dynamodb:DeleteItem', table, owedRevoke)).toBe(false);
    }
  });
});

/*
 * Issue 23, item 10: what code running under a role could do beyond what kube-lease does. A lease
 * rule's targets are the two timer functions only (not another account's bus), and each role writes
 * only the kinds of item (pk prefixes, IAM's dynamodb:LeadingKeys) its functions write.
 */
describe('the roles cannot forward events or rewrite items of other kinds (IAM simulation)', () => {
  const { region, accountId, partition } = STAND_IN;
  const PREFIX = 'kube-lease-test';
  const table = `arn:${partition}:dynamodb:${region}:${accountId}:table/${PREFIX}-leases`;
  const rule = `arn:${partition}:events:${region}:${accountId}:rule/${PREFIX}-0123456789abcdef0123`;
  const startRule = `${rule}-start`;
  const revokeFn = `arn:${partition}:lambda:${region}:${accountId}:function:${PREFIX}-revokeLease`;
  const activateFn = `arn:${partition}:lambda:${region}:${accountId}:function:${PREFIX}-activateLease`;
  const foreignBus = `arn:${partition}:events:${region}:999999999999:event-bus/default`;
  const otherFn = `arn:${partition}:lambda:${region}:${accountId}:function:${PREFIX}-sweepLeases`;
  const id = '0123456789abcdef0123';

  async function allowed(fn: PackagedFunction, action: string, resource: string, context: Record<string, string[]>): Promise<boolean> {
    const result = await runSimulation(
      {
        request: { principal: fn.roleArn, action, resource: { resource, accountId }, contextVariables: context },
        identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }
  const key = (k: string) => ({ 'dynamodb:LeadingKeys': [k] });

  it('lets the functions that put lease rules target only revokeLease and activateLease', async () => {
    // The stand-in ARNs are the ones the packaged functions get.
    expect(packagedFunction(template, 'RevokeLeaseLambdaFunction').name).toBe(`${PREFIX}-revokeLease`);
    expect(packagedFunction(template, 'ActivateLeaseLambdaFunction').name).toBe(`${PREFIX}-activateLease`);
    for (const id of ['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction', 'SweepLeasesLambdaFunction']) {
      const fn = packagedFunction(template, id);
      expect(await allowed(fn, 'events:PutTargets', rule, { 'events:TargetArn': [revokeFn] })).toBe(true);
      expect(await allowed(fn, 'events:PutTargets', startRule, { 'events:TargetArn': [activateFn] })).toBe(true);
      // Another account's bus, another function of ours, one good target beside a foreign one, none named.
      expect(await allowed(fn, 'events:PutTargets', rule, { 'events:TargetArn': [foreignBus] })).toBe(false);
      expect(await allowed(fn, 'events:PutTargets', rule, { 'events:TargetArn': [otherFn] })).toBe(false);
      expect(await allowed(fn, 'events:PutTargets', rule, { 'events:TargetArn': [revokeFn, foreignBus] })).toBe(false);
      expect(await allowed(fn, 'events:PutTargets', rule, {})).toBe(false);
    }
    for (const id of ['ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction']) {
      expect(await allowed(packagedFunction(template, id), 'events:PutTargets', rule, { 'events:TargetArn': [revokeFn] })).toBe(false);
    }
  });

  it('lets each role write only the kinds of item its functions write', async () => {
    const webhook = packagedFunction(template, 'JiraWebhookLambdaFunction');
    const timer = packagedFunction(template, 'RevokeLeaseLambdaFunction');
    const sweep = packagedFunction(template, 'SweepLeasesLambdaFunction');
    const cases: [PackagedFunction, string, string, boolean][] = [
      // What each one does.
      [webhook, 'dynamodb:PutItem', `lease#${id}`, true],
      [webhook, 'dynamodb:UpdateItem', `lease#${id}`, true],
      [webhook, 'dynamodb:PutItem', 'delivery#abc', true],
      [webhook, 'dynamodb:DeleteItem', 'delivery#abc', true],
      [webhook, 'dynamodb:UpdateItem', 'places#alice@example.com', true],
      [webhook, 'dynamodb:PutItem', `evidence#${id}`, true],
      [timer, 'dynamodb:UpdateItem', `lease#${id}`, true],
      [timer, 'dynamodb:UpdateItem', 'places#alice@example.com', true],
      [timer, 'dynamodb:PutItem', `evidence#${id}`, true],
      [sweep, 'dynamodb:PutItem', `lease#${id}`, true],
      [sweep, 'dynamodb:UpdateItem', `evidence#${id}`, true],
      // A revoke that leaves its comment to an announcement's holder queues it (an UpdateItem that
      // creates the item: the timers may not put a lease# item); the sweep takes it over.
      [webhook, 'dynamodb:UpdateItem', `lease#${id}#revoke-comment`, true],
      [timer, 'dynamodb:UpdateItem', `lease#${id}#revoke-comment`, true],
      [sweep, 'dynamodb:UpdateItem', `lease#${id}#revoke-comment`, true],
      [sweep, 'dynamodb:DeleteItem', `lease#${id}#revoke-comment`, true],
      // A ticket's close mark (lease#close#<source>#<ticket id>): an UpdateItem that creates it (the
      // close, in a webhook), read by a grant, taken off the sweep's queue by an UpdateItem (sweep).
      // Nobody deletes it (DynamoDB's TTL does), and the timers never write it.
      [webhook, 'dynamodb:UpdateItem', 'lease#close#jira#10042', true],
      [sweep, 'dynamodb:UpdateItem', 'lease#close#servicenow#0123456789abcdef0123456789abcdef', true],
      [webhook, 'dynamodb:GetItem', 'lease#close#jira#10042', true],
      [sweep, 'dynamodb:DeleteItem', 'lease#close#jira#10042', false],
      [webhook, 'dynamodb:DeleteItem', 'lease#close#jira#10042', false],
      [timer, 'dynamodb:PutItem', 'lease#close#jira#10042', false],
      [timer, 'dynamodb:DeleteItem', 'lease#close#jira#10042', false],
      // Which ticket id a key names, for the CLI's --ticket: written beside a lease's create and when a
      // moved issue's lease is met under its new key (webhook), or a grant is finished (sweep).
      [webhook, 'dynamodb:PutItem', 'ticketkey#jira#OPS-1', true],
      [sweep, 'dynamodb:PutItem', 'ticketkey#jira#OPS-1', true],
      [timer, 'dynamodb:PutItem', 'ticketkey#jira#OPS-1', false],
      // What none of them does.
      [webhook, 'dynamodb:UpdateItem', `evidence#${id}`, false],
      [webhook, 'dynamodb:DeleteItem', `evidence#${id}`, false],
      [webhook, 'dynamodb:DeleteItem', `lease#${id}`, false],
      [webhook, 'dynamodb:PutItem', 'places#alice@example.com', false],
      [webhook, 'dynamodb:PutItem', 'anything-else', false],
      [timer, 'dynamodb:PutItem', `lease#${id}`, false],
      [timer, 'dynamodb:UpdateItem', 'delivery#abc', false],
      [timer, 'dynamodb:UpdateItem', `evidence#${id}`, false],
      [timer, 'dynamodb:DeleteItem', `lease#${id}`, false],
      [sweep, 'dynamodb:PutItem', 'delivery#abc', false],
      [sweep, 'dynamodb:UpdateItem', 'delivery#abc', false],
      [sweep, 'dynamodb:DeleteItem', `lease#${id}`, false],
      [sweep, 'dynamodb:PutItem', 'places#alice@example.com', false],
      // A requester's break-glass uses of a day: counted by the webhook's one conditional update
      // (reserveBreakGlass), never put whole, never given back, never touched by timers or the sweep.
      [webhook, 'dynamodb:UpdateItem', 'breakglass#alice@example.com#2026-12-07', true],
      [webhook, 'dynamodb:PutItem', 'breakglass#alice@example.com#2026-12-07', false],
      [webhook, 'dynamodb:DeleteItem', 'breakglass#alice@example.com#2026-12-07', false],
      [timer, 'dynamodb:UpdateItem', 'breakglass#alice@example.com#2026-12-07', false],
      [timer, 'dynamodb:PutItem', 'breakglass#alice@example.com#2026-12-07', false],
      [sweep, 'dynamodb:UpdateItem', 'breakglass#alice@example.com#2026-12-07', false],
      [sweep, 'dynamodb:PutItem', 'breakglass#alice@example.com#2026-12-07', false],
      [sweep, 'dynamodb:DeleteItem', 'breakglass#alice@example.com#2026-12-07', false],
    ];
    const wrong: string[] = [];
    for (const [fn, action, pk, expected] of cases) {
      if ((await allowed(fn, action, table, key(pk))) !== expected) wrong.push(`${fn.roleLogicalId} ${action} ${pk}: expected ${expected ? 'allowed' : 'denied'}`);
    }
    expect(wrong).toEqual([]);
    // A write that names no key at all is not allowed by an empty set.
    expect(await allowed(webhook, 'dynamodb:PutItem', table, {})).toBe(false);
    // Reads stay unconditioned (index queries have the index's key, not an item's).
    expect(await allowed(webhook, 'dynamodb:Query', `${table}/index/status-dueAt`, {})).toBe(true);
  });

  it('lets only the webhook functions, which ask PagerDuty, read PagerDuty\'s API key', async () => {
    // The parameter every function's environment names (the functions that never ask PagerDuty carry the reference unused).
    const reference = packagedFunction(template, 'JiraWebhookLambdaFunction').env.PAGERDUTY_API_KEY ?? '';
    expect(reference).toMatch(/^ssm:\/kube-lease\/test\//);
    const parameter = `arn:${partition}:ssm:${region}:${accountId}:parameter${reference.slice('ssm:'.length)}`;
    const may: string[] = [];
    for (const fnId of ['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction', 'ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction', 'SweepLeasesLambdaFunction', 'ReviewPackLambdaFunction']) {
      if (await allowed(packagedFunction(template, fnId), 'ssm:GetParameter', parameter, {})) may.push(fnId);
    }
    expect(may).toEqual(['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction']);
    // The ITSM credentials every function comments with stay readable by all of them.
    const jiraToken = `arn:${partition}:ssm:${region}:${accountId}:parameter/kube-lease/test/itsm/jira-api-token`;
    expect(await allowed(packagedFunction(template, 'SweepLeasesLambdaFunction'), 'ssm:GetParameter', jiraToken, {})).toBe(true);
  });
});

/*
 * Issue 23, item 9: the evidence key. Only the sweep's role (the evidence writer) may generate MACs
 * with it, whatever IAM policies of the account allow; the report's reader verifies with an IAM
 * policy of its own. Simulated with the key policy as the resource policy.
 */
describe('the evidence key (KMS HMAC) in the packaged template', () => {
  const { accountId, partition } = STAND_IN;
  const everything = { name: 'admin-like', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } };

  async function allowed(principal: string, identity: { name: string; policy: unknown }[], action: string): Promise<boolean> {
    const key = packagedFunction(template, 'SweepLeasesLambdaFunction').env.EVIDENCE_KMS_KEY_ID ?? '';
    const result = await runSimulation(
      {
        request: { principal, action, resource: { resource: key, accountId }, contextVariables: { 'kms:MacAlgorithm': ['HMAC_SHA_256'], 'aws:PrincipalArn': [principal] } },
        identityPolicies: identity,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resolve(template, template.Resources.EvidenceKey?.Properties.KeyPolicy),
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }

  it('is an HMAC key the sweep seals with (and only the sweep is given it)', () => {
    expect(template.Resources.EvidenceKey).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' } });
    expect(packagedFunction(template, 'SweepLeasesLambdaFunction').env.EVIDENCE_KMS_KEY_ID).toBe(`arn:${partition}:kms:${STAND_IN.region}:${accountId}:key/EvidenceKey`);
    for (const id of ['JiraWebhookLambdaFunction', 'ServicenowWebhookLambdaFunction', 'ActivateLeaseLambdaFunction', 'RevokeLeaseLambdaFunction']) {
      expect(packagedFunction(template, id).env.EVIDENCE_KMS_KEY_ID).toBeUndefined();
    }
  });

  it('lets only the sweep\'s role generate MACs, even where an IAM policy allows kms:*', async () => {
    const sweep = packagedFunction(template, 'SweepLeasesLambdaFunction');
    const policies = (fn: PackagedFunction) => fn.policies.map((p) => ({ name: p.name, policy: p.policy }));
    expect(await allowed(sweep.roleArn, policies(sweep), 'kms:GenerateMac')).toBe(true);
    for (const id of ['JiraWebhookLambdaFunction', 'RevokeLeaseLambdaFunction', 'ActivateLeaseLambdaFunction']) {
      const fn = packagedFunction(template, id);
      expect(await allowed(fn.roleArn, policies(fn), 'kms:GenerateMac')).toBe(false);
      // A table writer that also got kms:* from some IAM policy still cannot forge a seal.
      expect(await allowed(fn.roleArn, [...policies(fn), everything], 'kms:GenerateMac')).toBe(false);
    }
    // An administrator's role, with kms:* in IAM: may verify, may not generate.
    const admin = `arn:${partition}:iam::${accountId}:role/Administrator`;
    expect(await allowed(admin, [everything], 'kms:VerifyMac')).toBe(true);
    expect(await allowed(admin, [everything], 'kms:GenerateMac')).toBe(false);
  });

  it('lets a report reader verify with an IAM policy of its own, and nobody without one', async () => {
    const key = packagedFunction(template, 'SweepLeasesLambdaFunction').env.EVIDENCE_KMS_KEY_ID ?? '';
    const reader = `arn:${partition}:iam::${accountId}:role/AuditReader`;
    const verify = { name: 'verify-evidence', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:VerifyMac', Resource: key }] } };
    expect(await allowed(reader, [verify], 'kms:VerifyMac')).toBe(true);
    expect(await allowed(reader, [verify], 'kms:GenerateMac')).toBe(false);
    expect(await allowed(reader, [], 'kms:VerifyMac')).toBe(false);
    const webhook = packagedFunction(template, 'JiraWebhookLambdaFunction');
    expect(await allowed(webhook.roleArn, webhook.policies.map((p) => ({ name: p.name, policy: p.policy })), 'kms:VerifyMac')).toBe(false);
  });
});

/*
 * Issue 29: the scheduled access review (reviewPack) under its own role. It reads the table (a Scan
 * of the period's records), the ITSM credentials it files with, and verifies evidence seals; it
 * writes no item, sets no timer, reaches no cluster and reads no webhook-only secret. Its schedule
 * ships disabled.
 */
describe('the review function\'s role and schedule in the packaged template (IAM simulation)', () => {
  const { region, accountId, partition } = STAND_IN;
  const PREFIX = 'kube-lease-test';
  const table = `arn:${partition}:dynamodb:${region}:${accountId}:table/${PREFIX}-leases`;
  const parameter = (path: string) => `arn:${partition}:ssm:${region}:${accountId}:parameter/kube-lease/test/${path}`;
  const id = '0123456789abcdef0123';
  const review = () => packagedFunction(template, 'ReviewPackLambdaFunction');

  async function allowed(fn: PackagedFunction, action: string, resource: string, context: Record<string, string[]> = {}): Promise<boolean> {
    const result = await runSimulation(
      {
        request: { principal: fn.roleArn, action, resource: { resource, accountId }, contextVariables: context },
        identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }

  it('has a role of its own, with only reads, log writes and VerifyMac among its actions', () => {
    const fn = review();
    expect(fn.roleLogicalId).toBe('ReviewRole');
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && (r.Properties.Role as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] === 'ReviewRole')).toHaveLength(1);
    const actions = fn.policies.flatMap((p) => p.policy.Statement).flatMap((s: PolicyStatement) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:Scan', 'kms:VerifyMac', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']);
  });

  it('reads the table and writes no item of any kind', async () => {
    const fn = review();
    expect(await allowed(fn, 'dynamodb:Scan', table)).toBe(true);
    const wrong: string[] = [];
    const contexts: Record<string, string[]>[] = [{}, { 'dynamodb:LeadingKeys': [`lease#${id}`] }, { 'dynamodb:LeadingKeys': [`evidence#${id}`] }, { 'dynamodb:LeadingKeys': ['delivery#abc'] }];
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      for (const context of contexts) {
        if (await allowed(fn, action, table, context)) wrong.push(`${action} ${JSON.stringify(context)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('calls no EventBridge, Scheduler or EKS action', async () => {
    const fn = review();
    const cases: [string, string][] = [
      ['events:PutRule', `arn:${partition}:events:${region}:${accountId}:rule/${PREFIX}-${id}`],
      ['events:PutTargets', `arn:${partition}:events:${region}:${accountId}:rule/${PREFIX}-${id}`],
      ['events:DeleteRule', `arn:${partition}:events:${region}:${accountId}:rule/${PREFIX}-${id}`],
      ['events:PutEvents', `arn:${partition}:events:${region}:${accountId}:event-bus/default`],
      ['scheduler:CreateSchedule', `arn:${partition}:scheduler:${region}:${accountId}:schedule/default/${PREFIX}-${id}`],
      ['scheduler:DeleteSchedule', `arn:${partition}:scheduler:${region}:${accountId}:schedule/default/${PREFIX}-${id}`],
      ['eks:DescribeCluster', `arn:${partition}:eks:${region}:${accountId}:cluster/${PREFIX}-demo`],
    ];
    const may: string[] = [];
    for (const [action, resource] of cases) if (await allowed(fn, action, resource)) may.push(action);
    expect(may).toEqual([]);
  });

  it('reads the ITSM credentials it files with, and no webhook-only secret (PagerDuty\'s key, the signing secrets) or kubeconfig', async () => {
    const fn = review();
    const pagerDuty = (fn.env.PAGERDUTY_API_KEY ?? packagedFunction(template, 'JiraWebhookLambdaFunction').env.PAGERDUTY_API_KEY ?? '').replace(/^ssm:\/kube-lease\/test\//, '');
    expect(pagerDuty).toMatch(/^webhook\//);
    expect(await allowed(fn, 'ssm:GetParameter', parameter('itsm/jira-api-token'))).toBe(true);
    expect(await allowed(fn, 'ssm:GetParameter', parameter('itsm/servicenow-password'))).toBe(true);
    for (const path of [pagerDuty, 'webhook/jira-webhook-secret', 'webhook/servicenow-webhook-secret', 'clusters/kubeconfig-demo']) {
      expect({ path, allowed: await allowed(fn, 'ssm:GetParameter', parameter(path)) }).toEqual({ path, allowed: false });
    }
  });

  it('ships its schedule disabled', () => {
    const targetsReview = (r: { Properties: Record<string, unknown> }) =>
      ((r.Properties.Targets as { Arn?: { 'Fn::GetAtt'?: string[] } }[] | undefined) ?? []).some((t) => t.Arn?.['Fn::GetAtt']?.[0] === 'ReviewPackLambdaFunction');
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && targetsReview(r));
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties).toMatchObject({ State: 'DISABLED', ScheduleExpression: 'cron(0 6 1 1,4,7,10 ? *)' });
    const schedules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties).includes('ReviewPackLambdaFunction'));
    expect(schedules).toEqual([]);
  });
});
