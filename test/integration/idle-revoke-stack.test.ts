import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { DEMO_CATALOG, withAuditLog } from '../support/demo-catalog.js';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';
const MIN = 60_000;

/**
 * Idle revoke through the real container (as local mode wires it): dynalite, the fake API server
 * writing its audit log to a file that the catalog names (1m delay), the sweep reading it.
 */
describe('idle revoke end to end (container, DynamoDB protocol, audit log file)', () => {
  let stack: TestStack;
  let path: string;

  beforeEach(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'kube-audit-')), 'audit.log');
    stack = new TestStack();
    stack.kube.auditLogPath = path;
    // The API server stamps its audit events with kube-lease's (manual) clock.
    stack.kube.now = () => stack.clock.now();
    const catalog = withAuditLog(DEMO_CATALOG, path, '1m').replace('    maxDuration: 4h\n', '    maxDuration: 4h\n    idleTimeout: 10m\n');
    await stack.start({ catalog });
  });
  afterEach(async () => {
    await stack.stop();
  });

  async function grant(key: string, reporter = alice): Promise<string> {
    stack.ticket(key, { [PROFILE]: 'payments-read', [DURATION]: '2h' }, reporter);
    const body = bodyOf(await stack.deliver(stack.jira.transition(key, 'Approved', bob)));
    expect(body.outcome).toBe('granted');
    return String(body.leaseId);
  }

  /** A request of `user` to the API server now: listing pods in payments. */
  async function listPods(user: string): Promise<number> {
    const response = await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods`, { headers: { authorization: `Bearer user:${user}` } });
    await response.arrayBuffer();
    return response.status;
  }

  it('revokes the unused lease with the reason on its ticket, keeps the one in use, and never revokes while the log cannot be read', async () => {
    // Prepare: alice's lease is used every few minutes; carol's never.
    const used = await grant('OPS-40');
    const unused = await grant('OPS-41', carol);
    // Act: the log file is away at minute 11, when carol's lease first looks idle, and back at 12.
    const statuses: number[] = [];
    const idleRevoked: number[] = [];
    for (let minute = 1; minute <= 13; minute += 1) {
      stack.clock.advance(MIN);
      if (minute === 11) renameSync(path, `${path}.away`);
      if (minute === 12) renameSync(`${path}.away`, path);
      if (minute % 4 === 0) statuses.push(await listPods('alice@example.com'));
      idleRevoked.push((await stack.container.sweepLeases()).idleRevoked);
    }
    // Assess: carol's lease is idle from 11m (10m timeout + 1m delay), revoked once the log reads again; alice's stays.
    expect(statuses).toEqual([200, 200, 200]);
    expect(idleRevoked).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(stack.logger.lines.some((l) => l.message.startsWith('idle check could not read the audit log') && l.fields.leaseId === unused)).toBe(true);
    expect(await stack.container.leases.get(unused)).toMatchObject({ status: 'REVOKED', revokeCause: 'idle' });
    expect(stack.kube.list(LABEL_LEASE_ID, unused)).toEqual([]);
    expect(stack.jira.comments('OPS-41').some((c) => c.includes('revoked early: no request through its bindings for 10m (idle timeout)'))).toBe(true);
    expect(await stack.container.leases.get(used)).toMatchObject({ status: 'ACTIVE' });
    expect(stack.kube.list(LABEL_LEASE_ID, used)).toHaveLength(2);
    expect(stack.audit.events.filter((e) => e.kind === 'revoke').map((e) => [e.leaseId, e.cause])).toEqual([[unused, 'idle']]);
  });
});
