import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from '../../lib/container.js';
import { standingAccess, verifiedAllowed } from '../../lib/domain/lease.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakeEventBridge } from '../fakes/fake-eventbridge.js';
import { CrashInjector, SimulatedCrash } from '../support/crash-injector.js';
import { DEMO_CATALOG, endingSessions, WINDOW_CATALOG } from '../support/demo-catalog.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { packagedContainer } from '../support/packaged-container.js';
import { fakeParameters, packageStack, type Template } from '../support/packaged-stack.js';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';
import { cleanUp } from '../support/clean-up.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';
type Recovery = 'redeliver' | 'sweep';
const rows: string[] = [];

/*
 * The sweep column recovers through the sweep function as deployed: a container built from the
 * packaged template's environment for sweepLeases alone (its table, prefixes, timer targets and
 * secret references), sharing the stack's store, fakes and clock. The packaging runs once.
 */
let template: Template;
const eventBridge = new FakeEventBridge();
const sweepers = new WeakMap<TestStack, Container>();
const saved = { ...process.env };
/** The deployed sweep of a stack (its own packaged container). */
function deployedSweep(stack: TestStack): Container {
  let sweeper = sweepers.get(stack);
  if (sweeper === undefined) {
    sweeper = packagedContainer(template, 'SweepLeasesLambdaFunction', stack);
    sweepers.set(stack, sweeper);
  }
  return sweeper;
}

