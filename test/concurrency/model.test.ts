import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { canTransition, type Lease } from '../../lib/domain/lease.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { MemoryCluster } from '../fakes/memory-ports.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approvedTicket, T0, useCases } from '../support/use-cases.js';

/**
 * Every actor at once: generated schedules of webhook deliveries (repeated, concurrent), the
 * activation and revoke timers (early, late, twice), the sweep, a ticket close (whose revoke may
 * meet a 503) and the clock, all on the same lease, through the real use cases over the in-memory
 * ports. fast-check's scheduler decides the order in which every store, cluster and ticket call
 * resolves. After each schedule the invariants below must hold.
 *
 * Bounded in `npm test` (KUBE_LEASE_RUNS, default 400, seed 24: about 3 s here); `npm run soak` runs 10,000. A failure prints
 * its seed and path; KUBE_LEASE_SEED=<seed> (and KUBE_LEASE_PATH=<path>) replays it.
 */
const RUNS = Number(process.env.KUBE_LEASE_RUNS ?? 400);
// npm test runs a fixed seed (the same schedules every time); the soak draws a new one unless told.
const SEED = process.env.KUBE_LEASE_SEED === undefined ? (RUNS > 1000 ? Date.now() ^ (Math.random() * 0x100000000) : 24) : Number(process.env.KUBE_LEASE_SEED);
const PATH = process.env.KUBE_LEASE_PATH;
const HOUR = 3_600_000;
const WINDOWED = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

type Actor =
  | { readonly kind: 'deliver' }
  | { readonly kind: 'activate-timer' }
  | { readonly kind: 'revoke-timer' }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'close'; readonly deleteFails: boolean }
  | { readonly kind: 'tick'; readonly ms: number }
  /** The process running `actor` dies right after its `after`-th side effect (that effect stays). */
  | { readonly kind: 'crash'; readonly actor: Exclude<Actor, { kind: 'crash' | 'tick' }>; readonly after: number };

/**
 * The clock moves while the actors run, by at most 7 s a step (8 steps at most): never past the
 * 60 s an announcement's holder keeps it, as no invocation runs that long (a webhook's timeout is
 * 28 s). Timers fire early, on time or late, and twice, through where the schedule starts the clock
 * (before, at and after the window's start and the expiry) and by being listed twice.
 */
type Crashable = Exclude<Actor, { kind: 'crash' | 'tick' }>;
const crashable: fc.Arbitrary<Crashable> = fc.oneof(
  fc.constant<Crashable>({ kind: 'deliver' }),
  fc.constant<Crashable>({ kind: 'activate-timer' }),
  fc.constant<Crashable>({ kind: 'revoke-timer' }),
  fc.constant<Crashable>({ kind: 'sweep' }),
  fc.boolean().map<Crashable>((deleteFails) => ({ kind: 'close', deleteFails })),
);
/**
 * Crashes between steps (KUBE_LEASE_CRASHES=1): not in npm test or the soak yet. Once a finding
 * (KUBE_LEASE_RUNS=10000 KUBE_LEASE_SEED=448298065 KUBE_LEASE_PATH=853): a late activation at the
 * expiry holds the grant's announcement; the expiry revoke waited for it (5 s), then commented, and the
 * holder's "Access granted" landed after "Access revoked". A revoke now leaves its comment to a holder
 * still holding the announcement (which posts it after its own; the sweep, if the holder dies).
 */
const CRASHES = process.env.KUBE_LEASE_CRASHES === '1';
const crash: fc.Arbitrary<Actor> = fc.record({ actor: crashable, after: fc.integer({ min: 1, max: 5 }) }).map<Actor>(({ actor: a, after }) => ({ kind: 'crash', actor: a, after }));
const tick: fc.Arbitrary<Actor> = fc.integer({ min: 500, max: 7_000 }).map<Actor>((ms) => ({ kind: 'tick', ms }));
const actor: fc.Arbitrary<Actor> = CRASHES ? fc.oneof(crashable, crashable, tick, crash) : fc.oneof(crashable, crashable, crashable, tick);

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
function mortal<A extends unknown[], R>(call: (...args: A) => Promise<R>, effect: boolean): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const process = processes.getStore();
    if (process?.dead === true) throw new SimulatedCrash('the process is down');
    const result = await call(...args);
    if (effect && process !== undefined) {
      process.effects += 1;
      if (process.effects >= process.after) {
        process.dead = true;
        throw new SimulatedCrash('the process died after this step');
      }
    }
    return result;
  };
}

const schedule: fc.Arbitrary<Plan> = fc.record({
  windowed: fc.boolean(),
  /** Where the clock stands when the actors start: at the approval, about the window's start, about the expiry. */
  startMs: fc.constantFrom(0, HOUR - 5_000, HOUR, HOUR + 30_000, 2 * HOUR - 5_000),
  /** Whether the approval was delivered (and decided) at T0, before the clock moves to `startMs`. */
  delivered: fc.boolean(),
  applyFails: fc.boolean(),
  actors: fc.array(actor, { minLength: 1, maxLength: 8 }),
});

