import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { consoleLogger } from '../../lib/adapters/logging/console-logger.js';
import { startLocalStack, type LocalStack } from '../../lib/local/local-stack.js';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import type { Logger } from '../../lib/ports/logger.js';
import { FakeJira, type JiraUser } from '../fakes/fake-jira.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { FakeServiceNow, type SnUser } from '../fakes/fake-servicenow.js';
import { DEMO_CATALOG, endingSessions, withAuditLog } from '../support/demo-catalog.js';

const alice: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c01', emailAddress: 'alice@example.com', displayName: 'Alice Engineer', accountType: 'atlassian', active: true };
const bob: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c02', emailAddress: 'bob@example.com', displayName: 'Bob Approver', accountType: 'atlassian', active: true };
const JIRA_SECRET = 'sandbox-jira-webhook-secret';
const SN_SECRET = 'sandbox-servicenow-webhook-secret';
/** The lease table: the CLI's default LEASES_TABLE, so DYNAMODB_ENDPOINT is all it needs. */
export const SANDBOX_TABLE = 'kube-lease-leases';

export interface SandboxOptions {
  /** Folder for the store and the generated catalog, kubeconfig and audit log; its store is emptied at start. */
  readonly dataDir: string;
  /** Local mode's webhook port (0: any free one). */
  readonly port: number;
  /** The sandbox's own port, where tickets are filed and approved (0: any free one). */
  readonly controlPort: number;
  /** The store's port, where the CLI reads it (0: any free one). */
  readonly storePort: number;
  readonly sweepIntervalMs?: number;
  readonly logger?: Logger;
}

export interface Sandbox {
  readonly localUrl: string;
  readonly controlUrl: string;
  readonly fakes: { readonly jira: string; readonly servicenow: string; readonly kubernetes: string };
  readonly store: { readonly endpoint: string; readonly table: string; readonly dir: string };
  stop(): Promise<void>;
}

/** What to paste: approve tickets, then read the store with the CLI and the report. */
export function sandboxHelp(s: Pick<Sandbox, 'localUrl' | 'controlUrl' | 'fakes' | 'store'>): string {
  const env = `DYNAMODB_ENDPOINT=${s.store.endpoint}`;
  return [
    `kube-lease sandbox: local mode on ${s.localUrl}, against a fake Jira (${s.fakes.jira}), a fake ServiceNow (${s.fakes.servicenow})`,
    `and a fake Kubernetes API server (${s.fakes.kubernetes}); nothing leaves this machine.`,
    `lease store: ${env} LEASES_TABLE=${s.store.table} (on disk in ${s.store.dir}, emptied at the next start)`,
    '',
    'Approve a Jira ticket (alice asks, bob approves): a RoleBinding for 30 minutes in the fake cluster',
    `  curl -s -X POST '${s.controlUrl}/approve?profile=payments-read&duration=30m'`,
    'A ServiceNow change, a short one (revoked at expiry by the local timer), and a self-approval (denied):',
    `  curl -s -X POST '${s.controlUrl}/approve?source=servicenow&profile=payments-debug&duration=2m'`,
    `  curl -s -X POST '${s.controlUrl}/approve?approver=alice'`,
    '',
    'Read the store (in another terminal, while the sandbox runs):',
    `  ${env} npx kube-lease leases list --all`,
    `  ${env} npx kube-lease report --out sandbox-report.html     # the 30 days up to now; .csv or .json for those formats`,
    `  ${env} npx kube-lease sweep --dry-run`,
    '',
    'Ctrl-C stops the sandbox.',
  ].join('\n');
}

/** What `POST /approve` answers: the ticket and kube-lease's answer to its webhook. */
export interface ApproveAnswer {
  readonly source: 'jira' | 'servicenow';
  readonly ticket: string;
  readonly approver: string;
  readonly webhook: { readonly status: number; readonly body: unknown };
}

class BadRequest extends Error {}

