import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../lib/cli/operator.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';
/** A value the writer put in the malformed item: never in a log line, on a ticket or in the CLI's output. */
const PLANTED = 'PLANTED-VALUE-7f3a';

/*
 * Issue #23: a table writer (any of kube-lease's write roles) stores ONE lease item the schema refuses.
 * The list reads (the sweep's due leases, a ticket's leases, the CLI's listings) must carry on with
 * every readable lease, and say how many items they could not read.
 */
describe('one unreadable lease item (dynalite)', () => {
  let stack: TestStack;
  let doc: DynamoDBDocumentClient;

  beforeEach(async () => {
    stack = await new TestStack().start();
    doc = DynamoDBDocumentClient.from(stack.dynamoClient());
  });
  afterEach(async () => {
    await stack.stop();
  });

  async function grant(key: string): Promise<string> {
    stack.ticket(key, { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const body = bodyOf(await stack.deliver(stack.jira.transition(key, 'Approved', bob)));
    expect(body.outcome).toBe('granted');
    return String(body.leaseId);
  }

  /** A copy of a good lease's item under another id, ACTIVE, due earliest, with a wrong-typed and a missing field. */
  async function plantMalformed(of: string, id: string): Promise<void> {
    const item = (await doc.send(new GetCommand({ TableName: 'leases-test', Key: { pk: `lease#${of}` } }))).Item ?? {};
    const { requester: _requester, ...rest } = item;
    await doc.send(new PutCommand({ TableName: 'leases-test', Item: { ...rest, pk: `lease#${id}`, id, status: 'ACTIVE', dueAt: '2020-01-01T00:00:00.000Z', bindings: PLANTED } }));
  }

  const errors = () => stack.logger.lines.filter((l) => l.level === 'error');

  it('the sweep revokes the readable expired lease, counts the unreadable item and logs its pk and paths, never its values', async () => {
    // Prepare
    const leaseId = await grant('UNR-1');
    await plantMalformed(leaseId, 'unreadable00000000001');
    stack.clock.advance(3600 * 1000 + 1);
    // Act
    const summary = await stack.container.sweepLeases();
    // Assess
    expect(summary).toMatchObject({ revoked: 1, unreadableLeaseItems: 1 });
    expect((await stack.container.leases.get(leaseId))?.status).toBe('REVOKED');
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
    expect(stack.metrics.total('UnreadableLeaseItems')).toBe(1);
    const logged = errors().filter((l) => l.fields.pk === 'lease#unreadable00000000001');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields.paths).toEqual(expect.arrayContaining(['requester', 'bindings']));
    expect(JSON.stringify(stack.logger.lines)).not.toContain(PLANTED);
  });

  it('a due-list read fills its limit with readable leases: an unreadable item is returned beside them, not in their place', async () => {
    // Prepare: the unreadable item is due first.
    const leaseId = await grant('UNR-8');
    await plantMalformed(leaseId, 'unreadable00000000008');
    // Act
    const due = await stack.container.leases.listDue('ACTIVE', new Date('9999-01-01T00:00:00.000Z'), 1);
    // Assess
    expect(due.leases.map((l) => l.id)).toEqual([leaseId]);
    expect(due.unreadable).toEqual([{ pk: 'lease#unreadable00000000008', paths: ['requester', 'bindings'] }]);
  });

  it('the orphan scan leaves the bindings of an unreadable lease item alone, counts it, and goes on', async () => {
    // Prepare: A's item is edited so that it no longer reads (not due: only the scan meets it); B's record is gone.
    const a = await grant('UNR-6');
    const b = await grant('UNR-7');
    const item = (await doc.send(new GetCommand({ TableName: 'leases-test', Key: { pk: `lease#${a}` } }))).Item ?? {};
    await doc.send(new PutCommand({ TableName: 'leases-test', Item: { ...item, version: PLANTED } }));
    await doc.send(new DeleteCommand({ TableName: 'leases-test', Key: { pk: `lease#${b}` } }));
    // Act
    const summary = await stack.container.sweepLeases({ scan: true });
    // Assess
    expect(summary).toMatchObject({ failed: 0, unreadableLeaseItems: 1, orphanBindingsDeleted: 2 });
    expect(stack.kube.list(LABEL_LEASE_ID, a)).toHaveLength(2);
    expect(stack.kube.list(LABEL_LEASE_ID, b)).toEqual([]);
    expect(errors().filter((l) => l.fields.leaseId === a)).toHaveLength(1);
    expect(JSON.stringify(stack.logger.lines)).not.toContain(PLANTED);
  });

  it('a close revokes the ticket\'s readable lease and says on the ticket that a record of it could not be read', async () => {
    // Prepare
    const leaseId = await grant('UNR-2');
    await plantMalformed(leaseId, 'unreadable00000000002');
    // Act
    const response = bodyOf(await stack.deliver(stack.jira.transition('UNR-2', 'Done', bob)));
    // Assess
    expect(response).toMatchObject({ outcome: 'closed', revoked: [leaseId], unreadable: 1 });
    expect((await stack.container.leases.get(leaseId))?.status).toBe('REVOKED');
    const comments = stack.jira.comments('UNR-2');
    expect(comments.at(-1)).toContain('1 lease record of this ticket could not be read');
    expect(comments.join('\n')).not.toContain(PLANTED);
    expect(errors().some((l) => l.fields.pk === 'lease#unreadable00000000002')).toBe(true);
    expect(stack.audit.events.filter((e) => e.kind === 'failure')).toEqual([expect.objectContaining({ ticket: 'UNR-2', code: 'unreadable-lease-item' })]);
  });

  it('a close that meets only an unreadable item does not say the ticket has no open lease', async () => {
    // Prepare
    const leaseId = await grant('UNR-3');
    await stack.container.revokeLease({ leaseId, cause: 'manual', actor: 'test', note: 'ended before the close' });
    await plantMalformed(leaseId, 'unreadable00000000003');
    // Act
    const response = bodyOf(await stack.deliver(stack.jira.transition('UNR-3', 'Done', bob)));
    // Assess
    expect(response).toMatchObject({ outcome: 'closed', revoked: [], unreadable: 1 });
    expect(stack.jira.comments('UNR-3').at(-1)).toContain('1 lease record of this ticket could not be read');
  });

  it('leases list, --ticket and sweep --dry-run list the readable leases, say how many items could not be read, and exit 1', async () => {
    // Prepare
    const leaseId = await grant('UNR-4');
    await plantMalformed(leaseId, 'unreadable00000000004');
    const env: NodeJS.ProcessEnv = { DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: 'leases-test' };
    for (const argv of [['leases', 'list', '--json'], ['leases', 'list'], ['leases', 'list', '--ticket', 'UNR-4', '--json']]) {
      const out: string[] = [];
      const err: string[] = [];
      // Act
      const code = await runCli(argv, { env, out: (t) => out.push(t), err: (t) => err.push(t) });
      // Assess
      expect({ argv, code }).toEqual({ argv, code: 1 });
      expect(out.join('')).toContain(leaseId);
      expect(err.join('')).toContain('1 lease item(s) could not be read: lease#unreadable00000000004');
      expect(out.join('') + err.join('')).not.toContain(PLANTED);
    }
    const out: string[] = [];
    const err: string[] = [];
    expect(await runCli(['sweep', '--dry-run'], { env, out: (t) => out.push(t), err: (t) => err.push(t) })).toBe(1);
    expect(out.join('')).toContain('dry run: would activate 0, revoke 0');
    expect(err.join('')).toContain('1 lease item(s) could not be read: lease#unreadable00000000004 (requester, bindings)');
  });

  it('the report is written with the readable leases, names the unreadable item and exits 1 (it is not complete)', async () => {
    // Prepare
    const leaseId = await grant('UNR-5');
    await plantMalformed(leaseId, 'unreadable00000000005');
    const env: NodeJS.ProcessEnv = { DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: 'leases-test' };
    for (const format of ['json', 'html']) {
      const out: string[] = [];
      const err: string[] = [];
      // Act
      const code = await runCli(['report', '--from', '2000-01-01', '--to', '2100-01-01', '--format', format], { env, out: (t) => out.push(t), err: (t) => err.push(t) });
      // Assess
      expect({ format, code }).toEqual({ format, code: 1 });
      expect(out.join('')).toContain(leaseId);
      expect(out.join('')).toContain('lease#unreadable00000000005');
      expect(err.join('')).toContain('kube-lease report: incomplete. 1 lease item(s) could not be read: lease#unreadable00000000005');
      expect(out.join('') + err.join('')).not.toContain(PLANTED);
      if (format === 'json') expect((JSON.parse(out.join('')) as { unreadableLeaseItems: unknown }).unreadableLeaseItems).toEqual([{ pk: 'lease#unreadable00000000005', paths: expect.arrayContaining(['requester', 'bindings']) }]);
      else expect(out.join('')).toContain('This report is incomplete: 1 lease item(s) of the table could not be read');
    }
  });
});
