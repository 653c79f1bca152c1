import { afterEach, describe, expect, it } from '@jest/globals';
import { prepareDuringInit } from '../../lib/http/lambda-init.js';
import { bob, bodyOf, TestStack, WEBHOOK_SECRET } from '../support/stack.js';

const READ_MS = 60;

describe('cold path: what a first request waits for is read in parallel', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('starts the ITSM credential read beside the webhook secret on the first request, not after it', async () => {
    // Prepare: SSM references whose reads each take READ_MS, recorded as they start and end.
    const reads: { name: string; start: number; end: number }[] = [];
    const jiraToken = 'fake-jira-token';
    const values: Record<string, string> = { '/kl/webhook/jira': WEBHOOK_SECRET, '/kl/itsm/jira-api-token': jiraToken };
    stack = new TestStack();
    await stack.start({
      env: { JIRA_WEBHOOK_SECRET: 'ssm:/kl/webhook/jira', JIRA_API_TOKEN: 'ssm:/kl/itsm/jira-api-token' },
      secretBackends: {
        ssm: async (name) => {
          const start = performance.now();
          await new Promise((resolve) => setTimeout(resolve, READ_MS));
          reads.push({ name, start, end: performance.now() });
          return values[name];
        },
      },
    });
    stack.ticket('COLD-1', { customfield_10100: 'payments-read' });
    // Act
    const body = bodyOf(await stack.deliver(stack.jira.transition('COLD-1', 'Approved', bob)));
    // Assess: both read, and the token read began before the webhook secret had arrived.
    expect(body.outcome).toBe('granted');
    const secret = reads.find((r) => r.name === '/kl/webhook/jira');
    const token = reads.find((r) => r.name === '/kl/itsm/jira-api-token');
    expect(secret && token && token.start < secret.end).toBe(true);
  });

  it('prepares during Lambda init only in Lambda, and never throws there', async () => {
    // Prepare
    const calls: string[] = [];
    const failing = () => {
      calls.push('called');
      return Promise.reject(new Error('SSM unreachable'));
    };
    // Act
    await prepareDuringInit(failing, {});
    await prepareDuringInit(failing, { AWS_LAMBDA_FUNCTION_NAME: 'kube-lease-prod-jiraWebhook' });
    const thrown = await prepareDuringInit(() => {
      throw new Error('bad configuration');
    }, { AWS_LAMBDA_FUNCTION_NAME: 'x' });
    // Assess
    expect(calls).toEqual(['called']);
    expect(thrown).toBeUndefined();
    stack = await new TestStack().start();
  });
});

describe('preparing during Lambda init', () => {
  it('waits at most its cap, so a slow backend is met by the first invocation instead', async () => {
    // Prepare: a preparation that never ends.
    const started = Date.now();
    // Act
    await prepareDuringInit(() => new Promise(() => undefined), { AWS_LAMBDA_FUNCTION_NAME: 'x' }, 50);
    // Assess
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