// The use cases wait in real time in a few places (the access review's re-asks, a revoke waiting
// for an announcement in flight); the model's clock stands still, so those waits are compressed.
const realSetTimeout = globalThis.setTimeout;
beforeAll(() => {
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, _ms?: number, ...args: unknown[]) => realSetTimeout(fn, 0, ...args)) as typeof setTimeout;
});
afterAll(() => {
  globalThis.setTimeout = realSetTimeout;
});

interface Plan {
  readonly windowed: boolean;
  readonly startMs: number;
  readonly delivered: boolean;
  readonly applyFails: boolean;
  readonly actors: readonly Actor[];
}

async function run(s: fc.Scheduler, plan: Plan): Promise<void> {
  const app = useCases(plan.windowed ? WINDOWED : DEMO_CATALOG);
  const key = 'MODEL-1';
  const open = approvedTicket(key, plan.windowed ? { windowStart: new Date(T0.getTime() + HOUR).toISOString() } : {});
  app.jira.put(open);
  // Decided before the actors start (a lease SCHEDULED for its window, or ACTIVE), unscheduled.
  if (plan.delivered) await app.processTicket({ source: 'jira', ticketKey: key, actor: 'jira-webhook:0' });
  // Every call that reads or changes the store, the cluster or the ticket resolves when the scheduler says.
  const leases = app.leases;
  // A process that died (a crash actor) makes no further call; its last side effect stays.
  leases.get = mortal(s.scheduleFunction(leases.get.bind(leases)), false);
  leases.transition = mortal(s.scheduleFunction(leases.transition.bind(leases)), true);
  leases.create = mortal(leases.create.bind(leases), true);
  app.cluster.applyBinding = mortal(s.scheduleFunction(app.cluster.applyBinding.bind(app.cluster)), true);
  app.cluster.deleteBinding = mortal(s.scheduleFunction(app.cluster.deleteBinding.bind(app.cluster)), true);
  app.jira.comment = mortal(s.scheduleFunction(app.jira.comment.bind(app.jira)), true);
  const owed = app.announcements;
  owed.take = mortal(owed.take.bind(owed), true);
  owed.settle = mortal(owed.settle.bind(owed), true);
  owed.defer = mortal(owed.defer.bind(owed), true);
  owed.revokeTold = mortal(owed.revokeTold.bind(owed), true);
  // A revoke comment left to an announcement's holder: queued by the revoke, taken over by the sweep.
  const queue = app.revokeComments;
  queue.queue = mortal(queue.queue.bind(queue), true);
  queue.take = mortal(queue.take.bind(queue), true);
  queue.drop = mortal(queue.drop.bind(queue), true);
  if (plan.applyFails) app.cluster.refuse(MemoryCluster.unavailable());
  app.clock.advance(plan.startMs);

  const leaseId = async (): Promise<string | undefined> => (await leases.listForTicket('jira', key))[0]?.id;
  const quietly = (work: Promise<unknown>) => work.then(() => undefined, () => undefined);
  let deliveries = 0;
  const act = async (a: Actor): Promise<void> => {
    switch (a.kind) {
      case 'deliver':
        deliveries += 1;
        return quietly(app.processTicket({ source: 'jira', ticketKey: key, actor: `jira-webhook:${deliveries}` }));
      case 'sweep':
        return quietly(app.sweepLeases());
      case 'close': {
        app.jira.put({ ...open, state: 'closed', statusText: 'Cancelled' });
        // The API server is down while the close runs (any delete made meanwhile may meet the 503).
        if (a.deleteFails) app.cluster.refuseDeletes(MemoryCluster.unavailable());
        await quietly(app.processTicket({ source: 'jira', ticketKey: key, actor: 'jira-webhook:close' }));
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
        // A timer armed early (lib/use-cases/wait-for-moment.ts) re-reads the lease and acts only when due.
        const lease = await leases.get(id);
        if (lease === undefined) return;
        if (a.kind === 'activate-timer') return quietly(app.activateLease({ leaseId: id, actor: 'eventbridge:start' }));
        return quietly(app.revokeLease({ leaseId: id, cause: 'expiry', actor: 'eventbridge:expiry' }));
      }
    }
  };
  await s.waitFor(Promise.all(plan.actors.map((a: Actor, i: number) => s.schedule(Promise.resolve(i), `${a.kind}#${i}`).then(() => act(a)))));
  await s.waitIdle();

  // While nothing is in flight: every binding is named by a lease that may hold it. A delete refused
  // with a 503 (a close's fault, taken by whichever delete came next, e.g. the cleanup of a grant
  // that lost to the close) leaves a binding of an ended lease to the orphan scan: checked after it.
  const problems: string[] = [];
  if (plan.actors.some((a) => a.kind === 'close' && a.deleteFails)) {
    await s.waitFor(app.sweepLeases({ scan: true }));
    await s.waitIdle();
  }
  for (const binding of app.cluster.bindings.values()) {
    const id = binding.metadata.labels[LABEL_LEASE_ID] ?? '';
    const lease = await s.waitFor(leases.get(id));
    if (lease === undefined || !lease.bindings.some((b) => b.name === binding.metadata.name)) problems.push(`binding ${binding.metadata.name} has no lease naming it`);
    else if (lease.status === 'REVOKED' || lease.status === 'FAILED') problems.push(`binding ${binding.metadata.name} outlives its ${lease.status} lease`);
  }

  // A close is remembered until it is done: within the sweep's next run, every lease of the closed ticket has ended.
  if (plan.actors.some((a) => a.kind === 'close')) {
    app.clock.advance(61_000);
    await s.waitFor(app.sweepLeases());
    await s.waitIdle();
    for (const lease of await leases.listForTicket('jira', key)) {
      if (lease.status === 'ACTIVE' || lease.status === 'PENDING') problems.push(`lease still ${lease.status} after the ticket was closed and the sweep ran`);
    }
  }

  // Then time runs past the expiry and the sweep runs (twice: the first may end what the second cleans).
  app.clock.advance(3 * HOUR);
  for (let i = 0; i < 2; i += 1) {
    const sweep = app.sweepLeases({ scan: true });
    await s.waitFor(sweep);
  }
  await s.waitIdle();
  problems.push(...(await invariants(app, key, plan.actors.some((a) => a.kind === 'crash'))));
  if (problems.length > 0) throw new Error(`invariants broken:\n- ${problems.join('\n- ')}`);
}

