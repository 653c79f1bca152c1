import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../lib/cli/operator.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

describe('operator CLI (kube-lease)', () => {
  let stack: TestStack;
  let out: string[];
  let err: string[];
  const run = (...argv: string[]) =>
    runCli(argv, { env: { USER: 'ops-alice' }, out: (t) => out.push(t), err: (t) => err.push(t), container: () => stack.container });

  beforeEach(async () => {
    stack = await new TestStack().start();
    out = [];
    err = [];
  });
  afterEach(async () => {
    await stack.stop();
  });

  async function grant(key: string): Promise<string> {
    stack.ticket(key, { customfield_10100: 'payments-read' });
    return String(bodyOf(await stack.deliver(stack.jira.transition(key, 'Approved', bob))).leaseId);
  }

  it('lists open leases as a table, by user and by ticket', async () => {
    const id = await grant('OPS-90');
    expect(await run('leases', 'list')).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^LEASE\s+STATUS\s+TICKET\s+REQUESTER/);
    expect(text).toContain(id);
    expect(text).toContain('alice@example.com');
    out = [];
    expect(await run('leases', 'list', '--user', 'nobody@example.com')).toBe(0);
    expect(out.join('')).toBe('no leases\n');
    out = [];
    expect(await run('leases', 'list', '--ticket', 'OPS-90')).toBe(0);
    expect(out.join('')).toContain(id);
  });

  it('shows a lease with its history', async () => {
    const id = await grant('OPS-91');
    expect(await run('leases', 'show', id)).toBe(0);
    expect(out.join('')).toMatch(new RegExp(`lease\\s+${id} \\(ACTIVE\\)[\\s\\S]*PENDING → ACTIVE`));
  });

  it('revokes by hand: audited as manual with the reason, bindings gone, ticket told', async () => {
    const id = await grant('OPS-92');
    expect(await run('leases', 'revoke', id, '--reason', 'incident closed early')).toBe(0);
    expect(stack.kube.list(LABEL_LEASE_ID, id)).toEqual([]);
    expect(stack.audit.events.at(-1)).toMatchObject({ kind: 'revoke', cause: 'manual', actor: 'cli:ops-alice', reason: 'incident closed early' });
    expect(stack.jira.comments('OPS-92').at(-1)).toContain('an operator revoked it');
    expect((await stack.container.leases.get(id))?.history.at(-1)?.note).toBe('manual: incident closed early');
    expect(await run('leases', 'revoke', id, '--reason', 'again')).toBe(1);
  });

  it('shows what a sweep would do without doing it', async () => {
    const id = await grant('OPS-93');
    stack.clock.advance(2 * 3600_000);
    expect(await run('sweep', '--dry-run')).toBe(0);
    expect(out.join('')).toMatch(/dry run: would activate 0, revoke 1, settle 0/);
    expect(out.join('')).toContain(`revoke   ${id} OPS-93`);
    expect(stack.kube.list(LABEL_LEASE_ID, id)).toHaveLength(2);
  });

  it('checks a catalog and prints the RBAC it implies; refuses a bad one with its line', async () => {
    expect(await run('catalog', 'check', 'deploy/catalog.example.yaml')).toBe(0);
    expect(out.join('')).toMatch(/valid; 2 profile\(s\)[\s\S]*kind: Role[\s\S]*resourceNames/);
    expect(await run('catalog', 'check', 'package.json')).toBe(1);
    expect(err.join('')).toMatch(/package.json:\d+/);
  });

  it.each([[[]], [['leases', 'show', 'not-an-id']], [['leases', 'revoke', '0123456789abcdef0123']], [['leases', 'list', '--bogus']], [['frobnicate']]])(
    'exits 2 with the usage on bad arguments: %j',
    async (argv) => {
      expect(await run(...argv)).toBe(2);
      expect(out.join('') + err.join('')).toContain('usage: kube-lease');
    },
  );
});
