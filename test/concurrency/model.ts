import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { runReport } from '../../lib/cli/report-command.js';
import type { AccessReport } from '../../lib/domain/access-report.js';
import { canTransition, OPEN_STATUSES, type Lease, type LeaseStatus } from '../../lib/domain/lease.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import type { LeaseHistory } from '../../lib/ports/lease-history.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import type { OwedAnnouncements } from '../../lib/ports/owed-announcements.js';
import type { IdleWatches } from '../../lib/ports/idle-watches.js';
import type { EvidenceStore } from '../../lib/ports/evidence-store.js';
import { makeTimerTargets } from '../../lib/use-cases/wait-for-moment.js';
import { MemoryCluster } from '../fakes/memory-ports.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approval, approvedTicket, requester, T0, type wire } from '../support/use-cases.js';

/**
 * Every actor at once: generated schedules of webhook deliveries (repeated, concurrent, one of a
 * self-approved ticket that is denied), the activation and revoke timers (early, on time, late,
 * twice), the sweep, a ticket close (whose revoke may meet a 503), the clock, and crashes between
 * steps, all on the same lease, through the real use cases. fast-check's scheduler decides the order
 * in which every store, cluster and ticket call resolves. After each schedule the invariants below
 * must hold, and the access report built from the store (the CLI's `report --json`) must agree with
 * the store's items. Run over the in-memory ports (model.test.ts) and the DynamoDB lease store on
 * dynalite (model-dynamodb.test.ts).
 */
export const HOUR = 3_600_000;
export const WINDOWED = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

type Crashable =
  | { readonly kind: 'deliver' }
  | { readonly kind: 'deliver-denied' }
  | { readonly kind: 'activate-timer' }
  | { readonly kind: 'revoke-timer' }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'close'; readonly deleteFails: boolean };
export type Actor =
  | Crashable
  | { readonly kind: 'tick'; readonly ms: number }
  /** The process running `actor` dies right after its `after`-th side effect (that effect stays). */
  | { readonly kind: 'crash'; readonly actor: Crashable; readonly after: number };

/**
 * The clock moves while the actors run, by at most 7 s a step (8 steps at most): never past the
 * 60 s an announcement's holder keeps it, as no invocation runs that long (a webhook's timeout is
 * 28 s). Timers run as deployed (lib/use-cases/wait-for-moment.ts): one that fires early for the
 * current moment waits for it (moving the clock there) or, further ahead than it may wait, does
 * nothing; one that fires late acts at once; twice, by being listed twice. Where the schedule starts
 * the clock (before, at and after the window's start and the expiry) makes them early or late.
 */
const crashable: fc.Arbitrary<Crashable> = fc.oneof(
  fc.constant<Crashable>({ kind: 'deliver' }),
  fc.constant<Crashable>({ kind: 'activate-timer' }),
  fc.constant<Crashable>({ kind: 'revoke-timer' }),
  fc.constant<Crashable>({ kind: 'sweep' }),
  fc.boolean().map<Crashable>((deleteFails) => ({ kind: 'close', deleteFails })),
  { arbitrary: fc.constant<Crashable>({ kind: 'deliver-denied' }), weight: 1 },
);
const crash: fc.Arbitrary<Actor> = fc.record({ actor: crashable, after: fc.oneof(fc.constantFrom(1, 2, 3), fc.integer({ min: 1, max: 6 })) }).map<Actor>(({ actor: a, after }) => ({ kind: 'crash', actor: a, after }));
const tick: fc.Arbitrary<Actor> = fc.integer({ min: 500, max: 7_000 }).map<Actor>((ms) => ({ kind: 'tick', ms }));

export interface Plan {
  readonly windowed: boolean;
  readonly startMs: number;
  readonly delivered: boolean;
  readonly applyFails: boolean;
  readonly actors: readonly Actor[];
}

/** Half the schedules have processes that crash between steps; the other half none (the strictest invariants hold there). */
export const schedule: fc.Arbitrary<Plan> = fc.boolean().chain((crashes) =>
  fc.record({
    windowed: fc.boolean(),
    /** Where the clock stands when the actors start: at the approval, about the window's start, about the expiry. */
    startMs: fc.constantFrom(0, HOUR - 5_000, HOUR, HOUR + 30_000, 2 * HOUR - 5_000),
    /** Whether the approval was delivered (and decided) at T0, before the clock moves to `startMs`. */
    delivered: fc.boolean(),
    applyFails: fc.boolean(),
    actors: fc.array(crashes ? fc.oneof(crashable, tick, crash, crash) : fc.oneof(crashable, crashable, crashable, tick), { minLength: 1, maxLength: 8 }),
  }),
);