/** A stack as the packaged functions see it: its table and the cluster's kubeconfig in SSM. */
function startStack(options: { decorate: CrashInjector['decorate']; catalog?: string | undefined; auditLog?: boolean | undefined; sleep?: (ms: number) => Promise<void> }): Promise<TestStack> {
  const stack = new TestStack();
  // With `auditLog`, the fake API server writes its audit log to a file that the catalog names.
  const auditLog = options.auditLog === true ? join(tmpdir(), `kube-lease-crash-audit-${randomUUID()}.log`) : undefined;
  if (auditLog !== undefined) stack.kube.auditLogPath = auditLog;
  const watched = auditLog === undefined ? '' : `\n    auditLog: { type: file, path: ${JSON.stringify(auditLog)}, delay: 1m }`;
  const catalog = (options.catalog ?? DEMO_CATALOG).replace('  demo: {}', `  demo:\n    kubeconfig: ssm:/kube-lease/test/clusters/kubeconfig-demo${watched}`);
  return stack.start({
    decorate: options.decorate,
    catalog,
    env: { LEASES_TABLE: 'kube-lease-test-leases' },
    secretBackends: { ssm: (name) => Promise.resolve(fakeParameters('test', stack.kube.kubeconfig(stack.kube.url()))[name]) },
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
}

/** Checks the six invariants of ARCHITECTURE.md on the stack's current state; returns the broken ones. */
async function brokenInvariants(stack: TestStack, ticket: string, otherLeaseId: string): Promise<string[]> {
  const broken: string[] = [];
  // 1. No binding of ours without a lease record naming it.
  for (const binding of stack.kube.list()) {
    const leaseId = binding.metadata.labels?.[LABEL_LEASE_ID] ?? '';
    const lease = await stack.container.leases.get(leaseId);
    if (!lease?.bindings.some((b) => b.namespace === binding.metadata.namespace && b.name === binding.metadata.name)) broken.push(`1: ${binding.metadata.name} has no lease naming it`);
  }
  // 3. At most one lease per approval (and, here, per ticket: the second approval extends).
  const leases = (await stack.container.leases.listForTicket('jira', ticket)).leases;
  if (leases.length > 1) broken.push(`3: ${leases.length} leases for ${ticket}`);
  const ids = new Set(leases.flatMap((l) => l.approvals));
  if (ids.size !== leases.reduce((n, l) => n + l.approvals.length, 0)) broken.push('3: an approval is in two leases');
  // 5. Every ACTIVE or revoked-after-active lease has its grant in the audit trail.
  for (const lease of leases) {
    const wasActive = lease.history.some((h) => h.to === 'ACTIVE');
    if (wasActive && !stack.audit.events.some((e) => e.kind === 'grant' && e.leaseId === lease.id)) broken.push(`5: no grant audit for ${lease.id}`);
  }
  // 6. The other lease of the same person and role keeps its access.
  if (stack.kube.list(LABEL_LEASE_ID, otherLeaseId).length !== 2) broken.push('6: the overlapping lease lost its bindings');
  return broken;
}

/** 2. After the lease's expiry plus the sweep interval, none of its bindings is left. */
async function expiryHolds(stack: TestStack, ticket: string): Promise<string[]> {
  const leases = (await stack.container.leases.listForTicket('jira', ticket)).leases;
  const latest = Math.max(...leases.map((l) => Date.parse(l.expiresAt)), stack.clock.now().getTime());
  stack.clock.advance(latest - stack.clock.now().getTime() + 60_000);
  await deployedSweep(stack).sweepLeases({ scan: true });
  return leases.flatMap((l) => (stack.kube.list(LABEL_LEASE_ID, l.id).length > 0 ? [`2: lease ${l.id} outlived its expiry`] : []));
}

async function otherLease(stack: TestStack): Promise<string> {
  stack.ticket('OTHER-1', { [PROFILE]: 'payments-read', [DURATION]: '4h' });
  return String(bodyOf(await stack.deliver(stack.jira.transition('OTHER-1', 'Approved', carol))).leaseId);
}

interface Scenario {
  readonly name: string;
  readonly catalog?: string;
  /** The cluster's audit log is on (a file the fake API server writes). */
  readonly auditLog?: boolean;
  /** Runs up to the operation under test; returns the operation, which the crash interrupts. */
  readonly prepare: (stack: TestStack) => Promise<() => Promise<unknown>>;
  readonly recover: (stack: TestStack, recovery: Recovery, operation: () => Promise<unknown>) => Promise<void>;
  /** Liveness after recovery (before expiry): what the operation was for did happen. */
  readonly done?: (stack: TestStack, recovery: Recovery, operation: () => Promise<unknown>) => Promise<string[]>;
  /** The whole scenario's time limit (every step × both recoveries). */
  readonly timeoutMs?: number;
}

/** Liveness of a grant: the lease is ACTIVE with both bindings after recovery. */
async function grantIsLive(stack: TestStack, recovery: Recovery, operation: () => Promise<unknown>): Promise<string[]> {
    let [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    // Died before anything was recorded: the sweep cannot know of the approval; Jira's retry, arriving
    // later, must still be processed (the crashed claim must not block it).
    if (lease === undefined && recovery === 'sweep') {
      await operation();
      [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    }
    const bindings = lease === undefined ? 0 : stack.kube.list(LABEL_LEASE_ID, lease.id).length;
    if (lease?.status !== 'ACTIVE' || bindings !== 2) return [`live: lease is ${lease?.status ?? 'missing'} with ${bindings} bindings after recovery`];
    if (lease.grantNote !== undefined) {
      // The process died after ACTIVE, before the ticket was told: the announcement is owed on the
      // lease (in the status index at its hold's end), and the packaged sweep posts it then.
      stack.clock.advance(121_000);
      await deployedSweep(stack).sweepLeases();
      lease = (await stack.container.leases.get(lease.id)) ?? lease;
      if (lease.grantNote !== undefined) return ['announced: the grant\'s owed announcement is still owed after the sweep'];
    }
    // Whatever step the process died after, the ticket is told of the grant (at least once).
    if (!told(stack)) return ['announced: the ticket never heard of the grant'];
    // The access review's answer is recorded whatever step the process died after.
    return verifiedAllowed(lease.verification?.granted) ? [] : ['verified: the grant\'s access review is not recorded as allowed'];
  }

/** The ticket CR-1 has been told of a grant. */
const told = (stack: TestStack) => stack.jira.comments('CR-1').some((c) => c.includes('Access granted'));

const grant: Scenario = {
  name: 'grant',
  prepare: async (stack) => {
    stack.ticket('CR-1', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const payload = stack.jira.transition('CR-1', 'Approved', bob);
    return () => stack.deliver(payload, { deliveryId: 'cr-delivery' });
  },
  recover: async (stack, recovery, operation) => {
    stack.clock.advance(121_000);
    if (recovery === 'redeliver') await operation();
    else await deployedSweep(stack).sweepLeases({ scan: true });
  },
  done: grantIsLive,
};

const revoke: Scenario = {
  name: 'revoke',
  /** After the revoke, its access review is recorded: no access left but the other lease's, no standing access. */
  done: async (stack) => {
    const [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    const review = lease?.verification?.revoked;
    if (lease?.status !== 'REVOKED' || review === undefined) return [`verified: the lease is ${lease?.status ?? 'missing'} with no revoke review recorded`];
    return standingAccess(review).length === 0 && review.answers.length === 2 ? [] : [`verified: the revoke review says ${JSON.stringify(review.answers)}`];
  },
  prepare: async (stack) => {
    stack.ticket('CR-1', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('CR-1', 'Approved', bob))).leaseId);
    stack.clock.advance(3600_000 + 1000);
    return () => stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
  },
  recover: async (stack, recovery, operation) => {
    if (recovery === 'redeliver') await operation();
    else await deployedSweep(stack).sweepLeases({ scan: true });
  },
};

const extension: Scenario = {
  name: 'extension',
  prepare: async (stack) => {
    stack.ticket('CR-1', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    await stack.deliver(stack.jira.transition('CR-1', 'Approved', bob));
    stack.clock.advance(30 * 60_000);
    stack.jira.transition('CR-1', 'In Review', alice);
    const payload = stack.jira.transition('CR-1', 'Approved', bob);
    return () => stack.deliver(payload, { deliveryId: 'cr-extend' });
  },
  recover: grant.recover,
};

const activation: Scenario = {
  name: 'activate',
  catalog: WINDOW_CATALOG,
  prepare: async (stack) => {
    const start = new Date(stack.clock.now().getTime() + 3600_000).toISOString();
    stack.ticket('CR-1', { [PROFILE]: 'payments-read', [DURATION]: '1h', customfield_10103: start });
    const body = bodyOf(await stack.deliver(stack.jira.transition('CR-1', 'Approved', bob)));
    if (body.outcome !== 'scheduled') throw new Error(`expected a scheduled lease, got ${JSON.stringify(body)}`);
    stack.clock.advance(3600_000 + 1000);
    return () => stack.container.activateLease({ leaseId: String(body.leaseId), actor: 'eventbridge' });
  },
  // The start rule is retried by EventBridge/Lambda, or the sweep activates from the index.
  recover: grant.recover,
  done: async (stack) => {
    const [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    const bindings = lease === undefined ? 0 : stack.kube.list(LABEL_LEASE_ID, lease.id).length;
    if (lease?.status !== 'ACTIVE' || bindings !== 2) return [`live: lease is ${lease?.status ?? 'missing'} with ${bindings} bindings after recovery`];
    if (lease.grantNote !== undefined) {
      // Died after ACTIVE, before the ticket was told: the packaged sweep posts it once the hold ran out.
      stack.clock.advance(61_000);
      await deployedSweep(stack).sweepLeases();
    }
    return told(stack) ? [] : ['announced: the ticket never heard of the activation'];
  },
};

/** A grant that meets a Kubernetes 500 burst longer than its retries (deferred, 503), crashed at each step of that. */
const transient: Scenario = {
  name: 'transient',
  prepare: async (stack) => {
    stack.ticket('CR-1', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const payload = stack.jira.transition('CR-1', 'Approved', bob);
    const etcd = { status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } };
    stack.kube.failNext({ method: 'POST', pathIncludes: '/namespaces/payments-worker/', times: 3, response: etcd });
    return () => stack.deliver(payload, { deliveryId: 'cr-transient' });
  },
  // The cluster is back; Jira retries the same body, or the sweep finishes the grant.
  recover: async (stack, recovery, operation) => {
    stack.kube.clearFaults();
    await grant.recover(stack, recovery, operation);
  },
  done: grantIsLive,
};

/** payments-debug ends the subject's sessions at revoke. */
const SESSIONS_CATALOG = endingSessions(DEMO_CATALOG);
const POD = 'api-7d9c6b-x2x4q';

/** A debug lease in which alice opens an exec stream into a ReplicaSet's pod and reads pods; returns the lease id and the pod's uid. */
async function debugLeaseWithStream(stack: TestStack): Promise<{ leaseId: string; uid: string }> {
  stack.ticket('CR-1', { [PROFILE]: 'payments-debug', [DURATION]: '1h' });
  const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('CR-1', 'Approved', bob))).leaseId);
  const pod = stack.kube.addPod('payments', POD, { ownerKind: 'ReplicaSet', ownerName: 'api-7d9c6b' });
  const asAlice = { authorization: 'Bearer user:alice@example.com' };
  await (await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods`, { headers: asAlice })).text();
  const exec = await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods/${POD}/exec?command=sh&container=app&stdin=true&tty=true`, { method: 'POST', headers: asAlice });
  if (exec.status !== 200) throw new Error(`exec answered ${exec.status}`);
  void exec.text().catch(() => undefined);
  return { leaseId, uid: pod.metadata.uid };
}

/** The evidence of CR-1's lease was posted (at least once: a crash between the comment and its mark posts it twice), each time with the stored digest. */
async function evidencePosted(stack: TestStack): Promise<string[]> {
  const [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
  const digest = lease?.evidence?.digest;
  const posted = stack.jira.comments('CR-1').filter((c) => c.startsWith('Activity during lease'));
  if (lease?.evidence?.postedAt === undefined || digest === undefined) return [`evidence: not posted (${JSON.stringify(lease?.evidence ?? null)})`];
  if (posted.length === 0 || posted.some((c) => !c.includes(digest))) return [`evidence: ${posted.length} comment(s), not all with the stored digest ${digest}`];
  return lease.evidence.summary?.sessions.some((x) => x.pod === POD) === true ? [] : ['evidence: the exec stream is missing from the summary'];
}

const sessions: Scenario = {
  name: 'sessions',
  catalog: SESSIONS_CATALOG,
  auditLog: true,
  prepare: async (stack) => {
    const { leaseId, uid } = await debugLeaseWithStream(stack);
    streamPods.set(stack, uid);
    stack.clock.advance(3600_000 + 1000);
    return () => stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
  },
  recover: revoke.recover,
  /** The stream's pod was deleted (its stream closed) and said so; then the evidence follows the sweep. */
  done: async (stack) => {
    const [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    const uid = streamPods.get(stack) ?? '';
    const broken: string[] = [];
    if (lease?.status !== 'REVOKED') broken.push(`sessions: the lease is ${lease?.status ?? 'missing'}`);
    const pod = lease?.sessions?.pods.find((p) => p.pod === POD);
    if (pod === undefined || pod.outcome === 'kept') broken.push(`sessions: the pod is recorded as ${JSON.stringify(pod ?? null)}`);
    if ([...stack.kube.core.pods.values()].some((p) => p.metadata.uid === uid) || stack.kube.core.openStreams(uid) > 0) broken.push('sessions: the stream\'s pod still runs');
    stack.clock.advance(61_000);
    await deployedSweep(stack).sweepLeases();
    return [...broken, ...(await evidencePosted(stack))];
  },
};
const streamPods = new WeakMap<TestStack, string>();

/** Posting the evidence (the sweep), crashed at each of its steps: read → record → comment → mark → leave the queue. */
const evidence: Scenario = {
  name: 'evidence',
  catalog: SESSIONS_CATALOG,
  auditLog: true,
  prepare: async (stack) => {
    const { leaseId } = await debugLeaseWithStream(stack);
    stack.clock.advance(3600_000 + 1000);
    await stack.container.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' });
    stack.clock.advance(61_000);
    return () => stack.container.sweepLeases();
  },
  recover: async (stack, recovery, operation) => {
    stack.clock.advance(60_000);
    if (recovery === 'redeliver') await operation();
    else await deployedSweep(stack).sweepLeases();
  },
  done: evidencePosted,
};

/**
 * A break-glass grant and its review task, crashed at each step: before the task is created, after
 * it is created and before it is recorded on the lease, after the record. The redelivery finds the
 * lease granted and leaves the review to the queue; in the sweep column two packaged sweeps and the
 * stack's own run at once, and a grant that died PENDING is finished by them (its ticket is still in
 * "Break Glass"). Either way: access, and exactly one review issue, recorded on the lease, audited.
 */
const review: Scenario = {
  name: 'review',
  catalog: BREAK_GLASS_REVIEW_CATALOG,
  prepare: async (stack) => {
    stack.ticket('CR-1', { [PROFILE]: 'break-glass-debug' });
    stack.jira.issue('CR-1').fields.summary = 'INC-7: checkout is down since 02:50';
    const payload = stack.jira.transition('CR-1', 'Break Glass', alice);
    return () => stack.deliver(payload, { deliveryId: 'cr-review' });
  },
  recover: async (stack, recovery, operation) => {
    // Past the review hold of a holder that died (5 minutes), within the 30-minute lease.
    stack.clock.advance(6 * 60_000);
    if (recovery === 'redeliver') await operation();
    else await Promise.all([deployedSweep(stack).sweepLeases(), stack.container.sweepLeases()]);
  },
  timeoutMs: 400_000,
  done: async (stack, recovery, operation) => {
    let [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    // Died before anything was recorded: Jira's retry, arriving later, is processed.
    if (lease === undefined && recovery === 'sweep') {
      await operation();
      [lease] = (await stack.container.leases.listForTicket('jira', 'CR-1')).leases;
    }
    if (lease === undefined) return ['live: no lease'];
    // Finished, whatever the recovery: Jira's retry, or the sweep (the ticket is still in "Break Glass").
    if (lease.status !== 'ACTIVE') return [`live: the lease is ${lease.status} (finished: no access)`];
    // Whatever the recovery, the queue's next due time reaches the review.
    stack.clock.advance(2 * 60_000);
    await deployedSweep(stack).sweepLeases();
    const issues = [...stack.jira.issues.values()].filter((i) => i.key.startsWith('SEC-'));
    const recorded = (await stack.container.leases.get(lease.id))?.review;
    const broken: string[] = [];
    if (issues.length !== 1) broken.push(`review: ${issues.length} review issues`);
    if (recorded === undefined || recorded.key !== issues[0]?.key) broken.push(`review: the lease records ${recorded?.key ?? 'no task'}`);
    if (!stack.audit.events.some((e) => e.kind === 'review' && e.leaseId === lease.id && e.reviewTask?.event === 'opened')) broken.push('review: no audit event of the review task');
    if (stack.jira.comments('CR-1').filter((c) => c.startsWith('A review task was opened')).length > 1) broken.push('review: the ticket was told twice');
    return broken;
  },
};

describe('crash at every step: the invariants hold after recovery', () => {
  beforeAll(async () => {
    template = await packageStack('test');
    const url = await eventBridge.start();
    Object.assign(process.env, { AWS_ENDPOINT_URL_EVENTBRIDGE: url, AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder' });
  }, 150_000);
  afterAll(async () => {
    process.env = saved;
    await eventBridge.stop();
  });
  afterAll(() => {
    process.stdout.write(`\ncrash matrix (step the process died after × recovery → invariants)\n${rows.join('\n')}\n`);
  });

  for (const scenario of [grant, revoke, extension, activation, transient, sessions, evidence, review]) {
    it(`${scenario.name}: every step × {redeliver/retry, sweep}`, async () => {
      // Count the side-effecting steps of an uninterrupted run first.
      const dry = new CrashInjector();
      const probe = await startStack({ decorate: dry.decorate, catalog: scenario.catalog, auditLog: scenario.auditLog });
      let steps: string[];
      try {
        await otherLease(probe);
        const operation = await scenario.prepare(probe);
        dry.arm(Number.POSITIVE_INFINITY);
        await operation();
        steps = [...dry.steps];
      } finally {
        await cleanUp(() => probe.stop());
      }
      expect(steps.length).toBeGreaterThan(2);

      const failures: string[] = [];
      for (let k = 1; k <= steps.length; k += 1) {
        for (const recovery of ['redeliver', 'sweep'] as const) {
          const injector = new CrashInjector();
          const stack = await startStack({ decorate: injector.decorate, catalog: scenario.catalog, auditLog: scenario.auditLog });
          try {
            const other = await otherLease(stack);
            const operation = await scenario.prepare(stack);
            injector.arm(k);
            await operation().catch(() => undefined);
            const crashedAt = injector.steps.at(-1) ?? '?';
            injector.restart();
            await scenario.recover(stack, recovery, operation);
            // Liveness first: it runs the sweep that takes over an announcement the dead process owed,
            // and with it records the grant event that process may not have (only a winner records it).
            const live = (await scenario.done?.(stack, recovery, operation)) ?? [];
            const broken = [...(await brokenInvariants(stack, 'CR-1', other)), ...live, ...(await expiryHolds(stack, 'CR-1'))];
            rows.push(`${scenario.name.padEnd(9)} after #${k} ${crashedAt.padEnd(26)} × ${recovery.padEnd(9)} → ${broken.length === 0 ? 'held' : `BROKEN ${broken.join('; ')}`}`);
            failures.push(...broken.map((b) => `${scenario.name} #${k} ${crashedAt} × ${recovery}: ${b}`));
          } finally {
            await cleanUp(() => stack.stop());
          }
        }
      }
      expect(failures).toEqual([]);
    }, scenario.timeoutMs ?? 120_000);
  }

  /*
   * AWS timers fire ahead of their moment and the target waits for it (wait-for-moment). The process
   * dies during that wait: it has done nothing yet (the wait only reads), so Lambda's retry (a minute
   * later, after the moment: no wait) or the sweep acts, and the invariants hold.
   */
  for (const kind of ['revoke', 'activate'] as const) {
    it(`${kind}: a crash during the wait for the moment × {redeliver/retry, sweep}`, async () => {
      const failures: string[] = [];
      for (const recovery of ['redeliver', 'sweep'] as const) {
        const injector = new CrashInjector();
        const waits: number[] = [];
        const stack = await startStack({
          decorate: injector.decorate,
          catalog: kind === 'activate' ? WINDOW_CATALOG : undefined,
          sleep: (ms) => {
            waits.push(ms);
            return Promise.reject(new SimulatedCrash('the process died while it waited for the moment'));
          },
        });
        try {
          const other = await otherLease(stack);
          const start = kind === 'activate' ? new Date(stack.clock.now().getTime() + 3600_000).toISOString() : undefined;
          stack.ticket('CR-1', { [PROFILE]: 'payments-read', [DURATION]: '1h', ...(start === undefined ? {} : { customfield_10103: start }) });
          const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('CR-1', 'Approved', bob))).leaseId);
          const before = await stack.container.leases.get(leaseId);
          const moment = Date.parse((kind === 'activate' ? before?.startsAt : before?.expiresAt) ?? '');
          // The timer fires 100 s early, as an armed one does.
          stack.clock.advance(moment - stack.clock.now().getTime() - 100_000);
          const operation = () => (kind === 'activate' ? stack.container.activateOnTime({ leaseId, remainingMs: () => 190_000 }) : stack.container.revokeOnTime({ leaseId, remainingMs: () => 190_000 }));
          injector.arm(Number.POSITIVE_INFINITY);
          const died = await operation().then(() => undefined, (error: unknown) => error);
          const broken: string[] = [];
          if (!(died instanceof SimulatedCrash) || waits.length !== 1) broken.push(`the invocation did not die in its wait (${String(died)}, ${waits.length} waits)`);
          if (injector.steps.length > 0) broken.push(`the wait changed something: ${injector.steps.join(', ')}`);
          const during = await stack.container.leases.get(leaseId);
          if (during?.status !== before?.status || stack.kube.list(LABEL_LEASE_ID, leaseId).length !== (kind === 'revoke' ? 2 : 0)) broken.push(`before the moment the lease became ${during?.status ?? 'missing'}`);
          // Lambda retries the failed invocation a minute later (past the moment), or the sweep runs.
          stack.clock.advance(100_000 + 60_000);
          if (recovery === 'redeliver') await operation();
          else await deployedSweep(stack).sweepLeases({ scan: true });
          const after = await stack.container.leases.get(leaseId);
          const bindings = stack.kube.list(LABEL_LEASE_ID, leaseId).length;
          if (kind === 'revoke' && (after?.status !== 'REVOKED' || bindings !== 0)) broken.push(`live: the lease is ${after?.status ?? 'missing'} with ${bindings} bindings after recovery`);
          if (kind === 'activate' && (after?.status !== 'ACTIVE' || bindings !== 2)) broken.push(`live: the lease is ${after?.status ?? 'missing'} with ${bindings} bindings after recovery`);
          broken.push(...(await brokenInvariants(stack, 'CR-1', other)), ...(await expiryHolds(stack, 'CR-1')));
          rows.push(`${kind.padEnd(9)} during the wait ${''.padEnd(17)} × ${recovery.padEnd(9)} → ${broken.length === 0 ? 'held' : `BROKEN ${broken.join('; ')}`}`);
          failures.push(...broken.map((b) => `${kind} wait × ${recovery}: ${b}`));
        } finally {
          await cleanUp(() => stack.stop());
        }
      }
      expect(failures).toEqual([]);
    }, 60_000);
  }

  it('ran the sweep column through the packaged sweep function (it scheduled timers of the grants it finished)', () => {
    const operations = eventBridge.requests.map((r) => String(r.headers['x-amz-target']));
    expect(operations).toContain('AWSEvents.PutRule');
    expect(operations).toContain('AWSEvents.PutTargets');
  });
});
