import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { startLocalStack, type LocalStack } from '../../lib/local/local-stack.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakeJira, type JiraUser } from '../fakes/fake-jira.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { MemoryAuditLog, MemoryLogger } from '../fakes/memory-audit-log.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { cleanUp } from '../support/clean-up.js';

const SECRET = 'concurrency-secret';
const requester: JiraUser = { accountId: 'acc-req', emailAddress: 'req@example.com', displayName: 'Req', accountType: 'atlassian', active: true };
const approver: JiraUser = { accountId: 'acc-app', emailAddress: 'app@example.com', displayName: 'App', accountType: 'atlassian', active: true };

describe('concurrency over real HTTP against the local stack (dynalite, fake Jira and Kubernetes)', () => {
  const jira = new FakeJira();
  const kube = new FakeKubernetes();
  const audit = new MemoryAuditLog();
  let stack: LocalStack;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-concurrency-'));
    const [jiraUrl, kubeUrl] = await Promise.all([jira.start(), kube.start()]);
    await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG.replace(/servicenow:\n(  .*\n)+/, ''));
    await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig(kubeUrl));
    stack = await startLocalStack({
      env: {
        ACCESS_CATALOG: join(dir, 'catalog.yaml'),
        ...jira.clientEnv(jiraUrl),
        JIRA_WEBHOOK_SECRET: SECRET,
        KUBECONFIG: join(dir, 'kubeconfig'),
      },
      dataDir: undefined,
      port: 0,
      sweepIntervalMs: 600_000,
      logger: new MemoryLogger(),
      audit,
    });
  });
  afterAll(async () => {
    // Every step runs, and none throws over a failure reported above.
    await cleanUp(() => stack.stop(), () => jira.stop(), () => kube.stop(), () => rm(dir, { recursive: true, force: true }));
  });

  it('turns 50 identical deliveries plus 50 other tickets, all at once, into exactly one lease and one binding set per approval', async () => {
    const post = async (payload: unknown, delivery: string) => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${stack.url}/webhooks/jira`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraBody(body, SECRET), 'x-atlassian-webhook-identifier': delivery },
        body,
      });
      return { status: response.status, body: (await response.json()) as { outcome?: string; leaseId?: string } };
    };
    jira.createIssue({ key: 'HOT-1', reporter: requester, fields: { customfield_10100: 'payments-read' } });
    const hot = jira.transition('HOT-1', 'Approved', approver);
    const others = Array.from({ length: 50 }, (_, i) => {
      jira.createIssue({ key: `MANY-${i + 1}`, reporter: requester, fields: { customfield_10100: 'payments-debug' } });
      return jira.transition(`MANY-${i + 1}`, 'Approved', approver);
    });

    const responses = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => post(hot, `hot-${i}`)),
      ...others.map((payload, i) => post(payload, `many-${i}`)),
    ]);

    expect(responses.every((r) => r.status === 200)).toBe(true);
    const hotResponses = responses.slice(0, 50);
    expect(hotResponses.filter((r) => r.body.outcome === 'granted')).toHaveLength(1);
    // The other 49 copies of the same signed body are refused as replays before any work.
    expect(hotResponses.filter((r) => r.body.outcome === 'duplicate-delivery')).toHaveLength(49);
    expect(new Set(hotResponses.map((r) => r.body.leaseId).filter((id) => id !== undefined)).size).toBe(1);
    expect(responses.slice(50).every((r) => r.body.outcome === 'granted')).toBe(true);
    const leaseIds = new Set(responses.map((r) => r.body.leaseId).filter((id) => id !== undefined));
    expect(leaseIds.size).toBe(51);
    // One set of bindings per approval: 2 namespaces for payments-read, 1 for payments-debug.
    expect(kube.bindings.size).toBe(2 + 50);
    for (const id of leaseIds) expect(kube.list(LABEL_LEASE_ID, id).length).toBeGreaterThan(0);
    expect(kube.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/rolebindings'))).toHaveLength(52);
    expect(audit.kinds().filter((k) => k === 'grant')).toHaveLength(51);
    expect(jira.comments('HOT-1')).toHaveLength(1);
    expect(stack.scheduler.pending()).toHaveLength(51);
  });
});
