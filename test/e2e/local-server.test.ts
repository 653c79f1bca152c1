import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLocalStack, type LocalStack } from '../../lib/local/local-stack.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import { MemoryAuditLog, MemoryLogger } from '../fakes/memory-audit-log.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { cleanUp } from '../support/clean-up.js';

/** The settings local mode needs, with placeholder ITSM addresses (never called in these tests). */
const localEnv = (dir: string, extra: Record<string, string>) => ({
  ACCESS_CATALOG: join(dir, 'catalog.yaml'),
  JIRA_BASE_URL: 'http://127.0.0.1:9',
  JIRA_EMAIL: 'bot@example.com',
  JIRA_API_TOKEN: 'token',
  JIRA_WEBHOOK_SECRET: 'secret',
  SERVICENOW_INSTANCE_URL: 'http://127.0.0.1:9',
  SERVICENOW_USER: 'user',
  SERVICENOW_PASSWORD: 'password',
  SERVICENOW_WEBHOOK_SECRET: 'secret',
  ...extra,
});

describe('local server', () => {
  let stack: LocalStack;
  let dir: string;
  const audit = new MemoryAuditLog();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-server-'));
    await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
    // A cluster to reach (never called here): local mode refuses to start without access to every cluster.
    await writeFile(join(dir, 'kubeconfig'), new FakeKubernetes().kubeconfig('http://127.0.0.1:9'));
    stack = await startLocalStack({
      env: localEnv(dir, { KUBECONFIG: join(dir, 'kubeconfig') }),
      dataDir: join(dir, 'data'),
      port: 0,
      sweepIntervalMs: 60_000,
      logger: new MemoryLogger(),
      audit,
    });
  });
  afterAll(async () => {
    await cleanUp(() => stack.stop(), () => rm(dir, { recursive: true, force: true }));
  });

  it('keeps its store from browsers: a request with an Origin (any web page) is refused, preflight included', async () => {
    // Prepare
    const endpoint = stack.store?.endpoint ?? '';
    const body = JSON.stringify({});
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' };
    // Act
    const fromPage = await fetch(endpoint, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body });
    const preflight = await fetch(endpoint, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    const fromClient = await stack.container.leases.get('0123456789abcdef0123');
    // Assess
    expect([fromPage.status, preflight.status]).toEqual([403, 403]);
    expect(fromPage.headers.get('access-control-allow-origin')).toBeNull();
    expect(fromClient).toBeUndefined();
  });

  it('seals activity evidence with a key file it created only its owner may read, under the data folder', async () => {
    const path = join(dir, 'data', 'evidence-mac.key');
    expect(stack.evidenceKeyFile).toBe(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${stack.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('rejects an unsigned webhook with 401 over real HTTP', async () => {
    const response = await fetch(`${stack.url}/webhooks/jira`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(audit.events.at(-1)).toMatchObject({ kind: 'reject', code: 'bad-signature' });
  });

  it('answers 413 for a body over the limit without buffering all of it', async () => {
    const response = await fetch(`${stack.url}/webhooks/jira`, { method: 'POST', body: 'x'.repeat(1024 * 1024) });
    expect(response.status).toBe(413);
  });

  it('serves the ServiceNow webhook too, rejecting a stale signed hint', async () => {
    const body = JSON.stringify({ sys_id: 'a'.repeat(32) });
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    const response = await fetch(`${stack.url}/webhooks/servicenow`, {
      method: 'POST',
      headers: { 'x-kubelease-timestamp': stale, 'x-kubelease-delivery': 'd-1', 'x-kubelease-signature': signServiceNowBody(stale, 'd-1', body, 'secret') },
      body,
    });
    expect(response.status).toBe(401);
  });

  it('answers 404 for unknown routes and 405 for GET on the webhook', async () => {
    expect((await fetch(`${stack.url}/nope`)).status).toBe(404);
    expect((await fetch(`${stack.url}/webhooks/jira`)).status).toBe(405);
  });
});

describe('local mode start', () => {
  const start = (dir: string, extra: Record<string, string>) =>
    startLocalStack({ env: localEnv(dir, extra), dataDir: join(dir, 'data'), port: 0, sweepIntervalMs: 60_000, logger: new MemoryLogger(), audit: new MemoryAuditLog() });

  it('refuses to start when a kubeconfig cannot be read, and says which cluster', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'kube-lease-start-'));
    await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
    // Act
    const started = start(dir, { KUBECONFIG: '/nonexistent/kubeconfig' });
    // Assess
    await expect(started).rejects.toThrow(/local mode cannot start:[\s\S]*access to cluster demo:[\s\S]*\/nonexistent\/kubeconfig/);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start on a secret reference it cannot resolve locally (ssm:), and names it', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'kube-lease-start-'));
    await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
    await writeFile(join(dir, 'kubeconfig'), new FakeKubernetes().kubeconfig('http://127.0.0.1:9'));
    // Act
    const started = start(dir, { KUBECONFIG: join(dir, 'kubeconfig'), JIRA_API_TOKEN: 'ssm:/kube-lease/prod/itsm/jira-api-token' });
    // Assess
    await expect(started).rejects.toThrow(/the jira API credentials:[\s\S]*JIRA_API_TOKEN/);
    await rm(dir, { recursive: true, force: true });
  });

  it('re-arms the timers of open leases after a restart', async () => {
    // Prepare: a lease made ACTIVE in a first run, its timers lost with the process.
    const dir = await mkdtemp(join(tmpdir(), 'kube-lease-start-'));
    await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
    await writeFile(join(dir, 'kubeconfig'), new FakeKubernetes().kubeconfig('http://127.0.0.1:9'));
    const extra = { KUBECONFIG: join(dir, 'kubeconfig') };
    const first = await start(dir, extra);
    const lease = { ...leaseFixture('bbbbbbbbbbbbbbbbbbb1', new Date(Date.now() + 3_600_000).toISOString()), createdAt: new Date().toISOString() };
    await first.container.leases.create(lease);
    await first.container.leases.transition(lease, 'ACTIVE', { at: new Date().toISOString(), from: 'PENDING', to: 'ACTIVE', by: 'test' });
    await first.stop();
    // Act
    const second = await start(dir, extra);
    // Assess
    expect(second.scheduler.pending()).toEqual([lease.scheduleName]);
    await second.stop();
    await rm(dir, { recursive: true, force: true });
  });
});
