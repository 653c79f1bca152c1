import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DEMO_CATALOG, withAuditLog } from '../support/demo-catalog.js';
import { runCli } from '../../lib/cli/operator.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { parseAllDocuments } from 'yaml';
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
    expect(out.join('')).toBe("no lease matches (1 other(s) in the lease table's index)\n");
    out = [];
    expect(await run('leases', 'list', '--ticket', 'OPS-90')).toBe(0);
    expect(out.join('')).toContain(id);
  });

  it('shows a lease with its history', async () => {
    const id = await grant('OPS-91');
    expect(await run('leases', 'show', id)).toBe(0);
    expect(out.join('')).toMatch(new RegExp(`lease\\s+${id} \\(ACTIVE\\)[\\s\\S]*PENDING → ACTIVE[\\s\\S]*ACTIVE → ACTIVE  by jira-webhook:\\S+ \\(grant announced\\)`));
    expect(out.join('')).not.toContain('announced  not yet');
  });

  it('says when the ticket has not been told of a grant yet (Jira was down at the comment)', async () => {
    // Prepare: every comment call fails while the grant is made.
    stack.ticket('OPS-92', { customfield_10100: 'payments-read' });
    stack.jira.failNext({ method: 'POST', pathIncludes: '/comment', times: 20, response: { status: 503, body: { errorMessages: ['Service Unavailable'] } } });
    const answer = await stack.deliver(stack.jira.transition('OPS-92', 'Approved', bob));
    stack.jira.clearFaults();
    // Act
    expect(await run('leases', 'show', String(bodyOf(answer).leaseId))).toBe(0);
    // Assess
    expect(bodyOf(answer)).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
    expect(out.join('')).toMatch(/^announced {2}not yet: the ticket has not been told of the grant; the sweep posts the comment from \d{4}-/m);
  });

  it('shows the streams seen at revoke and the activity evidence of a lease on an audited cluster', async () => {
    // Prepare: a stack whose fake API server writes the audit log the catalog names.
    await stack.stop();
    stack = new TestStack();
    const path = join(tmpdir(), `kube-lease-cli-audit-${randomUUID()}.log`);
    stack.kube.auditLogPath = path;
    await stack.start({ catalog: withAuditLog(DEMO_CATALOG, path, '1m') });
    const id = await grant('OPS-95');
    await (await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods`, { headers: { authorization: 'Bearer user:alice@example.com' } })).text();
    expect(await run('leases', 'revoke', id, '--reason', 'done')).toBe(0);
    stack.clock.advance(61_000);
    await stack.container.sweepLeases();
    out = [];
    // Act
    expect(await run('leases', 'show', id)).toBe(0);
    // Assess
    const text = out.join('');
    expect(text).toMatch(/^sessions {3}0 stream\(s\) seen at revoke; pods ended 0, not ended 0$/m);
    expect(text).toMatch(/^evidence {3}1 request\(s\), sha256:[0-9a-f]{64}; posted \d{4}-/m);
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
    // Only YAML on stdout (it is piped to kubectl), the verdict on stderr.
    expect(out.join('')).toMatch(/kind: Role[\s\S]*resourceNames/);
    expect(parseAllDocuments(out.join('')).every((d) => d.errors.length === 0)).toBe(true);
    expect(err.join('')).toMatch(/valid; 2 profile\(s\)/);
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

  it('answers read-only commands from the table settings alone, as JSON on stdout and nothing else', async () => {
    // Prepare: a granted lease and an ended one; the CLI gets only the store's settings.
    const open = await grant('OPS-95');
    const ended = await grant('OPS-96');
    expect(await run('leases', 'revoke', ended, '--reason', 'done')).toBe(0);
    out = [];
    err = [];
    const tableOnly = (...argv: string[]) =>
      runCli(argv, { env: { DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: 'leases-test' }, out: (t) => out.push(t), err: (t) => err.push(t) });
    // Act
    const listed = await tableOnly('leases', 'list', '--json');
    const openOnly = JSON.parse(out.join('')) as { id: string }[];
    out = [];
    await tableOnly('leases', 'list', '--all', '--json');
    const all = JSON.parse(out.join('')) as { id: string; status: string }[];
    out = [];
    await tableOnly('leases', 'list', '--status', 'revoked', '--since', '2000-01-01', '--json');
    const revoked = JSON.parse(out.join('')) as { id: string }[];
    out = [];
    const shown = await tableOnly('leases', 'show', open, '--json');
    const lease = JSON.parse(out.join('')) as { id: string; status: string };
    // Assess
    expect(listed).toBe(0);
    expect(openOnly.map((l) => l.id)).toEqual([open]);
    expect(all.map((l) => [l.id, l.status])).toEqual([[open, 'ACTIVE'], [ended, 'REVOKED']]);
    expect(revoked.map((l) => l.id)).toEqual([ended]);
    expect([shown, lease.id, lease.status]).toEqual([0, open, 'ACTIVE']);
    expect(err).toEqual([]);
  });

  it('shows the new columns: subject, role and time left', async () => {
    const id = await grant('OPS-97');
    expect(await run('leases', 'list')).toBe(0);
    const [header, row] = out.join('').split('\n');
    expect(header).toMatch(/SUBJECT\s+ROLE\s+CLUSTER\s+NAMESPACES\s+EXPIRES\s+LEFT/);
    expect(row).toContain(id);
    expect(row).toMatch(/User:alice@example.com\s+ClusterRole\/view[\s\S]*\s1h$/);
  });

  it('prints each command\'s own help and exits 0', async () => {
    expect(await run('leases', 'list', '--help')).toBe(0);
    expect(out.join('')).toMatch(/^usage: kube-lease leases list [\s\S]*--since/);
  });

  it.each([['leases', 'leases list', 'leases revoke'], ['catalog', 'catalog check', 'validate a catalog']])('prints the commands of the group with `%s --help` and exits 0', async (group, first, other) => {
    // Act
    const code = await run(group, '--help');
    // Assess
    expect(code).toBe(0);
    expect(out.join('')).toMatch(new RegExp(`^usage: kube-lease ${group} <command> \\[--help\\]\n {2}${first} `));
    expect(out.join('')).toContain(other);
    expect(err).toEqual([]);
  });

  it('exits 2 with the group\'s commands when a group is given no command', async () => {
    // Act
    const code = await run('leases');
    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/^kube-lease: leases takes a command\nusage: kube-lease leases <command>/);
    expect(out).toEqual([]);
  });

  it('says in one line that a catalog file is missing', async () => {
    expect(await run('catalog', 'check', 'no/such/catalog.yaml')).toBe(1);
    expect(err.join('')).toBe('kube-lease: ConfigError: cannot read no/such/catalog.yaml: no such file\n');
  });
});
