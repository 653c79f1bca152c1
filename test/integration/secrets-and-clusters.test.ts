import { afterEach, describe, expect, it } from '@jest/globals';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

describe('secrets from SSM / Secrets Manager and the cluster kubeconfig', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
  });

  it('reads the kubeconfig, the Jira token and the webhook secret through their references', async () => {
    // Prepare: everything secret is a reference, served by the injected backends.
    stack = new TestStack();
    const kubeconfig = () => stack?.kube.kubeconfig(stack.kube.url()) ?? '';
    const asked: string[] = [];
    await stack.start({
      catalog: DEMO_CATALOG.replace('  demo: {}', '  demo:\n    kubeconfig: ssm:/kube-lease/test/kubeconfig-demo'),
      env: { JIRA_API_TOKEN: 'secretsmanager:kube-lease/test/jira', JIRA_WEBHOOK_SECRET: 'ssm:/kube-lease/test/webhook' },
      secretBackends: {
        ssm: (name) => {
          asked.push(`ssm:${name}`);
          return Promise.resolve(name === '/kube-lease/test/webhook' ? 'ssm-webhook-secret' : name === '/kube-lease/test/kubeconfig-demo' ? kubeconfig() : undefined);
        },
        secretsManager: (id) => {
          asked.push(`secretsmanager:${id}`);
          return Promise.resolve(id === 'kube-lease/test/jira' ? 'fake-jira-token' : undefined);
        },
      },
    });
    stack.ticket('OPS-40', { customfield_10100: 'payments-read' });
    const payload = stack.jira.transition('OPS-40', 'Approved', bob);
    const body = JSON.stringify(payload);

    // Act
    const response = await stack.webhook('jira')({
      method: 'POST',
      headers: { 'x-hub-signature': signJiraBody(body, 'ssm-webhook-secret') },
      body: Buffer.from(body),
    });

    // Assess
    expect(bodyOf(response).outcome).toBe('granted');
    expect(stack.kube.bindings.size).toBe(2);
    expect(asked).toEqual(expect.arrayContaining(['ssm:/kube-lease/test/webhook', 'secretsmanager:kube-lease/test/jira', 'ssm:/kube-lease/test/kubeconfig-demo']));
  });

  it('fails the grant with a clear reason, and grants nothing, when a kubeconfig cannot be read', async () => {
    stack = new TestStack();
    await stack.start({
      catalog: DEMO_CATALOG.replace('  demo: {}', '  demo:\n    kubeconfig: ssm:/kube-lease/test/missing'),
      secretBackends: { ssm: () => Promise.reject(new Error('ParameterNotFound')) },
    });
    stack.ticket('OPS-41', { customfield_10100: 'payments-read' });
    const response = await stack.deliver(stack.jira.transition('OPS-41', 'Approved', bob));
    const body = bodyOf(response);
    expect(body.outcome).toBe('failed');
    expect(String(body.reason)).toContain('a credential kube-lease needs could not be read (reference');
    expect(stack.loggedUnder(body.reason)).toContain('could not read kubeconfig of cluster demo from ssm \\"/kube-lease/test/missing\\"');
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.jira.comments('OPS-41')[0]).toContain('could not be granted');
  });
});
