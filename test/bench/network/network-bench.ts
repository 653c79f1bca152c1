import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../../lib/config.js';
import { buildContainer, type Container, type TimerTargets } from '../../../lib/container.js';
import { LocalScheduler } from '../../../lib/local/local-scheduler.js';
import { systemClock } from '../../../lib/ports/clock.js';
import { noMetrics } from '../../../lib/ports/metrics.js';
import { signJiraBody } from '../../../lib/sources/jira/jira-webhook.js';
import { MemoryAuditLog, MemoryLogger } from '../../fakes/memory-audit-log.js';
import { DEMO_CATALOG } from '../../support/demo-catalog.js';
import { stats, watchGrant, type Stats } from '../grant-bench.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Counts = Record<string, { requests: number; connections: number }>;

/**
 * One figure of the network bench, per backend: approval → access works (the last binding
 * answered) and approval → the ticket says so (the comment answered), the headline figures with
 * their budgets in round trips; the webhook's answer, reported; and what each grant cost on the wire.
 */
export interface NetworkFigure {
  readonly label: string;
  /** Delivery → the webhook's answer (reported, not budgeted). */
  readonly stats: Stats;
  /** Delivery → the last binding answered: the access works. */
  readonly access: Stats;
  /** Delivery → the ticket comment answered: the ticket says so. */
  readonly told: Stats;
  /**
   * Round trips on the path to the last binding and to the comment, counted at the proxies (median
   * over the timed grants): a request's depth is one more than the deepest request that ended
   * before it arrived. It does not depend on how fast this machine is, only on what waits for what.
   */
  readonly accessRoundTrips: number;
  readonly toldRoundTrips: number;
  readonly newConnectionsPerGrant: number;
  readonly requestsPerGrant: number;
  /** Budgets, in round trips (each a calibrated round trip to an empty backend). */
  readonly accessBudgetRoundTrips: number;
  readonly toldBudgetRoundTrips: number;
  /** CPU this process spent from the delivery to the answer, per grant (the code under test). */
  readonly cpuMsPerGrant?: number;
}

const WEBHOOK_SECRET = 'bench-webhook-secret';
const REVOKE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:kube-lease-bench-revokeLease';
const ACTIVATE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:kube-lease-bench-activateLease';

/**
 * Section 6 of `npm run bench`: the grant over a modelled network. The backends run in their own
 * process behind proxies charging L per request and 2 L per new connection (TCP + TLS 1.3); the code
 * under test runs here (warm figures) or in a fresh process (cold figures).
 */
