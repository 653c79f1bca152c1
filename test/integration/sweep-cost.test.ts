import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { leaseFixture } from '../support/lease-fixture.js';
import { TestStack } from '../support/stack.js';

/** Active leases in the table; SWEEP_COST_LEASES=10000 reproduces the figure in docs/reliability.md. */
const TOTAL = Number(process.env.SWEEP_COST_LEASES ?? 2000);
const DUE = 100;

describe('sweep cost grows with what is due, not with what exists', () => {
  let stack: TestStack;
  let requests: string[] = [];

  beforeAll(async () => {
    stack = await new TestStack().start();
    const now = stack.clock.now().getTime();
    const hex = (i: number) => i.toString(16).padStart(20, '0');
    const all = Array.from({ length: TOTAL }, (_, i) =>
      leaseFixture(hex(i), new Date(i < DUE ? now - 60_000 - i : now + 3600_000 + i).toISOString(), 'ACTIVE'),
    );
    for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map((l) => stack.container.leases.create({ ...l, cluster: 'demo' })));
    stack.dynamoClient().middlewareStack.add(
      (next, context) => (args) => {
        requests.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
  }, 300_000);
  afterAll(async () => {
    await stack.stop();
  });

  it(`revokes the ${DUE} due leases out of ${TOTAL} with a number of DynamoDB requests that depends on the due ones only`, async () => {
    requests = [];
    const summary = await stack.container.sweepLeases({ scan: false });
    expect(summary).toMatchObject({ due: DUE, revoked: DUE, failed: 0 });
    const byCommand = requests.reduce<Record<string, number>>((acc, name) => ({ ...acc, [name]: (acc[name] ?? 0) + 1 }), {});
    process.stdout.write(`sweep cost: ${TOTAL} active leases, ${DUE} due: ${requests.length} DynamoDB requests ${JSON.stringify(byCommand)}\n`);
    // Three index queries, then a read and a conditional update per due lease; nothing per lease that is not due.
    expect(byCommand.ScanCommand ?? 0).toBe(0);
    expect(byCommand.QueryCommand).toBeLessThanOrEqual(6);
    expect(requests.length).toBeLessThanOrEqual(3 * DUE + 10);

    requests = [];
    expect(await stack.container.sweepLeases({ scan: false })).toMatchObject({ due: 0 });
    expect(requests.length).toBeLessThanOrEqual(6);
  }, 120_000);
});
