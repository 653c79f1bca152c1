import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../lib/cli/operator.js';
import { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { DEMO_CATALOG, withBreakGlass, withOnCall } from '../support/demo-catalog.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/** `leases list` and `leases show` name how each lease was approved: person, on-call or break-glass. */
describe('operator CLI: the approval kind of each lease', () => {
  let stack: TestStack;
  let pd: FakePagerDuty;
  let out: string[];
  const run = async (...argv: string[]) => {
    out = [];
    const code = await runCli(argv, { env: { USER: 'ops-alice' }, out: (t) => out.push(t), err: () => undefined, container: () => stack.container });
    return { code, text: out.join('') };
  };
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    pd = new FakePagerDuty('cli-pd-key');
    const url = await pd.start();
    stack = await new TestStack().start({ catalog: withBreakGlass(withOnCall(DEMO_CATALOG)), env: { PAGERDUTY_API_URL: url, PAGERDUTY_API_KEY: 'cli-pd-key' } });
    pd.putOnCall(pd.addUser('alice@example.com', 'Alice Engineer'), { id: 'PEP0001', name: 'Payments Ops' });
    // One lease of each kind: bob approves OPS-1; alice is on call for INC-2; alice breaks the glass on INC-3.
    stack.ticket('OPS-1', { [PROFILE]: 'payments-read' });
    ids.person = String(bodyOf(await stack.deliver(stack.jira.transition('OPS-1', 'Approved', bob))).leaseId);
    stack.jira.createIssue({ key: 'INC-2', reporter: alice, summary: 'INC-2: checkout is down since 02:50', fields: { [PROFILE]: 'incident-debug' } });
    ids['on-call'] = String(bodyOf(await stack.deliver(stack.jira.transition('INC-2', 'Emergency', alice))).leaseId);
    stack.jira.createIssue({ key: 'INC-3', reporter: alice, summary: 'INC-3: checkout is down since 02:50', fields: { [PROFILE]: 'break-glass-debug' } });
    ids['break-glass'] = String(bodyOf(await stack.deliver(stack.jira.transition('INC-3', 'Break Glass', alice))).leaseId);
  });
  afterEach(async () => {
    await stack.stop();
    await pd.stop();
  });

  it('lists the kind in an APPROVAL column of the table', async () => {
    // Act
    const { code, text } = await run('leases', 'list');
    // Assess
    const [header, ...rows] = text.trimEnd().split('\n');
    expect(code).toBe(0);
    expect(header).toMatch(/^LEASE\s+STATUS\s+TICKET\s+REQUESTER\s+APPROVAL\s+SUBJECT\s/);
    const column = (header ?? '').indexOf('APPROVAL');
    const kinds = Object.fromEntries(rows.map((row) => [row.slice(0, 20), row.slice(column).split(/\s+/)[0]]));
    expect(kinds).toEqual({ [ids.person ?? '']: 'person', [ids['on-call'] ?? '']: 'on-call', [ids['break-glass'] ?? '']: 'break-glass' });
  });

  it('names the kind on every lease of the JSON list and of show --json, person included', async () => {
    // Act
    const listed = JSON.parse((await run('leases', 'list', '--json')).text) as { id: string; approvalKind?: string }[];
    const shown = JSON.parse((await run('leases', 'show', ids.person ?? '', '--json')).text) as { approvalKind?: string };
    // Assess
    expect(Object.fromEntries(listed.map((l) => [l.id, l.approvalKind]))).toEqual({ [ids.person ?? '']: 'person', [ids['on-call'] ?? '']: 'on-call', [ids['break-glass'] ?? '']: 'break-glass' });
    expect(shown.approvalKind).toBe('person');
  });

  it('names the kind, and for on-call where PagerDuty showed the requester, in leases show', async () => {
    // Act
    const onCall = (await run('leases', 'show', ids['on-call'] ?? '')).text;
    const glass = (await run('leases', 'show', ids['break-glass'] ?? '')).text;
    // Assess
    expect(onCall).toMatch(/^requester {2}alice@example.com; approved \(on-call\) by pagerduty:escalation_policy\/PEP0001$/m);
    expect(onCall).toMatch(/^on-call {4}on call per PagerDuty \(alice@example.com as user P\d+ on escalation policy PEP0001 "Payments Ops" level 1, checked \d{4}-/m);
    expect(glass).toMatch(/^requester {2}alice@example.com; approved \(break-glass\) by /m);
    expect(glass).not.toMatch(/^on-call /m);
  });
});