/** The actor a port call is made for (its "process"), to let it die after its n-th side effect. */
class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}
interface Process {
  readonly after: number;
  effects: number;
  dead: boolean;
}
const processes = new AsyncLocalStorage<Process>();
/** Set inside a call the scheduler resolves. */
const within = new AsyncLocalStorage<boolean>();

/** The use cases over some lease stores (in memory, or the DynamoDB adapters), every other port in memory. */
export type App = ReturnType<typeof wire<LeaseStore, OwedAnnouncements, EvidenceStore, IdleWatches>>;

/** The items of the store, read directly (not through the report's reader): the truth the report must agree with. */
export interface StoreItems {
  readonly leases: readonly { readonly id: string; readonly status: LeaseStatus; readonly everActive: boolean }[];
  readonly denials: number;
}

/** What a run needs of its store: the wired app, the report's reader over it, the items in it. */
export interface ModelStore {
  readonly app: App;
  readonly history: LeaseHistory;
  readonly items: () => Promise<StoreItems>;
}

let runs = 0;

/**
 * Open races the suite meets and tolerates, counted (each test prints the counts) until they are fixed.
 * None now: `close-during-grant` (a close whose list of the ticket's leases came before the grant's
 * create) is fixed by the ticket's close mark (lib/use-cases/close-ticket.ts), and fails the suite.
 */
export const KNOWN_RACES: Record<string, number> = {};