async function invariants(app: ReturnType<typeof useCases>, key: string, crashed: boolean): Promise<string[]> {
  const problems: string[] = [];
  const all: Lease[] = [...(await app.leases.listForTicket('jira', key))];
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
    // Each transition is recorded by one audit event. A process that died right after the REVOKED
    // write records no revoke event: known gap (see the issue note), so after a crash: at most one.
    if (count('grant') !== (becameActive ? 1 : 0)) problems.push(`${count('grant')} grant events for a lease that ${becameActive ? 'became' : 'never became'} ACTIVE`);
    const revokes = count('revoke');
    if (crashed ? revokes > (lease.status === 'REVOKED' ? 1 : 0) : revokes !== (lease.status === 'REVOKED' ? 1 : 0)) problems.push(`${revokes} revoke events for a ${lease.status} lease`);
    // ... and said on the ticket at most once; nothing is said of the grant after the revoke.
    const granted = comments.flatMap((c, i) => (c.startsWith(`Access granted (lease ${lease.id})`) ? [i] : []));
    const revoked = comments.flatMap((c, i) => (c.startsWith(`Access revoked (lease ${lease.id})`) ? [i] : []));
    // The announcement is at least once: a holder that died after commenting, before settling, is told again by the sweep.
    if (granted.length > (crashed ? 2 : 1)) problems.push(`${granted.length} "Access granted" comments`);
    // A revoke comment left to an announcement's holder is at least once too: one whose poster died
    // after commenting, before clearing it, is told again by the sweep.
    if (revoked.length > (crashed ? 2 : 1)) problems.push(`${revoked.length} "Access revoked" comments`);
    // Said once, even when it was left to an announcement's holder (the sweep says it if that holder
    // died). A revoke that died right after its REVOKED write says nothing: the known gap above.
    if (!crashed && lease.status === 'REVOKED' && revoked.length === 0) problems.push('a REVOKED lease whose ticket never heard "Access revoked"');
    if (lease.revokeNote !== undefined) problems.push('a revoke comment still owed after the expiry and a sweep');
    if (granted.length > 0 && revoked.length > 0 && Math.max(...granted) > Math.min(...revoked)) problems.push('the grant was announced after the revoke');
    // Nothing stays open past its expiry plus one sweep.
    if (lease.status === 'ACTIVE' || lease.status === 'PENDING' || lease.status === 'SCHEDULED') problems.push(`lease still ${lease.status} after its expiry and a sweep`);
  }
  if (all.length > 1) problems.push(`${all.length} leases for one approval`);
  // No binding exists without an open lease naming it (after the expiry: none at all).
  if (app.cluster.bindings.size > 0) problems.push(`${app.cluster.bindings.size} binding(s) left after the expiry and a sweep`);
  return problems;
}

describe('every actor at once (model-based concurrency suite)', () => {
  it(`holds the invariants over ${RUNS} generated schedules`, async () => {
    // Printed so that any failure can be replayed: KUBE_LEASE_SEED=<seed>.
    process.stdout.write(`concurrency suite: seed ${SEED}, ${RUNS} schedules${CRASHES ? ' with crashes' : ''} (replay: KUBE_LEASE_SEED=${SEED})\n`);
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), schedule, (s, plan) => run(s, plan)),
      { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }), endOnFailure: RUNS > 1000 },
    );
    process.stdout.write(`concurrency suite: ${RUNS} schedules in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 30 * 60_000);
});
