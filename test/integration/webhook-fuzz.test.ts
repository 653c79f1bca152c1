import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { signJiraBody } from '../../lib/sources/jira/jira-webhook.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import type { HttpResponse } from '../../lib/ports/http.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { alice, bob, bodyOf, carol, SN_WEBHOOK_SECRET, TestStack, WEBHOOK_SECRET } from '../support/stack.js';

/** Runs per handler; the count is printed so it can be reported. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const ALLOWED = new Set([200, 202, 400, 401, 413]);

/** Hostile text: unicode, control characters, path tricks, quotes, very long strings. */
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('../../etc/passwd', 'OPS-1\nX-Evil: 1', '"},{"kind":"Group","name":"system:masters"}', 'cluster-admin', 'kube-system', '\u0000', '🔥'.repeat(50)),
  fc.string({ minLength: 300, maxLength: 2000 }),
);
const jiraLike = fc.record(
  {
    timestamp: fc.oneof({ weight: 4, arbitrary: fc.constant(Date.now()) }, { weight: 1, arbitrary: fc.anything() }),
    webhookEvent: fc.oneof(fc.constant('jira:issue_updated'), fc.constant('jira:issue_created'), nasty, fc.integer()),
    issue: fc.oneof(fc.record({ key: fc.oneof(fc.constantFrom('FUZZ-1', 'NOPE-9'), nasty), fields: fc.anything() }, { requiredKeys: [] }), fc.anything()),
    changelog: fc.oneof(
      fc.record({ id: fc.oneof(fc.string(), fc.integer()), items: fc.array(fc.record({ field: fc.oneof(fc.constant('status'), nasty), toString: fc.oneof(fc.constantFrom('Approved', 'Done'), nasty, fc.constant(null)) }), { maxLength: 5 }) }),
      fc.anything(),
    ),
    user: fc.anything(),
  },
  { requiredKeys: [] },
);
const serviceNowLike = fc.record(
  {
    sys_id: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.constant('c'.repeat(32)), nasty, fc.integer()),
    number: fc.oneof(nasty, fc.constant('CHG0030001')),
    table: fc.oneof(fc.constant('change_request'), nasty),
  },
  { requiredKeys: [] },
);

/** Well-formed hints with hostile values: these get past parsing and reach the ITSM API and the policy. */
const jiraHint = fc.record({
  timestamp: fc.constant(Date.now()),
  webhookEvent: fc.constant('jira:issue_updated'),
  issue: fc.record({ key: fc.oneof(fc.constantFrom('FUZZ-1', 'FUZZ-2', 'NOPE-9'), nasty), fields: fc.anything() }),
  changelog: fc.record({ id: fc.string(), items: fc.constant([{ field: 'status', toString: 'Approved' }]) }),
  user: fc.record({ accountId: nasty, emailAddress: nasty }),
});
const serviceNowHint = fc.record({ sys_id: fc.oneof(fc.constant('c'.repeat(32)), fc.stringMatching(/^[0-9a-f]{32}$/)), number: nasty });

/** A body: arbitrary JSON, a plausible payload with hostile values, or bytes that are not JSON at all. */
function bodies(plausible: fc.Arbitrary<unknown>, hint: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 3, arbitrary: plausible.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 3, arbitrary: hint.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: plausible.map((value) => (JSON.stringify(value) ?? 'null').slice(0, 17)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant('{"webhookEvent":"' + 'x'.repeat(256 * 1024) + '"}') },
  );
}

describe('webhook handlers under hostile input (fast-check)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await new TestStack().start();
    // Real tickets exist but none may be granted: one awaits approval, one is self-approved.
    stack.ticket('FUZZ-1', { customfield_10100: 'payments-read' });
    stack.ticket('FUZZ-2', { customfield_10100: 'payments-read' });
    stack.jira.transition('FUZZ-2', 'Approved', alice);
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice');
    const approver = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob');
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'payments-read' });
    change.sys_id = 'c'.repeat(32);
    stack.servicenow.changes.set(change.sys_id, change);
    stack.servicenow.approve(change, approver, '0');
    void bob;
  }, 60_000);
  afterAll(async () => {
    await stack.stop();
  });

  function check(response: HttpResponse): void {
    expect(ALLOWED.has(response.statusCode)).toBe(true);
    const body = JSON.parse(response.body) as { outcome?: string; error?: string };
    if (response.statusCode >= 400) expect(typeof body.error).toBe('string');
    expect(['granted', 'scheduled', 'extended']).not.toContain(body.outcome);
    expect(stack.kube.bindings.size).toBe(0);
  }

  it(`never grants, never answers 5xx, always a clear 4xx or a 2xx: Jira (${RUNS} runs)`, async () => {
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        bodies(jiraLike, jiraHint),
        fc.constantFrom('valid', 'valid', 'valid', 'missing', 'garbage', 'other-secret'),
        fc.option(nasty, { nil: undefined }),
        async (body, signature, deliveryId) => {
          runs += 1;
          const headers: Record<string, string> = {};
          if (signature === 'valid') headers['x-hub-signature'] = signJiraBody(body, WEBHOOK_SECRET);
          if (signature === 'garbage') headers['x-hub-signature'] = `sha256=${'ab'.repeat(32)}`;
          if (signature === 'other-secret') headers['x-hub-signature'] = signJiraBody(body, 'not-the-secret');
          if (deliveryId !== undefined) headers['x-atlassian-webhook-identifier'] = deliveryId;
          const response = await stack.webhook('jira')({ method: 'POST', headers, body: Buffer.from(body) });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          check(response);
        },
      ),
      { numRuns: RUNS },
    );
    process.stdout.write(`fuzz: jira webhook ran ${runs} cases; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);

  it(`never grants, never answers 5xx, always a clear 4xx or a 2xx: ServiceNow (${RUNS} runs)`, async () => {
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        bodies(serviceNowLike, serviceNowHint),
        fc.constantFrom('valid', 'valid', 'valid', 'missing', 'garbage', 'stale', 'future', 'not-a-number'),
        async (body, mode) => {
          runs += 1;
          const now = Math.floor(stack.clock.now().getTime() / 1000);
          const timestamp = mode === 'stale' ? now - 3600 : mode === 'future' ? now + 3600 : now;
          const ts = mode === 'not-a-number' ? '12e9' : String(timestamp);
          const delivery = `fuzz-${runs}`;
          const headers: Record<string, string> = { 'x-kubelease-timestamp': ts, 'x-kubelease-delivery': delivery };
          if (mode !== 'missing') headers['x-kubelease-signature'] = mode === 'garbage' ? 'AAAA' : signServiceNowBody(ts, delivery, body, SN_WEBHOOK_SECRET);
          const response = await stack.webhook('servicenow')({ method: 'POST', headers, body: Buffer.from(body) });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          check(response);
        },
      ),
      { numRuns: RUNS },
    );
    process.stdout.write(`fuzz: servicenow webhook ran ${runs} cases; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});