export async function run(s: fc.Scheduler, plan: Plan, open: (catalog: string) => Promise<ModelStore>): Promise<void> {
  const { app, history, items } = await open(plan.windowed ? WINDOWED : DEMO_CATALOG);
  runs += 1;
  const key = `MODEL-${runs}`;
  const deniedKey = `${key}D`;
  const ticket = approvedTicket(key, plan.windowed ? { windowStart: new Date(T0.getTime() + HOUR).toISOString() } : {});
  app.jira.put(ticket);
  // A second ticket, approved by its own requester: every delivery of it is denied, once.
  app.jira.put(approvedTicket(deniedKey, { approval: approval(requester) }));
  // Decided before the actors start (a lease SCHEDULED for its window, or ACTIVE), unscheduled.
  if (plan.delivered) await app.processTicket({ source: 'jira', ticketKey: key, actor: 'jira-webhook:0' });
  // Every call that reads or changes the store, the cluster or the ticket resolves when the scheduler says.
  // A process that died (a crash actor) makes no further call; its last side effect stays, and what it was is noted.
  const deaths: string[] = [];
  function mortal<A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>, effect: boolean, what: (...args: A) => string = () => name): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const process = processes.getStore();
      if (process?.dead === true) throw new SimulatedCrash('the process is down');
      const result = await call(...args);
      if (effect && process !== undefined) {
        process.effects += 1;
        if (process.effects >= process.after) {
          process.dead = true;
          deaths.push(what(...args));
          throw new SimulatedCrash(`the process died after ${name}`);
        }
      }
      return result;
    };
  }
  // A store may call its own methods (the DynamoDB store reads the lease after a lost condition):
  // those calls are part of the call the scheduler resolves, not calls of their own.
  function scheduled<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    const inOrder = s.scheduleFunction((...args: A) => within.run(true, () => call(...args)));
    return (...args: A) => (within.getStore() === true ? call(...args) : inOrder(...args));
  }
  const leases = app.leases;
  leases.get = mortal('get', scheduled(leases.get.bind(leases)), false);
  leases.transition = mortal('transition', scheduled(leases.transition.bind(leases)), true, (_from, to) => `transition to ${to}`);
  leases.create = mortal('create', leases.create.bind(leases), true);
  leases.recordDenial = mortal('recordDenial', leases.recordDenial.bind(leases), true);
  app.cluster.applyBinding = mortal('applyBinding', scheduled(app.cluster.applyBinding.bind(app.cluster)), true);
  app.cluster.deleteBinding = mortal('deleteBinding', scheduled(app.cluster.deleteBinding.bind(app.cluster)), true);
  app.jira.comment = mortal('comment', scheduled(app.jira.comment.bind(app.jira)), true, (_key, text) => `comment ${text.split(' ')[1] ?? ''}`);
  const owed = app.announcements;
  owed.take = mortal('take', owed.take.bind(owed), true);
  owed.settle = mortal('settle', owed.settle.bind(owed), true);
  owed.defer = mortal('defer', owed.defer.bind(owed), true);
  owed.revokeTold = mortal('revokeTold', owed.revokeTold.bind(owed), true);
  // A revoke comment left to an announcement's holder: queued by the revoke, taken over by the sweep.
  const queue = app.revokeComments;
  queue.queue = mortal('queue revoke comment', queue.queue.bind(queue), true);
  queue.take = mortal('take revoke comment', queue.take.bind(queue), true);
  queue.drop = mortal('drop revoke comment', queue.drop.bind(queue), true);
  if (plan.applyFails) app.cluster.refuse(MemoryCluster.unavailable());
  app.clock.advance(plan.startMs);
  // The timers' targets as deployed: a timer's sleep lets the scheduler run others, then time has come to its moment.
  const timers = makeTimerTargets({
    leases,
    clock: app.clock,
    logger: app.logger,
    revokeLease: app.revokeLease,
    activateLease: app.activateLease,
    sleep: async (ms) => {
      const until = app.clock.now().getTime() + ms;
      await s.schedule(Promise.resolve(), `sleep ${ms} ms`);
      const left = until - app.clock.now().getTime();
      if (left > 0) app.clock.advance(left);
    },
  });

  const leaseId = async (): Promise<string | undefined> => (await leases.listForTicket('jira', key)).leases[0]?.id;
  const quietly = (work: Promise<unknown>) => work.then(() => undefined, () => undefined);
  let deliveries = 0;
  let closesThatFoundNoLease = 0;
  const act = async (a: Actor): Promise<void> => {
    switch (a.kind) {
      case 'deliver':
        deliveries += 1;
        return quietly(app.processTicket({ source: 'jira', ticketKey: key, actor: `jira-webhook:${deliveries}` }));
      case 'deliver-denied':
        deliveries += 1;
        return quietly(app.processTicket({ source: 'jira', ticketKey: deniedKey, actor: `jira-webhook:${deliveries}` }));
      case 'sweep':
        return quietly(app.sweepLeases());
      case 'close': {
        app.jira.put({ ...ticket, state: 'closed', statusText: 'Cancelled' });
        // The API server is down while the close runs (any delete made meanwhile may meet the 503).
        if (a.deleteFails) app.cluster.refuseDeletes(MemoryCluster.unavailable());
        const closed = await app.processTicket({ source: 'jira', ticketKey: key, actor: 'jira-webhook:close' }).catch(() => undefined);
        if (closed?.kind === 'ignored') closesThatFoundNoLease += 1;
        app.cluster.acceptDeletes();
        return;
      }
      case 'tick':
        app.clock.advance(a.ms);
        return;
      case 'crash':
        return processes.run({ after: a.after, effects: 0, dead: false }, () => act(a.actor));
      case 'activate-timer':
      case 'revoke-timer': {
        const id = await leaseId();
        if (id === undefined) return;
        // The timer's invocation may last 190 s (lib/use-cases/wait-for-moment.ts).
        const input = { leaseId: id, remainingMs: () => 190_000 };
        return quietly(a.kind === 'activate-timer' ? timers.activateOnTime(input) : timers.revokeOnTime(input));
      }
    }
  };
  await s.waitFor(Promise.all(plan.actors.map((a: Actor, i: number) => s.schedule(Promise.resolve(i), `${a.kind}#${i}`).then(() => act(a)))));
  await s.waitIdle();

  // While nothing is in flight: every binding is named by a lease record. It is also one that may
  // hold it, unless a process died or a delete met a 503: a binding the revoke could not (or did not
  // live to) delete is the orphan scan's, checked after it.
  // The report agrees with the store while leases may still be open, and again once all have ended (below).
  const problems: string[] = [...(await reportAgrees(app, history, await items()))];
  const leftToScan = deaths.length > 0 || plan.actors.some((a) => a.kind === 'close' && a.deleteFails);
  const checkBindings = async (after: string) => {
    for (const binding of app.cluster.bindings.values()) {
      const id = binding.metadata.labels[LABEL_LEASE_ID] ?? '';
      const lease = await s.waitFor(leases.get(id));
      if (lease === undefined || !lease.bindings.some((b) => b.name === binding.metadata.name)) problems.push(`binding ${binding.metadata.name} has no lease naming it ${after}`);
      else if (lease.status === 'REVOKED' || lease.status === 'FAILED') problems.push(`binding ${binding.metadata.name} outlives its ${lease.status} lease ${after}`);
    }
  };
  if (leftToScan) {
    for (const binding of app.cluster.bindings.values()) {
      const lease = await s.waitFor(leases.get(binding.metadata.labels[LABEL_LEASE_ID] ?? ''));
      if (lease === undefined || !lease.bindings.some((b) => b.name === binding.metadata.name)) problems.push(`binding ${binding.metadata.name} has no lease naming it`);
    }
    await s.waitFor(app.sweepLeases({ scan: true }));
    await s.waitIdle();
  }
  await checkBindings(leftToScan ? 'after the orphan scan' : 'once the actors are done');

  // A close is remembered until it is done: within the sweep's next run, every lease of the closed ticket has ended.
  if (plan.actors.some((a) => a.kind === 'close')) {
    app.clock.advance(61_000);
    await s.waitFor(app.sweepLeases());
    await s.waitIdle();
    for (const lease of (await leases.listForTicket('jira', key)).leases) {
      if (lease.status !== 'ACTIVE' && lease.status !== 'PENDING') continue;
      problems.push(`lease still ${lease.status} after the ticket was closed and the sweep ran${closesThatFoundNoLease > 0 ? ` (${closesThatFoundNoLease} close(s) found no lease)` : ''}`);
    }
  }

  // Then time runs past the expiry and the sweep runs (twice: the first may end what the second cleans).
  app.clock.advance(3 * HOUR);
  for (let i = 0; i < 2; i += 1) await s.waitFor(app.sweepLeases({ scan: true }));
  await s.waitIdle();
  problems.push(...(await invariants(app, key, deaths)));
  problems.push(...(await deniedOnce(app, deniedKey, plan.actors.some((a) => a.kind === 'deliver-denied' || (a.kind === 'crash' && a.actor.kind === 'deliver-denied')))));
  problems.push(...(await reportAgrees(app, history, await items())));
  if (problems.length > 0) throw new Error(`invariants broken (${deaths.length === 0 ? 'no process died' : `processes died after: ${deaths.join(', ')}`}):\n- ${problems.join('\n- ')}`);
}

