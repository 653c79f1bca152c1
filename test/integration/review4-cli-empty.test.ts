import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../lib/cli/operator.js';
import { NO_LEASES } from '../../lib/cli/leases-commands.js';
import { WINDOW_CATALOG } from '../support/demo-catalog.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

/*
 * Review 4 (issue 23), R4-5 (Low; CLI truth; a regression test, the hole is closed). NO_LEASES says the lease table's index holds
 * no leases. It is printed whenever the FILTERED list is empty, and `leases list` reads the index
 * only up to dueAt 9999-12-31T00:00:00.000Z: a lease in the index can be behind it either way.
 */
describe('review 4: what an empty `leases list` says', () => {
  let stack: TestStack;
  let out: string[];
  const run = (...argv: string[]) => runCli(argv, { env: { USER: 'ops-alice' }, out: (t) => out.push(t), err: () => undefined, container: () => stack.container });
  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: WINDOW_CATALOG });
    out = [];
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('R4-5a: a filter that matches nothing does not say the index holds no leases', async () => {
    stack.ticket('OPS-1', { customfield_10100: 'payments-read' });
    const id = String(bodyOf(await stack.deliver(stack.jira.transition('OPS-1', 'Approved', bob))).leaseId);
    expect(await stack.container.leases.get(id)).toBeDefined();
    expect(await run('leases', 'list', '--user', 'nobody@example.com')).toBe(0);
    expect(out.join('')).not.toBe(`${NO_LEASES}\n`);
  });

  it('R4-5b: a SCHEDULED lease starting on 9999-12-31 (after FAR_FUTURE) is listed, or the list does not say there is none', async () => {
    stack.ticket('OPS-2', { customfield_10100: 'payments-read', customfield_10103: '9999-12-31T12:00:00Z' });
    const answer = bodyOf(await stack.deliver(stack.jira.transition('OPS-2', 'Approved', bob)));
    expect(answer.outcome).toBe('scheduled');
    expect((await stack.container.leases.get(String(answer.leaseId)))?.status).toBe('SCHEDULED');
    expect(await run('leases', 'list')).toBe(0);
    expect(out.join('')).not.toBe(`${NO_LEASES}\n`);
  });
});