export async function networkBench(L: number, out: (line?: string) => void): Promise<{ figures: NetworkFigure[]; cold: Record<string, unknown>; spaced: Record<string, unknown>; roundTripL: number }> {
  const WARMUP = Number(process.env.BENCH_NET_WARMUP ?? 20);
  const TIMED = Number(process.env.BENCH_NET_GRANTS ?? 40);
  const SPACED = Number(process.env.BENCH_NET_SPACED ?? 12);
  const SPACING_MS = Number(process.env.BENCH_NET_SPACING_MS ?? 1000);
  const backends = fork(join('test', 'bench', 'network', 'backends.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_NET_L_MS: String(L) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<{ urls: Record<string, string>; kubeconfig: string; jiraEnv: Record<string, string> }>((resolve) => backends.once('message', (m) => resolve(m as never)));
  const rpc = rpcTo(backends);
  const dir = mkdtempSync(join(tmpdir(), 'kube-lease-netbench-'));
  let tickets = 0;
  const event = async (profile: string, namespaces?: string[]) => {
    tickets += 1;
    const payload = await rpc<Record<string, unknown>>({ cmd: 'ticket', key: `NET-${tickets}`, profile, namespaces });
    const body = JSON.stringify(payload);
    return { headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraBody(body, WEBHOOK_SECRET), 'x-atlassian-webhook-identifier': `net-${tickets}` }, body, isBase64Encoded: false, requestContext: { http: { method: 'POST' } } };
  };
  try {
    writeFileSync(join(dir, 'kubeconfig'), ready.kubeconfig);
    writeFileSync(join(dir, 'catalog-1.yaml'), DEMO_CATALOG);
    writeFileSync(join(dir, 'catalog-5.yaml'), DEMO_CATALOG.replace('namespaces: [payments, payments-worker]', 'namespaces: [payments, payments-worker, checkout, default, ns5]'));
    const baseEnv: Record<string, string> = {
      ...ready.jiraEnv,
      JIRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SERVICENOW_INSTANCE_URL: 'https://your-instance.service-now.com',
      SERVICENOW_USER: 'placeholder',
      SERVICENOW_PASSWORD: 'placeholder',
      SERVICENOW_WEBHOOK_SECRET: 'placeholder',
      KUBECONFIG: join(dir, 'kubeconfig'),
      DYNAMODB_ENDPOINT: ready.urls.dynamodb ?? '',
      SCHEDULE_PREFIX: 'kube-lease-bench',
      REVOKE_FUNCTION_ARN: REVOKE_ARN,
      ACTIVATE_FUNCTION_ARN: ACTIVATE_ARN,
      PENDING_GRACE_SECONDS: '3600',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'placeholder',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
      AWS_ENDPOINT_URL_EVENTBRIDGE: ready.urls.eventbridge ?? '',
      AWS_ENDPOINT_URL_SCHEDULER: ready.urls.scheduler ?? '',
      AWS_ENDPOINT_URL_SSM: ready.urls.ssm ?? '',
    };
    // The SDK reads endpoint and credential variables from the process environment.
    Object.assign(process.env, baseEnv);

    // Budgets (issue 30): access works within 4 round trips, the ticket told within 6, for every backend.
    const budgets = { accessBudgetRoundTrips: 4, toldBudgetRoundTrips: 6 };
    const configs: { label: string; catalog: string; profile: string; env: Record<string, string>; local: boolean }[] = [
      { label: 'warm, EventBridge rules, 1 namespace', catalog: 'catalog-1.yaml', profile: 'payments-debug', env: {}, local: false },
      { label: 'warm, EventBridge rules, 5 namespaces', catalog: 'catalog-5.yaml', profile: 'payments-read', env: {}, local: false },
      { label: 'warm, EventBridge Scheduler, 1 namespace', catalog: 'catalog-1.yaml', profile: 'payments-debug', env: { SCHEDULER_BACKEND: 'scheduler', SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/kube-lease-bench-scheduler', SCHEDULER_GROUP: 'kube-lease-bench' }, local: false },
      { label: 'warm, local mode (in-process timers), 1 namespace', catalog: 'catalog-1.yaml', profile: 'payments-debug', env: {}, local: true },
    ];
    // Calibration: sequential requests through the model to a backend that does nothing (its
    // connection made first): what one round trip costs here before any code or fake does work.
    const echoTimes: number[] = [];
    for (let i = 0; i < 31; i += 1) {
      const started = performance.now();
      await (await fetch(ready.urls.echo ?? '')).arrayBuffer();
      if (i > 0) echoTimes.push(performance.now() - started);
    }
    const roundTrip = stats(echoTimes);
    out(`   one round trip to an empty backend (calibration)   median ${(roundTrip.median / L).toFixed(2)} L, p99 ${(roundTrip.p99 / L).toFixed(2)} L`);
    const figures: NetworkFigure[] = [];
    let spaced: Record<string, unknown> = {};
    for (const [index, config] of configs.entries()) {
      const table = `leases-net-${index}`;
      await rpc({ cmd: 'table', table });
      const marks = { binding: 0, comment: 0 };
      const container = build({ ...baseEnv, ...config.env, ACCESS_CATALOG: join(dir, config.catalog), LEASES_TABLE: table }, config.local, marks);
      let cpuMs = 0;
      let access: number[] = [];
      let told: number[] = [];
      let depths: { access: number; told: number }[] = [];
      let tracing = false;
      const grant = async () => {
        if (tracing) await rpc({ cmd: 'trace', on: true });
        const request = await event(config.profile);
        const handler = container.webhooks.jira;
        if (handler === undefined) throw new Error('jira webhook not configured');
        const cpu = process.cpuUsage();
        marks.binding = 0;
        marks.comment = 0;
        const started = performance.now();
        const answer = await handler({ method: 'POST', headers: request.headers, body: Buffer.from(request.body) });
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        cpuMs += (used.user + used.system) / 1000;
        if (!answer.body.includes('"granted"') || marks.binding === 0 || marks.comment === 0) throw new Error(`bench grant failed: ${answer.body}`);
        access.push(marks.binding - started);
        told.push(marks.comment - started);
        if (tracing) depths.push(roundTrips(await rpc<Traced[]>({ cmd: 'trace', on: false })));
        return ms;
      };
      for (let i = 0; i < WARMUP; i += 1) await grant();
      const before = await rpc<Counts>({ cmd: 'counts' });
      const times: number[] = [];
      cpuMs = 0;
      access = [];
      told = [];
      depths = [];
      tracing = true;
      for (let i = 0; i < TIMED; i += 1) times.push(await grant());
      tracing = false;
      const after = await rpc<Counts>({ cmd: 'counts' });
      const median = (values: number[]) => stats(values).median;
      const figure: NetworkFigure = {
        label: config.label,
        stats: stats(times),
        access: stats(access),
        told: stats(told),
        accessRoundTrips: median(depths.map((d) => d.access)),
        toldRoundTrips: median(depths.map((d) => d.told)),
        ...perGrant(before, after, TIMED),
        ...budgets,
        cpuMsPerGrant: cpuMs / TIMED,
      };
      figures.push(figure);
      const l = (x: Stats) => `median ${(x.median / L).toFixed(2)} L, p99 ${(x.p99 / L).toFixed(2)} L`;
      out(`   ${config.label.padEnd(50)} access works ${l(figure.access)} (${figure.accessRoundTrips} round trips); ticket told ${l(figure.told)} (${figure.toldRoundTrips} round trips); answered ${l(figure.stats)}; per grant ${figure.requestsPerGrant.toFixed(1)} requests, ${figure.newConnectionsPerGrant.toFixed(2)} new connections, ${(figure.cpuMsPerGrant ?? 0).toFixed(1)} ms CPU until the answer`);
      if (index === 0) {
        // The same grants spaced out: idle time between them, as real approvals arrive.
        const spacedBefore = await rpc<Counts>({ cmd: 'counts' });
        const spacedTimes: number[] = [];
        for (let i = 0; i < SPACED; i += 1) {
          await sleep(SPACING_MS);
          spacedTimes.push(await grant());
        }
        const spacedAfter = await rpc<Counts>({ cmd: 'counts' });
        const s = stats(spacedTimes);
        spaced = { spacingMs: SPACING_MS, grants: SPACED, medianL: s.median / L, p99L: s.p99 / L, ...perGrant(spacedBefore, spacedAfter, SPACED) };
        out(`   ${`  the same, spaced ${SPACING_MS} ms apart (${SPACED} grants)`.padEnd(50)} median ${(s.median / L).toFixed(2)} L, p99 ${(s.p99 / L).toFixed(2)} L; ${(spaced.newConnectionsPerGrant as number).toFixed(2)} new connections per grant`);
      }
    }

    // Cold first grants: a fresh process each, secrets read from SSM.
    const cold: Record<string, unknown> = {};
    await rpc({ cmd: 'table', table: 'leases-net-cold' });
    for (const [label, lambdaInit] of [
      ['cold, prepared during Lambda init', true],
      ['cold, prepared on the first request', false],
    ] as const) {
      const grants: number[] = [];
      let counts: { requestsPerGrant: number; newConnectionsPerGrant: number } | undefined;
      const runs = Number(process.env.BENCH_NET_COLD_RUNS ?? 3);
      let perBackend: Counts = {};
      for (let i = 0; i < runs; i += 1) {
        const request = await event('payments-debug');
        const before = await rpc<Counts>({ cmd: 'counts' });
        const { stdout } = await run(process.execPath, ['--import', 'tsx', join('test', 'bench', 'network', 'cold-grant.ts')], {
          env: {
            ...process.env,
            ...baseEnv,
            ACCESS_CATALOG: join(dir, 'catalog-1.yaml'),
            LEASES_TABLE: 'leases-net-cold',
            JIRA_API_TOKEN: 'ssm:/kube-lease/bench/itsm/jira-api-token',
            JIRA_WEBHOOK_SECRET: 'ssm:/kube-lease/bench/webhook/jira-webhook-secret',
            EVENT: JSON.stringify(request),
            ...(lambdaInit ? { AWS_LAMBDA_FUNCTION_NAME: 'kube-lease-bench-jiraWebhook' } : {}),
          },
        });
        const after = await rpc<Counts>({ cmd: 'counts' });
        const result = JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULT '))?.slice(7) ?? '{}') as { grantMs: number; outcome: string };
        if (result.outcome !== 'granted') throw new Error(`cold grant failed: ${stdout}`);
        grants.push(result.grantMs);
        counts = perGrant(before, after, 1);
        perBackend = Object.fromEntries(Object.entries(after).map(([name, c]) => [name, { requests: c.requests - (before[name]?.requests ?? 0), connections: c.connections - (before[name]?.connections ?? 0) }]));
      }
      const s = stats(grants);
      cold[label] = { medianL: s.median / L, runs, ...counts, perBackend };
      out(`   ${label.padEnd(50)} median ${(s.median / L).toFixed(2)} L over ${runs} fresh processes; ${counts?.requestsPerGrant ?? 0} requests, ${counts?.newConnectionsPerGrant ?? 0} new connections (${Object.entries(perBackend).filter(([, c]) => c.requests > 0).map(([n, c]) => `${n} ${c.requests}/${c.connections}`).join(', ')})`);
    }
    return { figures, cold, spaced, roundTripL: roundTrip.median / L };
  } finally {
    await rpc({ cmd: 'stop' }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function build(env: Record<string, string>, local: boolean, marks: { binding: number; comment: number }): Container {
  const quiet = { logger: new MemoryLogger(), audit: new MemoryAuditLog(), metrics: noMetrics, decorate: watchGrant(marks) };
  return buildContainer(loadConfig(env), {
    ...quiet,
    ...(local
      ? {
          scheduler: (targets: TimerTargets) =>
            new LocalScheduler(systemClock, { revoke: (leaseId) => targets.revoke({ leaseId, cause: 'expiry', actor: 'bench' }), activate: (leaseId) => targets.activate({ leaseId, actor: 'bench' }) }, () => undefined),
        }
      : {}),
  });
}

interface Traced {
  readonly backend: string;
  readonly method: string;
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The round trips on the path of one grant's requests, as the proxies saw them: a request's depth is
 * one more than the deepest request that had ended when it arrived. Access: the last binding create;
 * told: the ticket comment.
 */
function roundTrips(traced: readonly Traced[]): { access: number; told: number } {
  const requests = [...traced].sort((a, b) => a.start - b.start);
  const depth = new Map<Traced, number>();
  for (const request of requests) {
    const before = requests.filter((q) => q.end <= request.start).map((q) => depth.get(q) ?? 0);
    depth.set(request, 1 + Math.max(0, ...before));
  }
  const deepest = (match: (t: Traced) => boolean) => Math.max(0, ...requests.filter(match).map((t) => depth.get(t) ?? 0));
  return {
    access: deepest((t) => t.backend === 'kubernetes' && t.method === 'POST' && t.path.includes('/rolebindings')),
    told: deepest((t) => t.backend === 'jira' && t.method === 'POST' && t.path.includes('/comment')),
  };
}

function perGrant(before: Counts, after: Counts, grants: number): { requestsPerGrant: number; newConnectionsPerGrant: number } {
  let requests = 0;
  let connections = 0;
  for (const [name, c] of Object.entries(after)) {
    requests += c.requests - (before[name]?.requests ?? 0);
    connections += c.connections - (before[name]?.connections ?? 0);
  }
  return { requestsPerGrant: requests / grants, newConnectionsPerGrant: connections / grants };
}

function rpcTo(child: ChildProcess): <T>(message: Record<string, unknown>) => Promise<T> {
  let next = 0;
  const waiting = new Map<number, (body: unknown) => void>();
  child.on('message', (raw) => {
    const message = raw as { id?: number; body?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.body);
  });
  return <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      next += 1;
      waiting.set(next, (body) => resolve(body as T));
      child.send({ ...message, id: next });
    });
}
