import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJiraBody } from '../../lib/adapters/jira/jira-webhook.js';
import { consoleLogger } from '../../lib/adapters/local/console-logger.js';
import { startLocalStack } from '../../lib/adapters/local/local-stack.js';
import type { AuditEvent } from '../../lib/domain/audit.js';
import type { Lease } from '../../lib/domain/lease.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakeJira, type JiraUser } from '../fakes/fake-jira.js';
import { FakeKubernetes, type StoredBinding } from '../fakes/fake-kubernetes.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

export interface DemoResult {
  readonly grantResponse: unknown;
  readonly denyResponse: unknown;
  readonly lease: Lease | undefined;
  readonly bindingsWhileActive: StoredBinding[];
  readonly bindingsAfterExpiry: StoredBinding[];
  readonly comments: Record<string, string[]>;
  readonly audit: AuditEvent[];
  readonly revocationLagMs: number | undefined;
}

const alice: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c01', emailAddress: 'alice@example.com', displayName: 'Alice Engineer' };
const bob: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c02', emailAddress: 'bob@example.com', displayName: 'Bob Approver' };

/**
 * The whole cycle in local mode: an approver approves a Jira ticket, the webhook grants a
 * RoleBinding in the (fake) cluster, the in-process scheduler revokes it at expiry; plus one denial.
 */
export async function runDemo(options: { durationSeconds: number; print: (line: string) => void }): Promise<DemoResult> {
  const { print } = options;
  const jira = new FakeJira();
  const kube = new FakeKubernetes();
  const dir = await mkdtemp(join(tmpdir(), 'kube-lease-demo-'));
  const audit: AuditEvent[] = [];
  const [jiraUrl, kubeUrl] = await Promise.all([jira.start(), kube.start()]);
  await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
  await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig(kubeUrl));
  const secret = 'demo-webhook-secret';
  const stack = await startLocalStack({
    env: {
      ACCESS_CATALOG: join(dir, 'catalog.yaml'),
      JIRA_BASE_URL: jiraUrl,
      JIRA_EMAIL: 'kube-lease-bot@example.com',
      JIRA_API_TOKEN: 'fake-jira-token',
      JIRA_WEBHOOK_SECRET: secret,
      KUBECONFIG: join(dir, 'kubeconfig'),
      LEASES_TABLE: 'kube-lease-demo',
    },
    dataDir: undefined,
    port: 0,
    sweepIntervalMs: 1_000,
    logger: consoleLogger({ quiet: true }),
    audit: { record: (event) => audit.push(event) },
  });
  const deliver = async (payload: Record<string, unknown>, delivery: string): Promise<unknown> => {
    const body = JSON.stringify(payload);
    const response = await fetch(`${stack.url}/webhooks/jira`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraBody(body, secret), 'x-atlassian-webhook-identifier': delivery },
      body,
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  try {
    print(`local mode on ${stack.url}; fake Jira on ${jiraUrl}; fake Kubernetes API on ${kubeUrl}\n`);
    jira.createIssue({
      key: 'OPS-101',
      reporter: alice,
      summary: 'INC-4711: payments pods crash-looping, need read access to inspect',
      fields: { customfield_10100: { value: 'payments-read' }, customfield_10101: `${options.durationSeconds}s`, customfield_10102: ['payments'] },
    });
    jira.transition('OPS-101', 'In Review', alice);
    print(`1. ${bob.displayName} approves OPS-101 (profile payments-read, ${options.durationSeconds}s, namespace payments)`);
    const grantResponse = await deliver(jira.transition('OPS-101', 'Approved', bob), 'delivery-1');
    print(`   webhook answered ${JSON.stringify(grantResponse)}`);
    const bindingsWhileActive = kube.list();
    print('\n2. RoleBinding as the Kubernetes API server saw it:');
    print(JSON.stringify(bindingsWhileActive, null, 2).replace(/^/gm, '   '));
    print('\n   Jira comment:');
    print((jira.comments('OPS-101')[0] ?? '(none)').replace(/^/gm, '   | '));

    jira.createIssue({ key: 'OPS-102', reporter: alice, summary: 'Need access', fields: { customfield_10100: 'payments-debug' } });
    print(`\n3. ${alice.displayName} approves her own ticket OPS-102`);
    const denyResponse = await deliver(jira.transition('OPS-102', 'Approved', alice), 'delivery-2');
    print(`   webhook answered ${JSON.stringify(denyResponse)}`);

    const leaseId = bindingsWhileActive[0]?.metadata.labels?.[LABEL_LEASE_ID];
    const leaseBefore = leaseId === undefined ? undefined : await stack.container.leases.get(leaseId);
    print(`\n4. waiting for expiry at ${leaseBefore?.expiresAt ?? '?'} …`);
    let lease = leaseBefore;
    const deadline = Date.now() + (options.durationSeconds + 15) * 1000;
    while (leaseId !== undefined && Date.now() < deadline && (lease?.status !== 'REVOKED' || kube.list().length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      lease = await stack.container.leases.get(leaseId);
    }
    const bindingsAfterExpiry = kube.list();
    const revocationLagMs = lease?.revokedAt === undefined ? undefined : Date.parse(lease.revokedAt) - Date.parse(lease.expiresAt);
    print(`   lease ${lease?.id ?? '?'} is ${lease?.status ?? '?'}; RoleBindings left in the cluster: ${bindingsAfterExpiry.length}; revoked ${revocationLagMs ?? '?'} ms after expiry`);
    print('\n   lease history:');
    for (const entry of lease?.history ?? []) print(`   ${entry.at}  ${entry.from ?? '-'} → ${entry.to}  by ${entry.by}${entry.note ? ` (${entry.note})` : ''}`);
    print('\n   Jira comments on OPS-101:');
    for (const comment of jira.comments('OPS-101')) print(comment.replace(/^/gm, '   | ') + '\n');
    print('   Jira comment on OPS-102:');
    print((jira.comments('OPS-102')[0] ?? '(none)').replace(/^/gm, '   | '));
    print('\n5. audit trail:');
    for (const event of audit) print(`   ${JSON.stringify(event)}`);
    return {
      grantResponse,
      denyResponse,
      lease,
      bindingsWhileActive,
      bindingsAfterExpiry,
      comments: { 'OPS-101': jira.comments('OPS-101'), 'OPS-102': jira.comments('OPS-102') },
      audit,
      revocationLagMs,
    };
  } finally {
    await stack.stop();
    await Promise.all([jira.stop(), kube.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
