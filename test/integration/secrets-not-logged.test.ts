import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { alice, bob, TestStack } from '../support/stack.js';

/** Values configured as secrets in this test; none may ever appear in anything logged. */
const SECRETS = {
  jiraToken: 'fake-jira-token',
  jiraWebhook: 'test-webhook-secret-9f8e7d',
  serviceNowPassword: 'fake-sn-password',
  serviceNowWebhook: 'test-servicenow-secret',
  kubeToken: 'fake-k8s-token',
};

describe('secrets never reach the logs', () => {
  let stack: TestStack;
  const captured: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    const capture = (chunk: unknown): boolean => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    stack = new TestStack();
    await stack.start({
      catalog: DEMO_CATALOG.replace('  demo: {}', '  demo:\n    kubeconfig: ssm:/kube-lease/test/kubeconfig'),
      productionLogging: true,
      env: { JIRA_WEBHOOK_SECRET: 'ssm:/kube-lease/test/jira-webhook', JIRA_API_TOKEN: 'secretsmanager:kube-lease/test/jira' },
      secretBackends: {
        ssm: (name) =>
          Promise.resolve(name === '/kube-lease/test/jira-webhook' ? SECRETS.jiraWebhook : name === '/kube-lease/test/kubeconfig' ? stack.kube.kubeconfig(stack.kube.url()) : undefined),
        secretsManager: (id) => Promise.resolve(id === 'kube-lease/test/jira' ? SECRETS.jiraToken : undefined),
      },
    });
  });
  afterAll(async () => {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    await stack.stop();
  });

  it('logs grants, denials, failures, rejections and revocations without any secret value', async () => {
    const { signJiraBody } = await import('../../lib/sources/jira/jira-webhook.js');
    const send = (payload: unknown, signature?: string) => {
      const body = JSON.stringify(payload);
      return stack.webhook('jira')({ method: 'POST', headers: { 'x-hub-signature': signature ?? signJiraBody(body, SECRETS.jiraWebhook) }, body: Buffer.from(body) });
    };
    // Grant, then revoke.
    stack.ticket('SEC-1', { customfield_10100: 'payments-read' });
    const granted = JSON.parse((await send(stack.jira.transition('SEC-1', 'Approved', bob))).body) as { leaseId: string };
    stack.clock.advance(2 * 3600_000);
    await stack.container.sweepLeases();
    // Denial.
    stack.ticket('SEC-2', { customfield_10100: 'payments-read' });
    await send(stack.jira.transition('SEC-2', 'Approved', alice));
    // Rejected signature.
    await send({ webhookEvent: 'jira:issue_updated' }, 'sha256=00');
    // Backend failures: Jira 401, Kubernetes 500, ServiceNow webhook with a stale timestamp.
    stack.ticket('SEC-3', { customfield_10100: 'payments-read' });
    stack.jira.failNext({ method: 'GET', response: { status: 401, body: { errorMessages: ['You are not authenticated.'] } } });
    await send(stack.jira.transition('SEC-3', 'Approved', bob));
    stack.kube.failNext({ method: 'POST', response: { status: 500, body: { kind: 'Status', message: 'boom', code: 500 } } });
    await send(stack.jira.transition('SEC-3', 'Approved', bob));
    await stack.deliverServiceNow({ sys_id: 'a'.repeat(32), number: 'CHG0000001' }, { timestamp: 1 });

    const output = captured.join('');
    // The scenarios really logged: audit lines of each kind and operational logs.
    for (const kind of ['grant', 'revoke', 'deny', 'reject', 'failure']) expect(output).toContain(`"kind":"${kind}"`);
    expect(output).toContain(granted.leaseId);
    for (const [name, value] of Object.entries(SECRETS)) {
      expect({ name, leaked: output.includes(value) }).toEqual({ name, leaked: false });
    }
    // Nor their base64 forms (Basic auth headers).
    expect(output).not.toContain(Buffer.from(`kube-lease-bot@example.com:${SECRETS.jiraToken}`).toString('base64'));
  });
});

describe('secrets never reach tickets, HTTP answers or audit events, even when a backend quotes them', () => {
  const TOKEN = 'kube-token-that-must-stay-secret-5a1d';
  /** A kubeconfig whose YAML is broken right below the token: the parser quotes the lines around it. */
  const MALFORMED = ['apiVersion: v1', 'kind: Config', 'users:', '- name: fake', '  user:', `    token: ${TOKEN}`, '   broken: indentation', '     - [unclosed', ''].join('\n');
  let stack: TestStack;

  afterAll(async () => {
    await stack.stop();
  });

  it('answers, comments and audits a fixed reason with a reference; the scrubbed detail is logged under it', async () => {
    // Prepare
    stack = await new TestStack().start({
      catalog: DEMO_CATALOG.replace('  demo: {}', '  demo:\n    kubeconfig: ssm:/kube-lease/test/kubeconfig'),
      secretBackends: { ssm: (name) => Promise.resolve(name === '/kube-lease/test/kubeconfig' ? MALFORMED : undefined) },
    });
    stack.ticket('SEC-10', { customfield_10100: 'payments-read' });
    // Act
    const response = await stack.deliver(stack.jira.transition('SEC-10', 'Approved', bob));
    // Assess: nothing granted, and nowhere outside the logs is there a trace of the kubeconfig.
    const body = JSON.parse(response.body) as { outcome?: string; reason?: string };
    expect(body.outcome).toBe('failed');
    expect(body.reason).toMatch(/^kube-lease's configuration for this cluster is not usable \(reference [0-9a-f]{12}\)/);
    const outside = [response.body, ...stack.jira.comments('SEC-10'), ...stack.audit.events.map((e) => JSON.stringify(e))].join('\n');
    expect(outside).toContain('could not be granted');
    for (const leak of [TOKEN, 'token:', 'broken: indentation', 'unclosed']) expect({ leak, found: outside.includes(leak) }).toEqual({ leak, found: false });
    // The detail is in the log line under the reference, with the token scrubbed out.
    const logged = stack.loggedUnder(body.reason);
    expect(logged).toContain('kubeconfig');
    expect(logged).not.toContain(TOKEN);
    expect(stack.logger.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(TOKEN);
  });
});
