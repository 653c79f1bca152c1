import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { search, type JSONValue } from '@jmespath-community/jmespath';
import { parse } from 'yaml';

/** The stack as serverless.yml describes it: its service name and the outputs CloudFormation would return. */
const template = parse(readFileSync('serverless.yml', 'utf8')) as { service: string; resources: { Outputs: Record<string, unknown> } };
const page = readFileSync('docs/deploy-aws.md', 'utf8');

/** What `aws cloudformation describe-stacks` answers for the deployed stack: each output with a stand-in value. */
const describeStacks = {
  Stacks: [{ StackName: `${template.service}-prod`, Outputs: Object.keys(template.resources.Outputs).map((key) => ({ OutputKey: key, OutputValue: `value-of-${key}` })) }],
} as unknown as JSONValue;

describe('Deploying to AWS: reading the stack outputs', () => {
  it('names the stack serverless deploys for stage prod', () => {
    expect(page).toContain(`--stack-name ${template.service}-prod`);
  });

  it('reads exactly the three role ARNs with the query of the access-entry loop', () => {
    // Prepare: the --query of the loop that creates the EKS access entries, as written.
    const loop = page.slice(page.indexOf('for role in $(aws cloudformation describe-stacks'));
    const query = /--query "([^"]+)"/.exec(loop)?.[1];
    expect(query).toBeDefined();
    // Act
    const roles = search(describeStacks, query ?? '');
    // Assess: the three roles, in any order (CloudFormation promises none).
    expect(Array.isArray(roles) ? [...roles].sort() : roles).toEqual(['value-of-SweepRoleArn', 'value-of-TimerRoleArn', 'value-of-WebhookRoleArn']);
  });

  it('lists every output of the stack in its outputs table', () => {
    const table = page.slice(page.indexOf('| output | use |'), page.indexOf('## 5.'));
    expect(Object.keys(template.resources.Outputs).filter((key) => !table.includes(`\`${key}\``))).toEqual([]);
  });
});
