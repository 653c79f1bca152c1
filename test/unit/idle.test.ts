import { describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { activeSince, decideIdle, firstIdleWatch, idleReadWindow, lastRequestThrough, type IdleWatch } from '../../lib/domain/idle.js';
import { DEMO_CATALOG, withAuditLog } from '../support/demo-catalog.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number) => T0 + minutes * MIN;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();

/** A 30-minute watch of a lease ACTIVE since T0, expiring at +8h; the log lags 5 minutes. */
const TIMEOUT = 30 * 60;
const DELAY = 5 * MIN;
const EXPIRES = at(8 * 60);
const fresh: IdleWatch = firstIdleWatch(TIMEOUT, iso(0), new Date(EXPIRES).toISOString());

/** The decision at `now` (minutes after T0) after reading the log up to now - delay, with the latest request through the bindings at `request` (minutes). */
function decide(now: number, request: number | undefined, watch: IdleWatch = fresh, delayMs = DELAY) {
  return decideIdle({ now: at(now), delayMs, watch, since: T0, expiresAt: EXPIRES, read: { to: at(now) - delayMs, lastRequest: request === undefined ? undefined : at(request) } });
}

describe('decideIdle: idle only with no request in [now - timeout - delay, now - delay] and ACTIVE for at least timeout + delay', () => {
  it.each([
    // [case, now (min), latest request through the bindings (min), expected]
    ['never used, ACTIVE for timeout + delay exactly', 35, undefined, 'idle'],
    ['never used, ACTIVE for the timeout only (the log may still bring a request)', 30, undefined, 'watch'],
    ['never used, younger than the timeout', 10, undefined, 'watch'],
    ['a request inside the window', 40, 10, 'watch'],
    ['a request at the very start of the window', 40, 5, 'watch'],
    ['the last request just before the window', 40, 4.9, 'idle'],
    ['a request long before the window', 120, 20, 'idle'],
  ])('%s', (_case, now, request, expected) => {
    // Act
    const decision = decide(now, request);
    // Assess
    expect(decision.kind).toBe(expected);
  });

  it('a longer audit-log delay moves the window back: a request the log shows only later still keeps the lease', () => {
    // Prepare: at minute 40 with a 15-minute delay the log is trusted up to minute 25.
    const delayMs = 15 * MIN;
    // Act
    const withRequest = decide(40, 8, fresh, delayMs);
    const noneYet = decide(40, undefined, fresh, delayMs);
    const later = decide(45, undefined, fresh, delayMs);
    // Assess: ACTIVE for timeout + delay only from minute 45.
    expect(withRequest.kind).toBe('watch');
    expect(noneYet.kind).toBe('watch');
    expect(later.kind).toBe('idle');
  });

  it('keeps what earlier checks found: a request found before counts even when this read finds none', () => {
    // Prepare: the check at minute 35 saw a request at minute 20.
    const first = decide(35, 20);
    if (first.kind !== 'watch') throw new Error('expected a watch');
    // Act
    const early = decideIdle({ now: at(50), delayMs: DELAY, watch: first.watch, since: T0, expiresAt: EXPIRES, read: { to: at(45) } });
    const late = decideIdle({ now: at(56), delayMs: DELAY, watch: first.watch, since: T0, expiresAt: EXPIRES, read: { to: at(51) } });
    // Assess
    expect(first.watch).toEqual({ timeout: TIMEOUT, checkAt: iso(55), readTo: iso(30), lastRequestAt: iso(20) });
    expect(early.kind).toBe('watch');
    expect(late).toEqual({ kind: 'idle', lastRequestAt: iso(20) });
  });

  it('schedules the next look one timeout + delay after the last request (or the activation), never after the expiry, never sooner than a minute', () => {
    // Act
    const used = decide(40, 30);
    const young = decide(10, undefined);
    const nearExpiry = decideIdle({ now: at(40), delayMs: DELAY, watch: fresh, since: T0, expiresAt: at(50), read: { to: at(35), lastRequest: at(30) } });
    const unread = decideIdle({ now: at(2), delayMs: DELAY, watch: fresh, since: T0, expiresAt: EXPIRES });
    // Assess
    expect(used).toMatchObject({ kind: 'watch', watch: { checkAt: iso(65), readTo: iso(35), lastRequestAt: iso(30) } });
    expect(young).toMatchObject({ kind: 'watch', watch: { checkAt: iso(35), readTo: iso(5) } });
    expect(nearExpiry).toMatchObject({ kind: 'watch', watch: { checkAt: iso(50) } });
    expect(unread).toEqual({ kind: 'watch', watch: { timeout: TIMEOUT, checkAt: iso(35) } });
  });
});

describe('idleReadWindow', () => {
  it('reads from the activation, then from where the last check stopped, up to now - delay; nothing while the lease is younger than the delay', () => {
    // Act
    const first = idleReadWindow(fresh, T0, at(35), DELAY);
    const next = idleReadWindow({ ...fresh, readTo: iso(30) }, T0, at(65), DELAY);
    const young = idleReadWindow(fresh, T0, at(3), DELAY);
    // Assess
    expect(first).toEqual({ from: new Date(T0), to: new Date(at(30)) });
    expect(next).toEqual({ from: new Date(at(30)), to: new Date(at(60)) });
    expect(young).toBeUndefined();
  });

  it('starts the idle clock at the first ACTIVE transition, and a new watch at the start plus the timeout (or the expiry)', () => {
    // Act
    const since = activeSince({ startsAt: iso(0), history: [{ at: iso(0), from: null, to: 'PENDING', by: 'webhook' }, { at: iso(1), from: 'PENDING', to: 'ACTIVE', by: 'webhook' }] });
    const short = firstIdleWatch(TIMEOUT, iso(0), iso(20));
    // Assess
    expect(since).toBe(at(1));
    expect(fresh.checkAt).toBe(iso(30));
    expect(short.checkAt).toBe(iso(20));
  });
});

let serial = 0;
function event(minutes: number, o: { code?: number; by?: string; other?: string } = {}): AuditEvent {
  serial += 1;
  const stamp = iso(minutes);
  const reason = o.other !== undefined ? `RBAC: allowed by ClusterRoleBinding "${o.other}" of ClusterRole "view" to User "alice@example.com"` : o.by === undefined ? undefined : `RBAC: allowed by RoleBinding "${o.by}/payments" of ClusterRole "view" to User "alice@example.com"`;
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `id-${serial}`,
    stage: 'ResponseComplete',
    verb: 'get',
    requestURI: '/api/v1/namespaces/payments/pods',
    user: { username: 'alice@example.com' },
    objectRef: { resource: 'pods', namespace: 'payments' },
    responseStatus: { code: o.code ?? 200 },
    requestReceivedTimestamp: stamp,
    ...(reason === undefined ? {} : { annotations: { 'authorization.k8s.io/reason': reason } }),
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

describe('lastRequestThrough', () => {
  const bindings = [{ namespace: 'payments', name: 'kl-payments-read-1' }];

  it.each([
    ['a request its binding allowed', [event(3, { by: 'kl-payments-read-1' })], at(3)],
    ['a request whose authorizer the log does not name (cannot be told apart: counts)', [event(4)], at(4)],
    ['a request another binding allowed (standing access): not through this lease', [event(5, { other: 'standing-view' })], undefined],
    ['a refused request: no binding was used', [event(6, { code: 403 })], undefined],
    ['the latest of several', [event(2, { by: 'kl-payments-read-1' }), event(9, { by: 'kl-payments-read-1' }), event(7)], at(9)],
    ['no request at all', [], undefined],
  ])('%s', (_case, events, expected) => {
    // Act
    const last = lastRequestThrough(events, bindings);
    // Assess
    expect(last).toBe(expected);
  });
});

describe('catalog: idleTimeout', () => {
  const audited = withAuditLog(DEMO_CATALOG, '/var/log/kube-apiserver/audit.log', '5m');
  const withIdle = (catalog: string, timeout: string) => catalog.replace('    maxDuration: 4h\n', `    maxDuration: 4h\n    idleTimeout: ${timeout}\n`);
  const problems = (text: string): string => {
    try {
      parseCatalog(text);
      return '';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };

  it('is read in seconds and copied onto a new lease', () => {
    // Act
    const catalog = parseCatalog(withIdle(audited, '45m'));
    // Assess
    expect(catalog.profiles.find((p) => p.name === 'payments-read')?.idleTimeout).toBe(2700);
    expect(catalog.profiles.find((p) => p.name === 'payments-debug')?.idleTimeout).toBeUndefined();
  });

  it.each([
    ['shorter than 5m', withIdle(audited, '4m'), 'must be at least 5m'],
    ['as long as maxDuration', withIdle(audited, '4h'), 'must be shorter than maxDuration'],
    ['on a cluster without an audit log', withIdle(DEMO_CATALOG, '30m'), 'needs the audit log of cluster "demo"'],
    ['with a Group subject', withIdle(audited, '30m').replace('subject:\n  kind: User', 'subject:\n  kind: Group'), 'needs a User subject'],
    ['not a duration', withIdle(audited, 'soon'), 'not a duration'],
  ])('is refused %s', (_case, text, message) => {
    // Act
    const found = problems(text);
    // Assess
    expect(found).toContain('idleTimeout');
    expect(found).toContain(message);
  });
});