/** Fields of the demo catalog's Jira mapping (what an approval binds) and some it does not map. */
const MAPPED = ['customfield_10100', 'customfield_10101', 'customfield_10102', 'summary', 'reporter'] as const;
const UNMAPPED = ['labels', 'assignee', 'description', 'priority'] as const;
const values: Record<string, fc.Arbitrary<unknown>> = {
  customfield_10100: fc.constantFrom('payments-read', 'payments-debug', 'root', ''),
  customfield_10101: fc.constantFrom('30m', '1h', '4h', '9h', null),
  customfield_10102: fc.constantFrom(['payments'], ['payments', 'kube-system'], null),
  summary: fc.constantFrom('INC-1: payments down', 'something else', ' '),
  reporter: fc.constantFrom(alice, carol),
  labels: fc.constantFrom(['a'], ['b'], []),
  assignee: fc.constantFrom(carol, bob, null),
  description: fc.string({ maxLength: 20 }),
  priority: fc.constantFrom({ name: 'High' }, { name: 'Low' }),
};
const edit = fc.constantFrom(...MAPPED, ...UNMAPPED).chain((field) => fc.record({ field: fc.constant(field), value: values[field] ?? fc.constant(null), after: fc.boolean() }));

describe('edits between approval and delivery (fast-check)', () => {
  const EDIT_RUNS = Math.max(50, Math.floor(RUNS / 50));
  let stack: TestStack;
  beforeAll(async () => {
    stack = await new TestStack().start();
  }, 60_000);
  afterAll(async () => {
    await stack.stop();
  });

  it(`never grants after a mapped field changed past the approval, and never blames unmapped edits (${EDIT_RUNS} runs)`, async () => {
    let runs = 0;
    let voided = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { maxLength: 5 }), async (edits) => {
        runs += 1;
        const key = `FZ-${runs}`;
        stack.ticket(key, { customfield_10100: 'payments-read', customfield_10101: '1h' });
        for (const e of edits.filter((x) => !x.after)) stack.jira.edit(key, { [e.field]: e.value }, alice);
        const payload = stack.jira.transition(key, 'Approved', bob);
        // Strict on purpose: any recorded change of a mapped field after the approval voids it, even
        // one changed back later (the approver saw neither the change nor its reversal).
        let mappedChanged = false;
        for (const e of edits.filter((x) => x.after)) {
          const current = stack.jira.issue(key).fields[e.field];
          if ((MAPPED as readonly string[]).includes(e.field) && JSON.stringify(current ?? null) !== JSON.stringify(e.value ?? null)) mappedChanged = true;
          stack.jira.edit(key, { [e.field]: e.value }, alice);
        }
        const after = stack.jira.issue(key).fields;
        const body = bodyOf(await stack.deliver(payload));
        const [lease] = (await stack.container.leases.listForTicket('jira', key)).leases;
        if (mappedChanged) {
          voided += 1;
          // Voided; or, with the profile cleared, no access request at all any more (ignored, quietly).
          const cleared = typeof after.customfield_10100 !== 'string' || after.customfield_10100.trim() === '';
          expect(body.outcome === 'denied' ? body.code : body.outcome).toBe(cleared ? 'ignored' : 'changed-after-approval');
          expect(lease).toBeUndefined();
        } else {
          expect(body.code).not.toBe('changed-after-approval');
          if (body.outcome === 'granted') expect(stack.kube.list(LABEL_LEASE_ID, lease?.id ?? '').length).toBeGreaterThan(0);
        }
      }),
      { numRuns: EDIT_RUNS },
    );
    process.stdout.write(`fuzz: edits between approval and delivery ran ${runs} cases, ${voided} with a mapped field changed\n`);
    expect(voided).toBeGreaterThan(0);
  }, 600_000);
});
