import { afterEach, describe, expect, it } from '@jest/globals';
import { bob, bodyOf, TestStack } from '../support/stack.js';

describe('connections are reused on a warm container (unbundled code: undici, the AWS SDK; the shipped bundle is tested in serverless-package.test.ts)', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('opens at most a pool of connections for many grants on a warm container, not one per request', async () => {
    // Prepare
    stack = await new TestStack().start();
    const dynamoBefore = stack.dynamoConnections();
    // Act: 20 grants, each creating 2 bindings in parallel, then asking 2 access reviews in parallel (80 requests).
    for (let i = 1; i <= 20; i += 1) {
      stack.ticket(`CONN-${i}`, { customfield_10100: 'payments-read' });
      const body = bodyOf(await stack.deliver(stack.jira.transition(`CONN-${i}`, 'Approved', bob)));
      expect(body.outcome).toBe('granted');
    }
    // Assess: the parallel creates may open a second connection; never one per request.
    const requests = stack.kube.requests.length;
    process.stdout.write(`kubernetes: ${requests} requests over ${stack.kube.connections} connection(s)\n`);
    expect(requests).toBe(80);
    // Two requests at a time may each hold a connection; never one per request.
    expect(stack.kube.connections).toBeLessThanOrEqual(4);
    // Jira (reads and comments, 40 requests) keeps its connections too.
    process.stdout.write(`jira: ${stack.jira.requests.length} requests over ${stack.jira.connections} connection(s)\n`);
    expect(stack.jira.connections).toBeLessThanOrEqual(3);
    // DynamoDB (a claim, a read, a put and an update per grant) too.
    const dynamo = stack.dynamoConnections() - dynamoBefore;
    process.stdout.write(`dynamodb: ${dynamo} new connection(s) for 20 grants\n`);
    expect(dynamo).toBeLessThanOrEqual(3);
  });

  it('keeps ServiceNow connections alive across deliveries', async () => {
    stack = await new TestStack().start();
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const approver = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    for (let i = 0; i < 5; i += 1) {
      const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'payments-read' });
      stack.servicenow.approve(change, approver);
      expect(bodyOf(await stack.deliverServiceNow(change)).outcome).toBe('granted');
    }
    process.stdout.write(`servicenow: ${stack.servicenow.requests.length} requests over ${stack.servicenow.connections} connection(s)\n`);
    expect(stack.servicenow.requests.length).toBeGreaterThan(20);
    expect(stack.servicenow.connections).toBeLessThanOrEqual(6);
  });
});
