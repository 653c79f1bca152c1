import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureLeaseTable } from '../../../lib/adapters/dynamodb/lease-table.js';
import { startEmbeddedDynamoDb } from '../../../lib/local/embedded-dynamodb.js';
import { FakeScheduler, FakeSsm } from '../../fakes/fake-aws-extra.js';
import { FakeEventBridge } from '../../fakes/fake-eventbridge.js';
import { FakeJira } from '../../fakes/fake-jira.js';
import { FakeKubernetes } from '../../fakes/fake-kubernetes.js';
import { alice, bob } from '../../support/stack.js';
import { DelayProxy } from './delay-proxy.js';

/**
 * The backends of the network bench, in their own process (forked by run.ts): fake Jira,
 * Kubernetes, EventBridge, Scheduler and SSM, and dynalite, each behind a DelayProxy charging L per
 * request and 2 L per new connection, and an empty backend (`echo`) to calibrate the model with. Driven over IPC: `ticket` (an approved issue, its webhook
 * payload), `counts` (requests and new connections per backend), `trace` (each request's times), `stop`.
 */
const L = Number(process.env.BENCH_NET_L_MS ?? 50);
export const SSM_PARAMETERS = {
  '/kube-lease/bench/webhook/jira-webhook-secret': 'bench-webhook-secret',
  '/kube-lease/bench/itsm/jira-api-token': 'fake-jira-token',
};

const jira = new FakeJira();
const kube = new FakeKubernetes();
const eventBridge = new FakeEventBridge();
const scheduler = new FakeScheduler();
const ssm = new FakeSsm({ ...SSM_PARAMETERS });
// A backend that does nothing, for calibration: what one round trip through the model costs by itself.
const echo = createServer((_req, res) => res.writeHead(204).end());
await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
const [jiraUrl, kubeUrl, eventBridgeUrl, schedulerUrl, ssmUrl, dynamo] = await Promise.all([jira.start(), kube.start(), eventBridge.start(), scheduler.start(), ssm.start(), startEmbeddedDynamoDb(undefined)]);
kube.namespaces.add('ns5');
const targets = { echo: echoUrl, jira: jiraUrl, kubernetes: kubeUrl, dynamodb: dynamo.endpoint, eventbridge: eventBridgeUrl, scheduler: schedulerUrl, ssm: ssmUrl };
const proxies = Object.fromEntries(Object.entries(targets).map(([name, url]) => [name, new DelayProxy(url, L, 2 * L)])) as Record<keyof typeof targets, DelayProxy>;
const urls = Object.fromEntries(await Promise.all(Object.entries(proxies).map(async ([name, proxy]) => [name, await proxy.start()] as const)));

process.on('message', (raw: unknown) => {
  const message = raw as { id: number; cmd: string; key?: string; profile?: string; namespaces?: string[]; table?: string; on?: boolean };
  const reply = (body: unknown) => process.send?.({ id: message.id, body });
  void (async () => {
    switch (message.cmd) {
      case 'ticket': {
        const key = message.key ?? 'BENCH-1';
        jira.createIssue({ key, reporter: alice, summary: `Bench ${key}`, fields: { customfield_10100: message.profile, ...(message.namespaces ? { customfield_10102: message.namespaces } : {}) } });
        jira.transition(key, 'In Review', alice);
        reply(jira.transition(key, 'Approved', bob));
        return;
      }
      case 'table':
        await ensureLeaseTable(dynamo.client, message.table ?? 'leases');
        reply(true);
        return;
      case 'trace': {
        // Starts tracing (and clears what was traced) with `on`; answers the requests traced since, by backend.
        const traced = Object.entries(proxies).flatMap(([backend, p]) => p.trace.splice(0).map((t) => ({ backend, ...t })));
        for (const p of Object.values(proxies)) p.tracing = message.on ?? false;
        reply(traced);
        return;
      }
      case 'counts':
        reply(Object.fromEntries(Object.entries(proxies).map(([name, p]) => [name, { requests: p.requests, connections: p.connections }])));
        return;
      case 'stop':
        echo.closeAllConnections();
        echo.close();
        await Promise.all([...Object.values(proxies).map((p) => p.stop()), jira.stop(), kube.stop(), eventBridge.stop(), scheduler.stop(), ssm.stop(), dynamo.stop()]);
        reply(true);
        process.exit(0);
    }
  })();
});
process.send?.({ ready: true, urls, kubeconfig: kube.kubeconfig(urls.kubernetes ?? ''), jiraEnv: jira.clientEnv(urls.jira ?? '') });
