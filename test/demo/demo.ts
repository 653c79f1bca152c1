import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRequesterCommand } from '../../lib/cli/requester-commands.js';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { consoleLogger } from '../../lib/adapters/logging/console-logger.js';
import { startLocalStack, type LocalStack } from '../../lib/local/local-stack.js';
import { reviewPacks } from '../../lib/review-container.js';
import { parseReviewPeriod } from '../../lib/domain/review-period.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import type { AuditEvent } from '../../lib/domain/audit.js';
import type { Lease } from '../../lib/domain/lease.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakeJira, type JiraUser } from '../fakes/fake-jira.js';
import { FakeKubernetes, type StoredBinding } from '../fakes/fake-kubernetes.js';
import { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { FakeServiceNow, snDate } from '../fakes/fake-servicenow.js';
import { DEMO_PAGERDUTY_KEY, runEmergency, withIncidentAccess, type EmergencyResult } from './demo-emergency.js';
import { DEMO_CATALOG, endingSessions, withAuditLog } from '../support/demo-catalog.js';

export interface DemoResult {
  readonly grantResponse: unknown;
  readonly denyResponse: unknown;
  readonly serviceNowResponse: unknown;
  readonly lease: Lease | undefined;
  readonly serviceNowLease: Lease | undefined;
  readonly bindingsWhileActive: StoredBinding[];
  readonly serviceNowBindingsBeforeStart: number;
  readonly serviceNowBindingsAfterStart: number;
  readonly bindingsAfterExpiry: StoredBinding[];
  readonly comments: Record<string, string[]>;
  readonly audit: AuditEvent[];
  readonly revocationLagMs: number | undefined;
  /** Whether alice's exec stream into the payments-debug pod ended when kube-lease evicted the pod at revoke. */
  readonly execStreamEnded: boolean;
  /** The on-call grant, the break-glass grant and the refused second break-glass (steps 4 and 5). */
  readonly emergency: EmergencyResult;
  /** The on-call and the break-glass lease at the end (both expired by then). */
  readonly onCallLease: Lease | undefined;
  readonly breakGlassLease: Lease | undefined;
}

const alice: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c01', emailAddress: 'alice@example.com', displayName: 'Alice Engineer', accountType: 'atlassian', active: true };
const bob: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c02', emailAddress: 'bob@example.com', displayName: 'Bob Approver', accountType: 'atlassian', active: true };
const JIRA_SECRET = 'demo-webhook-secret';
const SN_SECRET = 'demo-servicenow-secret';

/** The demo's lease table. */
export const DEMO_TABLE = 'kube-lease-demo';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const indent = (text: string, prefix = '   | ') => text.replace(/^/gm, prefix);

/**
 * The whole cycle in local mode: an approver approves a Jira ticket, the webhook grants a
 * RoleBinding in the (fake) cluster, the in-process scheduler revokes it at expiry; a denial; and a
 * ServiceNow change whose window opens a few seconds later, granted at its start; an on-call grant
 * (PagerDuty) and a break-glass grant, and a second break-glass the per-day limit refuses.
 */
export async function runDemo(options: {
  durationSeconds: number;
  print: (line: string) => void;
  /** Folder for the lease store, left on disk afterwards (`--keep`); by default the store lives in memory. */
  storeDir?: string;
}): Promise<DemoResult> {
  const { print } = options;
  const jira = new FakeJira();
  const servicenow = new FakeServiceNow();
  const kube = new FakeKubernetes();
  const pagerDuty = new FakePagerDuty(DEMO_PAGERDUTY_KEY);
  const dir = await mkdtemp(join(tmpdir(), 'kube-lease-demo-'));
  const audit: AuditEvent[] = [];
  let stack: LocalStack | undefined;
  try {
    const [jiraUrl, snUrl, kubeUrl, pagerDutyUrl] = await Promise.all([jira.start(), servicenow.start(), kube.start(), pagerDuty.start()]);
    // Scoped to the demo's Jira project, as a real catalog should be; the fake API server writes its
    // audit log (as kube-apiserver --audit-log-path does), which kube-lease reads at revoke and after.
    kube.auditLogPath = join(dir, 'audit.log');
    // With incident access: a profile approved by being on call (PagerDuty), and one by break-glass.
    const catalog = withIncidentAccess(endingSessions(withAuditLog(DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  projects: [OPS]'), kube.auditLogPath, '2s')));
    await writeFile(join(dir, 'catalog.yaml'), catalog);
    const pod = kube.addPod('payments', 'api-7d9c6b-x2x4q', { ownerKind: 'ReplicaSet', ownerName: 'api-7d9c6b', containers: ['app'] });
    kube.addSecret('payments', 'db-password', { password: 'placeholder' });
    await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig(kubeUrl));
    stack = await startLocalStack({
      env: {
        ACCESS_CATALOG: join(dir, 'catalog.yaml'),
        ...jira.clientEnv(jiraUrl),
        JIRA_WEBHOOK_SECRET: JIRA_SECRET,
        SERVICENOW_INSTANCE_URL: snUrl,
        SERVICENOW_USER: 'kube-lease.integration',
        SERVICENOW_PASSWORD: 'fake-sn-password',
        SERVICENOW_WEBHOOK_SECRET: SN_SECRET,
        // Local mode asks the fake PagerDuty, as it would PagerDuty (docs/incident-access.md).
        PAGERDUTY_API_URL: pagerDutyUrl,
        PAGERDUTY_API_KEY: DEMO_PAGERDUTY_KEY,
        KUBECONFIG: join(dir, 'kubeconfig'),
        LEASES_TABLE: DEMO_TABLE,
      },
      dataDir: options.storeDir,
      port: 0,
      sweepIntervalMs: 1_000,
      logger: consoleLogger({ quiet: true }),
      audit: { record: (event) => audit.push(event) },
    });
    const url = stack.url;
    /** Alice using her access with kubectl (a request to the API server as her, which it audits). */
    const asAlice = (path: string, method = 'GET') => fetch(`${kubeUrl}${path}`, { method, headers: { authorization: 'Bearer user:alice@example.com' } });
    const post = async (path: string, body: string, headers: Record<string, string>) => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const deliverJira = (payload: Record<string, unknown>, delivery: string) => {
      const body = JSON.stringify(payload);
      return post('/webhooks/jira', body, { 'x-hub-signature': signJiraBody(body, JIRA_SECRET), 'x-atlassian-webhook-identifier': delivery });
    };
    const deliverServiceNow = (change: Record<string, string>) => {
      const body = JSON.stringify({ sys_id: change.sys_id, number: change.number, table: 'change_request', event: 'update' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const delivery = randomUUID();
      return post('/webhooks/servicenow', body, {
        'x-kubelease-timestamp': timestamp,
        'x-kubelease-signature': signServiceNowBody(timestamp, delivery, body, SN_SECRET),
        'x-kubelease-delivery': delivery,
      });
    };

    print(`local mode on ${url}; fake Jira on ${jiraUrl}; fake ServiceNow on ${snUrl}; fake PagerDuty on ${pagerDutyUrl}; fake Kubernetes API on ${kubeUrl}\n`);
    // Alice asks from her terminal, with her own Jira token and kubeconfig; bob approves in Jira while she waits.
    jira.addAccount(alice, 'alice-api-token');
    jira.firstIssueNumber = 101;
    await writeFile(join(dir, 'alice-kubeconfig'), kube.userKubeconfig(kubeUrl, 'alice@example.com', 'demo'));
    const reason = 'INC-4711: payments pods crash-looping, need read access to inspect';
    print(`1. alice: kube-lease request payments-read --namespaces payments --for ${options.durationSeconds}s --reason "${reason}" --wait`);
    let grantResponse: { status: number; body: unknown } | undefined;
    const cli = (text: string) => print(indent(text.trimEnd()));
    const requested = await runRequesterCommand(
      'request',
      ['payments-read', '--namespaces', 'payments', '--for', `${options.durationSeconds}s`, '--reason', reason, '--wait'],
      {
        env: { KUBE_LEASE_CATALOG: join(dir, 'catalog.yaml'), KUBE_LEASE_JIRA_URL: jiraUrl, KUBE_LEASE_JIRA_EMAIL: 'alice@example.com', KUBE_LEASE_JIRA_TOKEN: 'alice-api-token', KUBECONFIG: join(dir, 'alice-kubeconfig'), XDG_CONFIG_HOME: dir },
        out: cli,
        err: cli,
      },
      {
        sleep: async () => {
          if (grantResponse !== undefined) {
            await sleep(200);
            return;
          }
          print(`   Jira: ${bob.displayName} approves OPS-101`);
          jira.transition('OPS-101', 'In Review', alice);
          grantResponse = await deliverJira(jira.transition('OPS-101', 'Approved', bob), 'delivery-1');
          print(`   webhook answered ${JSON.stringify(grantResponse)}`);
        },
      },
    );
    if (requested !== 0 || grantResponse === undefined) throw new Error('alice\'s request did not end with access');
    const bindingsWhileActive = kube.list();
    print('\n   RoleBinding as the Kubernetes API server saw it:');
    print(JSON.stringify(bindingsWhileActive, null, 2).replace(/^/gm, '   '));
    print('\n   Jira comment:');
    print(indent(jira.comments('OPS-101')[0] ?? '(none)'));
    const used = [
      await asAlice('/api/v1/namespaces/payments/pods'),
      await asAlice('/api/v1/namespaces/payments/pods/api-7d9c6b-x2x4q'),
      await asAlice('/api/v1/namespaces/payments/secrets/db-password'),
    ];
    await Promise.all(used.map((r) => r.text()));
    print(`   alice uses it: list pods, get a pod, get a secret → HTTP ${used.map((r) => r.status).join(', ')} (view does not include secrets)`);

    jira.createIssue({ key: 'OPS-102', reporter: alice, summary: 'Need access', fields: { customfield_10100: 'payments-debug' } });
    print(`\n2. Jira: ${alice.displayName} approves her own ticket OPS-102`);
    const denyResponse = await deliverJira(jira.transition('OPS-102', 'Approved', alice), 'delivery-2');
    print(`   webhook answered ${JSON.stringify(denyResponse)}`);

    const snAlice = servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const snBob = servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    const start = Math.ceil(Date.now() / 1000) * 1000 + 3000;
    const change = servicenow.createChange(snAlice, {
      u_k8s_profile: 'payments-debug',
      u_k8s_duration: `${options.durationSeconds}s`,
      start_date: snDate(start),
      end_date: snDate(start + 3600_000),
    });
    servicenow.approve(change, snBob);
    print(`\n3. ServiceNow: ${snBob.name} approves ${change.number ?? ''} (profile payments-debug) for a window opening at ${snDate(start)} UTC`);
    const serviceNowResponse = await deliverServiceNow(change);
    print(`   webhook answered ${JSON.stringify(serviceNowResponse)}`);
    const snLeaseId = (serviceNowResponse.body as { leaseId?: string }).leaseId;
    const serviceNowBindingsBeforeStart = snLeaseId === undefined ? 0 : kube.list(LABEL_LEASE_ID, snLeaseId).length;
    print(`   RoleBindings of that lease before the window opens: ${serviceNowBindingsBeforeStart}`);
    await sleep(Math.max(0, start - Date.now()));
    // Activation reads the change again and creates the binding: give it a moment (up to 5 s).
    for (let waited = 0; waited < 5000 && snLeaseId !== undefined && kube.list(LABEL_LEASE_ID, snLeaseId).length === 0; waited += 50) await sleep(50);
    const serviceNowBindingsAfterStart = snLeaseId === undefined ? 0 : kube.list(LABEL_LEASE_ID, snLeaseId).length;
    print(`   RoleBindings of that lease after it opened: ${serviceNowBindingsAfterStart}`);
    // `kubectl exec -it api-7d9c6b-x2x4q -- sh`: a stream authorized once, when it opens.
    const exec = await asAlice('/api/v1/namespaces/payments/pods/api-7d9c6b-x2x4q/exec?command=sh&container=app&stdin=true&stdout=true&tty=true', 'POST');
    const execEnded = exec.text().then(() => true, () => true);
    print(`   alice opens an exec stream into payments/${pod.metadata.name}: HTTP ${exec.status}, open while the lease runs`);

    const emergency = await runEmergency({ jira, kube, pagerDuty, requester: alice, durationSeconds: options.durationSeconds, deliverJira, print, step: 4 });

    const leaseId = bindingsWhileActive[0]?.metadata.labels?.[LABEL_LEASE_ID];
    const ids = [leaseId, snLeaseId, emergency.onCallLeaseId, emergency.breakGlassLeaseId].filter((id): id is string => id !== undefined);
    print(`\n6. waiting for the ${ids.length} leases to expire …`);
    const deadline = Date.now() + (options.durationSeconds + 20) * 1000;
    const allRevoked = async () => (await Promise.all(ids.map((id) => stack?.container.leases.get(id)))).every((l) => l?.status === 'REVOKED');
    while (Date.now() < deadline && (!(await allRevoked()) || kube.list().length > 0)) await sleep(100);
    const execStreamEnded = await Promise.race([execEnded, sleep(5000).then(() => false)]);
    print(`   alice's exec stream ${execStreamEnded ? 'ended: kube-lease evicted its pod (its ReplicaSet recreates it)' : 'is still open'}`);
    // The activity evidence follows the end by the audit log's delay (2 s here; 5 min is the EKS default).
    print('   waiting for the activity evidence …');
    const posted = async () => (await Promise.all(ids.map((id) => stack?.container.leases.get(id)))).every((l) => l?.evidence?.postedAt !== undefined);
    const evidenceDeadline = Date.now() + 20_000;
    while (Date.now() < evidenceDeadline && !(await posted())) await sleep(100);
    const lease = leaseId === undefined ? undefined : await stack.container.leases.get(leaseId);
    const serviceNowLease = snLeaseId === undefined ? undefined : await stack.container.leases.get(snLeaseId);
    const bindingsAfterExpiry = kube.list();
    const revocationLagMs = lease?.revokedAt === undefined ? undefined : Date.parse(lease.revokedAt) - Date.parse(lease.expiresAt);
    print(`   Jira lease ${lease?.id ?? '?'} is ${lease?.status ?? '?'}, revoked ${revocationLagMs ?? '?'} ms after expiry`);
    print(`   ServiceNow lease ${serviceNowLease?.id ?? '?'} is ${serviceNowLease?.status ?? '?'}`);
    const onCallLease = emergency.onCallLeaseId === undefined ? undefined : await stack.container.leases.get(emergency.onCallLeaseId);
    const breakGlassLease = emergency.breakGlassLeaseId === undefined ? undefined : await stack.container.leases.get(emergency.breakGlassLeaseId);
    print(`   on-call lease ${onCallLease?.id ?? '?'} is ${onCallLease?.status ?? '?'}; break-glass lease ${breakGlassLease?.id ?? '?'} is ${breakGlassLease?.status ?? '?'}`);
    print(`   RoleBindings left in the cluster: ${bindingsAfterExpiry.length}`);
    for (const l of [lease, serviceNowLease]) {
      print(`\n   history of lease ${l?.id ?? '?'} (${l?.ticketKey ?? '?'}):`);
      for (const entry of l?.history ?? []) print(`   ${entry.at}  ${entry.from ?? '-'} → ${entry.to}  by ${entry.by}${entry.note ? ` (${entry.note})` : ''}`);
    }
    print('\n   Jira comments on OPS-101:');
    for (const comment of jira.comments('OPS-101')) print(indent(comment) + '\n');
    print('   Jira comment on OPS-102:');
    print(indent(jira.comments('OPS-102')[0] ?? '(none)'));
    print(`\n   ServiceNow work notes on ${change.number ?? ''}:`);
    for (const note of servicenow.notes(change)) print(indent(note) + '\n');
    print('7. audit trail:');
    for (const event of audit) print(`   ${JSON.stringify(event)}`);
    // 8. This month's access review pack, filed as a Jira issue with its HTML and CSV attached (docs/review-packs.md).
    const review = reviewPacks({ ...stack.container.config, dynamodbEndpoint: stack.store?.endpoint }, { REVIEW_DESK: 'jira', REVIEW_JIRA_PROJECT: 'SEC' }, { evidenceMac: undefined, secretBackends: {} });
    const built = await review.build(parseReviewPeriod(new Date().toISOString().slice(0, 7)));
    const filed = await review.file(built).finally(() => review.close());
    print(`\n8. access review ${built.pack.period.label}: ${built.pack.leases.map((l) => `${l.ticketKey} ${l.use}`).join(', ')}; digest ${built.digest}`);
    print(`   filed as ${filed.key} with ${((jira.issue(filed.key).fields.attachment as unknown[] | undefined) ?? []).length} attachments (HTML, CSV)`);
    return {
      grantResponse,
      denyResponse,
      serviceNowResponse,
      lease,
      serviceNowLease,
      bindingsWhileActive,
      serviceNowBindingsBeforeStart,
      serviceNowBindingsAfterStart,
      bindingsAfterExpiry,
      comments: {
        ...Object.fromEntries(['OPS-101', 'OPS-102', 'OPS-103', 'OPS-104', 'OPS-105'].map((key) => [key, jira.comments(key)])),
        [change.number ?? '']: servicenow.notes(change),
      },
      audit,
      revocationLagMs,
      execStreamEnded,
      emergency,
      onCallLease,
      breakGlassLease,
    };
  } finally {
    await stack?.stop();
    await Promise.all([jira.stop(), servicenow.stop(), kube.stop(), pagerDuty.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