async function invariants(app: App, key: string, deaths: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const all: Lease[] = [...(await app.leases.listForTicket('jira', key)).leases];
  const comments = app.jira.commentsOn(key);
  for (const lease of all) {
    // Every transition is legal.
    for (const h of lease.history) if (h.from !== null && !canTransition(h.from, h.to)) problems.push(`illegal transition ${h.from} → ${h.to}`);
    const events = app.audit.events.filter((e) => e.leaseId === lease.id);
    // An event is its lease, kind, time and actor: one recorded again by a recovery (the writer may
    // have died before recording it) is the same event. Two writers of one transition are two events.
    const count = (kind: string) => {
      const of = events.filter((e) => e.kind === kind && !(e.kind === 'revoke' && /orphan binding/.test(e.reason ?? '')));
      return new Set(of.map((e) => `${e.at} ${e.actor}`)).size;
    };
    const becameActive = lease.history.some((h) => h.to === 'ACTIVE' && h.from !== 'ACTIVE');
    // Each transition is recorded by one audit event. Known gap (lib/use-cases/revoke-lease.ts): a
    // process that died right after the REVOKED write records no revoke event; nothing on the lease
    // tells a recovery it is missing. The grant event of a grant writer that died right after its
    // ACTIVE write is never lost: a revoke clearing its announcement records it before its write.
    const revokerDied = deaths.includes('transition to REVOKED');
    if (count('grant') !== (becameActive ? 1 : 0)) problems.push(`${count('grant')} grant events for a lease that ${becameActive ? 'became' : 'never became'} ACTIVE`);
    const revokes = count('revoke');
    const expected = lease.status === 'REVOKED' ? 1 : 0;
    if (revokerDied ? revokes > expected : revokes !== expected) problems.push(`${revokes} revoke events for a ${lease.status} lease`);
    // ... and said on the ticket at most once; nothing is said of the grant after the revoke.
    const granted = comments.flatMap((c, i) => (c.startsWith(`Access granted (lease ${lease.id})`) ? [i] : []));
    const revoked = comments.flatMap((c, i) => (c.startsWith(`Access revoked (lease ${lease.id})`) ? [i] : []));
    // The announcement is at least once: a holder that died after commenting, before settling, is told again by the sweep.
    if (granted.length > (deaths.includes('comment granted') ? 2 : 1)) problems.push(`${granted.length} "Access granted" comments`);
    // A revoke comment left to an announcement's holder is at least once too: one whose poster died
    // after commenting, before clearing it, is told again by the sweep.
    if (revoked.length > (deaths.includes('comment revoked') ? 2 : 1)) problems.push(`${revoked.length} "Access revoked" comments`);
    // Said once, even when it was left to an announcement's holder (the sweep says it if that holder
    // died). A revoke that died right after its REVOKED write says nothing: the known gap above.
    if (deaths.length === 0 && lease.status === 'REVOKED' && revoked.length === 0) problems.push('a REVOKED lease whose ticket never heard "Access revoked"');
    if (lease.revokeNote !== undefined) problems.push('a revoke comment still owed after the expiry and a sweep');
    if (granted.length > 0 && revoked.length > 0 && Math.max(...granted) > Math.min(...revoked)) problems.push('the grant was announced after the revoke');
    // Nothing stays open past its expiry plus one sweep.
    if (OPEN_STATUSES.includes(lease.status)) problems.push(`lease still ${lease.status} after its expiry and a sweep`);
  }
  if (all.length > 1) problems.push(`${all.length} leases for one approval`);
  // No binding exists without an open lease naming it (after the expiry: none at all).
  if (app.cluster.bindings.size > 0) problems.push(`${app.cluster.bindings.size} binding(s) left after the expiry and a sweep`);
  return problems;
}