/**
 * Local mode, unchanged, against the fake Jira, ServiceNow and Kubernetes API server of the tests,
 * with a store on disk that the CLI and the report read while it runs. A small control server
 * files and approves tickets in the fakes and delivers the signed webhook, as Jira or the
 * ServiceNow business rule would: `POST /approve?profile=payments-read&duration=30m`.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dataDir = resolve(options.dataDir);
  const storeDir = join(dataDir, 'dynamodb');
  // Only what the sandbox itself writes is removed, never the folder it was given.
  await Promise.all(['dynamodb', 'catalog.yaml', 'kubeconfig', 'audit.log'].map((name) => rm(join(dataDir, name), { recursive: true, force: true })));
  await mkdir(dataDir, { recursive: true });

  const jira = new FakeJira();
  const servicenow = new FakeServiceNow();
  const kube = new FakeKubernetes();
  let stack: LocalStack | undefined;
  let control: Server | undefined;
  try {
    const [jiraUrl, snUrl, kubeUrl] = await Promise.all([jira.start(), servicenow.start(), kube.start()]);
    kube.auditLogPath = join(dataDir, 'audit.log');
    kube.addPod('payments', 'api-7d9c6b-x2x4q', { ownerKind: 'ReplicaSet', ownerName: 'api-7d9c6b', containers: ['app'] });
    const catalog = endingSessions(withAuditLog(DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  projects: [OPS]'), kube.auditLogPath, '2s'));
    await writeFile(join(dataDir, 'catalog.yaml'), catalog);
    await writeFile(join(dataDir, 'kubeconfig'), kube.kubeconfig(kubeUrl));
    stack = await startLocalStack({
      env: {
        ACCESS_CATALOG: join(dataDir, 'catalog.yaml'),
        ...jira.clientEnv(jiraUrl),
        JIRA_WEBHOOK_SECRET: JIRA_SECRET,
        SERVICENOW_INSTANCE_URL: snUrl,
        SERVICENOW_USER: 'kube-lease.integration',
        SERVICENOW_PASSWORD: 'fake-sn-password',
        SERVICENOW_WEBHOOK_SECRET: SN_SECRET,
        KUBECONFIG: join(dataDir, 'kubeconfig'),
        LEASES_TABLE: SANDBOX_TABLE,
      },
      dataDir: storeDir,
      port: options.port,
      storePort: options.storePort,
      sweepIntervalMs: options.sweepIntervalMs ?? 2_000,
      ...(options.logger ? { logger: options.logger } : { logger: consoleLogger() }),
    });
    const localUrl = stack.url;
    const store = stack.store;
    if (store === undefined) throw new Error('the sandbox runs its own store, but local mode reports none');

    const snPeople = { alice: servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer'), bob: servicenow.addUser('bob', 'bob@example.com', 'Bob Approver') };
    let next = 0;
    const approve = async (query: URLSearchParams): Promise<ApproveAnswer> => {
      const source = query.get('source') ?? 'jira';
      if (source !== 'jira' && source !== 'servicenow') throw new BadRequest('source is jira or servicenow');
      const profile = query.get('profile') ?? 'payments-read';
      const duration = query.get('duration') ?? '30m';
      const namespaces = query.get('namespaces')?.split(',').map((n) => n.trim()).filter((n) => n !== '');
      const approverName = query.get('approver') ?? 'bob';
      if (approverName !== 'bob' && approverName !== 'alice') throw new BadRequest('approver is bob (a peer) or alice (the requester herself: a self-approval, denied)');
      next += 1;
      if (source === 'jira') {
        const key = query.get('ticket') ?? `OPS-${100 + next}`;
        if (!/^OPS-\d{1,6}$/.test(key)) throw new BadRequest('ticket is OPS-<number> (the catalog takes project OPS)');
        const approver = approverName === 'bob' ? bob : alice;
        jira.createIssue({
          key,
          reporter: alice,
          summary: `Sandbox: ${profile} for ${duration}`,
          fields: { customfield_10100: { value: profile }, customfield_10101: duration, ...(namespaces ? { customfield_10102: namespaces } : {}) },
        });
        jira.transition(key, 'In Review', alice);
        const body = JSON.stringify(jira.transition(key, 'Approved', approver));
        const response = await fetch(`${localUrl}/webhooks/jira`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraBody(body, JIRA_SECRET), 'x-atlassian-webhook-identifier': randomUUID() },
          body,
        });
        return { source, ticket: key, approver: approver.emailAddress ?? approverName, webhook: { status: response.status, body: (await response.json()) as unknown } };
      }
      const approver: SnUser = snPeople[approverName];
      const change = servicenow.createChange(snPeople.alice, { u_k8s_profile: profile, u_k8s_duration: duration, ...(namespaces ? { u_k8s_namespaces: namespaces.join(',') } : {}) });
      servicenow.approve(change, approver);
      const body = JSON.stringify({ sys_id: change.sys_id, number: change.number, table: 'change_request', event: 'update' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const delivery = randomUUID();
      const response = await fetch(`${localUrl}/webhooks/servicenow`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-kubelease-timestamp': timestamp,
          'x-kubelease-signature': signServiceNowBody(timestamp, delivery, body, SN_SECRET),
          'x-kubelease-delivery': delivery,
        },
        body,
      });
      return { source, ticket: change.number ?? '', approver: `${approverName}@example.com`, webhook: { status: response.status, body: (await response.json()) as unknown } };
    };

    control = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(body, null, 2)}\n`);
      };
      if (req.method === 'POST' && url.pathname === '/approve') {
        approve(url.searchParams).then(
          (result) => answer(200, result),
          (error: unknown) => answer(error instanceof BadRequest ? 400 : 500, { error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      }
      answer(404, { error: 'POST /approve?source=jira|servicenow&profile=payments-read|payments-debug&duration=30m&namespaces=payments&approver=bob|alice&ticket=OPS-<n>' });
    });
    const server = control;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.controlPort, '127.0.0.1', () => done());
    });
    const controlUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const running = stack;
    return {
      localUrl,
      controlUrl,
      fakes: { jira: jiraUrl, servicenow: snUrl, kubernetes: kubeUrl },
      store: { endpoint: store.endpoint, table: store.table, dir: storeDir },
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
        await running.stop();
        await Promise.all([jira.stop(), servicenow.stop(), kube.stop()]);
      },
    };
  } catch (error) {
    const server = control;
    if (server !== undefined) await new Promise<void>((done) => server.close(() => done()));
    await stack?.stop();
    await Promise.all([jira.stop(), servicenow.stop(), kube.stop()]);
    throw error;
  }
}
