import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Stand-ins for what CloudFormation would fill in at deploy time. */
export const STAND_IN = { region: 'eu-west-1', accountId: '123456789012', partition: 'aws' } as const;

export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
export interface Template {
  readonly Resources: Record<string, Resource>;
}

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, unknown>;
}
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: PolicyStatement[];
}

/** One deployed function as the package defines it: its name, its environment, its role and the role's policies. */
export interface PackagedFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly env: Record<string, string>;
  readonly roleLogicalId: string;
  readonly roleArn: string;
  readonly policies: { readonly name: string; readonly policy: PolicyDocument }[];
}

/** The example catalog fitted to stage "test" (the catalog check refuses the example's prod cluster and paths there). */
export const STAGE_TEST_CATALOG = 'test/fixtures/catalog.stage-test.yaml';

/** `serverless package` (osls, offline, placeholder credentials) into a temporary folder, with further `--param`s; returns the template. */
export async function packageStack(stage: string, catalogFile = STAGE_TEST_CATALOG, params: Record<string, string> = {}): Promise<Template> {
  const out = await mkdtemp(join(tmpdir(), 'kube-lease-deployed-'));
  try {
    await run(join('node_modules', '.bin', 'serverless'), ['package', '--package', out, '--stage', stage, `--param=catalogFile=${catalogFile}`, ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`)], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder', SLS_TELEMETRY_DISABLED: '1' },
      timeout: 120_000,
    });
    return JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The ARN a resource of the template would get, for `Fn::GetAtt [X, Arn]` and `Ref`. */
function arnOf(template: Template, logicalId: string): string {
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`template has no resource ${logicalId}`);
  const { region, accountId, partition } = STAND_IN;
  const p = resource.Properties;
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${accountId}:function:${String(p.FunctionName)}`;
    case 'AWS::SQS::Queue':
      return `arn:${partition}:sqs:${region}:${accountId}:${String(p.QueueName)}`;
    case 'AWS::IAM::Role':
      return `arn:${partition}:iam::${accountId}:role/${logicalId}`;
    case 'AWS::KMS::Key':
      // A key's id is a UUID CloudFormation does not know yet: its logical id stands in for it.
      return `arn:${partition}:kms:${region}:${accountId}:key/${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${partition}:dynamodb:${region}:${accountId}:table/${String(p.TableName)}`;
    default:
      throw new Error(`no stand-in ARN for ${resource.Type} ${logicalId}`);
  }
}

/** Resolves Ref, Fn::GetAtt (Arn) and Fn::Join with the stand-ins; anything else unresolved is an error. */
export function resolve(template: Template, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(template, v));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const ref = String(object.Ref);
    if (ref === 'AWS::Region') return STAND_IN.region;
    if (ref === 'AWS::AccountId') return STAND_IN.accountId;
    if (ref === 'AWS::Partition') return STAND_IN.partition;
    const resource = template.Resources[ref];
    if (resource?.Type === 'AWS::DynamoDB::Table') return String(resource.Properties.TableName);
    throw new Error(`cannot resolve Ref ${ref}`);
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    if (attribute !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
    return arnOf(template, id);
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolve(template, part))).join(separator);
  }
  const intrinsic = Object.keys(object).find((key) => key.startsWith('Fn::'));
  if (intrinsic !== undefined) throw new Error(`cannot resolve ${intrinsic}`);
  return Object.fromEntries(Object.entries(object).map(([key, v]) => [key, resolve(template, v)]));
}

/** A function of the package: exactly the environment and the role's policies the template gives it. */
export function packagedFunction(template: Template, logicalId: string): PackagedFunction {
  const fn = template.Resources[logicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${logicalId} is not a function of the package`);
  const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const env = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(resolve(template, value))]));
  const roleRef = fn.Properties.Role as { 'Fn::GetAtt'?: [string, string] };
  const roleLogicalId = roleRef['Fn::GetAtt']?.[0];
  if (roleLogicalId === undefined) throw new Error(`${logicalId} has no role of the template`);
  const role = template.Resources[roleLogicalId];
  const policies = ((role?.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []).map((p) => ({
    name: p.PolicyName,
    policy: resolve(template, p.PolicyDocument) as PolicyDocument,
  }));
  return { logicalId, name: String(fn.Properties.FunctionName), env, roleLogicalId, roleArn: arnOf(template, roleLogicalId), policies };
}

/** The secrets a packaged function reads from SSM, with the values the test fakes expect. */
export function fakeParameters(stage: string, kubeconfig: string): Record<string, string> {
  return {
    [`/kube-lease/${stage}/itsm/jira-api-token`]: 'fake-jira-token',
    [`/kube-lease/${stage}/itsm/servicenow-password`]: 'fake-sn-password',
    [`/kube-lease/${stage}/webhook/jira-webhook-secret`]: 'test-webhook-secret',
    [`/kube-lease/${stage}/webhook/servicenow-webhook-secret`]: 'test-servicenow-secret',
    [`/kube-lease/${stage}/clusters/kubeconfig-demo`]: kubeconfig,
  };
}