/** A self-approved ticket is denied once however often it is delivered: one denial, one `deny` event, no lease. */
async function deniedOnce(app: App, key: string, delivered: boolean): Promise<string[]> {
  const problems: string[] = [];
  if ((await app.leases.listForTicket('jira', key)).leases.length > 0) problems.push('a lease for a self-approved ticket');
  const denies = app.audit.events.filter((e) => e.kind === 'deny' && e.ticket === key).length;
  if (denies > 1 || (!delivered && denies > 0)) problems.push(`${denies} deny events for ${delivered ? 'one denied approval' : 'an approval never delivered'}`);
  return problems;
}

/** The access report (as `kube-lease report --json` builds it from the store) agrees with the store's items. */
async function reportAgrees(app: App, history: LeaseHistory, items: StoreItems): Promise<string[]> {
  let text = '';
  let errors = '';
  const period = ['--from', new Date(T0.getTime() - 24 * HOUR).toISOString(), '--to', new Date(app.clock.now().getTime() + 24 * HOUR).toISOString()];
  const code = await runReport([...period, '--json'], { env: {}, out: (t) => (text += t), err: (t) => (errors += t), history, clock: app.clock });
  if (code !== 0) return [`the report failed (exit ${code}): ${errors}`];
  const report = JSON.parse(text) as AccessReport;
  const problems: string[] = [];
  const figure = (name: string, reported: number, stored: number) => {
    if (reported !== stored) problems.push(`the report says ${reported} ${name}, the store holds ${stored}`);
  };
  const s = report.summary;
  figure('leases', s.leases, items.leases.length);
  figure('open leases', s.openNow, items.leases.filter((l) => OPEN_STATUSES.includes(l.status)).length);
  figure('failed leases', s.failed, items.leases.filter((l) => l.status === 'FAILED').length);
  figure('grants', s.grants, items.leases.filter((l) => l.everActive).length);
  figure('denials', s.denials, items.denials);
  figure('denials by code', report.denialsByCode.reduce((n, c) => n + c.count, 0), items.denials);
  figure('revoked leases', report.leases.filter((r) => r.status === 'REVOKED').length, items.leases.filter((l) => l.status === 'REVOKED').length);
  for (const item of items.leases) {
    const row = report.leases.find((r) => r.leaseId === item.id);
    if (row?.status !== item.status) problems.push(`lease ${item.id} is ${item.status} in the store, ${row?.status ?? 'missing'} in the report`);
  }
  return problems;
}

/** The seed, runs and replay path of a suite from the environment: `npm test` runs a fixed seed, the soak a new one unless told. */
export function settings(runsVar: string, defaultRuns: number): { runs: number; seed: number; path: string | undefined } {
  const runsSet = Number(process.env[runsVar] ?? defaultRuns);
  const seed = process.env.KUBE_LEASE_SEED === undefined ? (runsSet > 1000 || process.env.KUBE_LEASE_SOAK === '1' ? Date.now() ^ (Math.random() * 0x100000000) : 24) : Number(process.env.KUBE_LEASE_SEED);
  return { runs: runsSet, seed, path: process.env.KUBE_LEASE_PATH };
}
