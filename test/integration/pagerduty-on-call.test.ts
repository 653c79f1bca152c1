import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PagerDutyClient, type PagerDutyClientOptions } from '../../lib/adapters/pagerduty/pagerduty-client.js';
import { PagerDutyOnCall } from '../../lib/adapters/pagerduty/pagerduty-on-call.js';
import { OnCallLookupError } from '../../lib/errors.js';
import { FakePagerDuty, type PdUser } from '../fakes/fake-pagerduty.js';

const NOW = new Date('2026-12-07T03:00:00.000Z');
const OPS = { id: 'PEP0001', name: 'Payments Ops' };
const OTHER = { id: 'PEP0002', name: 'Data Platform' };
const SCHEDULE = { id: 'PSC0001', name: 'Payments primary' };
const SERVICE = { id: 'PSV0001', name: 'checkout' };

describe('PagerDutyOnCall (fake PagerDuty REST API v2 over HTTP)', () => {
  let pd: FakePagerDuty;
  let alice: PdUser;
  let waits: number[];

  function directory(options: Partial<PagerDutyClientOptions> = {}, key = pd.apiKey): PagerDutyOnCall {
    const client = new PagerDutyClient(pd.url(), () => Promise.resolve(key), {
      attempts: 3,
      baseDelayMs: 10,
      maxDelayMs: 2_000,
      timeoutMs: 2_000,
      maxPages: 5,
      remainingMs: () => 20_000,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      ...options,
    });
    return new PagerDutyOnCall(client);
  }

  beforeEach(async () => {
    pd = new FakePagerDuty();
    await pd.start();
    waits = [];
    alice = pd.addUser('alice@example.com', 'Alice Engineer');
  });
  afterEach(async () => {
    await pd.stop();
  });

  it('finds the requester on call on a named escalation policy and records which and at what level', async () => {
    // Prepare
    pd.putOnCall(alice, OPS, { level: 2, start: '2026-12-07T00:00:00Z', end: '2026-12-08T00:00:00Z' });
    // Act
    const found = await directory().findOnCall('Alice@Example.com', { escalationPolicies: [OPS.id] }, NOW);
    // Assess
    expect(found).toEqual({
      kind: 'on-call',
      proof: { userId: alice.id, userEmail: 'alice@example.com', via: { type: 'escalation_policy', id: OPS.id, name: OPS.name }, level: 2, checkedAt: NOW.toISOString() },
    });
    const oncalls = pd.requests.filter((r) => r.path === '/oncalls');
    expect(oncalls).toHaveLength(1);
    expect(oncalls[0]?.query.getAll('user_ids[]')).toEqual([alice.id]);
    expect(oncalls[0]?.query.getAll('escalation_policy_ids[]')).toEqual([OPS.id]);
    expect(pd.requests.every((r) => r.headers.authorization === `Token token=${pd.apiKey}` && r.headers.accept === 'application/vnd.pagerduty+json;version=2')).toBe(true);
  });

  it('finds the requester through a named schedule', async () => {
    pd.putOnCall(alice, OTHER, { schedule: SCHEDULE, start: '2026-12-07T00:00:00Z', end: '2026-12-07T08:00:00Z' });
    const found = await directory().findOnCall('alice@example.com', { schedules: [SCHEDULE.id] }, NOW);
    expect(found.kind === 'on-call' ? found.proof.via : undefined).toEqual({ type: 'schedule', id: SCHEDULE.id, name: SCHEDULE.name });
  });

  it('is not on call on another policy, after the shift ended, or with only a partly matching email', async () => {
    pd.putOnCall(alice, OTHER);
    pd.putOnCall(alice, OPS, { start: '2026-12-06T00:00:00Z', end: '2026-12-07T02:59:59Z' });
    const d = directory();
    expect((await d.findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW)).kind).toBe('not-on-call');
    pd.putOnCall(alice, OPS);
    // "lice@example.com" matches Alice's email partially in PagerDuty's query: never the same person.
    const partial = await d.findOnCall('lice@example.com', { escalationPolicies: [OPS.id] }, NOW);
    expect(partial).toEqual({ kind: 'not-on-call', reason: "PagerDuty has no user with the requester's email lice@example.com" });
  });

  it('follows limit/offset/more paging of the user search', async () => {
    // Prepare: five users match the query before Alice's twin; pages of two.
    for (let i = 0; i < 5; i += 1) pd.addUser(`alice@example.com.${i}.old`, `Alice ${i}`);
    const late = pd.addUser('alice.late@example.com', 'Alice Late');
    pd.putOnCall(late, OPS);
    // Act
    const found = await directory({ pageSize: 2 }).findOnCall('alice.late@example.com', { escalationPolicies: [OPS.id] }, NOW);
    // Assess
    expect(found.kind).toBe('on-call');
    const all = await directory({ pageSize: 2 }).findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW);
    expect(all.kind).toBe('not-on-call');
    expect(pd.requests.filter((r) => r.path === '/users').map((r) => r.query.get('offset'))).toEqual(['0', '0', '2', '4']);
  });

  it('fails (never "not on call") when a listing has more pages than it may read', async () => {
    for (let i = 0; i < 7; i += 1) pd.addUser(`alice@example.com.${i}.old`, `Alice ${i}`);
    await expect(directory({ pageSize: 1, maxPages: 3 }).findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW)).rejects.toThrow(OnCallLookupError);
  });

  it('waits what ratelimit-reset says on a 429 and then answers', async () => {
    pd.putOnCall(alice, OPS);
    pd.rateLimitResetSeconds = 1;
    pd.rateLimitNext(2);
    const found = await directory().findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW);
    expect(found.kind).toBe('on-call');
    expect(waits).toEqual([1000, 1000]);
  });

  it('gives up at once, retryable, when ratelimit-reset is longer than it may wait', async () => {
    pd.rateLimitResetSeconds = 30;
    pd.rateLimitNext(1);
    const failure = await directory().findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OnCallLookupError);
    expect((failure as OnCallLookupError).retryable).toBe(true);
    expect((failure as OnCallLookupError).statusCode).toBe(429);
    expect(waits).toEqual([]);
  });

  it('does not wait past the invocation deadline', async () => {
    pd.rateLimitNext(1);
    const failure = await directory({ remainingMs: () => 1_500 }).findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OnCallLookupError);
    expect(waits).toEqual([]);
  });

  it('a refused key is an error, not retried and never a denial', async () => {
    const failure = await directory({}, 'wrong-key').findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OnCallLookupError);
    expect((failure as OnCallLookupError).statusCode).toBe(401);
    expect((failure as OnCallLookupError).message).toContain('Unauthorized (code 2006)');
    expect((failure as OnCallLookupError).retryable).toBe(true);
    expect(pd.requests).toHaveLength(1);
  });

  it('retries a 5xx with back-off', async () => {
    pd.putOnCall(alice, OPS);
    pd.failNext({ pathIncludes: '/oncalls', response: { status: 503, body: { error: { message: 'Service Unavailable', code: 5003 } } } });
    const found = await directory().findOnCall('alice@example.com', { escalationPolicies: [OPS.id] }, NOW);
    expect(found.kind).toBe('on-call');
    expect(waits).toEqual([10]);
  });

  it('requires an open incident on a named service when the profile says so', async () => {
    pd.putOnCall(alice, OPS);
    const rule = { escalationPolicies: [OPS.id], incidentServices: [SERVICE.id] };
    const none = await directory().findOnCall('alice@example.com', rule, NOW);
    expect(none.kind).toBe('not-on-call');
    const incident = pd.openIncident(SERVICE);
    const found = await directory().findOnCall('alice@example.com', rule, NOW);
    expect(found.kind === 'on-call' ? found.proof.incident : undefined).toEqual({ id: incident.id, serviceId: SERVICE.id, number: incident.incident_number });
    const asked = pd.requests.filter((r) => r.path === '/incidents').at(-1);
    expect(asked?.query.getAll('statuses[]')).toEqual(['triggered', 'acknowledged']);
  });
});
